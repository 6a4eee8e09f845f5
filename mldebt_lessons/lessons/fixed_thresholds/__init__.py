"""Lesson 15: fixed thresholds in a dynamic system (Sculley et al. 2015, §7)."""
