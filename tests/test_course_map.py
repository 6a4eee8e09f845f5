"""The course map: one registry, and everything that lists the course agrees with it.

Every audit pattern leads a learner to the lesson that teaches it, inside the repository; `mldebt lessons --format json` has the documented shape and quality bar; the README's
table and the start notebook's map are generated from the registry.
"""

import json
import re
from pathlib import Path

import pytest

from mldebt_lessons.audit.patterns import LLM_LESSON, PATTERNS, TAUGHT_IN, learn_at
from mldebt_lessons.cli import main
from mldebt_lessons.lessons import LESSONS
from mldebt_lessons.lessons.start_here.course_map import START_HERE, course_map_html, course_map_markdown, course_rows

ROOT = Path(__file__).resolve().parents[1]
CAPSTONE = "90"


def lessons_json(capsys) -> list[dict]:
    assert main(["lessons", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["lessons"]


# --- every pattern leads somewhere ---------------------------------------------------------------------------

def test_taught_in_agrees_with_the_lessons_that_teach_each_pattern():
    teaching = {p: f"notebooks/{lesson.notebook}" for lesson in LESSONS.values() if lesson.id != CAPSTONE
                for p in lesson.patterns}
    assert TAUGHT_IN == teaching


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_every_pattern_links_to_the_lesson_that_teaches_it(pattern):
    target = learn_at(pattern)
    assert (ROOT / target).is_file(), target
    assert any(pattern in lesson.patterns and target.endswith(lesson.notebook)
               for lesson in LESSONS.values() if lesson.id != CAPSTONE)


def test_the_llm_lesson_that_llm_findings_link_to_is_a_lesson():
    assert any(LLM_LESSON == f"notebooks/{lesson.notebook}" for lesson in LESSONS.values())
    assert (ROOT / LLM_LESSON).is_file()


# --- mldebt lessons --format json ----------------------------------------------------------------------------

def test_lessons_json_lists_every_lesson_in_the_documented_shape(capsys):
    lessons = lessons_json(capsys)
    assert [l["id"] for l in lessons] == list(LESSONS) and CAPSTONE in LESSONS
    for lesson in lessons:
        assert {"id", "title", "notebook", "section", "minutes", "patterns", "exercises", "quiz",
                "claims"} <= set(lesson)
        assert (ROOT / lesson["notebook"]).is_file()
        assert all(isinstance(e["id"], str) for e in lesson["exercises"])
        for question in lesson["quiz"]:
            assert {"question", "options", "correct"} <= set(question)
            assert 0 <= question["correct"] < len(question["options"])
        assert isinstance(lesson["claims"], list)


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_each_lesson_meets_the_quiz_and_exercise_bar(lesson_id, capsys):
    lesson = next(l for l in lessons_json(capsys) if l["id"] == lesson_id)
    assert len(lesson["exercises"]) >= 3
    assert len(lesson["quiz"]) >= 6
    # The right option may be the longest (ties count) in at most a third of the questions.
    longest_right = sum(len(q["options"][q["correct"]]) == max(map(len, q["options"])) for q in lesson["quiz"])
    assert 3 * longest_right <= len(lesson["quiz"]), f"lesson {lesson_id}: right option longest in {longest_right}"
    measured = sum(q.measured for q in LESSONS[lesson_id].quiz)
    assert measured >= 2, f"lesson {lesson_id}: {measured} questions predict a measured outcome"


# --- the README and the start notebook show the registry --------------------------------------------------------

def test_the_course_map_has_the_start_notebook_and_every_registered_lesson():
    rows = course_rows()
    assert [r["id"] for r in rows] == [START_HERE["id"], *LESSONS]
    assert [r["notebook"] for r in rows[1:]] == [l.notebook for l in LESSONS.values()]
    assert (ROOT / START_HERE["notebook"]).is_file()
    html = course_map_html()
    for row in rows:
        assert row["notebook"] in html


def test_the_readme_course_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    course = readme.split("## The course", 1)[1].split("\n## ", 1)[0]
    assert course_map_markdown() in course, (
        "README's course table is out of date: replace it with the output of "
        "`python -c 'from mldebt_lessons.lessons.start_here.course_map import course_map_markdown as m; print(m())'`")
    listed = re.findall(r"^\| `(\d\d_[a-z_]+\.ipynb)`", course, flags=re.M)
    assert listed == [r["notebook"] for r in course_rows()]


def test_the_start_notebook_shows_the_generated_course_map():
    cells = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "show_course_map()" in code
    shown = "\n".join("".join(o.get("data", {}).get("text/html", "")) for c in cells if c["cell_type"] == "code"
                      for o in c.get("outputs", []))
    assert course_map_html() in shown, "re-execute notebooks/00_start_here.ipynb: its course map is stale"
