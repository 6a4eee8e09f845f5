"""Lesson 14: configuration debt (Sculley et al. 2015, §6)."""
