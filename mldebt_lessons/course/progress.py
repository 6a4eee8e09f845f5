"""A learner's progress in this kernel, and the short token that carries it to the instructor.

``check`` records each exercise's result here, and a quiz records its answers; ``progress_token``
turns one lesson's record into a line of ASCII the learner pastes into the workshop's chat, and
``parse_token`` reads it back. Nothing personal goes in: no name, host, path or time; only an
anonymous key drawn at random once per kernel, so that a learner who pastes twice counts once.
Nothing is written to disk: a restarted kernel starts with an empty record and a new key, so the
instructor's room counts a learner's pastes from before and after a restart as two learners.

The token, for example ``mldebt1-01-k3x9q2-rrwnn-rrwnrrn-1d1``, is six fields joined by ``-``:

1. ``mldebt1``: what it is, and the format's version (1);
2. ``01``: the lesson's id;
3. ``k3x9q2``: the kernel's anonymous key (6 characters of :data:`ALPHABET`);
4. one letter per exercise, in the lesson's order: ``r`` right (at least once), ``w`` tried but not
   right yet, ``n`` not tried;
5. one letter per quiz question, in the lesson's order: ``r`` first answer right, ``w`` first answer
   wrong, ``n`` not answered (only the first answer counts: after it, the feedback gives the answer away);
6. a checksum of everything before it (3 characters), so a token changed or cut short in the
   paste is noticed.

Tokens are read without regard to case (a phone may capitalise the first letter of a message).

>>> record = new_record(key="k3x9q2")
>>> record_exercise("01.1", answered=True, ok=False, record=record)
>>> record_exercise("01.1", answered=True, ok=True, record=record)
>>> record_exercise("01.2", answered=True, ok=False, record=record)
>>> record_quiz_answer("01", 0, correct=True, record=record)
>>> token = token_for("01", ["01.1", "01.2", "01.3"], questions=3, record=record)
>>> token
'mldebt1-01-k3x9q2-rwn-rnn-969'
>>> parse_token(token.upper())
LessonProgress(lesson='01', key='k3x9q2', exercises='rwn', quiz='rnn')
"""

from __future__ import annotations

import re
import secrets
import zlib
from dataclasses import dataclass, field

from mldebt_lessons.course.lesson import Lesson
from mldebt_lessons.errors import CourseInputError

PREFIX = "mldebt"
VERSION = "1"
RIGHT, WRONG, NOT_TRIED = "r", "w", "n"  # an exercise's or a quiz question's state in a token
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case: no i, l, o or u to misread
KEY_LENGTH, CHECKSUM_LENGTH = 6, 3

# A whole token, once lowered: the six fields of the module's docstring.
_TOKEN = re.compile(rf"{PREFIX}(\d+)-(\d+)-([{ALPHABET}]{{{KEY_LENGTH}}})-([rwn]*)-([rwn]*)"
                    rf"-([{ALPHABET}]{{{CHECKSUM_LENGTH}}})")


@dataclass
class KernelRecord:
    """What one kernel has recorded: plain data, kept in memory only (a new kernel starts afresh)."""

    key: str  # anonymous and random: who pasted twice, never who they are
    exercises: dict[str, str] = field(default_factory=dict)  # exercise id -> RIGHT or WRONG
    quiz: dict[tuple[str, int], str] = field(default_factory=dict)  # (lesson id, question number) -> first answer
    lessons: dict[str, None] = field(default_factory=dict)  # the lessons touched, in the order touched


@dataclass(frozen=True)
class LessonProgress:
    """One lesson's results, as a token carries them: a letter per exercise and per quiz question."""

    lesson: str
    key: str
    exercises: str  # e.g. "rrwnn"
    quiz: str  # e.g. "rrwnrrn"


class TokenError(CourseInputError):
    """A text that is not a readable progress token; ``reason`` says why in a few words, for counting."""

    def __init__(self, reason: str, text: str):
        super().__init__(f"not a readable progress token ({reason}): {text[:60]!r}")
        self.reason = reason


def new_key() -> str:
    """A fresh anonymous key: random, with nothing of the learner or the machine in it."""
    return "".join(secrets.choice(ALPHABET) for _ in range(KEY_LENGTH))


def new_record(key: str | None = None) -> KernelRecord:
    """An empty record; ``key`` fixes the anonymous key (for tests), otherwise it is drawn at random."""
    return KernelRecord(key=key or new_key())


_KERNEL = new_record()  # this kernel's record, where ``check`` and the quiz write


def kernel_record() -> KernelRecord:
    """This kernel's record."""
    return _KERNEL


def reset_progress(key: str | None = None) -> None:
    """Forget everything this kernel recorded (and draw a new key, or take ``key``, for tests)."""
    global _KERNEL
    _KERNEL = new_record(key)


def lesson_of(exercise_id: str) -> str:
    """The lesson an exercise belongs to, from its id.

    >>> lesson_of("07.3")
    '07'
    """
    return exercise_id.split(".", 1)[0]


def touch_lesson(lesson_id: str, record: KernelRecord | None = None) -> None:
    """Note that the learner opened a lesson here (ran a check or saw its quiz)."""
    (record or _KERNEL).lessons.setdefault(lesson_id, None)


