"""Where the room is: progress tokens (made in a kernel by `check` and the quiz, read back by `mldebt workshop`)."""

import io
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mldebt_lessons.cli import main
from mldebt_lessons.course import workshop
from mldebt_lessons.course.progress import (
    ALPHABET,
    LessonProgress,
    TokenError,
    checksum,
    kernel_record,
    lessons_touched,
    new_record,
    parse_token,
    progress_token,
    record_exercise,
    record_quiz_answer,
    reset_progress,
    token_for,
)
from mldebt_lessons.course.quiz import Quiz
from mldebt_lessons.course.workshop import find_tokens, read_room, room_table, tally
from mldebt_lessons.lessons import LESSONS, check, exercise, get_lesson, progress

TOKEN_SHAPE = re.compile(r"mldebt1-[0-9]{2}-[0-9a-z]{6}-[rwn]+-[rwn]+-[0-9a-z]{3}")


@pytest.fixture(autouse=True)
def fresh_kernel():
    """Each test starts with an empty record and a fixed key, and leaves a fresh random one behind."""
    reset_progress(key="t3st01")
    yield
    reset_progress()


def token_of(lesson_id: str, key: str, exercises: str, quiz: str) -> str:
    """A learner's token, made the way a kernel makes it: by recording results one by one."""
    lesson, record = get_lesson(lesson_id), new_record(key=key)
    for ex, state in zip(lesson.exercises, exercises):
        if state != "n":
            record_exercise(ex.id, answered=True, ok=state == "r", record=record)
    for number, state in enumerate(quiz):
        if state != "n":
            record_quiz_answer(lesson_id, number, correct=state == "r", record=record)
    return progress_token(lesson, record)


