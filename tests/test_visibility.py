"""Tests for lesson 03's library: the access log, detection, output changes measured on consumers
(with controls), and the hidden feedback loop (with its no-loop control)."""

import json
import re
import uuid
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mldebt_lessons.course.claims import SEEDS
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, get_lesson, saved_claims
from mldebt_lessons.lessons.undeclared_consumers.experiment import (
    CHANGEABLE_MODELS,
    CONSUMER_USES,
    OUTPUT_CHANGES,
    RELABELS,
    RESCALE_FACTOR,
    TABLE_COLUMNS,
    TEMPER,
    ReaderAudit,
    all_output_changes,
    audit_text,
    change_description,
    declared_consumers,
    in_unit,
    log_a_month_later,
    log_with_changes,
    measure_output_change,
    outcome_of,
    outcomes_table,
    outcomes_table_text,
    outcomes_text,
    published_output,
    read_as_before,
    read_as_told,
    relabelled_model,
    relabelled_truth,
    undeclared_readers,
)
from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import (
    LOOP_COLUMNS,
    layout_push,
    loop_summary,
    loop_table,
    loop_table_html,
    loop_table_text,
    simulate_hidden_loop,
)
from mldebt_lessons.shop.graph import CONSUMERS, Consumer, shop_graph
from mldebt_lessons.shop.lineage import (
    DATASET_NAMESPACE,
    JOB_NAMESPACE,
    LOG_START,
    PRODUCER,
    SCHEMA_URL,
    dataset,
    observed_reads,
    readers_of,
    run_event,
    without_reads,
)
from mldebt_lessons.shop.world import build_world, make_world

LESSON_03 = get_lesson("03")
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def events(world):
    return observed_reads(world)


def audits_for(world, events):
    return undeclared_readers(declared_consumers(world.graph), events)


# --- the access log: OpenLineage-shaped run events ----------------------------------------------------

def test_every_event_has_the_openlineage_run_event_shape(events):
    assert events
    for e in events:
        assert set(e) == {"eventType", "eventTime", "run", "job", "inputs", "outputs", "producer", "schemaURL"}
        assert e["eventType"] == "COMPLETE"
        assert ISO_Z.fullmatch(e["eventTime"])
        assert uuid.UUID(e["run"]["runId"]).version == 5
        assert e["job"] == {"namespace": JOB_NAMESPACE, "name": e["job"]["name"]}
        for d in e["inputs"] + e["outputs"]:
            assert set(d) == {"namespace", "name"} and d["namespace"] == DATASET_NAMESPACE
        assert e["producer"] == PRODUCER and e["producer"].startswith("https://")
        assert e["schemaURL"] == SCHEMA_URL and SCHEMA_URL.startswith("https://openlineage.io/spec/")
    json.dumps(events)  # plain data all the way down


def test_the_log_is_deterministic_with_fixed_times_and_unique_run_ids(world, events):
    assert observed_reads(world) == events
    assert observed_reads(make_world(world.seed, len(world.raw["user_age"])).graph) == events
    run_ids = [e["run"]["runId"] for e in events]
    assert len(set(run_ids)) == len(run_ids)
    times = sorted(e["eventTime"] for e in events)
    assert times[0] == LOG_START.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # a fixed date, not today


def test_one_run_per_job_per_day_upstream_jobs_first(world):
    for days in (1, 3):
        log = observed_reads(world, days=days)
        jobs = [n for n, k in world.graph.nodes(data="kind") if k != "source"]
        assert len(log) == days * len(jobs)
        assert sorted({e["job"]["name"] for e in log}) == sorted(jobs)
    day = observed_reads(world, days=1)
    position = {e["job"]["name"]: i for i, e in enumerate(day)}
    for u, v in world.graph.edges:
        if u in position:
            assert position[u] < position[v], (u, v)  # a job runs after everything it reads


def test_the_log_records_every_edge_declared_or_not(world, events):
    seen = readers_of(events)
    for u, v in world.graph.edges:
        if world.graph.nodes[u]["kind"] != "source":
            assert v in seen[u], (u, v)
    ads = [e for e in events if e["job"]["name"] == "ads_ranker"]
    assert ads and all(e["inputs"] == [dataset(world.graph, "churn_model")] for e in ads)


def test_readers_are_worked_out_from_the_events_alone():
    out = {"namespace": "w", "name": "t.m"}
    log = [run_event("m", [], [out], LOG_START), run_event("a", [out], [], LOG_START),
           run_event("b", [out, {"namespace": "w", "name": "nobody.writes.this"}], [], LOG_START)]
    assert readers_of(log) == {"m": ("a", "b")}
    assert readers_of([]) == {}