def record_exercise(exercise_id: str, answered: bool, ok: bool, record: KernelRecord | None = None) -> None:
    """Record one ``check``: an exercise once right stays right; no answer only touches its lesson."""
    record = record or _KERNEL
    touch_lesson(lesson_of(exercise_id), record)
    if answered and record.exercises.get(exercise_id) != RIGHT:
        record.exercises[exercise_id] = RIGHT if ok else WRONG


def record_quiz_answer(lesson_id: str, number: int, correct: bool, record: KernelRecord | None = None) -> None:
    """Record an answer to quiz question ``number`` (from 0); only the first answer to a question counts."""
    record = record or _KERNEL
    touch_lesson(lesson_id, record)
    record.quiz.setdefault((lesson_id, number), RIGHT if correct else WRONG)


def lessons_touched(record: KernelRecord | None = None) -> list[str]:
    """The ids of the lessons touched in this kernel, in the order touched."""
    return list((record or _KERNEL).lessons)


def checksum(body: str) -> str:
    """Three characters of CRC-32 over ``body``: a changed or cut token fails it (all but 1 in 32,768).

    >>> checksum("mldebt1-01-k3x9q2-rwn-rnn")
    '969'
    """
    value = zlib.crc32(body.encode("ascii"))
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(CHECKSUM_LENGTH)))


def token_for(lesson_id: str, exercise_ids: list[str], questions: int, record: KernelRecord | None = None) -> str:
    """The progress token of one lesson: its exercises (by id, in order) and its ``questions`` quiz questions."""
    record = record or _KERNEL
    exercises = "".join(record.exercises.get(e, NOT_TRIED) for e in exercise_ids)
    quiz = "".join(record.quiz.get((lesson_id, n), NOT_TRIED) for n in range(questions))
    return format_token(LessonProgress(lesson_id, record.key, exercises, quiz))


def lesson_progress(lesson: Lesson, record: KernelRecord | None = None) -> LessonProgress:
    """``lesson``'s letters from this kernel's record (or ``record``)."""
    record = record or _KERNEL
    return LessonProgress(lesson.id, record.key,
                          "".join(record.exercises.get(e.id, NOT_TRIED) for e in lesson.exercises),
                          "".join(record.quiz.get((lesson.id, n), NOT_TRIED) for n in range(len(lesson.quiz))))


def format_token(progress: LessonProgress) -> str:
    """The token that carries ``progress``.

    >>> format_token(LessonProgress("01", "k3x9q2", "rwn", "rnn"))
    'mldebt1-01-k3x9q2-rwn-rnn-969'
    """
    body = f"{PREFIX}{VERSION}-{progress.lesson}-{progress.key}-{progress.exercises}-{progress.quiz}"
    return f"{body}-{checksum(body)}"


def progress_token(lesson: Lesson, record: KernelRecord | None = None) -> str:
    """The progress token of ``lesson`` from this kernel's record (or ``record``)."""
    return format_token(lesson_progress(lesson, record))


def parse_token(text: str) -> LessonProgress:
    """Read a token back; a :class:`TokenError` says in a few words why one cannot be read.

    >>> parse_token("mldebt1-01-k3x9q2-rwn-rnn-96a")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mldebt_lessons.course.progress.TokenError: not a readable progress token (wrong checksum: ...
    """
    token = text.strip().lower()
    match = _TOKEN.fullmatch(token)
    if not match:
        version = re.match(rf"{PREFIX}(\d+)", token)
        if version and version.group(1) != VERSION:
            raise TokenError(f"made by another version of the course (format {version.group(1)})", text)
        raise TokenError("incomplete or changed in the paste", text)
    version, lesson, key, exercises, quiz, check = match.groups()
    if version != VERSION:
        raise TokenError(f"made by another version of the course (format {version})", text)
    if checksum(token.rsplit("-", 1)[0]) != check:
        raise TokenError("wrong checksum: changed or cut short in the paste", text)
    return LessonProgress(lesson, key, exercises, quiz)


def progress_summary(progress: LessonProgress) -> str:
    """One line a learner can read beside their token.

    >>> progress_summary(LessonProgress("01", "k3x9q2", "rwn", "rnn"))
    'lesson 01: 1 of 3 exercises right (2 tried); quiz: 1 of 3 right (1 answered)'
    """
    e, q = progress.exercises, progress.quiz
    return (f"lesson {progress.lesson}: {e.count(RIGHT)} of {len(e)} exercises right ({len(e) - e.count(NOT_TRIED)} "
            f"tried); quiz: {q.count(RIGHT)} of {len(q)} right ({len(q) - q.count(NOT_TRIED)} answered)")


PASTE_THIS = ("Paste the line(s) above where your instructor asks: they hold no name, only what you tried and got "
              "right, and a random key so a second paste replaces the first. A restarted kernel forgets your results "
              "and draws a new key: a paste after a restart counts as a new learner.")


def progress_text(lessons: list[Lesson], record: KernelRecord | None = None) -> str:
    """What ``progress()`` prints: each lesson's token with its summary, then what to do with them."""
    if not lessons:
        return ("Nothing recorded in this kernel yet: run a lesson's check(...) cells or answer its quiz, then call "
                "progress() again.")
    lines = []
    for lesson in lessons:
        progress = lesson_progress(lesson, record)
        lines.append(f"{format_token(progress)}   ({progress_summary(progress)})")
    return "\n".join(lines + [PASTE_THIS])
