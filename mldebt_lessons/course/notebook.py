"""Small display helpers for the lesson notebooks: lesson text kept as data is shown as Markdown.

>>> from mldebt_lessons.lessons import get_lesson
>>> md = header_markdown(get_lesson("01"))
>>> "Learning objectives" in md
True
"""

from __future__ import annotations

from mldebt_lessons.course.lesson import Exercise, Lesson


class Markdown:
    """Markdown for Jupyter, with a short stable plain-text form."""

    def __init__(self, text: str, label: str):
        self.text, self.label = text, label

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.label


class Html:
    """HTML for a notebook, with a short plain-text form for screen readers and nbval."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def header_markdown(lesson: Lesson) -> str:
    lines = [f"**Paper section:** {lesson.paper_section} of Sculley et al., *Hidden Technical Debt in Machine "
             f"Learning Systems* (NeurIPS 2015)  ",
             f"**Time:** about {lesson.minutes} minutes  ",
             f"**Prerequisites:** {', '.join(lesson.prerequisites)}", "",
             "**Learning objectives.** By the end you can:", ""]
    lines += [f"{i}. {o}" for i, o in enumerate(lesson.objectives, start=1)]
    return "\n".join(lines)


def show_header(lesson: Lesson) -> Markdown:
    """The lesson's section, time, prerequisites and objectives."""
    return Markdown(header_markdown(lesson), f"[lesson {lesson.id}: {lesson.title}]")


def exercise_markdown(task: Exercise) -> Markdown:
    """An exercise's task: first what to predict, then what to measure; the hint only on request."""
    title = task.title if task.title.endswith(("?", "!", ".")) else task.title + "."
    predict = f"**Predict first.** {task.predict}\n\n" if task.predict else ""
    text = (f"**Exercise {task.id}: {title}**\n\n{predict}**Then measure.** {task.prompt}\n\n"
            f"Stuck? `hint(\"{task.id}\")` prints a hint, and `show_solution(\"{task.id}\")` a worked solution.")
    return Markdown(text, f"[exercise {task.id}: {task.title}]")


def show_tutor_prompts(lesson: Lesson) -> Markdown:
    """The lesson's three AI-tutor prompts, numbered, in order."""
    text = "\n".join(f"{i}. {p}" for i, p in enumerate(lesson.tutor_prompts, start=1))
    return Markdown(text, f"[three tutor prompts for lesson {lesson.id}]")


def show_key_points(lesson: Lesson) -> Markdown:
    """Key points and further reading."""
    text = "\n".join(f"- {p}" for p in lesson.key_points)
    if lesson.further_reading:
        text += "\n\n**Further reading**\n\n" + "\n".join(f"- {r}" for r in lesson.further_reading)
    return Markdown(text, f"[key points of lesson {lesson.id}]")
