"""Lesson 05: underutilized data dependencies (Sculley et al. 2015, §3)."""
