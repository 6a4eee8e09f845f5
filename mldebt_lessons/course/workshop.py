"""Where the room is: the progress tokens a workshop's learners pasted, read back into one table.

Learners run ``progress()`` and paste what it prints wherever the instructor asks (a chat, a shared
document); the instructor saves that text to a file and runs ``mldebt workshop FILE``. Tokens are
found anywhere in a line, so the names and times a chat puts around them do no harm; the rest of the
file is ignored. A learner who pastes twice counts once: the later token of a kernel's key replaces
the earlier one. No network, no server: the file is all there is.

Memory stays bounded whatever the file: it is read a piece at a time (at most :data:`MAX_BYTES` bytes in
all), and the room keeps, per learner, only their key and the letters of their latest token (letters
that many learners share are kept once).

>>> from mldebt_lessons.course.progress import token_for, new_record, record_exercise
>>> ana, ben = new_record(key="aaaaaa"), new_record(key="bbbbbb")
>>> for record, ok in ((ana, True), (ben, False)):
...     record_exercise("01.1", answered=True, ok=ok, record=record)
>>> chat = [f"[10:02] Ana: {token_for('01', ['01.1', '01.2'], 1, ana)}",
...         f"[10:03] Ben: here you go {token_for('01', ['01.1', '01.2'], 1, ben)}!"]
>>> room = read_room(chat)
>>> print(room_table(room.learners()))
Lesson 01: 2 learners
exercise  tried  right  not right yet
01.1      2      1      1
01.2      0      0      0
quiz question  answered  right  wrong first time
1              0         0      0
"""

from __future__ import annotations

import codecs
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mldebt_lessons.course.lesson import Lesson
from mldebt_lessons.course.progress import (
    NOT_TRIED,
    PREFIX,
    RIGHT,
    VERSION,
    LessonProgress,
    TokenError,
    parse_token,
)
from mldebt_lessons.course.tables import rows_text
from mldebt_lessons.errors import CourseInputError

MAX_BYTES = 16 * 1024 * 1024  # a workshop's chat is a few hundred lines; this is far more than any
READ_BYTES = 64 * 1024  # read from the file at a time
MAX_LINE = 64 * 1024  # characters: a longer line is handed on in pieces, so memory stays bounded
# A piece never ends inside a run of up to this many token characters (letters, digits, '-'): the run
# starts the next piece, so a token is never cut in two. (A token is under 60 characters; a longer run
# is no token, and is cut where it falls.)
MAX_TOKEN = 1024
TITLE_WIDTH = 48  # characters of an exercise's title or a question's text shown in the table
# What a token looks like, for messages: its fields, not a token (a real one would count a learner).
TOKEN_SHAPE = f"{PREFIX}{VERSION}-LESSON-KEY-EXERCISES-QUIZ-CHECKSUM"

# Anything that starts like a token (the format's name and version, then a lesson's id), read or not: a
# token cut or changed in the paste is counted, not silently dropped.
_CANDIDATE = re.compile(rf"(?<![0-9a-z]){PREFIX}\d+-\d+(?:-[0-9a-z]+)*", re.IGNORECASE)
_TOKEN_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")


@dataclass
class Room:
    """What a file of pasted tokens holds: each learner's latest token, and why other tokens were left out.

    ``latest`` maps a learner ("lesson-key") to the letters of their latest token, (lesson, exercises, quiz);
    equal letters are one shared tuple, so a big room costs little more than its keys.
    """

    latest: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    pasted: int = 0  # tokens read, a learner's repeated pastes included
    bad: Counter = field(default_factory=Counter)  # reason -> how many tokens could not be read for it
    _shared: dict = field(default_factory=dict, repr=False)  # letters -> the one tuple that holds them

    def add(self, progress: LessonProgress) -> None:
        """Count a readable token: the later paste of a learner replaces the earlier."""
        letters = (progress.lesson, progress.exercises, progress.quiz)
        letters = self._shared.setdefault(letters, letters)
        self.pasted += 1
        learner = f"{progress.lesson}-{progress.key}"
        self.latest.pop(learner, None)  # re-inserted: the room keeps the order of latest pastes
        self.latest[learner] = letters

    def learners(self) -> Iterator[LessonProgress]:
        """Each learner's latest token, made afresh one at a time."""
        for learner, (lesson, exercises, quiz) in self.latest.items():
            yield LessonProgress(lesson, learner.split("-", 1)[1], exercises, quiz)

    @property
    def tokens(self) -> dict[tuple[str, str], LessonProgress]:
        """Each learner's latest token by (lesson, key): handy for a small room; a big one uses learners()."""
        return {(p.lesson, p.key): p for p in self.learners()}