def test_without_reads_drops_only_that_read_and_leaves_the_log_untouched(world, events):
    name = dataset(world.graph, "churn_model")["name"]
    changed = without_reads(events, "homepage", name)
    assert len(changed) == len(events)
    for before, after in zip(events, changed):
        if before["job"]["name"] == "homepage":
            assert name not in [d["name"] for d in after["inputs"]]
            assert len(after["inputs"]) == len(before["inputs"]) - 1
        else:
            assert after == before
    assert any(name in [d["name"] for d in e["inputs"]] for e in events if e["job"]["name"] == "homepage")


# --- detection: declared versus observed ----------------------------------------------------------------

def test_declared_consumers_come_from_declared_edges_only(world):
    declared = declared_consumers(world.graph)
    assert set(declared) == set(world.models)
    assert declared["churn_model"] == ("email_campaign", "homepage")
    assert "ads_ranker" not in declared["churn_model"]
    for model, readers in declared.items():
        for r in readers:
            assert world.graph.edges[model, r].get("declared", True) is True


def test_the_audit_finds_the_ads_ranker_and_nothing_else(world, events):
    audits = audits_for(world, events)
    findings = {(m, r) for m, a in audits.items() for r in a.undeclared}
    assert findings == {("churn_model", "ads_ranker")}
    assert all(not a.never_observed for a in audits.values())
    for model, a in audits.items():
        assert a.clean == (model != "churn_model")
    assert "UNDECLARED: ads_ranker" in audit_text(audits)


def test_control_a_graph_with_every_read_declared_has_no_findings():
    declared_ads = tuple(Consumer(c.name, c.owner, c.description, c.reads) for c in CONSUMERS)
    g = shop_graph(consumers=declared_ads)
    audits = undeclared_readers(declared_consumers(g), observed_reads(g))
    assert all(a.clean for a in audits.values())
    assert "UNDECLARED" not in audit_text(audits)


def test_a_declared_reader_that_stopped_reading_is_a_separate_finding(world, events):
    log = without_reads(events, "homepage", dataset(world.graph, "churn_model")["name"])
    audit = audits_for(world, log)["churn_model"]
    assert audit.never_observed == ("homepage",)
    assert audit.undeclared == ("ads_ranker",)  # the other finding is still there
    assert "DECLARED BUT NEVER SEEN: homepage" in audit_text({"churn_model": audit})


def test_audit_text_of_a_clean_model():
    assert audit_text({"m": ReaderAudit("m", (), (), (), ())}) == "m: declared nobody; observed nobody"


def test_a_month_later_the_log_holds_one_new_undeclared_reader_and_one_stale_declaration(world):
    audits = audits_for(world, log_a_month_later(world))
    assert {(m, r) for m, a in audits.items() for r in a.undeclared} == {("churn_model", "ads_ranker"),
                                                                       ("ltv_model", "price_optimiser")}
    assert {(m, r) for m, a in audits.items() for r in a.never_observed} == {("churn_model", "homepage")}
    assert {e["eventTime"][:10] for e in log_a_month_later(world)} == {"2016-01-06"}  # not the demo's nights


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_a_log_changed_with_a_seed_drops_one_declared_read_and_adds_one_new_reader(world, seed):
    log = log_with_changes(world, seed)
    audits = audits_for(world, log)
    undeclared = {(m, r) for m, a in audits.items() for r in a.undeclared}
    assert len(undeclared) == 2 and ("churn_model", "ads_ranker") in undeclared
    assert sum(len(a.never_observed) for a in audits.values()) == 1
    assert log == log_with_changes(world, seed)


# --- output changes ---------------------------------------------------------------------------------------

def test_every_change_has_a_description_and_a_published_output(world):
    for model, change in all_output_changes():
        assert change_description(model, change).strip()
        out = published_output(world, model, change)
        assert len(out) == len(world.test_rows)
    assert len(all_output_changes()) == len(CHANGEABLE_MODELS) * len(OUTPUT_CHANGES)


def test_recalibrate_rescale_and_reformat_keep_the_ranking_so_the_owners_auc_does_not_move(world):
    for model in ("churn_model", "recommender"):
        spec = world.models[model].spec
        y = world.labels[spec.label][world.test_rows]
        before = roc_auc_score(y, published_output(world, model))
        for change in ("recalibrate", "rescale", "reformat"):
            told = read_as_told(published_output(world, model, change), change)
            assert roc_auc_score(y, told) == pytest.approx(before, abs=1e-12), (model, change)


