"""INSTRUCTORS.md agrees with the course: a section for every notebook, in order, with the registry's minutes
and every exercise; names it quotes in backticks are what the learner sees; the plans add up; the commands
it gives exist."""

import json
import re
from pathlib import Path

import pytest

from mldebt_lessons.cli import COMMANDS
from mldebt_lessons.lessons import LESSONS
from mldebt_lessons.lessons.start_here.course_map import START_HERE

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "INSTRUCTORS.md").read_text(encoding="utf-8")
LESSON_HEADING = re.compile(r"^### (\d\d) · (.+) \((\d+) min\)$", re.M)


def sections() -> dict[str, str]:
    """Each lesson's section of the guide, by id, up to the next heading of any level."""
    found = {}
    for match in LESSON_HEADING.finditer(GUIDE):
        end = re.compile(r"^##", re.M).search(GUIDE, match.end())
        found[match.group(1)] = GUIDE[match.start():end.start() if end else len(GUIDE)]
    return found


def what_the_learner_sees(lesson_id: str) -> str:
    """The notebook's cells and stored outputs, and the source of the lesson's folder (its widget's labels)."""
    if lesson_id == START_HERE["id"]:
        notebook, folder = ROOT / START_HERE["notebook"], ROOT / "mldebt_lessons/lessons/start_here"
    else:
        lesson = LESSONS[lesson_id]
        notebook, folder = ROOT / "notebooks" / lesson.notebook, ROOT / "mldebt_lessons/lessons" / lesson.slug
    parts = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        parts.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts += ["".join(v) if isinstance(v, list) else str(v) for v in output.get("data", {}).values()]
    parts += [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))]
    return "\n".join(parts)


def test_every_notebook_has_a_section_in_course_order():
    assert list(sections()) == [START_HERE["id"], *LESSONS]
    notebooks = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks == [START_HERE["id"], *LESSONS]


def test_each_section_gives_the_registry_title_and_minutes():
    for match in LESSON_HEADING.finditer(GUIDE):
        lesson_id, title, minutes = match.groups()
        if lesson_id == START_HERE["id"]:
            assert int(minutes) == START_HERE["minutes"]
        else:
            assert (title, int(minutes)) == (LESSONS[lesson_id].title, LESSONS[lesson_id].minutes)


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_each_section_drives_the_widget_and_listens_to_every_exercise(lesson_id):
    text = sections()[lesson_id]
    for part in ("Run All:", "Split:", "**On the projector.**"):
        assert part in text, f"lesson {lesson_id} lacks {part}"
    for task in LESSONS[lesson_id].exercises:
        assert f"**{task.id}**" in text, f"lesson {lesson_id}: nothing to listen for in {task.id}"


@pytest.mark.parametrize("lesson_id", [START_HERE["id"], *LESSONS])
def test_every_name_quoted_in_a_lesson_section_is_what_the_learner_sees(lesson_id):
    seen = what_the_learner_sees(lesson_id)
    quoted = set(re.findall(r"`([^`\n]+)`", sections()[lesson_id]))
    missing = sorted(q for q in quoted if q not in seen)
    assert not missing, f"lesson {lesson_id}: quoted but not in its notebook or widget code: {missing}"


def test_the_capstone_has_timing_and_answers_for_every_exercise():
    text = sections()["90"]
    assert "**Timing and answers**" in text
    for task in LESSONS["90"].exercises:
        assert re.search(rf"\*\*{re.escape(task.id)}\*\* \(\d+ min", text), task.id


def plan_rows(heading: str) -> list[list[str]]:
    block = GUIDE.split(heading, 1)[1].split("\n\n", 2)[1]
    return [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines()[2:]]


@pytest.mark.parametrize("heading, budget", [("### Half day (3 hours)", 180), ("### Full day", 365)])
def test_the_plans_add_up(heading, budget):
    rows = plan_rows(heading)
    total = next(r for r in rows if "total" in r[0])
    blocks = [r for r in rows if r is not total]
    number = lambda cell: int(re.match(r"\**(\d+)", cell).group(1))  # noqa: E731
    assert number(total[1]) == budget == sum(int(r[1]) for r in blocks if r[0] != "lunch")
    assert number(total[2]) == sum(int(r[2]) for r in blocks if r[2])  # teach
    assert number(total[3]) == sum(int(r[3]) for r in blocks if r[3])  # exercises
    for row in blocks:
        if row[2]:
            assert int(row[2]) + int(row[3]) == int(row[1]), row
            lesson_id = re.match(r"`(\d\d)`", row[0]).group(1)
            assert lesson_id == START_HERE["id"] or lesson_id in LESSONS
    assert "drop in this order" in GUIDE.split(heading, 1)[1].split("###", 1)[0]