@dataclass
class Tally:
    """One lesson's room: how many learners, and per exercise and per quiz question (tried, right)."""

    lesson: str
    learners: int
    exercises: list[tuple[int, int]]
    quiz: list[tuple[int, int]]


def find_tokens(line: str) -> list[str]:
    """Every text in ``line`` that starts like a progress token, in order (readable or not).

    >>> find_tokens("10:02 Ana: MLDEBT1-01-aaaaaa-rn-n-xyz, and mldebt workshop is next")
    ['MLDEBT1-01-aaaaaa-rn-n-xyz']
    """
    return _CANDIDATE.findall(line)


def misfit(progress: LessonProgress, lessons: dict[str, Lesson]) -> str | None:
    """Why a token does not fit this course's lessons (None if it does)."""
    lesson = lessons.get(progress.lesson)
    if lesson is None:
        return "for a lesson this course does not have"
    if (len(progress.exercises), len(progress.quiz)) != (len(lesson.exercises), len(lesson.quiz)):
        return f"made with another version of lesson {lesson.id}"
    return None


def read_room(lines: Iterable[str], lessons: dict[str, Lesson] | None = None) -> Room:
    """Read every token in ``lines``; ``lessons``, if given, also refuses tokens that do not fit them."""
    room = Room()
    for line in lines:
        for text in find_tokens(line):
            try:
                progress = parse_token(text)
            except TokenError as error:
                room.bad[error.reason] += 1
                continue
            reason = misfit(progress, lessons) if lessons is not None else None
            if reason:
                room.bad[reason] += 1
                continue
            room.add(progress)
    return room


def tally(tokens: Iterable[LessonProgress]) -> dict[str, Tally]:
    """Each lesson's counts, by lesson id (in the order first seen).

    >>> t = tally([LessonProgress("01", "aaaaaa", "rw", "n"), LessonProgress("01", "bbbbbb", "wn", "r")])
    >>> t["01"].exercises, t["01"].quiz
    ([(2, 1), (1, 0)], [(1, 1)])
    """
    tallies: dict[str, Tally] = {}
    for progress in tokens:
        t = tallies.setdefault(progress.lesson, Tally(progress.lesson, 0, [], []))
        t.learners += 1
        _count(t.exercises, progress.exercises)
        _count(t.quiz, progress.quiz)
    return tallies


def _count(counts: list[tuple[int, int]], states: str) -> None:
    counts.extend([(0, 0)] * (len(states) - len(counts)))
    for i, state in enumerate(states):
        tried, right = counts[i]
        counts[i] = (tried + (state != NOT_TRIED), right + (state == RIGHT))


def is_stuck(tried: int, right: int) -> bool:
    """Stuck: at least two learners tried and are not right yet, and fewer than half of those who tried are right.

    >>> is_stuck(10, 4), is_stuck(10, 5), is_stuck(1, 0)
    (True, False, False)
    """
    return tried - right >= 2 and 2 * right < tried


def stuck_places(t: Tally, lesson: Lesson | None = None) -> list[str]:
    """Where a lesson's room is stuck, most learners stuck first.

    >>> stuck_places(Tally("01", 9, [(9, 8), (8, 2)], [(9, 3)]))
    ['01.2 (8 tried, 2 right)', 'quiz question 1 (9 answered, 3 right)']
    """
    places = [(tried - right, f"{_exercise_id(t, i, lesson)} ({tried} tried, {right} right)")
              for i, (tried, right) in enumerate(t.exercises) if is_stuck(tried, right)]
    places += [(answered - right, f"quiz question {i + 1} ({answered} answered, {right} right)")
               for i, (answered, right) in enumerate(t.quiz) if is_stuck(answered, right)]
    return [text for _, text in sorted(places, key=lambda place: -place[0])]  # stable: exercises first on a tie


