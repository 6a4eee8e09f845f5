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
import os
import statistics
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
                "effect": {"name": self.effect_name, "unit": self.unit, "median": statistics.median(self.values),
                           "min": min(self.values), "max": max(self.values)}}


def _measure_one_seed(seed: int, where: tuple[tuple[str, str, str], ...]) -> list[tuple[float, bool]]:
    """Measure the claims named by (lesson, module, claim name) in the world of ``seed``."""
    from mldebt_lessons.shop.world import build_world
    world = build_world(seed)
    out = []
    for _lesson, module, name in where:
        claim = next(c for c in importlib.import_module(module).CLAIMS if c.name == name)
        value = float(claim.measure(world))
        out.append((value, bool(claim.holds(value))))
    return out


def measure_claims(claims: dict[str, list[Claim]], seeds=SEEDS, workers: int | None = None) -> list[ClaimResult]:
    """Measure every claim (by lesson id) at every seed, one world at a time, on ``workers`` processes.

    Claims are found again in the worker by their module and name, so they must be declared in a
    module's ``CLAIMS``; with ``workers=1`` everything runs here, and any claim will do.
    """
    order = [(lesson, c) for lesson, cs in claims.items() for c in cs]
    workers = workers or min(len(seeds), os.cpu_count() or 1)
    if workers == 1:
        by_seed = [[_measure_here(c, seed) for _, c in order] for seed in seeds]
    else:
        where = tuple((lesson, c.measure.__module__, c.name) for lesson, c in order)
        with ProcessPoolExecutor(workers) as pool:
            by_seed = list(pool.map(_measure_one_seed, seeds, [where] * len(seeds)))
    return [ClaimResult(lesson, c.name, c.sentence, c.headline, c.effect, c.unit,
                        tuple(row[i][0] for row in by_seed), tuple(row[i][1] for row in by_seed))
            for i, (lesson, c) in enumerate(order)]


def _measure_here(claim: Claim, seed: int) -> tuple[float, bool]:
    from mldebt_lessons.shop.world import build_world
    value = float(claim.measure(build_world(seed)))
    return value, bool(claim.holds(value))


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
