"""A small, fast checker for the JSON Schema subset the manifest schema uses.

The subset: ``type``, ``properties``, ``required``, ``additionalProperties: false``, ``items``,
``additionalProperties`` as a schema, ``enum``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``, ``maxItems``, ``pattern``,
``anyOf`` and local ``$ref`` (``#/$defs/...``). Everything else (descriptions, titles) is
documentation. The schema is compiled once into plain functions; the first problem found becomes
one line: where it is (a path such as ``models[2].threshold``) and what was expected.

We write our own rather than depend on the ``jsonschema`` package: the subset is small, the
messages must be one kind line each, and it must check 100,000 nodes in well under a second.
(The tests check, where ``jsonschema`` happens to be installed, that the two agree.) Measured on
the 100,000-node benchmark manifest: ours 0.8 s, ``fastjsonschema`` 3.7 s, ``jsonschema`` 37 s; and
their messages say less (see the README's "The schema check").

Example
-------
>>> check = compile_schema({"type": "object", "required": ["id"], "additionalProperties": False,
...                         "properties": {"id": {"type": "string"}, "reads": {"type": "array",
...                         "items": {"type": "string"}}}})
>>> check({"id": "a", "reads": ["b"]}) is None
True
>>> check({"id": "a", "raeds": []})
(('raeds',), "unknown key 'raeds' (did you mean 'reads'?); allowed keys: id, reads")
>>> check({"id": 3})
(('id',), 'expected text, got the number 3')
"""

from __future__ import annotations

import difflib
import re
from typing import Callable

Problem = tuple[tuple, str]  # (path, message)
# The manifest's id pattern: no space at either end, no control character (C0, DEL, C1, U+2028, U+2029).
PLAIN_NAME = ("^[^\\s\\u0000-\\u001f\\u007f-\\u009f](?:[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*"
              "[^\\s\\u0000-\\u001f\\u007f-\\u009f])?$")
NO_CONTROL = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"  # other names of nodes: aliases, outputs
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # what no name may hold
Check = Callable[[object], "Problem | None"]

_NAMES = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
          "number": "a number", "boolean": "true or false", "null": "null"}