def test_each_change_does_what_it_says(world):
    s = published_output(world, "churn_model")
    assert np.allclose(published_output(world, "churn_model", "rescale"), 100 * s)
    recal = published_output(world, "churn_model", "recalibrate")
    assert np.all(np.diff(recal[np.argsort(s)]) >= 0)  # same order
    assert recal.std() < s.std()  # pulled toward the base rate
    text = published_output(world, "churn_model", "reformat")
    assert text.dtype.kind == "U" and json.loads(text[0]) == {"score": float(s[0]), "version": 2}
    assert np.array_equal(read_as_told(text, "reformat"), s)
    ltv = published_output(world, "ltv_model")
    assert np.allclose(published_output(world, "ltv_model", "rescale"), 100 * ltv)  # pounds to pence


@pytest.mark.parametrize("model", CHANGEABLE_MODELS)
def test_relabel_retrains_on_a_new_ground_truth(world, model):
    new_truth = relabelled_truth(world, model)
    old = world.truth[{"churn_model": "churn_p", "ltv_model": "ltv_mean", "recommender": "click_p"}[model]]
    assert new_truth.shape == old.shape and np.all(new_truth <= old + 1e-12) and np.all(new_truth >= 0)
    assert not np.allclose(new_truth / old.mean(), old / old.mean())
    retrained = relabelled_model(world, model)
    assert retrained.spec.label == RELABELS[model].new_label
    assert retrained.spec.inputs == world.models[model].spec.inputs
    assert not np.allclose(published_output(world, model, "relabel"), published_output(world, model))


def test_the_old_parser_never_raises_and_reads_text_as_zero():
    assert np.array_equal(read_as_before(np.array([0.2, 0.7])), [0.2, 0.7])
    assert np.array_equal(read_as_before(np.array(["0.5", "high", '{"score": 0.9}'])), [0.5, 0.0, 0.0])
    assert np.array_equal(read_as_told(np.array([50.0]), "rescale"), [0.5])


@pytest.mark.parametrize("args", [("churn_modle", "rescale"), ("fraud_model", "rescale"),
                                  ("churn_model", "squash"), ("", "")])
def test_bad_names_give_one_line(world, args):
    with pytest.raises(CourseInputError) as caught:
        measure_output_change(world, *args)
    assert "\n" not in str(caught.value) and "choose one of" in str(caught.value)


def test_telling_an_unknown_consumer_gives_one_line(world):
    with pytest.raises(CourseInputError) as caught:
        measure_output_change(world, "churn_model", "rescale", told={"ads_rankr"})
    assert "\n" not in str(caught.value) and "ads_ranker" in str(caught.value)


# --- consumers, measured: the undeclared one degrades, the declared ones do not, and the controls ---------

EXACT_CHANGES = ("recalibrate", "rescale", "reformat")  # the ranking is kept, so told readers lose nothing


@pytest.mark.parametrize("change", OUTPUT_CHANGES)
def test_the_undeclared_ads_ranker_silently_changes_what_it_does_on_every_change(world, change):
    # What holds in every world (see the claims): the ads ranker was not told and acts differently; three
    # changes cost it profit in every world. Whether the recalibration costs it profit depends on the world
    # (claim recalibrate_costs_profit, stated with its count), so it is not asserted here.
    ads = outcome_of(measure_output_change(world, "churn_model", change), "ads_ranker", "churn_model")
    assert ads.reads_changed and not ads.declared and not ads.told
    assert ads.share_before > 0 and ads.value_before > 0
    assert ads.acted_after != ads.acted_before
    if change != "recalibrate":
        assert ads.value_after < ads.value_before / 2, ads


@pytest.mark.parametrize("change", OUTPUT_CHANGES)
def test_declared_consumers_are_told_and_keep_their_size(world, change):
    outcomes = measure_output_change(world, "churn_model", change)
    for consumer in ("email_campaign", "homepage"):
        o = outcome_of(outcomes, consumer, "churn_model")
        assert o.declared and o.told and o.adaptation.startswith("told")
        assert o.acted_after == o.acted_before  # it kept its size
        if change in EXACT_CHANGES:
            assert o.change == 0.0 and o.value_after == o.value_before


@pytest.mark.parametrize("model", ["ltv_model", "recommender"])
@pytest.mark.parametrize("change", OUTPUT_CHANGES)
def test_control_a_model_with_no_undeclared_reader_breaks_nothing_silently(world, model, change):
    outcomes = measure_output_change(world, model, change)
    readers = [o for o in outcomes if o.reads_changed]
    assert readers and all(o.declared and o.told for o in readers)
    for o in outcomes:
        if not o.reads_changed or change in EXACT_CHANGES:
            assert o.change == 0.0 and o.share_after == o.share_before, o
        else:
            assert abs(o.change) < 0.06, o
    assert not any(o.change < -0.06 for o in outcomes)
    # Nothing breaks *silently*: every outcome that moves belongs to a reader that was told.
    assert all(o.told for o in outcomes if o.change != 0.0)


