"""Lesson 04: unstable data dependencies (Sculley et al. 2015, §3)."""