def run(capsys, *args):
    code = main(["workshop", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# --- the token ------------------------------------------------------------------------------------------------

def test_the_token_format_is_pinned():
    token = token_of("01", "k3x9q2", "rrwnn", "rrwnrrn")
    body = "mldebt1-01-k3x9q2-rrwnn-rrwnrrn"
    assert token == f"{body}-{checksum(body)}" == "mldebt1-01-k3x9q2-rrwnn-rrwnrrn-1d1"


@settings(max_examples=200, deadline=None)
@given(key=st.text(ALPHABET, min_size=6, max_size=6), exercises=st.text("rwn", min_size=1, max_size=8),
       quiz=st.text("rwn", min_size=1, max_size=10), capitalise=st.booleans())
def test_a_token_round_trips(key, exercises, quiz, capitalise):
    record = new_record(key=key)
    ids = [f"05.{i + 1}" for i in range(len(exercises))]
    for exercise_id, state in zip(ids, exercises):
        if state != "n":
            record_exercise(exercise_id, answered=True, ok=state == "r", record=record)
    for number, state in enumerate(quiz):
        if state != "n":
            record_quiz_answer("05", number, correct=state == "r", record=record)
    token = token_for("05", ids, len(quiz), record)
    assert TOKEN_SHAPE.fullmatch(token) and " " not in token and token.isascii()
    pasted = token.capitalize() if capitalise else token  # a phone capitalises a message's first letter
    assert parse_token(pasted) == LessonProgress("05", key, exercises, quiz)
    assert find_tokens(f"[09:41] Someone: {pasted}.") == [pasted]


def test_every_single_character_change_is_noticed():
    token = token_of("03", "ab12cd", "rwnrw", "rrwwnnrr")
    changed = 0
    for i, char in enumerate(token):
        for other in sorted(set(ALPHABET + "rwn-") - {char}):
            mangled = token[:i] + other + token[i + 1:]
            with pytest.raises(TokenError):
                parse_token(mangled)
            changed += 1
    assert changed > 1000


@pytest.mark.parametrize("mangled, reason", [
    ("mldebt1-01-k3x9q2-rrwnn-rrwnrrn-1d2", "wrong checksum"),
    ("mldebt1-01-k3x9q2-rrwnn-rrwnrrn-1d", "incomplete"),  # cut short
    ("mldebt1-01-k3x9q2-rrwnn-rrwnrr", "incomplete"),
    ("mldebt1-01-k3x9q2-rrwnn-rrwnrrn-1d1-xyz", "incomplete"),
    ("mldebt1-01-k3x9q2-rrxnn-rrwnrrn-1d1", "incomplete"),  # a state that is not r, w or n
    ("mldebt2-01-k3x9q2-rrwnn-rrwnrrn-1d1", "another version"),
    ("mldebt1 01 k3x9q2 rrwnn rrwnrrn 1d1", "incomplete"),
])
def test_a_mangled_token_is_refused_with_its_reason(mangled, reason):
    with pytest.raises(TokenError) as refused:
        parse_token(mangled)
    assert reason in refused.value.reason


def test_the_token_holds_nothing_personal():
    import getpass
    import socket
    token = token_of("01", "k3x9q2", "rrwnn", "rrwnrrn")
    for personal in (getpass.getuser(), socket.gethostname()):
        if len(personal) >= 3:
            assert personal.lower() not in token
    assert TOKEN_SHAPE.fullmatch(token)  # nothing but the format's fields
    assert len(token) < 60


def test_each_kernel_draws_its_own_random_key():
    keys = {new_record().key for _ in range(50)}
    assert len(keys) == 50 and all(len(k) == 6 and set(k) <= set(ALPHABET) for k in keys)
    reset_progress()
    assert kernel_record().key != "t3st01"


# --- a real lesson, through check and the quiz -----------------------------------------------------------------

def right_answer(exercise_id):
    namespace = {}
    exec(compile(exercise(exercise_id).solution, f"<solution {exercise_id}>", "exec"), namespace)
    return namespace["answer"]


def test_progress_of_a_real_lesson_after_real_checks(capsys):
    lesson = get_lesson("01")
    assert not check("01.1", 2).ok  # wrong first ...
    assert check("01.1", right_answer("01.1")).ok  # ... then right: right it stays
    assert not check("01.1", 4).ok
    assert not check("01.2", "recommender").ok  # tried, not right
    check("01.3", None)  # the cell run with no answer: not tried
    check("01.4", None, prediction="user_age")  # a prediction alone is not an attempt
    quiz = Quiz(lesson)
    right = [next(i for i, o in enumerate(q.options) if o.correct) for q in lesson.quiz]
    quiz.answer(0, right[0])
    quiz.answer(1, (right[1] + 1) % len(lesson.quiz[1].options))
    quiz.answer(1, right[1])  # the first answer counts: the feedback gave the right one away
    assert quiz.score()[0] == 2  # the widget itself still shows the latest answers

    token = progress_token(lesson)
    assert parse_token(token) == LessonProgress("01", "t3st01", "rwnnn", "rw" + "n" * (len(lesson.quiz) - 2))
    assert lessons_touched() == ["01"]

    progress()
    out = capsys.readouterr().out.splitlines()
    assert find_tokens(out[0]) == [token]
    assert "1 of 5 exercises right (2 tried)" in out[0] and "quiz: 1 of 7 right (2 answered)" in out[0]
    assert len(out) == 2 and "Paste" in out[1] and "no name" in out[1]
    assert "restart" in out[1] and "new key" in out[1]  # a restart counts as a new learner: the learner is told


def test_a_restarted_kernel_is_a_new_learner_to_the_room():
    """What the guide and progress() warn about: a restart draws a new key and forgets what was recorded."""
    check("01.1", right_answer("01.1"))
    before = progress_token(get_lesson("01"))
    reset_progress()  # what a kernel restart does: the module's record is made afresh
    check("01.2", "recommender")
    after = progress_token(get_lesson("01"))
    room = read_room([before, after], LESSONS)
    assert len(room.latest) == 2 and parse_token(after).exercises == "nwnnn"


def test_check_answers_as_before_while_it_records():
    from mldebt_lessons.course.lesson import check_answer
    for answer in (None, 2, "garbage", [[]]):
        assert check("01.1", answer) == check_answer(exercise("01.1"), answer)
    assert kernel_record().exercises == {"01.1": "w"}


def test_progress_reports_every_lesson_touched_in_course_order(capsys):
    progress()
    assert capsys.readouterr().out.startswith("Nothing recorded in this kernel yet")
    check("03.1", None)
    check("01.1", 2)
    progress()
    lines = capsys.readouterr().out.splitlines()
    assert [parse_token(find_tokens(line)[0]).lesson for line in lines[:-1]] == ["01", "03"]
    progress("07")  # a lesson not touched: its token says nothing was tried
    lines = capsys.readouterr().out.splitlines()
    assert parse_token(find_tokens(lines[0])[0]) == LessonProgress("07", "t3st01", "nnnn", "n" * 7)


def test_progress_can_be_imported_beside_check():
    from mldebt_lessons.lessons import check as check_, hint, progress as progress_, show_exercise  # noqa: F401
    assert progress_ is progress and check_ is check


# --- the room ---------------------------------------------------------------------------------------------------

CHAT = """\
[10:02] Ana Lima: {a}
[10:02] Ben: here's mine -> {b}!
[10:03] Chen: `{c}` (took me a while)
[10:03] Ana Lima: sorry, new one: {a2}
[10:04] Dee: {d} and {d7}
Instructor: next, run mldebt workshop on this chat. See https://example.org/mldebt1-guide for help.
"""


@pytest.fixture
def room_file(tmp_path):
    tokens = dict(a=token_of("01", "aaaaaa", "rwnnn", "rrrnnnn"), a2=token_of("01", "aaaaaa", "rrwnn", "rrrwnnn"),
                  b=token_of("01", "bbbbbb", "rwwnn", "rwrwnnn"), c=token_of("01", "cccccc", "rwwwn", "rrrwnnn"),
                  d=token_of("01", "dddddd", "rnnnn", "rrrrnnn").upper(), d7=token_of("07", "dddddd", "rrnn", "rr"
                                                                                       + "n" * 5))
    path = tmp_path / "chat.txt"
    path.write_text(CHAT.format(**tokens), encoding="utf-8")
    return path


def test_a_room_of_learners_becomes_a_table(room_file):
    room = read_room(room_file.read_text().splitlines(), LESSONS)
    assert room.pasted == 6 and len(room.tokens) == 5 and not room.bad  # one of Ana's tokens replaced
    assert room.tokens[("01", "aaaaaa")].exercises == "rrwnn"  # the later paste wins
    counts = tally(room.tokens.values())
    assert counts["01"].learners == 4 and counts["07"].learners == 1
    assert counts["01"].exercises == [(4, 4), (3, 1), (3, 0), (1, 0), (0, 0)]
    assert counts["01"].quiz == [(4, 4), (4, 3), (4, 4), (4, 1), (0, 0), (0, 0), (0, 0)]

    table = room_table(room.tokens.values(), LESSONS)
    assert table.index("Lesson 01") < table.index("Lesson 07")  # course order
    assert "Lesson 01, Entanglement" in table and ": 4 learners" in table and ": 1 learner\n" in table
    assert re.search(r"01\.2 .*\s3\s+1\s+2  <- stuck\n", table)
    assert re.search(r"01\.3 .*\s3\s+0\s+3  <- stuck\n", table)
    assert re.search(r"01\.4 .*\s1\s+0\s+1\n", table)  # one learner not right yet is not a stuck room
    assert "Where the room is stuck: 01.3 (3 tried, 0 right); quiz question 4 (4 answered, 1 right); " \
           "01.2 (3 tried, 1 right)." in table
    assert table.count("Where the room is stuck") == 1  # lesson 07: one learner, nobody stuck


def test_the_cli_prints_the_room(capsys, room_file):
    code, out, err = run(capsys, room_file)
    assert code == 0 and err == ""
    assert out.startswith("5 tokens for 2 lessons (1 repeated paste: the later one counted)")
    assert "Lesson 01, Entanglement" in out and "<- stuck" in out
    code, out, err = run(capsys, room_file, "--format", "markdown")
    assert code == 0 and "## Lesson 01, Entanglement" in out and "|---|---|---|---|" in out and "**Stuck:**" in out


def test_bad_tokens_are_counted_beside_good_ones(capsys, tmp_path):
    good = token_of("02", "aaaaaa", "rrww", "r" * 8)
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    unknown_lesson = token_for("42", ["42.1"], 1, new_record(key="bbbbbb"))
    other_version = token_of("02", "cccccc", "rrww", "r" * 8).replace("-rrww-", "-rrwwn-")
    other_version = other_version.rsplit("-", 1)[0] + "-" + checksum(other_version.rsplit("-", 1)[0])
    path = tmp_path / "chat.txt"
    path.write_text(f"{good}\n{bad_checksum}\nx {unknown_lesson} {other_version}\n")
    code, out, err = run(capsys, path)
    assert code == 0 and "Lesson 02" in out and ": 1 learner" in out
    assert err.count("\n") == 1 and err.startswith("mldebt workshop: 3 tokens left out:")
    assert "1 wrong checksum" in err and "1 for a lesson this course does not have" in err
    assert "1 made with another version of lesson 02" in err


def test_standard_input(capsys, monkeypatch, room_file):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(room_file.read_bytes()))))
    code, out, err = run(capsys, "-")
    assert code == 0 and out.startswith("5 tokens for 2 lessons (1 repeated paste")


