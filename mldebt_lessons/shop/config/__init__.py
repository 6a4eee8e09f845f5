"""Larkspur's model configurations: one YAML file per model, plus a shared ``base.yaml``.

A config names the features a model reads, the window of logged days it trains on, the days to
leave out, the code version of a feature, a stand-in used when serving, the estimator's
hyper-parameters and the decision threshold. A config may say ``inherits: base`` (or another
config) and write down only what it changes.

Loading uses ``yaml.safe_load`` only (it builds plain dicts, lists, numbers and strings, and never
runs anything), bounds the text's size, and turns every mistake (bad YAML, a wrong type, an
unknown key) into one line.

>>> config = load_config("fraud_model")
>>> config["threshold"], config["window_days"], config["features"][:2]
(0.15, 120, ['user_age', 'avg_basket_value'])
>>> parse_config("threshold: [0.15")
Traceback (most recent call last):
...
mldebt_lessons.errors.CourseInputError: the config is not valid YAML: line 1: expected ',' or ']', but got '<stream end>'
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from mldebt_lessons.errors import CourseInputError, shown, unknown_choice

FOLDER = Path(__file__).parent
CONFIG_NAMES = ("base", "churn_model", "fraud_model", "recommender", "ltv_model", "fraud_model_es")
MAX_CHARS = 20_000  # a config longer than this is refused before it is parsed
MAX_DEPTH = 4  # inherits: at most this many levels

# Every key a config may have, and the Python types its value may take (bool is never a number).
KEYS = {
    "inherits": (str,), "model": (str,), "version": (int,), "reviewed_by": (str,),
    "features": (list,), "window_days": (int,), "exclude_days": (list,),
    "feature_versions": (dict,), "serve_with": (dict,), "hyper": (dict,),
    "threshold": (int, float), "top_share": (int, float),
}
# What a key holds, in words, for the one-line errors.
KEY_WORDS = {
    "inherits": "the name of another config", "model": "a model's name", "version": "a whole number",
    "reviewed_by": "a name", "features": "a list of feature names", "window_days": "a whole number of days",
    "exclude_days": "a list of [first, last] day pairs", "feature_versions": "a mapping feature: version",
    "serve_with": "a mapping feature: stand-in feature", "hyper": "a mapping name: number",
    "threshold": "a number", "top_share": "a number",
}


def config_text(name: str) -> str:
    """The YAML text of one of Larkspur's configs, as written in its file."""
    if name not in CONFIG_NAMES:
        raise unknown_choice("config", name, CONFIG_NAMES)
    return _read(name)


@functools.lru_cache(maxsize=None)
def _read(name: str) -> str:
    return (FOLDER / f"{name}.yaml").read_text(encoding="utf-8")


def parse_config(text: str) -> dict:
    """One config's own settings (no inheritance), checked for YAML, keys and types.

    Raises :class:`CourseInputError` with one line for any mistake.
    """
    if not isinstance(text, str):
        raise CourseInputError(f"a config is YAML text (a str), not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise CourseInputError(f"the config is {len(text):,} characters long; at most {MAX_CHARS:,} are read")
    return copy.deepcopy(_parsed(text))


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> dict:
    # Parsing YAML is slow in pure Python; the same text always gives the same settings.
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CourseInputError(f"the config is not valid YAML: {_yaml_problem(error)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CourseInputError(f"a config is a mapping of settings (key: value), not a {type(data).__name__}")
    for key, value in data.items():
        if key not in KEYS:
            raise unknown_choice("config key", key, KEYS)
        if isinstance(value, bool) or not isinstance(value, KEYS[key]):
            raise CourseInputError(f"'{key}' must be {KEY_WORDS[key]}, not {shown(value)} "
                                   f"({type(value).__name__})")
    for key in ("features",):
        if key in data and not all(isinstance(v, str) for v in data[key]):
            raise CourseInputError(f"'{key}' must be {KEY_WORDS[key]}; got {shown(data[key])}")
    for pair in data.get("exclude_days", []):
        if not (isinstance(pair, list) and len(pair) == 2 and all(_is_int(d) for d in pair)):
            raise CourseInputError(f"'exclude_days' must be {KEY_WORDS['exclude_days']}; got {shown(pair)}")
    for key in ("feature_versions", "hyper"):
        for name, value in data.get(key, {}).items():
            if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CourseInputError(f"'{key}' must be {KEY_WORDS[key]}; got {shown({name: value})}")
    for name, value in data.get("serve_with", {}).items():
        if not (isinstance(name, str) and isinstance(value, str)):
            raise CourseInputError(f"'serve_with' must be {KEY_WORDS['serve_with']}; got {shown({name: value})}")
    return data


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def resolve(own: dict, texts: dict[str, str] | None = None) -> dict:
    """``own`` settings on top of everything it inherits (a child's value replaces its parent's).

    ``texts`` replaces the text of some configs by name (to resolve an edited parent).
    """
    chain, current, seen = [own], own, set()
    while "inherits" in current:
        parent = current["inherits"]
        if parent in seen or len(chain) > MAX_DEPTH:
            raise CourseInputError(f"'inherits' goes round in a circle or deeper than {MAX_DEPTH} levels "
                                   f"(at {shown(parent)})")
        seen.add(parent)
        text = texts[parent] if texts and parent in texts else config_text(parent)
        current = parse_config(text)
        chain.append(current)
    resolved: dict = {}
    for layer in reversed(chain):
        resolved.update({k: v for k, v in layer.items() if k != "inherits"})
    return resolved


def load_config_text(text: str) -> dict:
    """A config given as YAML text, parsed and resolved (with everything it inherits)."""
    return resolve(parse_config(text))


def load_config(name: str) -> dict:
    """One of Larkspur's configs by name (``"fraud_model"``...), parsed and resolved."""
    return load_config_text(config_text(name))