def test_the_commands_it_gives_exist():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    for target in re.findall(r"`make (\w[\w-]*)", GUIDE):
        assert target in targets, f"make {target} is not a Makefile target"
    commands = re.findall(r"(?:`|^)(?:\.venv[/\\](?:bin|Scripts)[/\\])?mldebt (\w+)", GUIDE, re.M)
    assert {"workshop", "lessons", "handouts"} <= set(commands)
    for command in commands:
        assert command in COMMANDS, f"mldebt {command} is not a command"
    assert "from mldebt_lessons.lessons import progress" in GUIDE


# --- what the guide says the code does, computed from the code ------------------------------------------------------

NOTE_BULLET = r"^- \*\*{id}\*\* (.*?)(?=\n- \*\*|\n\n)"
QUOTED = re.compile(r"“([^”]*)”")


def note(exercise_id: str) -> str:
    """An exercise's note in the guide, its lines joined."""
    found = re.findall(NOTE_BULLET.format(id=re.escape(exercise_id)), GUIDE, re.M | re.S)
    assert len(found) == 1, f"{exercise_id}: {len(found)} notes in the guide"
    return " ".join(found[0].split())


def checker_says(task) -> str:
    """What the checker prints for the exercise's worked solution (run here, as a learner would run it)."""
    from mldebt_lessons.course.lesson import check_answer
    namespace: dict = {}
    exec(compile(task.solution, f"<solution {task.id}>", "exec"), namespace)
    verdict = check_answer(task, namespace["answer"])
    assert verdict.ok, verdict
    return " ".join(verdict.message.split())


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_each_note_quotes_what_its_checker_prints_for_the_worked_solution(lesson_id, capsys):
    """The facts a note relies on (its nouns and numbers, the capstone's scores included) are in “curly quotes”,
    and each quote is what the checker prints for the worked solution: computed here, never typed in the test."""
    for task in LESSONS[lesson_id].exercises:
        quotes = QUOTED.findall(note(task.id))
        assert quotes, f"{task.id}: its note quotes nothing its checker prints"
        said = checker_says(task)
        for quote in quotes:
            assert " ".join(quote.split()) in said, f"{task.id}: the guide quotes “{quote}”; its checker: {said}"
    capsys.readouterr()  # some solutions print as they go


def test_notes_type_no_number_of_their_own():
    """Outside its quotes (the checker's words) and its code, a note states no number: the leading parenthesis
    (the task, as its prompt sets it) aside, a number typed into a note is one no test would check."""
    for lesson in LESSONS.values():
        for task in lesson.exercises:
            text = re.sub(r"^\([^()]*(?:\([^()]*\)[^()]*)*\)", "", note(task.id))  # the task, as the prompt sets it
            text = re.sub(r"`[^`]*`", "", QUOTED.sub("", text))
            assert not re.search(r"\d", text), f"{task.id}: a number outside the checker's words: {text}"


def test_no_per_lesson_run_all_seconds():
    assert not re.search(r"Run All: \d", GUIDE)
    assert "Run All: within the range at the top." in sections()["01"]


def test_lesson_01s_demo_steps_show_what_the_guide_says():
    """Retrained on `units`, nothing flips; after `drop` of avg_basket_value, ltv_model's and fraud_model's other
    weights move beyond their noise floor and fraud_model_es's do not; `balanced classes` flips most of
    fraud_model's decisions."""
    from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
    from mldebt_lessons.shop.world import build_world
    text = " ".join(sections()["01"].split())
    world = build_world()
    assert "`models retrained on the changed feature`: every box goes white again" in text
    assert all(e.decisions_flipped == 0 for e in measure_cace(world, "user_age", "units", "retrained"))
    assert "pick `avg_basket_value` with the change `drop`, still retrained" in text
    moved = {e.model: e for e in measure_cace(world, "avg_basket_value", "drop", "retrained")}
    assert "in `ltv_model` and `fraud_model` the inputs nobody touched moved beyond their floor" in text
    assert all(moved[m].other_inputs_shift > moved[m].noise_shift for m in ("ltv_model", "fraud_model"))
    assert "`fraud_model_es` the move is within its floor" in text
    assert moved["fraud_model_es"].other_inputs_shift <= moved["fraud_model_es"].noise_shift
    assert moved["ltv_model"].most_moved_input == "user_age"  # 01.4's answer: hence "come back to it after"
    assert "This step shows 01.4's input" in text
    assert "`balanced classes`: nothing about the users changed, and most of its decisions flip" in text
    balanced = {e.model: e for e in measure_cace(world, "fraud_model", "balanced classes", "retrained")}
    assert balanced["fraud_model"].decisions_flipped > 0.5
    plan = GUIDE.split("### Half day", 1)[1].split("###", 1)[0]
    assert "`avg_basket_value` → `drop` step" in plan