def test_standard_input_from_a_pipe(room_file):
    done = subprocess.run([sys.executable, "-m", "mldebt_lessons", "workshop", "-"], input=room_file.read_bytes(),
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and done.stdout.decode().startswith("5 tokens for 2 lessons (1 repeated paste")


def test_a_file_saved_as_utf16_is_read(capsys, tmp_path, room_file):
    path = tmp_path / "chat16.txt"
    path.write_text(room_file.read_text(), encoding="utf-16")  # with its byte-order mark, as Windows saves it
    code, out, err = run(capsys, path)
    assert code == 0 and out.startswith("5 tokens for 2 lessons (1 repeated paste")


# --- bad input: one line, exit 2, never a traceback ---------------------------------------------------------------

def bad_inputs(tmp_path):
    good = token_of("01", "aaaaaa", "rrwnn", "rrrwnnn")
    (tmp_path / "folder").mkdir()
    files = {
        "missing": (tmp_path / "nope.txt", "no such file"),
        "folder": (tmp_path / "folder", "is a folder"),
        "binary": (tmp_path / "photo.png", "looks binary"),
        "empty": (tmp_path / "empty.txt", "no readable progress tokens"),
        "no tokens": (tmp_path / "chat.txt", "no readable progress tokens; expected lines holding tokens"),
        "all bad": (tmp_path / "bad.txt", "no readable progress tokens (2 tokens left out: 2 wrong checksum"),
        "nul later": (tmp_path / "late.txt", "looks binary"),
    }
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "chat.txt").write_text("Ana: hello\nBen: mldebt workshop sounds fun\n")
    wrong = [c * 3 for c in "xyz" if c * 3 != good[-3:]][:2]
    (tmp_path / "bad.txt").write_text(f"Ana: {good[:-3]}{wrong[0]}\nBen: {good[:-3]}{wrong[1]}\n")
    (tmp_path / "late.txt").write_bytes(f"{good}\n".encode() * 3 + b"\x00\x01\x02")
    return files


