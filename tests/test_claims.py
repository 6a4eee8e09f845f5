"""Every lesson's claims, measured across the course's 20 worlds, and `mldebt claims` around them.

The 20-world sweep of every lesson runs once per test session (the ``sweep`` fixture) and serves
two checks: every headline claim holds in all 20 worlds, and each lesson's saved ``claims.json``
(what its notebook shows) is exactly what the code measures now. If that second check fails, run
``mldebt claims NN --seeds 20 --save`` (or ``make claims``) and re-run the notebook.
"""

import json
import math
from dataclasses import replace

import pytest

import mldebt_lessons.course.claims as claims_module
from mldebt_lessons import lessons
from mldebt_lessons.cli import main
from mldebt_lessons.course.claims import (
    SEEDS,
    UNITS,
    Claim,
    ClaimResult,
    claims_table_html,
    load_results,
    measure_claims,
    save_results,
)
from mldebt_lessons.lessons import CLAIMS, LESSONS, saved_claims

SWEEP_BUDGET_SECONDS = 300  # the budget: every lesson at 20 seeds in under 5 minutes on 2 cores


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def sweep(claims_sweep):
    """The session's one 20-world sweep of every lesson (tests/conftest.py)."""
    return claims_sweep


# Small claims of this test file's own, cheap and world-dependent, to drive the machinery whatever
# the lessons declare today.
def churn_share(world):
    return float(world.labels["churned"].mean())


def mean_churn_score(world):
    return float(world.models["churn_model"].predict_score(world.test_table).mean())


CHURN_IS_COMMON = Claim("churn_is_common", "More than a tenth of users churn.", "share of users who churn",
                        churn_share, lambda share: share > 0.1, unit="share")
CHURN_SCORE = Claim("churn_score", "The churn model's mean score is below one.", "mean churn score",
                    mean_churn_score, lambda score: score < 1, headline=False)
ONLY_IN_2015 = Claim("only_in_2015", "The world's seed is 2015.", "the world's seed",
                     lambda world: world.seed, lambda seed: seed == 2015, unit="count")


# --- the lessons' own claims -------------------------------------------------------------------------------------

def test_the_seeds_are_a_fixed_list_of_twenty_that_starts_with_2015():
    assert len(SEEDS) == 20 == len(set(SEEDS)) and SEEDS[0] == 2015
    assert all(isinstance(seed, int) for seed in SEEDS)


def test_every_lesson_declares_well_formed_claims():
    assert set(CLAIMS) == set(LESSONS)
    for lesson_id, declared in CLAIMS.items():
        names = [c.name for c in declared]
        assert len(names) == len(set(names)), f"lesson {lesson_id}: two claims share a name: {names}"
        for claim in declared:
            where = f"lesson {lesson_id}, claim {claim.name!r}"
            assert isinstance(claim, Claim), where
            assert claim.name.isidentifier(), f"{where}: name it like a Python name"
            assert claim.sentence.strip() and claim.effect.strip(), f"{where}: a sentence and an effect, in words"
            assert claim.unit in UNITS, f"{where}: unit {claim.unit!r} is not one of {sorted(UNITS)}"
            assert callable(claim.measure) and callable(claim.holds), where
            assert isinstance(claim.headline, bool), where


def test_every_headline_claim_holds_in_all_20_worlds(sweep):
    results, _ = sweep
    assert [(r.lesson, r.claim) for r in results] == [(i, c.name) for i, cs in CLAIMS.items() for c in cs]
    assert all(r.seeds == len(SEEDS) for r in results)
    failing = [f"lesson {r.lesson}, {r.claim}: holds in {r.holds_at} of {r.seeds} worlds; fails at seeds "
               f"{[s for s, ok in zip(SEEDS, r.verdicts) if not ok]}" for r in results if not r.ok]
    assert not failing, "headline claims must hold in every world:\n" + "\n".join(failing)
    assert all(math.isfinite(v) for r in results for v in r.values), "every effect is a finite number"


def test_the_sweep_of_every_lesson_at_20_seeds_fits_the_budget(sweep):
    _, seconds = sweep
    assert seconds["on two idle cores"] < SWEEP_BUDGET_SECONDS, (
        f"the 20-world sweep needs {seconds['on two idle cores']:.0f} s on two idle cores ({seconds['wall']:.0f} s "
        f"here); speed up the slowest claims (cache what several claims share, keyed on world.seed)")


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_the_saved_claims_json_is_what_the_code_measures_now(sweep, lesson_id):
    """The notebook's claims table comes from claims.json: it must be current."""
    fresh = [r for r in sweep[0] if r.lesson == lesson_id]
    saved = saved_claims(lesson_id)
    redo = f"re-measure and save: mldebt claims {lesson_id} --seeds 20 --save (or make claims)"
    assert [r.claim for r in saved] == [r.claim for r in fresh], redo
    for old, new in zip(saved, fresh):
        assert (old.lesson, old.sentence, old.headline, old.effect_name, old.unit) == (
            new.lesson, new.sentence, new.headline, new.effect_name, new.unit), f"{new.claim}: {redo}"
        assert old.verdicts == new.verdicts, f"{new.claim}: {redo}"
        assert old.values == pytest.approx(new.values, rel=1e-9, abs=1e-12), f"{new.claim}: {redo}"


