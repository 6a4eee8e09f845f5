"""Machinery every lesson shares: lesson types and checking, quizzes, claims, tutor prompts,
pictures, tables, the explorer base class, and the notebooks' display helpers.

Nothing here knows any one lesson; lessons import from here, never the other way round.
"""
