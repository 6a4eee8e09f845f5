"""A lesson's claims as code, measured across many worlds.

A claim is a sentence a learner reads ("improving fraud_model lowers Spain's catch"), a function
that measures its effect in one world, and a test that decides, from that effect, whether the
sentence is true in that world. :func:`measure_claims` measures claims at many seeds (each seed a
different Larkspur: other users, other labels, other fitted models) and says at how many each
holds. A headline claim must hold in every world; any other is stated with its true count.

The notebooks do not re-measure: ``mldebt claims --save`` writes each lesson's results next to
its claims (``claims.json``), the notebook prints them with :func:`claims_table_html`, and a
test checks that the saved results are what the code measures now.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> more_churners = Claim("churn_is_common", "More than a tenth of users churn.",
...                       "share of users who churn", lambda world: world.labels["churned"].mean(),
...                       lambda share: share > 0.1, unit="share")
>>> [result] = measure_claims({"00": [more_churners]}, seeds=(2015, 1), workers=1)
>>> result.holds_at, result.seeds
(2, 2)
>>> robustness_text(result).startswith("holds in 2 of 2 worlds")
True
"""

from __future__ import annotations

import importlib
import json
import math
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

# The worlds every claim is measured in: the course's default seed first, then 19 others, fixed
# once and never chosen to make a claim come true. `--seeds N` takes the first N.
SEEDS = (2015, 1, 2, 3, 7, 11, 42, 99, 123, 256, 314, 500, 777, 999, 1234, 2024, 4242, 5000, 8080, 9999)

UNITS = {  # how an effect is printed, by its unit
    "share": lambda v: f"{v:.1%}",
    "points": lambda v: f"{v:+.1f} points",
    "auc": lambda v: f"{v:+.3f}",
    "ratio": lambda v: f"{v:.2f}×",
    "count": lambda v: f"{v:g}",
    "flag": lambda v: "yes" if v else "no",
    "pounds": lambda v: f"{'-' if v < 0 else ''}£{abs(v):,.0f}",
    "number": lambda v: f"{v:.3g}",
}


@dataclass(frozen=True)
class Claim:
    """One sentence of a lesson, with how to measure it in a world and when it counts as true."""

    name: str
    sentence: str  # what the learner reads
    effect: str  # what `measure` returns, in words: "change in Spain's catch"
    measure: Callable  # world -> float
    holds: Callable[[float], bool]  # effect -> is the sentence true in this world?
    headline: bool = True  # a headline claim must hold in every world
    unit: str = "number"  # one of UNITS: how the effect is printed

    def show(self, value: float) -> str:
        return UNITS[self.unit](value)


@dataclass(frozen=True)
class ClaimResult:
    """One claim measured at several seeds."""

    lesson: str
    claim: str
    sentence: str
    headline: bool
    effect_name: str
    unit: str
    values: tuple[float, ...]  # the effect at each seed, in seed order
    verdicts: tuple[bool, ...]

    @property
    def seeds(self) -> int:
        return len(self.values)

    @property
    def holds_at(self) -> int:
        return sum(self.verdicts)

    @property
    def ok(self) -> bool:
        """False only for a headline claim that fails in some world."""
        return not self.headline or self.holds_at == self.seeds

    def as_dict(self) -> dict:
        """The documented JSON shape of one result."""
        return {"lesson": self.lesson, "claim": self.claim, "sentence": self.sentence, "headline": self.headline,
                "holds_at": self.holds_at, "seeds": self.seeds,
                "effect": {"name": self.effect_name, "unit": self.unit,
                           **{key: _finite_or_none(value) for key, value in (
                               ("median", statistics.median(self.values)), ("min", min(self.values)),
                               ("max", max(self.values)))}}}


def _finite_or_none(value: float) -> float | None:
    """JSON has no NaN or infinity: an effect that could not be measured is null."""
    return value if math.isfinite(value) else None


# The claims a sweep is measuring, set just before its worker processes are forked: a forked
# worker inherits them (and every module already imported), so any claim works, a lambda or a
# closure included, and nothing is pickled or imported again.
_FORKED_CLAIMS: tuple[Claim, ...] = ()