@pytest.mark.parametrize("model, change", all_output_changes())
def test_uses_that_do_not_read_the_changed_model_show_exactly_zero(world, model, change):
    for o in measure_output_change(world, model, change):
        if not o.reads_changed:
            assert o.adaptation == f"control: reads {o.model}" and not o.told
            assert o.model != model
            assert (o.share_before, o.value_before, o.acted_before) == (o.share_after, o.value_after, o.acted_after)


@pytest.mark.parametrize("change", EXACT_CHANGES)
def test_once_told_the_ads_ranker_loses_nothing_either(world, change):
    everyone = {"email_campaign", "homepage", "ads_ranker"}
    ads = outcome_of(measure_output_change(world, "churn_model", change, told=everyone), "ads_ranker", "churn_model")
    assert ads.told and ads.change == 0.0


def test_once_told_a_new_meaning_still_moves_the_ads_ranker_but_less(world):
    everyone = {"email_campaign", "homepage", "ads_ranker"}
    told = outcome_of(measure_output_change(world, "churn_model", "relabel", told=everyone), "ads_ranker",
                      "churn_model")
    silent = outcome_of(measure_output_change(world, "churn_model", "relabel"), "ads_ranker", "churn_model")
    assert told.told and not silent.told
    assert 0 < abs(told.change) < abs(silent.change)  # its direction depends on the world: see the claims


def test_each_change_breaks_the_ads_ranker_its_own_way(world):
    o = {c: outcome_of(measure_output_change(world, "churn_model", c), "ads_ranker", "churn_model")
         for c in OUTPUT_CHANGES}
    assert o["rescale"].acted_after > 0.95 and o["rescale"].value_after < 0  # nearly every user looks worth an ad
    assert o["reformat"].acted_after == 0.0 and o["reformat"].value_after == 0.0  # text read as zero
    assert o["recalibrate"].acted_after < o["recalibrate"].acted_before  # fewer pass the old break-even
    assert o["relabel"].acted_after < o["recalibrate"].acted_after  # 30-day chances are smaller still


def test_measurements_are_deterministic_across_fresh_worlds(world):
    fresh = make_world(world.seed, len(world.raw["user_age"]))
    for model, change in all_output_changes():
        assert measure_output_change(fresh, model, change) == measure_output_change(world, model, change)


def test_every_use_reads_an_edge_of_the_graph(world):
    for use in CONSUMER_USES:
        assert world.graph.has_edge(use.model, use.consumer), use


def test_tables_and_text_carry_every_outcome(world):
    outcomes = measure_output_change(world, "churn_model", "rescale")
    rows = outcomes_table(outcomes)
    assert [r["consumer"] for r in rows] == [o.consumer for o in outcomes]
    assert all(tuple(r) == TABLE_COLUMNS for r in rows)
    ads = next(r for r in rows if r["consumer"] == "ads_ranker")
    assert ads["told?"] == "NO" and ads["after"].startswith("−£")  # a loss, with its unit
    assert [r["told?"] for r in rows if r["reads"] != "churn_model"] == ["control", "control"]
    text = outcomes_text("churn_model", "rescale", outcomes)
    assert text.count("\n") == len(outcomes) and "UNDECLARED" in text


def test_every_value_carries_its_unit_and_pounds_never_share_a_column_with_counts(world):
    for model, change in all_output_changes():
        for row, o in zip(outcomes_table(measure_output_change(world, model, change)), measure_output_change(
                world, model, change)):
            money = "GBP" in o.unit
            for cell in (row["before"], row["after"]):
                assert ("£" in cell) == money, (row, o.unit)
                assert " of " in cell  # beside the best possible
    assert in_unit("GBP", -0.2) == "£0" and in_unit("GBP", 1234.4) == "£1,234" and in_unit("x", 3.14159) == "3.1"
    assert in_unit("GBP", -12_345) == "−£12.3k"


# --- the hidden feedback loop -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def loop(world):
    return simulate_hidden_loop(world)


@pytest.fixture(scope="module")
def control(world):
    return simulate_hidden_loop(world, ui_reads_prediction=False)


def test_loop_and_control_start_from_the_same_round_zero(loop, control):
    assert loop[0] == control[0]
    assert loop[0].weight_inflation == 1.0 and [r.round for r in loop] == list(range(len(loop)))


def test_with_the_loop_the_weights_end_at_least_twice_as_large(loop):
    # Not necessarily larger every single round: see the claim loop_weights_grow_every_round and its count.
    assert loop[-1].weight_inflation > 2.0
    assert all(r.weight_inflation > 1 for r in loop[1:])


def test_with_the_loop_predictions_drift_from_the_truth(loop):
    assert loop[-1].mean_abs_error > loop[0].mean_abs_error  # by the end; not every round (see the claims)
    assert loop[-1].prediction_spread > loop[-1].true_spread


