"""Tests for lesson 03's library: the access log, detection, output changes measured on consumers
(with controls), and the hidden feedback loop (with its no-loop control)."""

import json
import re
import uuid
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, get_lesson
from mldebt_lessons.lessons.undeclared_consumers.experiment import (
    CHANGEABLE_MODELS,
    CONSUMER_USES,
    MEASURED_COLUMNS,
    OUTPUT_CHANGES,
    RELABELS,
    RESCALE_FACTOR,
    TEMPER,
    WHO_COLUMNS,
    ReaderAudit,
    all_output_changes,
    audit_text,
    change_description,
    declared_consumers,
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
    loop_tables_text,
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
def test_the_undeclared_ads_ranker_silently_degrades_on_every_change(world, change):
    ads = outcome_of(measure_output_change(world, "churn_model", change), "ads_ranker", "churn_model")
    assert ads.reads_changed and not ads.declared and not ads.told
    assert ads.share_before > 0.5
    assert ads.change < -0.2, ads  # it loses at least 20 points of the best possible profit
    assert ads.value_after < ads.value_before


@pytest.mark.parametrize("change", OUTPUT_CHANGES)
def test_declared_consumers_are_told_and_lose_far_less(world, change):
    outcomes = measure_output_change(world, "churn_model", change)
    ads = outcome_of(outcomes, "ads_ranker", "churn_model")
    for consumer in ("email_campaign", "homepage"):
        o = outcome_of(outcomes, consumer, "churn_model")
        assert o.declared and o.told and o.adaptation.startswith("told")
        assert o.acted_after == o.acted_before  # it kept its size
        if change in EXACT_CHANGES:
            assert o.change == 0.0 and o.value_after == o.value_before
        else:  # a new meaning: a small, known cost (either way), far below the silent one
            assert abs(o.change) < 0.06
        assert abs(o.change) < abs(ads.change) / 3


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


def test_once_told_a_new_meaning_still_costs_the_ads_ranker_but_far_less(world):
    everyone = {"email_campaign", "homepage", "ads_ranker"}
    told = outcome_of(measure_output_change(world, "churn_model", "relabel", told=everyone), "ads_ranker",
                      "churn_model")
    silent = outcome_of(measure_output_change(world, "churn_model", "relabel"), "ads_ranker", "churn_model")
    assert silent.change < told.change < 0


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
    assert next(r for r in rows if r["consumer"] == "ads_ranker")["declared?"] == "NO"
    text = outcomes_text("churn_model", "rescale", outcomes)
    assert text.count("\n") == len(outcomes) and "UNDECLARED" in text


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


def test_with_the_loop_the_weights_inflate_round_after_round(loop):
    inflation = [r.weight_inflation for r in loop]
    assert all(b > a for a, b in zip(inflation, inflation[1:])), inflation
    assert inflation[-1] > 2.0


def test_with_the_loop_predictions_drift_from_the_truth(loop):
    errors = [r.mean_abs_error for r in loop]
    assert errors[-1] > 2 * errors[0]
    assert all(b > a for a, b in zip(errors, errors[1:])), errors  # worse every round (the notebook says so)
    assert loop[-1].prediction_spread > loop[-1].true_spread > loop[0].prediction_spread


def test_with_the_loop_its_own_logs_say_it_got_better(loop, control):
    assert loop[-1].logged_auc > loop[0].logged_auc + 0.1
    assert loop[-1].logged_auc > control[-1].logged_auc + 0.1


def test_control_without_the_loop_nothing_drifts(loop, control):
    for r in control[1:]:
        assert abs(r.weight_inflation - 1) < 0.2, r
        assert abs(r.mean_abs_error - control[0].mean_abs_error) < 0.01, r
    assert loop[-1].weight_inflation > control[-1].weight_inflation + 1
    assert loop[-1].mean_abs_error > 2 * control[-1].mean_abs_error


def test_a_weaker_push_inflates_less_and_no_push_is_the_control(world, loop, control):
    weak = simulate_hidden_loop(world, influence=0.3)
    assert control[-1].weight_inflation < weak[-1].weight_inflation < loop[-1].weight_inflation
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
    for run in (loop, control):
        rows = loop_table(run)
        assert len(rows) == len(run) and [r["round"] for r in rows] == [r.round for r in run]
        for row, r in zip(rows, run):
            assert row == {"round": r.round, "weights": f"{r.weight_inflation:.2f}x",
                           "error vs truth": f"{r.mean_abs_error:.3f}", "spread": f"{r.prediction_spread:.3f}",
                           "logged AUC": f"{r.logged_auc:.3f}"}
    text = loop_summary(loop, control)
    assert f"{loop[-1].weight_inflation:.2f}x" in text and f"{control[-1].weight_inflation:.2f}x" in text


def test_loop_tables_print_narrow_and_define_every_column_in_words(loop, control):
    text = loop_tables_text(loop, control)
    assert max(len(line) for line in text.splitlines()) < 100, text
    assert set(loop_table(loop)[0]) == set(LOOP_COLUMNS)
    for name, meaning in LOOP_COLUMNS.items():
        assert f"  {name}: {meaning}" in text
    assert f"the true chances' spread is {loop[0].true_spread:.3f}" in text
    for run in (loop, control):
        for r in run:
            assert f"{r.weight_inflation:.2f}x" in text and f"{r.logged_auc:.3f}" in text
    assert text.index("With the loop") < text.index("Control") < text.index("Columns:")


# --- lesson 03's exercises: wrong answers are turned away (test_lessons.py checks the solutions) ------------

WRONG_ANSWERS = {
    "03.1": [("churn_model", "email_campaign"), "ads_ranker", ("ltv_model", "ads_ranker"), 3],
    "03.2": [(0.844, 0.0), (84.4, 56.2), (0.5, 0.5), "0.84"],
    "03.3": [("churn_model", "ads_ranker"), ("recommender", "homepage"), "homepage"],
    "03.4": [("rescale", 0.0), ("relabel", 0.0), ("relabel", -0.5), "relabel", ("nonsense", -0.05)],
    "03.5": [(1.0, 1.0), (2.0, 1.0), "2.4", (1.08, 2.43)],
}


@pytest.mark.parametrize("exercise_id", sorted(WRONG_ANSWERS))
def test_wrong_answers_to_lesson_03_are_rejected_with_a_message(exercise_id):
    for wrong in WRONG_ANSWERS[exercise_id] + [None, object()]:
        verdict = check(exercise_id, wrong)
        assert verdict.ok is False, (exercise_id, wrong)
        assert verdict.message.strip() and repr(verdict).startswith("Not yet: ")


def test_lesson_03_answers_match_the_library(world, loop, control):
    lesson = get_lesson("03")
    assert [e.id for e in lesson.exercises] == ["03.1", "03.2", "03.3", "03.4", "03.5"]
    assert check("03.1", ["churn_model", "ads_ranker"]).ok
    assert check("03.3", ("churn_model", "homepage")).ok
    assert check("03.5", (loop[-1].weight_inflation, control[-1].weight_inflation)).ok
    swapped = check("03.5", (control[-1].weight_inflation, loop[-1].weight_inflation))
    assert not swapped.ok and "wrong way round" in swapped.message


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
    counted = r"\b(\d+|two|three|four|five|six|seven) (rounds?|points|pts|users|readers|consumers|exercises|changes)"
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
    email, homepage = (outcome_of(outcomes, c, "churn_model") for c in ("email_campaign", "homepage"))
    assert email.told and homepage.told
    assert email.change < 0 < homepage.change  # down for one told reader, up for the other
    assert "up or down" in key_point("A change of meaning (relabel) moves informed readers' outcomes")


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
    assert clicks.told and clicks.change < 0
    assert "breaks nothing silently" in key_point("Measure with a control")
    assert "nothing\n  breaks silently" in notebook_prose() or "nothing breaks silently" in notebook_prose()


def test_harmless_to_the_informed_much_all_or_more_than_all_to_the_uninformed(world):
    # Key point: such changes "can cost an uninformed one much of its value, all of it, or more, silently".
    ads = {c: outcome_of(measure_output_change(world, "churn_model", c), "ads_ranker", "churn_model")
           for c in EXACT_CHANGES}
    for change, o in ads.items():
        told = [t for t in measure_output_change(world, "churn_model", change) if t.told]
        assert told and all(t.change == 0.0 for t in told)
        assert o.change < -0.2 and not o.told
    assert ads["reformat"].value_after == 0.0  # all of it
    assert ads["rescale"].value_after < 0 < ads["rescale"].value_before  # more than all: a loss
    assert "all of it, or more" in key_point("Changes that are harmless")


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
    assert "turned the ads ranker's profit into a loss" in option(5, "That rescaling is always safe").feedback
    assert "nearly every user now looks worth an ad" in option(1, "email_campaign was told").text
    assert "more users than before" in option(1, "The ads ranker crashed").feedback


def test_quiz_reformat_profit_falls_to_zero_with_no_error(world):
    ads = outcome_of(measure_output_change(world, "churn_model", "reformat"), "ads_ranker", "churn_model")
    assert ads.value_after == 0.0 and ads.acted_after == 0.0  # it simply stopped selecting anyone
    assert "fell to zero" in LESSON.quiz[2].text


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
    errors = [r.mean_abs_error for r in loop]
    assert all(b > a for a, b in zip(errors, errors[1:]))  # "got worse, round after round"
    assert loop[-1].logged_auc > loop[0].logged_auc  # "its AUC on its own logged clicks rose"
    assert len({r.true_spread for r in loop + control}) == 1  # "the true propensities are fixed"
    assert world.graph.edges["recommender", "homepage"].get("declared", True)  # "the reader ... was even declared"
    inflation = [r.weight_inflation for r in loop]
    assert all(b > a for a, b in zip(inflation, inflation[1:]))  # "each retraining makes the drift worse"


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
def test_printed_outcome_tables_stay_under_100_characters_and_name_the_controls(world, model, change, tell):
    everyone = {u.consumer for u in CONSUMER_USES} if tell else None
    outcomes = measure_output_change(world, model, change, everyone)
    rows = outcomes_table(outcomes)
    text = outcomes_table_text(rows)
    assert max(len(line) for line in text.splitlines()) < 100, text
    for row, o in zip(rows, outcomes):
        if not o.reads_changed:
            assert row["after the change"] == f"control: reads {o.model}" and o.model != model
        assert all(str(row[k]) in text for k in WHO_COLUMNS + MEASURED_COLUMNS)


@pytest.mark.parametrize("exercise_id", [e.id for e in LESSON.exercises])
def test_every_hint_imports_what_it_calls(exercise_id):
    hint = next(e for e in LESSON.exercises if e.id == exercise_id).hint
    imports = re.findall(r"from mldebt_lessons\.[a-z_.]+ import [A-Za-z_, ]+[A-Za-z_]", hint)
    assert imports, hint
    namespace: dict = {}
    for line in imports:
        exec(line, namespace)  # each import line works as written
    called = set(re.findall(r"\b([A-Za-z_][A-Za-z_0-9]*)\(", hint)) | set(re.findall(r"`([A-Z_]{4,})`", hint))
    assert called and called <= set(namespace), (called - set(namespace), hint)