def _exercise_id(t: Tally, i: int, lesson: Lesson | None) -> str:
    return lesson.exercises[i].id if lesson else f"{t.lesson}.{i + 1}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_WIDTH else text[:TITLE_WIDTH - 3].rstrip() + "..."


def tally_rows(t: Tally, lesson: Lesson | None = None) -> tuple[list[dict], list[dict]]:
    """The rows of a lesson's two tables, exercises and quiz questions, with titles when ``lesson`` is given."""
    exercises, quiz = [], []
    for i, (tried, right) in enumerate(t.exercises):
        title = f"  {_short(lesson.exercises[i].title)}" if lesson else ""
        exercises.append(_row("exercise", _exercise_id(t, i, lesson) + title, "tried", tried, right))
    for i, (answered, right) in enumerate(t.quiz):
        text = f"  {_short(lesson.quiz[i].text)}" if lesson else ""
        quiz.append(_row("quiz question", f"{i + 1}{text}", "answered", answered, right))
    return exercises, quiz


def _row(kind: str, name: str, tried_label: str, tried: int, right: int) -> dict:
    # An exercise's "not right yet" can still change (once right, it stays right); a quiz question's first
    # answer cannot, so its column says what it counts. Both can be stuck: a quiz question most got wrong
    # first time is one the room did not understand, which is what the instructor wants to see.
    wrong = "not right yet" if kind == "exercise" else "wrong first time"
    return {kind: name, tried_label: tried, "right": right,
            wrong: f"{tried - right}" + ("  <- stuck" if is_stuck(tried, right) else "")}


def rows_markdown(rows: list[dict]) -> str:
    """The rows as a Markdown table.

    >>> print(rows_markdown([{"exercise": "01.1", "tried": 3}]))
    | exercise | tried |
    |---|---|
    | 01.1 | 3 |
    """
    if not rows:
        return ""

    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(rows[0]), "|" + "---|" * len(rows[0])] + [line(row.values()) for row in rows])


def room_table(tokens: Iterable[LessonProgress], lessons: dict[str, Lesson] | None = None,
               markdown: bool = False) -> str:
    """Where the room is, lesson by lesson: per exercise tried and right, per quiz question answered and right,
    and where it is stuck. ``lessons`` (id -> Lesson) adds titles and puts the lessons in course order."""
    tallies = tally(tokens)
    order = [i for i in (lessons or {}) if i in tallies] + sorted(i for i in tallies if i not in (lessons or {}))
    blocks = []
    for lesson_id in order:
        t, lesson = tallies[lesson_id], (lessons or {}).get(lesson_id)
        title = f"Lesson {lesson_id}" + (f", {lesson.title}" if lesson else "")
        heading = f"{title}: {_plural(t.learners, 'learner')}"
        exercises, quiz = tally_rows(t, lesson)
        places = stuck_places(t, lesson)
        if markdown:
            blocks.append("\n\n".join([f"## {heading}", rows_markdown(exercises), rows_markdown(quiz)]
                                      + ([f"**Stuck:** {'; '.join(places)}."] if places else [])))
        else:
            blocks.append("\n".join([heading, rows_text(exercises), rows_text(quiz)]
                                    + ([f"Where the room is stuck: {'; '.join(places)}."] if places else [])))
    return "\n\n".join(blocks)


def too_large(name: str, size: int | None = None) -> CourseInputError:
    """The one error for a file over the cap, in bytes (known up front for a file, counted for a stream)."""
    had = f"{size:,} bytes is " if size is not None else ""
    return CourseInputError(f"{name}: {had}too large; expected at most {MAX_BYTES:,} bytes of pasted text")