def describe(value) -> str:
    """A value in words, for an error message.

    >>> describe("x"), describe([1]), describe(None), describe(True), describe(2.5)
    ("text 'x'", 'a list', 'null', 'the value true', 'the number 2.5')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the value {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, str):
        text = repr(value)
        return "text " + (text if len(text) <= 40 else text[:36] + "...'")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _is_type(value, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, (int, float))  # number


def expected(schema: dict, root: dict) -> str:
    """What a schema accepts, in words."""
    schema = _resolve(schema, root)
    if "enum" in schema:
        return "one of: " + ", ".join(_literal(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(expected(s, root) for s in schema["anyOf"])
    types = schema.get("type")
    if types is None:
        return "any value"
    types = [types] if isinstance(types, str) else types
    return " or ".join(_NAMES[t] for t in types)


def _literal(v) -> str:
    return "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)


def _resolve(schema: dict, root: dict) -> dict:
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, not {ref}")
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
        seen += 1
        if seen > 50:
            raise ValueError("a $ref cycle")
    return schema


def compile_schema(schema: dict, root: dict | None = None) -> Check:
    """Compile ``schema`` into a function: value -> None if it fits, else (path, message)."""
    root = schema if root is None else root
    cache: dict[int, Check] = {}

    def build(s: dict) -> Check:
        s = _resolve(s, root)
        key = id(s)
        if key in cache:
            return cache[key]
        holder: list[Check] = []
        cache[key] = lambda v: holder[0](v)  # allows recursive schemas
        holder.append(_build_one(s, root, build))
        cache[key] = holder[0]
        return holder[0]

    return build(schema)


def _build_one(s: dict, root: dict, build) -> Check:
    parts: list[Check] = []
    types = s.get("type")
    if types is not None:
        types = (types,) if isinstance(types, str) else tuple(types)
        words = " or ".join(_NAMES[t] for t in types)

        fast = {bool} if "boolean" in types else set()
        fast |= {str} if "string" in types else set()
        fast |= {list} if "array" in types else set()
        fast |= {dict} if "object" in types else set()
        fast |= {int, float} if "number" in types else {int} if "integer" in types else set()
        fast |= {type(None)} if "null" in types else set()

        def check_type(v, types=types, words=words, fast=frozenset(fast)):
            if type(v) in fast:
                return None
            if not any(_is_type(v, t) for t in types):
                return (), f"expected {words}, got {describe(v)}"
        parts.append(check_type)
    if "enum" in s:
        allowed = list(s["enum"])
        words = ", ".join(_literal(v) for v in allowed)

        def check_enum(v, allowed=allowed, words=words):
            if not any(v == a and type(v) is not bool or v is a for a in allowed):
                hint = ""
                if isinstance(v, str):
                    close = difflib.get_close_matches(v, [str(a) for a in allowed], n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                return (), f"{describe(v)} is not allowed{hint}; expected one of: {words}"
        parts.append(check_enum)
    if "anyOf" in s:
        options = [build(o) for o in s["anyOf"]]
        words = expected(s, root)

        def check_any(v, options=options, words=words):
            problems = [o(v) for o in options]
            if all(problems):
                deep = [p for p in problems if p[0]]  # a branch that got inside the value says more
                return deep[0] if len(deep) == 1 else ((), f"expected {words}, got {describe(v)}")
        parts.append(check_any)
    if "minimum" in s or "maximum" in s:
        lo, hi = s.get("minimum", float("-inf")), s.get("maximum", float("inf"))

        def check_range(v, lo=lo, hi=hi):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not lo <= v <= hi:
                return (), f"{describe(v)} is out of range; expected a number from {lo:g} to {hi:g}"
        parts.append(check_range)
    if "minLength" in s or "maxLength" in s or "pattern" in s:
        lo, hi = s.get("minLength", 0), s.get("maxLength", float("inf"))
        regex = re.compile(s["pattern"]) if "pattern" in s else None
        # The two name patterns are checked without a regex: they are checked very often.
        plain_name, no_control = s.get("pattern") == PLAIN_NAME, s.get("pattern") == NO_CONTROL

        def check_text(v, lo=lo, hi=hi, regex=regex, plain_name=plain_name, no_control=no_control):
            if isinstance(v, str):
                if lo <= len(v) <= hi and ((plain_name and _is_plain_name(v)) or (no_control and _has_no_control(v))):
                    return None
                if len(v) < lo or (regex is not None and not v and not no_control):
                    return (), "expected text, got empty text" if max(lo, 1) == 1 else f"expected at least {lo} characters"
                if len(v) > hi:
                    return (), f"text of {len(v):,} characters; expected at most {hi:,}"
                if (plain_name or no_control) and CONTROL.search(v):
                    return (), (f"{describe(v)} holds the control character {ascii(CONTROL.search(v).group())}; "
                                "expected a plain name without control characters")
                if regex is not None and not (no_control or regex.search(v)):
                    return (), f"{describe(v)} has spaces at an end or a line break; expected a plain name"
        parts.append(check_text)
    if "items" in s or "maxItems" in s:
        item = build(s["items"]) if "items" in s else None
        fast = _fast_text_check(_resolve(s["items"], root)) if "items" in s else None
        most = s.get("maxItems", float("inf"))

        def check_items(v, item=item, most=most, fast=fast):
            if isinstance(v, list):
                if len(v) > most:
                    return (), f"a list of {len(v):,} items; expected at most {most:,}"
                if fast is not None and all(map(fast, v)):
                    return None  # every item is plain text that fits: no need to look closer
                if item is not None:
                    for i, x in enumerate(v):
                        p = item(x)
                        if p:
                            return (i,) + p[0], p[1]
        parts.append(check_items)
    if "properties" in s or "required" in s or "additionalProperties" in s:
        props = {k: build(v) for k, v in s.get("properties", {}).items()}
        required = tuple(s.get("required", ()))
        closed = s.get("additionalProperties") is False
        extra = s.get("additionalProperties")
        extra = build(extra) if isinstance(extra, dict) else None
        allowed = ", ".join(props)

        def check_object(v, props=props, required=required, closed=closed, allowed=allowed, extra=extra):
            if not isinstance(v, dict):
                return None
            for r in required:
                if r not in v:
                    return (), f"the key '{r}' is missing; it is required"
            for k, x in v.items():
                c = props.get(k, extra)
                if c is None:
                    if closed:
                        close = difflib.get_close_matches(str(k), list(props), n=1)
                        hint = f" (did you mean '{close[0]}'?)" if close else ""
                        return (k,), f"unknown key {_key(k)}{hint}; allowed keys: {allowed}"
                    continue
                p = c(x)
                if p:
                    return (k,) + p[0], p[1]
        parts.append(check_object)

    if len(parts) == 1:
        return parts[0]

    def check_all(v, parts=tuple(parts)):
        for part in parts:
            p = part(v)
            if p:
                return p
    return check_all


def _fast_text_check(schema: dict):
    """For a list of plain text items (ids, names), one quick test per item; None for other schemas."""
    if schema.get("type") != "string" or set(schema) - {"type", "minLength", "maxLength", "pattern", "description"}:
        return None
    pattern = schema.get("pattern")
    if pattern not in (None, PLAIN_NAME, NO_CONTROL):
        return None
    lo, hi = schema.get("minLength", 0), schema.get("maxLength", float("inf"))
    fits = {None: lambda x: True, PLAIN_NAME: _is_plain_name, NO_CONTROL: _has_no_control}[pattern]
    return lambda x: type(x) is str and lo <= len(x) <= hi and fits(x)


def _is_plain_name(text: str) -> bool:
    """Does ``text`` fit :data:`PLAIN_NAME`? (No regex: this runs for every id.)

    >>> _is_plain_name("orders.daily"), _is_plain_name(" orders"), _is_plain_name("a\\x1bb"), _is_plain_name("")
    (True, False, False, False)
    """
    if not text or text.strip() != text:
        return False
    return text.isprintable() or not CONTROL.search(text)  # isprintable: quick, and True for nearly every name


def _has_no_control(text: str) -> bool:
    """Does ``text`` fit :data:`NO_CONTROL`?

    >>> _has_no_control("db.public.orders"), _has_no_control("a\\u2028b")
    (True, False)
    """
    return text.isprintable() or not CONTROL.search(text)


def _key(k) -> str:
    text = repr(str(k))
    return text if len(text) <= 40 else text[:36] + "...'"


def path_text(path: tuple) -> str:
    """A data path as people write it.

    >>> path_text(("models", 2, "threshold")), path_text(())
    ('models[2].threshold', 'the top level')
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"