# --- the machinery -------------------------------------------------------------------------------------------------

def test_a_claim_that_fails_in_one_world_is_not_ok_unless_it_is_not_a_headline():
    [result] = measure_claims({"01": [ONLY_IN_2015]}, seeds=SEEDS[:3])
    assert (result.values, result.verdicts) == (tuple(map(float, SEEDS[:3])), (True, False, False))
    assert (result.holds_at, result.seeds, result.ok) == (1, 3, False)
    [stated] = measure_claims({"01": [replace(ONLY_IN_2015, headline=False)]}, seeds=SEEDS[:3])
    assert stated.holds_at == 1 and stated.ok


def test_the_same_seeds_give_the_same_numbers_on_one_worker_or_two():
    mine = {"00": [CHURN_IS_COMMON, CHURN_SCORE, ONLY_IN_2015]}
    one = measure_claims(mine, seeds=SEEDS[:3], workers=1)
    two = measure_claims(mine, seeds=SEEDS[:3], workers=2)
    assert one == two == measure_claims(mine, seeds=SEEDS[:3], workers=2)
    assert len(set(one[0].values)) == 3, "different worlds give different numbers"


def test_the_lessons_claims_are_the_same_on_one_worker_as_in_the_sweep(sweep):
    """Measured here, in this process, in the default world: exactly the sweep's numbers for it."""
    here = measure_claims(dict(CLAIMS), seeds=SEEDS[:1], workers=1)
    assert [(r.claim, r.values, r.verdicts) for r in here] == [
        (r.claim, r.values[:1], r.verdicts[:1]) for r in sweep[0]]


def test_results_survive_a_save_and_a_load(tmp_path):
    results = measure_claims({"00": [CHURN_IS_COMMON, ONLY_IN_2015]}, seeds=SEEDS[:2], workers=1)
    save_results(results, tmp_path / "claims.json")
    assert load_results(tmp_path / "claims.json") == results


def test_the_claims_table_escapes_sentences_and_shows_the_count():
    result = ClaimResult("00", "odd", "Scores < 1 & > 0 <b>", True, "score", "number", (0.5, 0.25), (True, True))
    table = claims_table_html([result])
    assert "Scores &lt; 1 &amp; &gt; 0 &lt;b&gt;" in table and "<b>2 of 2</b>" in table


# --- mldebt claims ---------------------------------------------------------------------------------------------------

@pytest.fixture
def registry(monkeypatch):
    """Replace the lesson registry's claims (only for one test) with claims of our own."""
    def use(claims_by_lesson):
        monkeypatch.setattr(lessons, "CLAIMS", dict(claims_by_lesson))
    return use


def test_mldebt_claims_exits_0_on_the_lessons_when_every_headline_claim_holds(sweep, monkeypatch, capsys):
    """`mldebt claims --seeds 20` over the real registry; the sweep stands in for re-measuring it."""
    asked = []

    def measured_already(claims, seeds):
        asked.append((list(claims), tuple(seeds)))
        return [r for r in sweep[0] if r.lesson in claims]

    monkeypatch.setattr(claims_module, "measure_claims", measured_already)
    code, out, err = run(capsys, "claims", "--seeds", "20", "--format", "json")
    assert asked == [(list(LESSONS), SEEDS)]
    assert json.loads(out) == [r.as_dict() for r in sweep[0]]
    assert (code, err) == (0 if all(r.ok for r in sweep[0]) else 1, "")
    assert code == 0, "a headline claim fails: see test_every_headline_claim_holds_in_all_20_worlds"


def test_mldebt_claims_exits_0_when_every_headline_claim_holds(registry, capsys):
    registry({"01": (CHURN_IS_COMMON, replace(ONLY_IN_2015, headline=False))})
    code, out, err = run(capsys, "claims", "01", "--seeds", "2")
    assert (code, err) == (0, "")
    assert "holds in 2 of 2 worlds" in out and "holds in 1 of 2 worlds" in out
    assert out.rstrip().endswith("every headline claim holds in all.")