def read_lines(path: str) -> Iterator[str]:
    """The lines of a text file (``-``: standard input), read a piece at a time; one-line errors for a missing
    file, a folder, a file too large and a binary file. UTF-8, or UTF-16 with its byte-order mark.

    A line longer than :data:`MAX_LINE` characters comes in pieces, each cut before a run of token
    characters (see :data:`MAX_TOKEN`), so that a token is never split between two pieces.
    """
    name = "standard input" if path == "-" else path
    stream = sys.stdin.buffer if path == "-" else _open(Path(path))
    try:
        chunk = stream.read(READ_BYTES)
        encoding = "utf-16" if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        pending, read = "", 0
        while True:
            read += len(chunk)
            if read > MAX_BYTES:
                raise too_large(name)
            text = pending + decoder.decode(chunk, final=not chunk)
            if "\x00" in text:
                raise CourseInputError(f"{name}: looks binary (it holds NUL bytes); expected text with pasted "
                                       "progress tokens")
            *lines, pending = text.split("\n")
            for line in lines:
                yield from pieces(line + "\n")
            if not chunk:
                yield from pieces(pending)
                return
            while len(pending) > MAX_LINE:  # no line end yet: hand on what cannot hold the end of a token
                cut = safe_cut(pending[:MAX_LINE])
                yield pending[:cut]
                pending = pending[cut:]
            chunk = stream.read(READ_BYTES)
    finally:
        if path != "-":
            stream.close()  # standard input stays open for whoever runs us


def pieces(line: str) -> Iterator[str]:
    """``line`` in pieces of at most :data:`MAX_LINE` characters, none ending inside a token.

    >>> list(pieces("ab"))
    ['ab']
    """
    while len(line) > MAX_LINE:
        cut = safe_cut(line[:MAX_LINE])
        yield line[:cut]
        line = line[cut:]
    if line:
        yield line


def safe_cut(piece: str) -> int:
    """Where to end ``piece``: before its trailing run of token characters if that run is short enough to be
    (the start of) a token and is not the whole piece; otherwise at its end.

    >>> safe_cut("said: mldebt1-01-k3"), safe_cut("mldebt1-01"), safe_cut("nothing here.")
    (6, 10, 13)
    """
    run = 0
    for character in reversed(piece[-(MAX_TOKEN + 1):]):  # never more than that: linear time, whatever the piece
        if character not in _TOKEN_CHARACTERS:
            break
        run += 1
    return len(piece) - run if 0 < run <= MAX_TOKEN and run < len(piece) else len(piece)


def _open(path: Path):
    try:
        if path.is_dir():
            raise CourseInputError(f"{path}: is a folder; expected a text file of pasted progress tokens")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise too_large(str(path), size)
        return open(path, "rb")
    except FileNotFoundError:
        raise CourseInputError(f"{path}: no such file") from None
    except OSError as err:
        raise CourseInputError(f"{path}: cannot read it ({err.strerror or err})") from None


def left_out(room: Room) -> str:
    """One line saying which tokens were left out and why ("" if none).

    >>> left_out(Room(bad=Counter({"wrong checksum": 2, "incomplete": 1})))
    '3 tokens left out: 2 wrong checksum; 1 incomplete'
    """
    total = sum(room.bad.values())
    if not total:
        return ""
    reasons = "; ".join(f"{n} {reason}" for reason, n in room.bad.most_common())
    return f"{_plural(total, 'token')} left out: {reasons}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def workshop_report(path: str, lessons: dict[str, Lesson], markdown: bool = False) -> tuple[str, str]:
    """(the room's table, a line on the tokens left out or "") for the file at ``path``; a CourseInputError if
    the file holds no token that can be used."""
    room = read_room(read_lines(path), lessons)
    name = "standard input" if path == "-" else path
    if not room.latest:
        why = f" ({left_out(room)})" if room.bad else ""
        raise CourseInputError(f"{name}: no readable progress tokens{why}; expected lines holding tokens as "
                               f"progress() prints them, of the shape {TOKEN_SHAPE}")
    repeats = room.pasted - len(room.latest)
    lessons_seen = len({lesson for lesson, _, _ in room.latest.values()})
    summary = (f"{_plural(len(room.latest), 'token')} for {_plural(lessons_seen, 'lesson')}"
               + (f" ({_plural(repeats, 'repeated paste')}: the later one counted)" if repeats else ""))
    table = room_table(room.learners(), lessons, markdown)
    return f"{summary}\n\n{table}" if not markdown else f"_{summary}_\n\n{table}", left_out(room)
