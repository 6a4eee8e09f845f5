"""Lesson 07: direct feedback loops (Sculley et al. 2015, §4)."""