def test_mldebt_claims_exits_1_when_a_headline_claim_fails_in_one_world(registry, capsys):
    registry({"01": (CHURN_IS_COMMON, ONLY_IN_2015)})
    code, out, err = run(capsys, "claims", "--seeds", "2")
    assert (code, err) == (1, "")
    assert "only_in_2015 (headline)   <-- FAILS" in out and "1 headline claim(s) fail somewhere." in out
    code, out, _ = run(capsys, "claims", "--seeds", "2", "--format", "json")
    assert code == 1 and [r["holds_at"] for r in json.loads(out)] == [2, 1]


def test_mldebt_claims_json_has_exactly_the_documented_shape(registry, capsys):
    unmeasurable = Claim("unmeasurable", "Nothing.", "nothing", lambda world: math.nan, lambda v: True,
                         headline=False)
    registry({"01": (CHURN_IS_COMMON, ONLY_IN_2015), "03": (unmeasurable,)})
    code, out, _ = run(capsys, "claims", "03", "01", "--seeds", "3", "--format", "json")
    data = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert code == 1 and isinstance(data, list) and len(data) == 3
    for row in data:
        assert list(row) == ["lesson", "claim", "sentence", "headline", "holds_at", "seeds", "effect"]
        assert list(row["effect"]) == ["name", "unit", "median", "min", "max"]
        assert isinstance(row["headline"], bool) and row["seeds"] == 3 and 0 <= row["holds_at"] <= 3
    assert [(r["lesson"], r["claim"]) for r in data] == [
        ("03", "unmeasurable"), ("01", "churn_is_common"), ("01", "only_in_2015")]
    assert data[2] == {"lesson": "01", "claim": "only_in_2015", "sentence": "The world's seed is 2015.",
                       "headline": True, "holds_at": 1, "seeds": 3,
                       "effect": {"name": "the world's seed", "unit": "count", "median": float(sorted(SEEDS[:3])[1]),
                                  "min": float(min(SEEDS[:3])), "max": float(max(SEEDS[:3]))}}
    assert data[0]["effect"]["median"] is None  # an effect that could not be measured is null, not NaN


def test_a_lesson_is_selected_by_number_or_by_name(registry, monkeypatch, capsys):
    registry({"01": (CHURN_IS_COMMON,), "02": (ONLY_IN_2015,)})
    asked = []
    real = claims_module.measure_claims
    monkeypatch.setattr(claims_module, "measure_claims", lambda claims, seeds: asked.append(list(claims))
                        or real(claims, seeds))
    by_number = run(capsys, "claims", "01", "--seeds", "1", "--format", "json")
    by_name = run(capsys, "claims", "entanglement_cace", "--seeds", "1", "--format", "json")
    assert by_number == by_name and by_number[0] == 0
    assert asked == [["01"], ["01"]] and [r["lesson"] for r in json.loads(by_number[1])] == ["01"]
    assert run(capsys, "claims", "01", "entanglement_cace", "--seeds", "1")[1].count("[01]") == 1


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--seeds", "99"], ["--seeds", "-3"], ["--seeds", "many"],
                                  ["99"], ["no_such_lesson"], ["01", "nope"], ["--format", "xml"]])
def test_bad_usage_exits_2_with_one_line_and_no_traceback(args, capsys):
    code, out, err = run(capsys, "claims", *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "Traceback" not in err and len(err) < 400, err


def test_save_writes_each_lesson_s_results_beside_it(registry, monkeypatch, tmp_path, capsys):
    registry({"01": (CHURN_IS_COMMON,), "02": (replace(ONLY_IN_2015, headline=False),)})
    monkeypatch.setattr(lessons, "lesson_folder", lambda key: tmp_path / key)
    (tmp_path / "01").mkdir()
    (tmp_path / "02").mkdir()
    assert run(capsys, "claims", "--seeds", "2", "--save")[0] == 0
    assert [r.claim for r in load_results(tmp_path / "01" / "claims.json")] == ["churn_is_common"]
    assert load_results(tmp_path / "02" / "claims.json")[0].verdicts == (True, False)


def test_without_fork_workers_find_claims_in_their_module_and_others_are_measured_here(sweep, monkeypatch):
    """As on macOS: lesson claims are found again by module and name; a claim of this file runs here."""
    monkeypatch.setattr(claims_module, "_can_fork", lambda: False)
    lesson_id, declared = next(((i, cs) for i, cs in CLAIMS.items() if cs), ("01", ()))
    mine = measure_claims({lesson_id: declared[:1], "00": [ONLY_IN_2015]}, seeds=SEEDS[:2], workers=2)
    assert mine[-1].verdicts == (True, False)
    if declared:
        first = next(r for r in sweep[0] if (r.lesson, r.claim) == (lesson_id, declared[0].name))
        assert mine[0].values == first.values[:2]
