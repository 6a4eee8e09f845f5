"""Reading what a learner typed into ``answer`` or ``prediction``: small functions that never raise.

Every exercise checker and prediction judge starts by reading the learner's value, which can be
anything at all (a number, text, a list, a function, garbage). These read it one way, the same
in every lesson, and answer None (or False) when the value is not of the form asked for.

>>> number_in("about 12.5 points"), as_pair([1, 2]), within(0.30, 0.31, 0.02)
(12.5, (1, 2), True)
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

_YES_NO = re.compile(r"\b(yes|yeah|yep|true|no|nope|false)\b")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def is_number(value: Any) -> bool:
    """A finite real number (numpy's included), not a bool; never raises, even on huge integers.

    >>> is_number(3), is_number(float("nan")), is_number(True), is_number("3"), is_number(10 ** 400)
    (True, False, False, False, False)
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or type(value).__name__ == "bool_":
        return False
    try:
        return math.isfinite(float(value))
    except (OverflowError, ValueError, TypeError):
        return False


def as_text(value: Any) -> str:
    """Whatever the learner wrote, as lower-case text ("" if it cannot be turned into text).

    >>> as_text("Spain FALLS")
    'spain falls'
    """
    try:
        return str(value).lower()
    except Exception:
        return ""


def number_in(value: Any) -> float | None:
    """The number the learner gave: a number, or the first number in their text; None if none.

    >>> number_in(0.25), number_in("I think -3 points"), number_in("no idea"), number_in([1])
    (0.25, -3.0, None, 1.0)
    """
    if is_number(value):
        return float(value)
    found = _NUMBER.search(as_text(value))
    return float(found.group()) if found else None


def as_pair(value: Any) -> tuple | None:
    """``value`` as a tuple of two, or None if it is not a list or tuple of two.

    >>> as_pair(("a", 1)), as_pair("ab"), as_pair([1, 2, 3])
    (('a', 1), None, None)
    """
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return tuple(value)
    return None


def as_names(value: Any) -> set[str] | None:
    """``value`` as a set of names, or None if it is not a list, tuple or set of strings.

    >>> sorted(as_names(["b", "a"])), as_names("ab"), as_names([1])
    (['a', 'b'], None, None)
    """
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in value):
        return None
    return set(value)


def within(value: Any, target: float, tolerance: float) -> bool:
    """Is ``value`` a number no further than ``tolerance`` from ``target``?

    >>> within(0.30, 0.31, 0.02), within(0.5, 0.31, 0.02), within("0.31", 0.31, 0.02)
    (True, False, False)
    """
    return is_number(value) and abs(float(value) - float(target)) <= tolerance + 1e-9


def read_yes_no(value: Any) -> bool | None:
    """A learner's yes or no, however written; None when it is neither (or both).

    >>> read_yes_no(" Yes, I think so"), read_yes_no("n"), read_yes_no(False), read_yes_no("maybe"), read_yes_no([1])
    (True, False, False, None, None)
    """
    if value is True or value is False:
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in ("y", "n"):
        return text == "y"
    words = {word in ("yes", "yeah", "yep", "true") for word in _YES_NO.findall(text)}
    return words.pop() if len(words) == 1 else None


def you_guessed(prediction: Any) -> str:
    """The start of a prediction judge's sentence: "you guessed 12; ", or "" if no number was given.

    >>> you_guessed("maybe 12"), you_guessed("no idea")
    ('you guessed 12; ', '')
    """
    guess = number_in(prediction)
    return f"you guessed {guess:g}; " if guess is not None else ""