def test_with_the_loop_its_own_logs_say_it_got_better(loop, control):
    assert loop[-1].logged_auc > loop[0].logged_auc + 0.1
    assert loop[-1].logged_auc > control[-1].logged_auc + 0.1


def test_control_the_loop_is_worse_than_the_control_in_every_round(loop, control):
    for a, b in zip(loop[1:], control[1:]):
        assert a.weight_inflation > b.weight_inflation and a.mean_abs_error > b.mean_abs_error, (a, b)
    assert loop[-1].weight_inflation > max(r.weight_inflation for r in control)  # beyond the control's noise


def test_no_push_is_exactly_the_control(world, control):
    assert simulate_hidden_loop(world, influence=0.0) == control


def test_the_loop_is_deterministic_and_seeded(world, loop):
    fresh = make_world(world.seed, len(world.raw["user_age"]))
    assert simulate_hidden_loop(fresh) == loop
    other = simulate_hidden_loop(world, seed=world.seed + 1)
    assert other != loop and other[-1].weight_inflation > 2.0  # the direction does not hang on one seed


def test_layout_push_is_centred_on_the_average_prediction():
    p = np.array([0.2, 0.5, 0.8])
    push = layout_push(p, 0.6)
    assert push[0] < 0 < push[2]
    assert np.allclose(layout_push(p, 0.0), 0.0)


def test_loop_table_and_summary_read_their_numbers_from_the_rounds(loop, control):
    rows = loop_table(loop, control)
    assert [r["round"] for r in rows] == [r.round for r in loop]
    for row, a, b in zip(rows, loop, control):
        assert row == {"round": a.round,
                       "weights: loop": f"{a.weight_inflation:.2f}×", "weights: control": f"{b.weight_inflation:.2f}×",
                       "error: loop": f"{100 * a.mean_abs_error:.1f} pts",
                       "error: control": f"{100 * b.mean_abs_error:.1f} pts",
                       "logged AUC: loop": f"{a.logged_auc:.3f}", "logged AUC: control": f"{b.logged_auc:.3f}"}
    text = loop_summary(loop, control)
    assert f"{loop[-1].weight_inflation:.2f}×" in text and f"{control[-1].weight_inflation:.2f}×" in text


def test_the_loop_table_is_html_with_every_column_defined_in_words(loop, control):
    html_table = loop_table_html(loop, control)
    assert html_table.count("<tr") == len(loop) + 1
    for name in LOOP_COLUMNS:
        assert f"<b>{name}</b>" in html_table
    assert {k.split(":")[0] for k in loop_table(loop, control)[0]} == set(LOOP_COLUMNS)
    text = loop_table_text(loop, control)
    assert len(text.splitlines()) == len(loop) and max(len(line) for line in text.splitlines()) < 160


# --- lesson 03's exercises: wrong answers are turned away (test_lessons.py checks the solutions) ------------

def _wrong_function(declared, events):
    return {"churn_model": ["ads_ranker"]}  # right on the demo's log only


def _raising_function(declared, events):
    raise RuntimeError("boom")


WRONG_ANSWERS = {
    "03.1": [([("churn_model", "ads_ranker")], []), ([("churn_model", "homepage")], [("churn_model", "ads_ranker")]),
             ([], []), [[["churn_model", "ads_ranker"]], [[]]], ("churn_model", "ads_ranker"), 3, [[1, [2]], {}]],
    "03.2": [("reformat", 200.0), ("rescale", 0.0), ("rescale", "1286"), "rescale", [["rescale"], [1]],
             ("nonsense", 1.0), ("rescale", float("nan")), ("rescale", 10 ** 400)],
    "03.3": [("rescale", 0.0), ("relabel", 0.0), ("relabel", 500.0), "relabel", ({"relabel"}, [1]), (None, None)],
    "03.4": [_wrong_function, _raising_function, {"churn_model": ["ads_ranker"]}, "undeclared", lambda *a: None,
             lambda d, e: {"churn_model": "ads_ranker"}],
    "03.5": [(1.0, 1.0), (2.0, 1.0), "2.4", [[1.49], [1.16]], (True, False)],
}


@pytest.mark.parametrize("exercise_id", sorted(WRONG_ANSWERS))
def test_wrong_answers_to_lesson_03_are_rejected_with_a_message(exercise_id):
    for wrong in WRONG_ANSWERS[exercise_id] + [None, object()]:
        verdict = check(exercise_id, wrong)
        assert verdict.ok is False, (exercise_id, wrong)
        assert verdict.message.strip() and repr(verdict).startswith("Not yet: ")


