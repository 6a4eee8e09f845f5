"""Lesson 02: correction cascades and the improvement deadlock (Sculley et al. 2015, §2)."""
