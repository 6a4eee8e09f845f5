"""Lesson 09: glue code. Two real versions of Larkspur's serving code, one swap, measured."""

import sys
import time

import pytest

from mldebt_lessons.course.codecount import count_source
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.glue_code.claims import CLAIMS, DEMO_SWAP
from mldebt_lessons.lessons.glue_code.experiment import (
    SWAPS,
    Swap,
    check_swap,
    code_count,
    diff_stats,
    differing_decisions,
    estimator_api_lines,
    missed,
    ripple,
    served,
    swapped_sources,
)
from mldebt_lessons.lessons.glue_code.view import GLUED_SITES, code_graph
from mldebt_lessons.lessons.glue_code.widget import GlueExplorer
from mldebt_lessons.shop.serving import source_files
from mldebt_lessons.shop.serving.api.system import serve as api_serve
from mldebt_lessons.shop.serving.glued.system import serve as glued_serve
from mldebt_lessons.shop.world import build_world


def test_both_versions_serve_the_shops_own_models():
    world = build_world()
    out = glued_serve(world)
    assert differing_decisions(out, api_serve(world)) == 0
    test = world.test_table
    assert (out["decisions"]["email_campaign"] == world.models["churn_model"].decide(test)).all()
    assert (out["decisions"]["fraud_review_queue"] == world.models["fraud_model"].decide(test)).all()


def test_every_swap_parses_and_the_api_diff_stays_in_one_module():
    for swap in SWAPS:
        for version in ("glued", "api"):
            for name, text in swapped_sources(version, swap).items():
                count_source(text, filename=name)  # raises if an edit broke the syntax
        assert set(diff_stats("api", swap).per_file) == {"mlapi.py"}
        assert set(diff_stats("glued", swap).per_file) <= set(GLUED_SITES[swap.model])


def test_every_full_swap_decides_alike_in_both_versions():
    world = build_world()
    for swap in SWAPS:
        assert differing_decisions(served(world, "glued", swap), served(world, "api", swap)) == 0, swap.label
        assert ripple(world, swap, "glued") == ripple(world, swap, "api")


def test_the_glued_diff_is_the_developers_edits_and_nothing_else():
    stats = diff_stats("glued", DEMO_SWAP)
    assert stats.per_file == {"homepage.py": 2, "report.py": 1, "training.py": 1}
    assert "+    churn_weights = churn.feature_importances_" in stats.diff
    assert "LogisticRegression" not in "".join(l for l in stats.diff.splitlines() if l.startswith("+"))


def test_a_swap_run_leaves_no_module_and_no_folder_behind():
    world = build_world()
    before = set(sys.modules)
    out = served(world, "glued", Swap("recommender", "boosted trees"), ("report.py",))
    assert isinstance(out, str) and out.startswith("AttributeError")
    assert not [m for m in set(sys.modules) - before if m.startswith("_larkspur_serving")]


def test_missing_the_homepage_copy_is_silent_and_missing_the_report_is_loud():
    world = build_world()
    silent, loud = missed(world, DEMO_SWAP, "homepage.py"), missed(world, DEMO_SWAP, "report.py")
    assert silent.silent and silent.error is None and 0 < silent.wrong < ripple(world, DEMO_SWAP).flipped
    assert loud.error and not loud.silent and loud.outcome.startswith("crashes")


def test_the_api_version_names_scikit_learn_in_one_file_only():
    assert code_count("api").package_files == ("mlapi.py",)
    assert len(code_count("glued").package_files) > 1
    assert estimator_api_lines("from . import mlapi\nmlapi.fit(1)\nm.predict_proba(x)\n") == (3,)
    assert "sklearn" not in "".join(t for n, t in source_files("api").items() if n != "mlapi.py")


def test_code_graphs_hold_every_file():
    for version in ("glued", "api"):
        g = code_graph(version)
        assert set(source_files(version)) - {"__init__.py"} <= set(g)


def test_a_wrong_name_gives_one_line():
    with pytest.raises(CourseInputError, match="did you mean 'boosted trees'"):
        check_swap("churn_model", "boosted tree")
    with pytest.raises(CourseInputError, match="unknown model"):
        check_swap("ltv_model", "random forest")


def test_every_control_changes_what_is_shown_and_answers_fast():
    start = time.perf_counter()
    explorer = GlueExplorer()
    built = time.perf_counter() - start
    seen, times = set(), []
    for swap, version in [(s, v) for s in SWAPS for v in ("glued", "api")] * 3:
        start = time.perf_counter()
        explorer.select(swap.label, version)
        times.append(time.perf_counter() - start)
        seen.add((explorer.summary.value, explorer.table.value, bytes(explorer.image.value)))
    assert len(seen) == 2 * len(SWAPS)
    assert sorted(times)[int(0.95 * len(times))] < 0.025  # p95 over three rounds
    assert built < 15  # generous: the machine running the tests may be busy


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "09" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"versions_agree", "full_swaps_agree", "missed_copy_is_silent"}


def test_sharing_one_model_store_between_runs_changes_no_result():
    """The lesson's runs share each world's model store (a fit is reused, not repeated); a run with a
    fresh store of tonight's models must serve exactly the same."""
    from mldebt_lessons.lessons.glue_code.experiment import run_sources
    world = build_world()
    served(world, "glued", DEMO_SWAP)  # the shared store now holds the boosted trees this swap fits
    for skip in ((), ("homepage.py",)):
        shared = served(world, "glued", DEMO_SWAP, skip)
        fresh = run_sources(world, swapped_sources("glued", DEMO_SWAP, skip))
        assert differing_decisions(shared, fresh) == 0 and shared["reasons"] == fresh["reasons"]
