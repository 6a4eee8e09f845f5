"""Lesson 18: ML debt in LLM systems (Sculley et al. 2015, §2-§8)."""
