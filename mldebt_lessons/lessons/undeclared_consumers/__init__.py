"""Lesson 03: undeclared consumers and a hidden feedback loop (Sculley et al. 2015, §2)."""