def test_lesson_03_answers_match_the_library(world):
    lesson = get_lesson("03")
    assert [e.id for e in lesson.exercises] == ["03.1", "03.2", "03.3", "03.4", "03.5"]
    undeclared = [["churn_model", "ads_ranker"], ["ltv_model", "price_optimiser"]]
    assert check("03.1", (undeclared, [("churn_model", "homepage")])).ok
    swapped = check("03.1", ([("churn_model", "homepage")], undeclared))
    assert not swapped.ok and "wrong way round" in swapped.message
    gentle = simulate_hidden_loop(world, rounds=8, influence=0.3)[-1].weight_inflation
    still = simulate_hidden_loop(world, rounds=8, ui_reads_prediction=False)[-1].weight_inflation
    assert check("03.5", (gentle, still)).ok
    swapped = check("03.5", (still, gentle))
    assert not swapped.ok and "wrong way round" in swapped.message


def test_no_exercise_answer_is_the_demos_numbers(world, loop, control):
    # The demo shows seed 2015 and the default loop: answers copied from it are turned away.
    from mldebt_lessons.lessons.undeclared_consumers.lesson import OTHER_SEED
    assert OTHER_SEED != world.seed
    demo = outcome_of(measure_output_change(world, "churn_model", "rescale"), "ads_ranker", "churn_model")
    copied = check("03.2", ("rescale", demo.value_before - demo.value_after))
    assert not copied.ok and "demo's world" in copied.message
    assert not check("03.5", (loop[-1].weight_inflation, control[-1].weight_inflation)).ok


@pytest.mark.parametrize("exercise_id", [e.id for e in LESSON_03.exercises])
def test_every_exercise_asks_for_a_prediction_and_judges_garbage_kindly(exercise_id):
    task = next(e for e in LESSON_03.exercises if e.id == exercise_id)
    assert task.predict.strip().endswith("?") and task.judge_prediction is not None
    for garbage in (None, "", "above", 3, [[1]], {"a": 1}, float("nan"), object(), 10 ** 400):
        comment = task.judge_prediction(garbage)
        assert isinstance(comment, str) and comment.strip() and "\n" not in comment


def test_the_function_exercise_runs_the_learners_function_on_several_seeded_logs():
    from mldebt_lessons.lessons.undeclared_consumers.lesson import _test_logs
    names = [name for name, _, _ in _test_logs()]
    assert sum(name.startswith("a log changed with seed") for name in names) >= 3
    assert "an empty log" in names
    verdict = check("03.4", _raising_function)
    assert not verdict.ok and "RuntimeError" in verdict.message


# --- the lesson's words, checked against the library: every claim the lesson makes is measured here ---------

LESSON = get_lesson("03")
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / LESSON.notebook


def notebook_prose() -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def lesson_prose() -> list[str]:
    return [*LESSON.objectives, *LESSON.key_points, *LESSON.tutor_prompts,
            *(e.prompt for e in LESSON.exercises),
            *(text for q in LESSON.quiz for text in (q.text, *(o.text for o in q.options),
                                                     *(o.feedback for o in q.options)))]


def option(question: int, starts: str):
    return next(o for o in LESSON.quiz[question].options if o.text.startswith(starts))


def key_point(starts: str) -> str:
    return next(k for k in LESSON.key_points if k.startswith(starts))


def test_no_measured_number_is_typed_in_the_lessons_prose():
    # Decimals, percentages and counts of things the library holds are for the code to print.
    # (Years and paper sections may stay.)
    # ("per 1,000 users" is a unit, not a count.)
    counted = r"(?<!,)\b(\d+|two|three|four|five|six|seven) (rounds?|points|pts|users|readers|consumers|exercises|changes)"
    for text in lesson_prose() + [notebook_prose()]:
        assert not re.search(r"\d\.\d|\d%|" + counted, text, re.IGNORECASE), text


def test_the_right_option_moves_around_and_feedback_starts_with_the_explanation():
    places = [next(i for i, o in enumerate(q.options) if o.correct) for q in LESSON.quiz]
    assert len(set(places)) >= 3, places  # not always the same place, even before the widget shuffles
    for q in LESSON.quiz:
        for o in q.options:
            # The widget already says whether the pick was right.
            assert not re.match(r"(right|correct|wrong|no|not quite|yes)\b", o.feedback, re.IGNORECASE), o.feedback


def test_observed_minus_declared_is_visibility_debt_and_declared_minus_observed_a_stale_declaration(world, events):
    log = without_reads(events, "homepage", dataset(world.graph, "churn_model")["name"])
    for audit in audits_for(world, log).values():
        assert set(audit.undeclared) == set(audit.observed) - set(audit.declared)
        assert set(audit.never_observed) == set(audit.declared) - set(audit.observed)
    right = next(o for o in LESSON.quiz[3].options if o.correct)
    assert right.feedback.startswith("Observed minus declared is visibility debt")
    assert "Declared minus observed is a stale declaration" in right.feedback
    assert "observed but not declared is visibility debt; declared but never seen is a stale declaration" in \
        key_point("Detect visibility debt")
    assert ("churn_model", "ads_ranker") in {(m, r) for m, a in audits_for(world, events).items() for r in a.undeclared}


