"""Paste-ready prompts for an AI tutor, built from a lesson and the learner's own results.

>>> from mldebt_lessons.lessons import get_lesson
>>> text = tutor_prompt(get_lesson("01"), results="churn_model: 75.2% of decisions flipped")
>>> "75.2%" in text and text.count("\\n1. ") == 1
True
"""

from __future__ import annotations

from mldebt_lessons.course.lesson import Lesson
from mldebt_lessons.shop.graph import ripple_summary

PAPER = ("D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015")

def world_summary(world) -> str:
    """Larkspur in three sentences, every number and name read from the world itself."""
    from mldebt_lessons.shop.graph import nodes_of_kind
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


def models_summary(world) -> str:
    """Each model's kind of estimator, in one line each: it explains what retraining does to it."""
    return "\n".join(f"- {name}: {model.spec.kind}, reads {', '.join(model.spec.inputs)}"
                     for name, model in world.models.items())


def tutor_prompt(lesson: Lesson, results: str = "", quiz=None,
                 my_system: str = "", claims=()) -> str:
    """One prompt holding the lesson's context, the learner's results and the three questions."""
    from mldebt_lessons.shop.world import build_world
    world = build_world()
    graph = lesson.focus_graph(world.graph) if lesson.focus_graph else world.graph
    lines = [
        f"I am working through lesson {lesson.id}, \"{lesson.title}\", of the mldebt-lessons course, based on "
        f"{PAPER}, {lesson.paper_section}. Please act as my tutor.",
        "",
        "## Context",
        world_summary(world),
        *[ripple_summary(graph, node) for node in lesson.focus_nodes],
        "",
        "The models, and how each is built (this explains what retraining does to each):",
        models_summary(world),
        "",
        "What this lesson wants me to learn:",
        *[f"- {o}" for o in lesson.objectives],
        "",
        "## What I measured myself",
        results.strip() or "(no results yet: I have not run the demo)",
    ]
    if quiz is not None:
        lines += ["", *quiz_summary(lesson, quiz)]
    if claims:
        lines += ["", "## The lesson's claims, measured by the course across many worlds (seeds)",
                  *claim_lines(claims)]
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


def quiz_summary(lesson: Lesson, quiz) -> list[str]:
    """How the learner did in the quiz widget: the score, and each missed question with the option picked.

    >>> from mldebt_lessons.lessons import get_lesson
    >>> from mldebt_lessons.course.quiz import Quiz
    >>> quiz = Quiz(get_lesson("01"))
    >>> quiz_summary(get_lesson("01"), quiz)[0].startswith("My quiz: not attempted yet (0 of ")
    True
    >>> quiz.answer(0, [option.correct for option in quiz.lesson.quiz[0].options].index(True))
    >>> quiz_summary(get_lesson("01"), quiz)[0].endswith("questions I answered. I missed none.")
    True
    """
    right, total = quiz.score()
    answered = quiz.answered()
    if answered == 0:
        return [f"My quiz: not attempted yet (0 of {total} questions answered)."]
    missed = quiz.missed()
    lines = [f"My quiz: {right} right of the {answered} of {total} questions I answered."
             + (f" I missed question{'s' if len(missed) > 1 else ''} {', '.join(map(str, missed))}; please help me "
                "see why:" if missed else " I missed none.")]
    for number in missed:
        question = lesson.quiz[number - 1]
        picked = question.options[quiz.choices[number - 1].value]
        lines.append(f"- Question {number}: {question.text} I chose \"{picked.text}\"; the course's feedback on "
                     f"that option: {picked.feedback}")
    return lines


def claim_lines(claims) -> list[str]:
    """One line per measured claim: its sentence, then in how many worlds it holds and its effect's range."""
    from mldebt_lessons.course.claims import robustness_text
    return [f"- {c.sentence} ({'headline claim; ' if c.headline else ''}{robustness_text(c)})" for c in claims]


def quiz_prompt(lesson: Lesson) -> str:
    """A paste-ready prompt that has an AI tutor quiz the learner, one question at a time.

    It carries the lesson's context, every question with its right answer and the feedback for
    each option, and rules: ask one at a time, wait, never reveal an answer before the learner commits.

    >>> from mldebt_lessons.lessons import get_lesson
    >>> text = quiz_prompt(get_lesson("01"))
    >>> "one at a time" in text and "Question 1" in text
    True
    """
    from mldebt_lessons.course.quiz import display_order
    from mldebt_lessons.shop.world import build_world
    world = build_world()
    lines = [
        f"Please quiz me on lesson {lesson.id}, \"{lesson.title}\", of the mldebt-lessons course, based on "
        f"{PAPER}, {lesson.paper_section}.",
        "",
        "## Rules",
        "- Ask me the questions below one at a time, in order, with their options lettered as given.",
        "- Wait for my answer before you say anything about it. Never reveal or hint at the right answer before I "
        "commit to one, even if I ask; you may rephrase the question.",
        "- After I answer, say whether I was right, and explain with the feedback given for the option I chose "
        "(and for the right one, if I was wrong), in your own words, in a few sentences.",
        "- At the end, tell me my score and which ideas to review, from the lesson's key points.",
        "",
        "## Context",
        world_summary(world),
        "The models, and how each is built:",
        models_summary(world),
        "What the lesson teaches:",
        *[f"- {o}" for o in lesson.objectives],
        "Key points:",
        *[f"- {p}" for p in lesson.key_points],
        "",
        "## The questions (for you only: do not show me the answers or the feedback)",
    ]
    for number, question in enumerate(lesson.quiz):
        lines += ["", f"Question {number + 1}: {question.text}"]
        for letter, i in zip("ABCDEFGH", display_order(lesson, number)):
            option = question.options[i]
            lines.append(f"  {letter}. {option.text}{'   [RIGHT ANSWER]' if option.correct else ''}")
            lines.append(f"     feedback: {option.feedback}")
    lines += ["", "Start now with question 1."]
    return "\n".join(lines)
