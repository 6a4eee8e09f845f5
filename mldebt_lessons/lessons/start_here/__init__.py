"""Lesson 00, start here: the set-up check, the tour of Larkspur, and how little of it is ML code."""
