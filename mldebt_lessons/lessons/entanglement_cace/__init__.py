"""Lesson 01: entanglement and the CACE principle (Sculley et al. 2015, §2)."""
