"""Kind errors: one line that says what was wrong and what is allowed.

Example
-------
>>> str(unknown_choice("feature", "user_agee", ["session_count", "user_age"]))
"unknown feature 'user_agee' (did you mean 'user_age'?); choose one of: session_count, user_age"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CourseInputError(ValueError):
    """Bad input from a learner or a user. Its message is one line, shown without a traceback."""


def unknown_choice(what: str, given: object, choices: Iterable[str],
                   listed: Iterable[str] | None = None) -> CourseInputError:
    """Build the error for a name that is not one of ``choices``; ``listed``, if given, is what the
    message lists (when naming every choice would make the line too long).

    >>> str(unknown_choice("lesson", "glue", ["09", "glue_code"], listed=["09"]))
    "unknown lesson 'glue' (did you mean 'glue_code'?); choose one of: 09"
    """
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(given).strip(), choices, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    listed = choices if listed is None else [str(c) for c in listed]
    return CourseInputError(f"unknown {what} {shown(given)}{hint}; choose one of: {', '.join(listed)}")


def shown(value: object, limit: int = 60) -> str:
    """A value quoted for an error message: on one line, and cut short if long.

    >>> shown("user_age\\n")
    "'user_age\\\\n'"
    """
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def show_course_errors_briefly() -> None:
    """In IPython/Jupyter, print a :class:`CourseInputError` as one line, without a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def one_line(shell, etype, value, tb, tb_offset=None):
        print(f"{etype.__name__}: {value}")

    shell.set_custom_exc((CourseInputError,), one_line)
