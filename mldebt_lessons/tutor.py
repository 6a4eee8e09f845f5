"""Paste-ready prompts for an AI tutor, built from a lesson and the learner's own results.

>>> from mldebt_lessons.lessons import get_lesson
>>> text = tutor_prompt(get_lesson("01"), results="churn_model: 75.2% of decisions flipped")
>>> "75.2%" in text and text.count("\\n1. ") == 1
True
"""

from __future__ import annotations

from .graph import ripple_summary
from .lesson import Lesson

PAPER = ("D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015")

def world_summary(world) -> str:
    """Larkspur in three sentences, every number and name read from the world itself."""
    from .graph import nodes_of_kind
    g = world.graph
    names = {kind: ", ".join(nodes_of_kind(g, kind)) for kind in ("source", "feature", "model", "consumer")}
    counts = {kind: len(nodes_of_kind(g, kind)) for kind in names}
    return (f"The course's toy world is {world.company}, a small online homeware shop with "
            f"{len(world.train_rows) + len(world.test_rows):,} synthetic users drawn from a known ground truth "
            f"(seed {world.seed}). {counts['source']} raw sources ({names['source']}) feed {counts['feature']} "
            f"features ({names['feature']}), which feed {counts['model']} real scikit-learn models "
            f"({names['model']}), whose decisions feed {counts['consumer']} consumers ({names['consumer']}). "
            f"Larkspur has just opened in a new market, {world.new_market.name} (Spain), with "
            f"{len(world.new_market.raw['user_age']):,} users so far; its fraud model is trained as a correction on "
            f"top of the home fraud model.")


def tutor_prompt(lesson: Lesson, results: str = "", quiz=None,
                 my_system: str = "") -> str:
    """One prompt holding the lesson's context, the learner's results and the three questions."""
    from .world import build_world
    world = build_world()
    lines = [
        f"I am working through lesson {lesson.id}, \"{lesson.title}\", of the mldebt-lessons course, based on "
        f"{PAPER}, {lesson.paper_section}. Please act as my tutor.",
        "",
        "## Context",
        world_summary(world),
        *[ripple_summary(world.graph, node) for node in lesson.focus_nodes],
        "",
        "What this lesson wants me to learn:",
        *[f"- {o}" for o in lesson.objectives],
        "",
        "## What I measured myself",
        results.strip() or "(no results yet: I have not run the demo)",
    ]
    if quiz is not None:
        right, total = quiz.score()
        answered = quiz.answered()
        lines.append(f"My quiz: not attempted yet (0 of {total} questions answered)." if answered == 0 else
                     f"My quiz: {right} right of the {answered} of {total} questions I answered.")
    lines += [
        "",
        "## Please answer these in order; each builds on the one before",
        *[f"{i}. {p}" for i, p in enumerate(lesson.tutor_prompts, start=1)],
        "",
        "## My system (for question 3)",
        my_system.strip() or "(describe your own ML or LLM system here: its data sources, features, models, "
                             "who reads their outputs, and who owns each part)",
        "",
        "Where my measured results above bear on an answer, use them, and tell me if I have misread them.",
    ]
    return "\n".join(lines)
