"""Larkspur's support assistant: help articles, a toy embedder and index, a simulated hosted model,
a simulated judge and the prompt templates; all small, seeded, and made with numpy and scikit-learn.

No real language model is involved: each piece is a deterministic stand-in that reproduces one
mechanism of ML debt in LLM systems (lesson 18). ``articles`` (articles, questions, embedders,
the index), ``hosted`` (the hosted model's answers, parsers, the contract test), ``judge`` (the
judge and its thresholds) and ``graph`` (the shop graph with the assistant added).
"""
