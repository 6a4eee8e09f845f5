"""Lesson 90, the capstone: audit your own system with ``mldebt audit``."""
