"""Lesson 17: Other debts (Sculley et al. 2015, §8)."""
