"""Lesson 06: static analysis of data dependencies (Sculley et al. 2015, §3)."""
