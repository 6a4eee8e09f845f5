"""Lesson 08: hidden feedback loops (Sculley et al. 2015, §4)."""