def test_a_new_meaning_moves_informed_readers_up_or_down(world):
    outcomes = measure_output_change(world, "churn_model", "relabel")
    email = outcome_of(outcomes, "email_campaign", "churn_model")
    assert email.told and email.change != 0.0
    assert "up in some worlds and down in others" in key_point("A change of meaning (relabel)")
    # Across worlds, both directions occur: the saved claim's range straddles zero.
    saved = next(r for r in saved_claims("03") if r.claim == "relabel_moves_a_told_reader")
    assert min(saved.values) < 0 < max(saved.values)


def test_control_models_break_nothing_silently_but_a_new_meaning_still_moves_a_told_reader(world):
    # Notebook: "nothing breaks silently: every reader is told. The changes that keep the ranking move no
    # outcome at all; a change of meaning still moves a told reader's outcome (the homepage's clicks under a
    # recommender relabel), but that reader knows why."
    for model in ("ltv_model", "recommender"):
        for change in OUTPUT_CHANGES:
            readers = [o for o in measure_output_change(world, model, change) if o.reads_changed]
            assert readers and all(o.declared and o.told for o in readers)
            if change != "relabel":
                assert all(o.change == 0.0 for o in readers)
    clicks = outcome_of(measure_output_change(world, "recommender", "relabel"), "homepage", "recommender")
    assert clicks.told and clicks.change != 0
    assert "breaks nothing silently" in key_point("Measure with a control")
    assert "nothing\n  breaks silently" in notebook_prose() or "nothing breaks silently" in notebook_prose()


def test_harmless_to_the_informed_all_or_more_than_all_to_the_uninformed(world):
    # Key point: a rescale or a new format "can cost an uninformed one all of its value, or more than all of it".
    ads = {c: outcome_of(measure_output_change(world, "churn_model", c), "ads_ranker", "churn_model")
           for c in EXACT_CHANGES}
    for change, o in ads.items():
        told = [t for t in measure_output_change(world, "churn_model", change) if t.told]
        assert told and all(t.change == 0.0 for t in told)
        assert not o.told and o.acted_after != o.acted_before  # it silently acts on other users
    assert ads["reformat"].value_after == 0.0  # all of it
    assert ads["rescale"].value_after < 0 < ads["rescale"].value_before  # more than all: a loss
    assert "all of its value, or more than all of it" in key_point("Changes that are harmless")
    assert "a recalibration silently changes whom it acts on" in key_point("Changes that are harmless")


def test_quiz_rescale_turned_the_ads_rankers_profit_into_a_loss_and_nearly_everyone_looks_worth_an_ad(world):
    outcomes = measure_output_change(world, "churn_model", "rescale")
    ads, email = outcome_of(outcomes, "ads_ranker", "churn_model"), outcome_of(outcomes, "email_campaign",
                                                                              "churn_model")
    assert ads.value_before > 0 > ads.value_after
    assert ads.acted_after > 0.95 and ads.acted_after > ads.acted_before  # still running, on more users
    assert email.told and email.change == 0.0 and email.acted_after == email.acted_before
    scores = published_output(world, "churn_model")
    rescaled = published_output(world, "churn_model", "rescale")
    assert np.array_equal(np.argsort(scores, kind="stable"), np.argsort(rescaled, kind="stable"))  # same order
    assert "turned the ads ranker's profit into a loss" in option(5, "Rescaling a model").feedback
    assert "Nearly every score now clears the old break-even" in option(1, "A loss").feedback


def test_quiz_reformat_profit_falls_to_zero_with_no_error(world):
    ads = outcome_of(measure_output_change(world, "churn_model", "reformat"), "ads_ranker", "churn_model")
    assert ads.value_after == 0.0 and ads.acted_after == 0.0  # it simply stopped selecting anyone
    assert option(2, "It shows no ad and makes exactly nothing").correct


def test_the_access_log_cannot_see_the_hidden_loop(world, events):
    # The homepage is a declared reader of the recommender; the layout's new use of the prediction is not
    # recorded anywhere: lineage records who reads, not what for.
    audit = audits_for(world, events)["recommender"]
    assert audit.clean and audit.declared == audit.observed == ("homepage",)
    homepage = [e for e in events if e["job"]["name"] == "homepage"]
    assert homepage and all(dataset(world.graph, "recommender") in e["inputs"] for e in homepage)
    assert all(set(d) == {"namespace", "name"} for e in homepage for d in e["inputs"])  # no "what for"
    simulate_hidden_loop(world)
    assert observed_reads(world) == events  # running the loop leaves the log as it was
    assert "Lineage records who reads, not what for" in key_point("A use of a model's output that nobody")
    prose = " ".join(notebook_prose().split())
    assert "Lineage records who reads a dataset, not what for" in prose
    assert "closed by a reader its owners did not know about" not in prose