def _measure_in_world(claims, seed: int) -> list[tuple[float, bool]]:
    """(effect, holds?) of each claim in the world of ``seed``, built once for all of them."""
    from mldebt_lessons.shop.world import build_world
    world = build_world(seed)
    out = []
    for claim in claims:
        try:
            value = float(claim.measure(world))
            verdict = bool(claim.holds(value))
        except Exception as error:  # say which claim and which world, then let the bug surface
            raise RuntimeError(f"claim {claim.name!r} at seed {seed}: {type(error).__name__}: {error}") from error
        out.append((value, verdict))
    return out


def _one_thread():
    """Numerical libraries on one thread: the worlds run in parallel already, and two workers each
    spinning up threads on two cores only fight over them (about a fifth more processor time)."""
    try:
        from threadpoolctl import threadpool_limits  # comes with scikit-learn
    except ImportError:  # pragma: no cover
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


BACKGROUND_NICENESS = 5  # a sweep is batch work: on a busy machine it yields to what a person is using


def _start_worker() -> None:
    from mldebt_lessons.shop.world import build_world  # noqa: F401  loads the numerical libraries to limit
    _one_thread()  # for the worker's whole life
    if hasattr(os, "nice"):  # a notebook or a browser open at the same time stays responsive
        os.nice(BACKGROUND_NICENESS)


def _measure_forked(seed: int) -> list[tuple[float, bool]]:
    return _measure_in_world(_FORKED_CLAIMS, seed)


def _measure_registered(seed: int, where: tuple[tuple[str, str], ...]) -> list[tuple[float, bool]]:
    """As :func:`_measure_in_world`, for claims found again by (module, claim name) in a module's ``CLAIMS``."""
    return _measure_in_world([next(c for c in importlib.import_module(module).CLAIMS if c.name == name)
                              for module, name in where], seed)


def _home_module(claim: Claim) -> str | None:
    """The module whose ``CLAIMS`` holds this very claim (found from its measure function), if any."""
    module = getattr(claim.measure, "__module__", None)
    declared = getattr(sys.modules.get(module), "CLAIMS", ())
    return module if any(c is claim for c in declared) else None


def _can_fork() -> bool:
    """Fork only on Linux: elsewhere (macOS) forking a process that has loaded system frameworks can crash."""
    import multiprocessing
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def measure_claims(claims: dict[str, list[Claim]], seeds=SEEDS, workers: int | None = None) -> list[ClaimResult]:
    """Measure every claim (by lesson id) at every seed, one world at a time, on ``workers`` processes.

    Each world is built once, by one worker, and every claim is measured in it. Workers are forked
    (on Linux), so they start at once and any claim will do, a lambda included; elsewhere they find
    claims again in their module's ``CLAIMS``, and other claims are measured here. The results do not
    depend on the number of workers.
    """
    global _FORKED_CLAIMS
    import multiprocessing

    from mldebt_lessons.shop.world import build_world  # noqa: F401  imported once, before forking

    order = [(lesson, c) for lesson, cs in claims.items() for c in cs]
    seeds = tuple(int(s) for s in seeds)
    workers = 1 if not order else min(workers or os.cpu_count() or 1, len(seeds)) or 1
    fork = _can_fork()
    if not seeds:
        raise ValueError("measure_claims needs at least one seed")
    if workers > 1 and not fork and not all(_home_module(c) for _, c in order):
        workers = 1  # without fork, a worker can only find claims declared in a module's CLAIMS
    if not order:
        by_seed = [[] for _ in seeds]
    elif workers == 1:
        with _one_thread():  # as in the workers, so the numbers are the same
            by_seed = [_measure_in_world([c for _, c in order], seed) for seed in seeds]
    elif fork:
        _FORKED_CLAIMS = tuple(c for _, c in order)
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_start_worker) as pool:
                by_seed = list(pool.map(_measure_forked, seeds))
        finally:
            _FORKED_CLAIMS = ()
    else:
        where = tuple((_home_module(c), c.name) for _, c in order)
        with ProcessPoolExecutor(workers, initializer=_start_worker) as pool:
            by_seed = list(pool.map(_measure_registered, seeds, [where] * len(seeds)))
    return [ClaimResult(lesson, c.name, c.sentence, c.headline, c.effect, c.unit,
                        tuple(row[i][0] for row in by_seed), tuple(row[i][1] for row in by_seed))
            for i, (lesson, c) in enumerate(order)]


