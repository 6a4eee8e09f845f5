"""Lesson 11: dead experimental codepaths (Sculley et al. 2015, §5)."""