def test_lesson_04s_releases_are_the_codes():
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import LAST, REFRESH_EVERY
    from mldebt_lessons.shop.upstream import CHANGE_RELEASE
    text = " ".join(sections()["04"].split())
    refreshes = [str(r) for r in range(REFRESH_EVERY, LAST + 1, REFRESH_EVERY)]
    assert f"Slide `release` from 0 to {LAST}:" in text
    assert f"one jump at release {CHANGE_RELEASE}, when the new version ships" in text
    assert f"steps at releases {' and '.join(refreshes)}." in text


def test_lesson_14s_count_of_mistakes_is_the_codes():
    from mldebt_lessons.lessons.configuration_debt.experiment import SEEDED
    assert f"{len(SEEDED)} seeded mistakes" in " ".join(sections()["14"].split())


def test_lesson_09s_silent_miss_is_the_demos():
    """09.2's note: the exercise's misses all crash, while the demo's churn_model swap has one silent miss, the
    homepage's private copy."""
    from mldebt_lessons.lessons.glue_code.experiment import SWAPS, diff_stats, missed
    from mldebt_lessons.shop.world import build_world
    world = build_world(42)
    for swap in (s for s in SWAPS if s.model == "churn_model"):
        silent = [f for f in diff_stats("glued", swap).per_file if not missed(world, swap, f).error]
        assert silent == ["homepage.py"], (swap, silent)
    assert "that one was `churn_model`'s, whose private copy the homepage keeps" in note("09.2")


def test_the_whole_course_in_hours():
    minutes = START_HERE["minutes"] + sum(lesson.minutes for lesson in LESSONS.values())
    assert f"All twenty notebooks make about {round(minutes / 60)} hours" in " ".join(GUIDE.split())
    assert len(LESSONS) + 1 == 20


def test_binder_is_not_presented_as_one_click():
    """No public repository yet: the badge opens mybinder.org itself, so the guide gives the launch link's
    pattern, the same as the README's, for the notebook that exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org)" in readme  # no repository yet
    text = " ".join(GUIDE.split())
    assert "it is not one click" in text and "The course has none yet" in text
    pattern = r"https://mybinder\.org/v2/gh/([^/`]+)/([^/`]+)/HEAD\?labpath=([^`\s]+)"
    guide_link, readme_link = re.search(pattern, GUIDE), re.search(pattern, readme)
    assert guide_link and readme_link and guide_link.group(3) == readme_link.group(3)
    assert (ROOT / guide_link.group(3).replace("%2F", "/")).is_file()


def test_jupyterlite_is_marked_untried_in_a_browser():
    text = " ".join(GUIDE.split())
    assert "built and tested only up to the kernel's start" in text
    assert "numbers in the browser may differ from the stored outputs" in text
    assert "no faster than" not in text  # a speed nobody measured


def test_commands_are_given_with_the_path_make_lab_installs_them_at():
    text = " ".join(GUIDE.split())
    for command in ("workshop", "lessons", "handouts"):
        assert f".venv/bin/mldebt {command}" in text, command
    assert ".venv\\Scripts\\mldebt workshop" in text and "source .venv/bin/activate" in text
    where = sections_of_level_2()["Where the room is"]
    assert "new key" in where and "Restart Kernel and Run All Cells" in where


def sections_of_level_2() -> dict[str, str]:
    parts = re.split(r"^## ", GUIDE, flags=re.M)[1:]
    return {part.split("\n", 1)[0]: " ".join(part.split()) for part in parts}