def robustness_text(result: ClaimResult) -> str:
    """'holds in 20 of 20 worlds; <effect> from <min> to <max> (median <m>)'."""
    show = UNITS[result.unit]
    values = result.values
    spread = (f"{result.effect_name} {show(values[0])}" if len(set(values)) == 1 else
              f"{result.effect_name} from {show(min(values))} to {show(max(values))} "
              f"(median {show(statistics.median(values))})")
    return f"holds in {result.holds_at} of {result.seeds} worlds; {spread}"


def claims_text(results: list[ClaimResult]) -> str:
    """One paragraph per claim: the sentence, then its robustness; for the terminal and tutor prompts."""
    lines = []
    for r in results:
        mark = "headline" if r.headline else "stated with its count"
        flag = "" if r.ok else "   <-- FAILS: a headline claim must hold in every world"
        lines += [f"[{r.lesson}] {r.claim} ({mark}){flag}", f"    {r.sentence}", f"    {robustness_text(r)}"]
    return "\n".join(lines)


def claims_table_html(results: list[ClaimResult]) -> str:
    """The lesson's claims as an HTML table: sentence, in how many worlds it holds, the effect's range."""
    import html
    rows = "".join(
        f"<tr><td style='text-align:left'>{html.escape(r.sentence)}</td>"
        f"<td style='white-space:nowrap'><b>{r.holds_at} of {r.seeds}</b></td>"
        f"<td style='text-align:left'>{html.escape(robustness_text(r).split('; ', 1)[1])}</td></tr>"
        for r in results)
    return ("<table class='mldebt-claims'><thead><tr><th style='text-align:left'>claim</th>"
            "<th>holds in worlds</th><th style='text-align:left'>measured effect across worlds</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def save_results(results: list[ClaimResult], path: Path) -> None:
    """Write results as JSON, every per-seed value included, so a notebook can show them without re-measuring."""
    data = [{**asdict(r), "values": list(r.values), "verdicts": list(r.verdicts)} for r in results]
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load_results(path: Path) -> list[ClaimResult]:
    """Read what :func:`save_results` wrote."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [ClaimResult(**{**d, "values": tuple(d["values"]), "verdicts": tuple(d["verdicts"])}) for d in data]


def saved_range(folder: Path, claim: str) -> str:
    """A saved claim's measured range, for prose that must not type it: 'from +0.040 to +0.092 in 20
    of 20 worlds', or 'by at most 0.0005 either way in 20 of 20 worlds' when it moved both ways.

    >>> saved_range(Path("no such folder"), "any")
    '(not measured yet)'
    """
    path = Path(folder) / "claims.json"
    found = [r for r in load_results(path) if r.claim == claim] if path.exists() else []
    if not found:
        return "(not measured yet)"
    result = found[0]

    def show(value: float) -> str:
        text = UNITS[result.unit](value)
        return text[1:] if text[:1] in "+-" and not text.strip("+-0.%×") else text  # no sign on a zero

    worlds = f"in {result.holds_at} of {result.seeds} worlds"
    if min(result.values) < 0 < max(result.values):  # both ways: the largest move says it best
        return f"by at most {max(abs(v) for v in result.values):.4f} either way {worlds}"
    return f"from {show(min(result.values))} to {show(max(result.values))} {worlds}"


def saved_count(folder: Path, claim: str) -> tuple[int, int] | None:
    """(worlds where ``claim`` held, worlds measured), as last saved in ``folder``'s claims.json;
    None if it has not been measured yet. A lesson's checkers call it with their own folder.

    >>> saved_count(Path("no such folder"), "any") is None
    True
    """
    path = Path(folder) / "claims.json"
    if not path.exists():
        return None
    return next(((r.holds_at, r.seeds) for r in load_results(path) if r.claim == claim), None)
