"""Lesson 10: pipeline jungles (Sculley et al. 2015, §5)."""
