"""The ML Test Score (Breck et al., IEEE BigData 2017) as a self-assessment.

28 tests in four sections of seven. Each answer is ``no`` (0 points), ``manual`` (1/2 point: run by
hand, results written down and shared) or ``automated`` (1 point: run automatically and
repeatedly). Each section sums to 0..7; the final score is the *minimum* over the four sections,
because a system is only as well tested as its weakest part. Bands (2017): 0 research project;
(0, 1] not totally untested; (1, 2] first pass at production; (2, 3] reasonably tested; (3, 5]
strong, fit for mission-critical systems; above 5 exceptional.

Example
-------
>>> result = score({"data_1": "automated", "model_1": "manual", "infra_1": "automated",
...                 "monitor_1": "manual", "monitor_2": "manual"})
>>> result.sections
{'data': 1.0, 'model': 0.5, 'infra': 1.0, 'monitor': 1.0}
>>> result.final, result.band
(0.5, 'not totally untested')
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CourseInputError, shown, unknown_choice

SECTIONS = {"data": "Data", "model": "Model", "infra": "Infrastructure", "monitor": "Monitoring"}

_TESTS = {
    "data": ("Feature expectations are captured in a schema",
             "All features are beneficial",
             "No feature's cost is too much",
             "Features adhere to meta-level requirements",
             "The data pipeline has appropriate privacy controls",
             "New features can be added quickly",
             "All input feature code is tested"),
    "model": ("Model specs are reviewed and submitted",
              "Offline and online metrics correlate",
              "All hyper-parameters have been tuned",
              "The impact of model staleness is known",
              "A simpler model is not better",
              "Model quality is sufficient on important data slices",
              "The model is tested for considerations of inclusion"),
    "infra": ("Training is reproducible",
              "Model specs are unit tested",
              "The ML pipeline is integration tested",
              "Model quality is validated before serving",
              "The model is debuggable",
              "Models are canaried before serving",
              "Serving models can be rolled back"),
    "monitor": ("Dependency changes result in notification",
                "Data invariants hold for inputs",
                "Training and serving are not skewed",
                "Models are not too stale",
                "Models are numerically stable",
                "Computing performance has not regressed",
                "Prediction quality has not regressed"),
}

#: Every test as (key, section, text); keys are ``data_1`` .. ``monitor_7``.
TESTS: tuple[tuple[str, str, str], ...] = tuple(
    (f"{section}_{i}", section, text) for section, texts in _TESTS.items() for i, text in enumerate(texts, 1))
TEST_KEYS = tuple(key for key, _, _ in TESTS)
POINTS = {"no": 0.0, "manual": 0.5, "automated": 1.0}
BANDS = ((0.0, "research project"), (1.0, "not totally untested"), (2.0, "first pass at production"),
         (3.0, "reasonably tested"), (5.0, "strong levels of automated testing and monitoring"),
         (float("inf"), "exceptional levels of automated testing and monitoring"))
SHORT_BANDS = {"strong levels of automated testing and monitoring": "strong",
               "exceptional levels of automated testing and monitoring": "exceptional"}


@dataclass(frozen=True)
class TestScore:
    """Points per test and section, the final score (minimum of the sections) and its band."""

    points: dict[str, float]
    sections: dict[str, float]
    final: float
    band: str
    unanswered: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"points": self.points, "sections": self.sections, "final": self.final, "band": self.band,
                "weakest": [s for s, v in self.sections.items() if v == self.final],
                "unanswered": list(self.unanswered)}


def band(final: float) -> str:
    """The 2017 band of a final score.

    >>> band(0), band(0.5), band(1), band(2.5), band(3.5), band(6)
    ('research project', 'not totally untested', 'not totally untested', 'reasonably tested', \
'strong levels of automated testing and monitoring', 'exceptional levels of automated testing and monitoring')
    """
    if final <= 0:
        return BANDS[0][1]
    for upper, name in BANDS[1:]:
        if final <= upper:
            return name
    return BANDS[-1][1]


def points_of(answer) -> float:
    """The points for one answer: no/manual/automated, or 0, 0.5, 1.

    >>> points_of("manual"), points_of(1), points_of("Automated ")
    (0.5, 1.0, 1.0)
    """
    if answer is True:  # YAML reads yes, on and true as true: it says the test exists, not how it runs
        raise CourseInputError("the answer true (or yes, on) does not say how the test runs; answer manual or "
                               "automated (or no, 0, 0.5, 1)")
    if answer is False:
        return 0.0
    if isinstance(answer, (int, float)) and answer in (0, 0.5, 1):
        return float(answer)
    if isinstance(answer, str) and answer.strip().lower() in POINTS:
        return POINTS[answer.strip().lower()]
    raise CourseInputError(f"the answer {shown(answer)} is not allowed; answer no, manual or automated "
                           "(or 0, 0.5, 1)")


def check_answers(answers: dict, where: str = "ml_test_score") -> dict[str, float]:
    """Points for each answered test; a one-line error for an unknown test or answer."""
    if not isinstance(answers, dict):
        raise CourseInputError(f"{where}: expected a mapping of test keys (data_1 .. monitor_7) to answers")
    out = {}
    for key, answer in answers.items():
        if key not in TEST_KEYS:
            raise unknown_choice(f"ML Test Score test in {where}", key, TEST_KEYS)
        try:
            out[key] = points_of(answer)
        except CourseInputError as err:
            raise CourseInputError(f"{where}.{key}: {err}") from None
    return out


def score(answers: dict) -> TestScore:
    """Score answers with the 2017 rule; unanswered tests count 0 and are listed."""
    points = check_answers(answers)
    full = {key: points.get(key, 0.0) for key in TEST_KEYS}
    sections = {s: sum(full[k] for k, section, _ in TESTS if section == s) for s in SECTIONS}
    final = min(sections.values())
    unanswered = tuple(k for k in TEST_KEYS if k not in points)
    return TestScore(full, sections, final, band(final), unanswered)


def score_text(result: TestScore) -> str:
    """The score in a few lines of text: sections, final, band, and the weakest section's gaps.

    >>> print(score_text(score({"infra_1": "automated"})))  # doctest: +NORMALIZE_WHITESPACE
    ML Test Score (Breck et al. 2017): Data 0 · Model 0 · Infrastructure 1 · Monitoring 0 (each of 7).
    Final score 0 (the minimum over the four sections): research project.
    27 of 28 tests unanswered (counted as 0).
    """
    parts = " · ".join(f"{SECTIONS[s]} {_num(v)}" for s, v in result.sections.items())
    lines = [f"ML Test Score (Breck et al. 2017): {parts} (each of 7).",
             f"Final score {_num(result.final)} (the minimum over the four sections): {result.band}."]
    if result.unanswered:
        lines.append(f"{len(result.unanswered)} of {len(TESTS)} tests unanswered (counted as 0).")
    return "\n".join(lines)


def gaps(result: TestScore, section: str | None = None) -> list[str]:
    """The tests scoring 0, as 'key: text', optionally for one section."""
    return [f"{k}: {text}" for k, s, text in TESTS
            if result.points[k] == 0 and (section is None or s == section)]


def _num(value: float) -> str:
    return f"{value:g}"
