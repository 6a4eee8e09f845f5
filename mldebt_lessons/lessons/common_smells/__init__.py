"""Lesson 13: common smells (Sculley et al. 2015, §5)."""
