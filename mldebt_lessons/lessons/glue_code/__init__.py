"""Lesson 09: glue code (Sculley et al. 2015, §5)."""