def test_quiz_hidden_loop_claims(world, loop, control):
    assert loop[-1].mean_abs_error > loop[0].mean_abs_error  # "ended worse than it started"
    assert loop[-1].logged_auc > loop[0].logged_auc  # "its AUC on its own logged clicks rose"
    assert len({r.true_spread for r in loop + control}) == 1  # "the true click chances are fixed"
    assert all(a.mean_abs_error > b.mean_abs_error for a, b in zip(loop[1:], control[1:]))  # "stays below"
    assert world.graph.edges["recommender", "homepage"].get("declared", True)  # the reader was declared
    assert "in every world measured" in option(4, "The model really got better").feedback
    assert "round after round" not in " ".join(o.feedback for q in LESSON.quiz for o in q.options)


def test_every_measured_sentence_is_a_claim_and_every_headline_claim_holds_in_all_20_worlds(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "03"]  # measured once per session
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at != r.seeds]
    assert not failing, failing
    # The controls are exact, in every world.
    for name in ("told_readers_lose_nothing", "controls_exactly_zero", "no_push_is_the_control"):
        assert set(next(r for r in results if r.claim == name).values) == {0.0}, name


def test_the_quiz_has_two_measured_questions_and_the_right_option_is_rarely_the_longest():
    assert len(LESSON.quiz) >= 6 and sum(q.measured for q in LESSON.quiz) >= 2
    longest = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                  for q in LESSON.quiz)
    assert longest <= len(LESSON.quiz) / 3
    for q in LESSON.quiz:
        assert all(len(o.text) <= 60 for o in q.options), q.text  # one line beside its radio button


def test_the_objectives_name_exactly_the_lessons_output_changes():
    objective = next(o for o in LESSON.objectives if o.startswith("Tell the kinds of output change apart"))
    assert objective.split("(")[1].split(")")[0] == ", ".join(OUTPUT_CHANGES)


def test_recalibrate_is_temperature_scaling_around_the_base_rate_as_described(world):
    text = change_description("churn_model", "recalibrate")
    assert "temperature scaling" in text and f"multiplied by {TEMPER:g}" in text and "Platt" not in text
    spec = world.models["churn_model"].spec
    base = float(np.mean(world.labels[spec.label][world.train_rows]))

    def logit(p):
        return np.log(p / (1 - p))
    before, after = published_output(world, "churn_model"), published_output(world, "churn_model", "recalibrate")
    assert np.allclose(logit(after) - logit(base), TEMPER * (logit(before) - logit(base)))
    assert f"divided by {RESCALE_FACTOR:g}" in outcome_of(measure_output_change(world, "churn_model", "rescale"),
                                                          "email_campaign", "churn_model").adaptation


@pytest.mark.parametrize("model, change", all_output_changes())
@pytest.mark.parametrize("tell", [False, True])
def test_outcome_tables_name_the_controls_and_text_lines_stay_short(world, model, change, tell):
    everyone = {u.consumer for u in CONSUMER_USES} if tell else None
    outcomes = measure_output_change(world, model, change, everyone)
    rows = outcomes_table(outcomes)
    text = outcomes_table_text(rows)
    assert len(text.splitlines()) == len(rows) and max(len(line) for line in text.splitlines()) < 120, text
    for row, o in zip(rows, outcomes):
        if not o.reads_changed:
            assert row["told?"] == "control" and o.model != model
        assert all(str(row[k]) in text for k in TABLE_COLUMNS)


@pytest.mark.parametrize("exercise_id", [e.id for e in LESSON.exercises])
def test_every_hint_imports_what_it_calls(exercise_id):
    hint = next(e for e in LESSON.exercises if e.id == exercise_id).hint
    imports = re.findall(r"from mldebt_lessons\.[a-z_.]+ import [A-Za-z_, ]+[A-Za-z_]", hint)
    assert imports, hint
    namespace: dict = {}
    for line in imports:
        exec(line, namespace)  # each import line works as written
    # Names called as functions (not methods such as `declared.get(...)`), and constants in backticks.
    called = set(re.findall(r"(?<![.\w])([A-Za-z_][A-Za-z_0-9]*)\(", hint)) | set(re.findall(r"`([A-Z_]{4,})`", hint))
    assert called and called <= set(namespace), (called - set(namespace), hint)
