"""This lesson's claims as code; see :mod:`mldebt_lessons.course.claims`."""

from __future__ import annotations

CLAIMS: tuple = ()