@pytest.mark.parametrize("case", ["missing", "folder", "binary", "empty", "no tokens", "all bad", "nul later"])
def test_bad_input_is_one_line_and_exit_2(case, capsys, tmp_path):
    path, expected = bad_inputs(tmp_path)[case]
    code, out, err = run(capsys, path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"mldebt workshop: {path}") and expected in err, err
    assert "Traceback" not in err


def test_a_file_over_the_cap_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(workshop, "MAX_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_text("x" * 2000)
    code, out, err = run(capsys, path)
    assert code == 2 and err.count("\n") == 1
    assert err == f"mldebt workshop: {path}: 2,000 bytes is too large; expected at most 1,000 bytes of pasted text\n"
    # Standard input has no size to look at first: it is refused once more than the cap has been read, in the
    # same unit (bytes, not characters: 500 two-byte characters are 1,000 bytes).
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO("é".encode() * 501))))
    code, out, err = run(capsys, "-")
    assert code == 2 and err == "mldebt workshop: standard input: too large; expected at most 1,000 bytes " \
                                "of pasted text\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO("é".encode() * 500))))
    code, out, err = run(capsys, "-")
    assert code == 2 and "no readable progress tokens" in err  # at the cap exactly: read, and holds no token


def test_a_very_long_line_is_read_in_pieces(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(workshop, "MAX_LINE", 100)
    good = token_of("01", "aaaaaa", "rrwnn", "rrrwnnn")
    path = tmp_path / "long.txt"
    path.write_text("z" * 1050 + " " + good + " " + "z" * 5000 + "\n")  # the token sits inside one piece
    pieces = list(workshop.read_lines(str(path)))
    assert max(map(len, pieces)) <= 100 and "".join(pieces) == path.read_text()
    code, out, err = run(capsys, path)
    assert code == 0 and out.startswith("1 token for 1 lesson")


@pytest.mark.parametrize("before", [65536 - 20, 65536 - 1, 65536 - 41, 65536])
def test_a_token_across_a_piece_boundary_is_read_whole(before, capsys, tmp_path):
    """The reader hands a long line on in pieces of MAX_LINE characters: a token that falls across the end of a
    piece (at the default size, with the chunks of bytes read from the file falling elsewhere) is still read."""
    good = token_of("01", "aaaaaa", "rrwnn", "rrrwnnn")
    line = "é" * (before - 1) + " " + good + " and more " + "z" * 70000
    path = tmp_path / "long.txt"
    path.write_text(f"{line}\n{token_of('01', 'bbbbbb', 'rnnnn', 'nnnnnnn')}\n", encoding="utf-8")
    assert len(good) < 60
    pieces = list(workshop.read_lines(str(path)))
    assert "".join(pieces) == path.read_text(encoding="utf-8") and max(map(len, pieces)) <= workshop.MAX_LINE
    assert sum(good in piece for piece in pieces) == 1
    code, out, err = run(capsys, path)
    assert (code, err) == (0, "") and out.startswith("2 tokens for 1 lesson")


def test_a_token_across_a_piece_boundary_with_no_line_end(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(workshop, "MAX_LINE", 100)
    tokens = [token_of("02", key, "rrww", "r" * 8) for key in ("aaaaaa", "bbbbbb", "cccccc", "dddddd")]
    path = tmp_path / "one_line.txt"
    path.write_text("; ".join(tokens * 20))  # 80 tokens in one line of many pieces, no line end at all
    pieces = list(workshop.read_lines(str(path)))
    assert len(pieces) > 30 and "".join(pieces) == path.read_text()
    room = read_room(pieces, LESSONS)
    assert (room.pasted, len(room.latest), dict(room.bad)) == (80, 4, {})


def test_long_runs_of_letters_are_read_in_linear_time(tmp_path):
    """Looking for where a piece may end reads back at most MAX_TOKEN characters: a line of long runs of letters
    (a quadratic search would take minutes on it) is read in well under a second."""
    import time
    path = tmp_path / "letters.txt"
    path.write_text(("a" * 60000 + " ") * 20 + "\n")
    start = time.perf_counter()
    pieces = list(workshop.read_lines(str(path)))
    assert time.perf_counter() - start < 5 and "".join(pieces) == path.read_text()


def test_a_room_keeps_each_learner_once_and_shares_their_letters():
    chat = [token_of("01", f"{i:06d}", "rrwnn", "rrrwnnn") for i in range(500)] + \
           [token_of("01", "000007", "rrrrr", "rrrrrrr")]
    room = read_room(chat, LESSONS)
    assert (room.pasted, len(room.latest)) == (501, 500)
    assert len({id(letters) for letters in room.latest.values()}) == 2  # two sets of letters, each kept once
    assert room.tokens[("01", "000007")].exercises == "rrrrr"  # the later paste replaced the earlier
    assert list(room.learners())[-1].key == "000007"


def test_memory_stays_bounded_on_a_large_room(tmp_path):
    """About 1.5 MB of distinct learners' tokens: the room keeps keys and shared letters, not token strings."""
    import random
    import tracemalloc
    rng, lessons = random.Random(7), list(LESSONS.values())
    lines, size = [], 0
    while size < 1_500_000:
        lesson = rng.choice(lessons)
        record = new_record(key="".join(rng.choice(ALPHABET) for _ in range(6)))
        for ex in lesson.exercises:
            if rng.random() < 0.5:
                record_exercise(ex.id, answered=True, ok=rng.random() < 0.5, record=record)
        lines.append(progress_token(lesson, record) + "\n")
        size += len(lines[-1])
    path = tmp_path / "big.txt"
    path.write_text("".join(lines))
    del lines
    tracemalloc.start()
    try:
        table, left = workshop.workshop_report(str(path), LESSONS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert re.fullmatch(r"\d+ tokens for 19 lessons", table.splitlines()[0]) and left == ""
    assert peak < 4 * size, f"peak {peak:,} bytes for a file of {size:,}"


def test_no_example_token_counts_a_learner(tmp_path, capsys):
    """What the error message and the README show as a token's shape is refused: pasting it counts nobody."""
    from pathlib import Path
    path = tmp_path / "chat.txt"
    path.write_text("hello\n")
    code, out, err = run(capsys, path)
    assert code == 2 and workshop.TOKEN_SHAPE in err
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    guide = (Path(__file__).resolve().parents[1] / "INSTRUCTORS.md").read_text(encoding="utf-8")
    examples = find_tokens(err) + find_tokens(readme) + find_tokens(guide) + find_tokens(workshop.TOKEN_SHAPE)
    assert workshop.TOKEN_SHAPE in readme, "the README shows what a token looks like"
    for text in examples:
        with pytest.raises(TokenError):
            parse_token(text)
    path.write_text(err + readme + guide)
    assert not read_room(workshop.read_lines(str(path)), LESSONS).latest


def test_usage_errors_are_one_line(capsys):
    code = main(["workshop"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "TOKENS_FILE" in err
    code = main(["workshop", "x.txt", "--format", "json"])
    assert code == 2 and "invalid choice" in capsys.readouterr().err


# --- a lesson without a quiz, and what a quiz row counts ------------------------------------------------------

def test_a_lesson_without_a_quiz_round_trips_through_its_token():
    from dataclasses import replace

    from mldebt_lessons.course.progress import new_record, parse_token, progress_text, record_exercise
    lesson = replace(get_lesson("01"), quiz=())  # made up: lesson 01 with no quiz questions
    record = new_record(key="aaaaaa")
    record_exercise(lesson.exercises[0].id, answered=True, ok=True, record=record)
    token = progress_text([lesson], record).split()[0]
    progress = parse_token(token)
    assert progress.quiz == "" and progress.exercises[0] == "r" and progress.lesson == "01"


def test_quiz_rows_count_wrong_first_answers_not_answers_still_wrong():
    t = workshop.Tally("01", 3, [(3, 0)], [(3, 0)])
    exercises, quiz = workshop.tally_rows(t)
    assert "not right yet" in exercises[0] and "not right yet" not in quiz[0]
    assert quiz[0]["wrong first time"] == "3  <- stuck"  # a question most got wrong first time is still flagged
