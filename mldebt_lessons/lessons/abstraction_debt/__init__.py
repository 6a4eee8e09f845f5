"""Lesson 12: abstraction debt (Sculley et al. 2015, §5)."""
