"""Lesson 16: monitoring and testing (Sculley et al. 2015, §7)."""
