"""A small, fast checker for the JSON Schema subset the manifest schema uses.

The subset: ``type``, ``properties``, ``required``, ``additionalProperties: false``, ``items``,
``additionalProperties`` as a schema, ``enum``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``, ``maxItems``, ``pattern``,
``anyOf`` and local ``$ref`` (``#/$defs/...``). Everything else (descriptions, titles) is
documentation. The schema is compiled once into plain functions; the first problem found becomes
one line: where it is (a path such as ``models[2].threshold``) and what was expected.

We write our own rather than depend on the ``jsonschema`` package: the subset is small, the
messages must be one kind line each, and it must check 100,000 nodes in well under a second.
(The tests check, where ``jsonschema`` happens to be installed, that the two agree.) Measured on
the 100,000-node benchmark manifest (best of several runs, garbage collector paused): ours 0.08 s
(0.3 s with the closures alone), ``fastjsonschema`` (2.22) 1.4 s, ``jsonschema`` (4.26) 17 s; and
their messages say less (see the README's "The schema check").

Two layers: closures that test one value at a time and say what is wrong, and in front of them a
bulk test of whole columns of values (every id, every owner, ...) in C loops, which only says
whether all fit. A valid manifest, the common case, passes the bulk test alone; otherwise the
closures find the first problem, so every message comes from them.

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
from itertools import chain, repeat
from operator import eq, itemgetter, le
from typing import Callable

Problem = tuple[tuple, str]  # (path, message)
# The manifest's id pattern: no space at either end, no control character (C0, DEL, C1, U+2028, U+2029).
PLAIN_NAME = ("^[^\\s\\u0000-\\u001f\\u007f-\\u009f](?:[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*"
              "[^\\s\\u0000-\\u001f\\u007f-\\u009f])?$")
NO_CONTROL = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"  # other names of nodes: aliases, outputs
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # what no name may hold
Check = Callable[[object], "Problem | None"]
AllFit = Callable[[list], bool]  # values -> do they all fit? (False: one does not, or it cannot tell quickly)

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


def compile_schema(schema: dict, root: dict | None = None, fast: bool = True) -> Check:
    """Compile ``schema`` into a function: value -> None if it fits, else (path, message).

    Two checks are built. The closures (:func:`_build_one`) look at one value at a time and say
    what is wrong; with ``fast``, a quicker test of whole lists of values (:func:`_build_batch`)
    runs first, and the closures run only when it does not pass the value, so a problem's message
    always comes from them.

    >>> check = compile_schema({"type": "array", "items": {"type": "string", "maxLength": 3}})
    >>> check(["abc", "d"]) is None, check(["abc", "defg"])
    (True, ((1,), 'text of 4 characters; expected at most 3'))
    """
    root = schema if root is None else root
    closure = _builder(root, _build_one)
    check = closure(schema)
    if not fast:
        return check
    fits = compile_batch(schema, root, closure)

    def check_fast(v, fits=fits, check=check):
        return None if fits([v]) else check(v)
    return check_fast


def compile_batch(schema: dict, root: dict | None = None, closure=None) -> AllFit:
    """Compile ``schema`` into its bulk test alone: values -> True only if every one fits.

    False means that one does not fit, or that the test cannot tell quickly; ``closure`` (the
    closures' builder, see :func:`compile_schema`) is then asked where it cannot.

    >>> fits = compile_batch({"type": "array", "items": {"type": "string", "maxLength": 3}})
    >>> fits([["a", "bc"], []]), fits([["a", "bcde"]]), fits([["a"], "b"])
    (True, False, False)
    """
    root = schema if root is None else root
    closure = closure or _builder(root, _build_one)
    return _builder(root, lambda s, root, build: _build_batch(s, root, build, closure))(schema)


def _builder(root: dict, make: Callable) -> Callable[[dict], Callable]:
    """A function schema -> ``make(schema, root, itself)``, made once per schema (recursive schemas too)."""
    cache: dict[int, Callable] = {}

    def build(s: dict) -> Callable:
        s = _resolve(s, root)
        key = id(s)
        if key in cache:
            return cache[key]
        holder: list[Callable] = []
        cache[key] = lambda v: holder[0](v)  # allows recursive schemas
        holder.append(make(s, root, build))
        cache[key] = holder[0]
        return holder[0]

    return build


def _build_one(s: dict, root: dict, build) -> Check:
    parts: list[Check] = []
    types = s.get("type")
    if types is not None:
        types = (types,) if isinstance(types, str) else tuple(types)
        words = " or ".join(_NAMES[t] for t in types)

        fast = _exact_types(types)

        def check_type(v, types=types, words=words, fast=fast):
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


_SLICE = 1024  # how many list items the bulk test takes at once (see _items_fit)
_SCALARS = frozenset({str, int, float, type(None)})  # enum values a set can look up as the closures compare them
# Keywords that test only values of some types (text, numbers, lists, mappings).
_TYPED = ("minimum", "maximum", "minLength", "maxLength", "pattern", "items", "maxItems", "properties",
          "required", "additionalProperties")


def _exact_types(types) -> frozenset:
    """The Python types that surely are of the JSON ``types`` (subclasses and 3.0 as an integer are not).

    >>> sorted(t.__name__ for t in _exact_types(["number", "null"]))
    ['NoneType', 'float', 'int']
    """
    types = (types,) if isinstance(types, str) else tuple(types)
    exact = {bool} if "boolean" in types else set()
    exact |= {str} if "string" in types else set()
    exact |= {list} if "array" in types else set()
    exact |= {dict} if "object" in types else set()
    exact |= {int, float} if "number" in types else {int} if "integer" in types else set()
    exact |= {type(None)} if "null" in types else set()
    return frozenset(exact)


def _build_batch(s: dict, root: dict, build, closure) -> AllFit:
    """A test of a whole list of values against ``s`` at once: True only if the closures would find no problem.

    The manifest's nodes are checked keyword by keyword, column by column (every id, then every
    owner, ...; 1,024 nodes at a time), in C loops (``map``, ``set``, ``str.join``) rather than a
    Python call per value. It says False, and the closures then look, for anything unusual: a problem,
    but also a text subclass, 3.0 as a whole number, or a keyword it does not know how to test in bulk.
    ``build`` makes the bulk tests of the parts of ``s``; ``closure`` their closures. See
    :func:`compile_batch`.
    """
    one_by_one = _one_by_one(closure(s))
    types = s.get("type")
    if types is None and any(k in s for k in _TYPED):
        return one_by_one  # without a type, anything may come: leave it to the closures
    exact = _exact_types(types) if types is not None else frozenset()
    parts: list[AllFit] = []
    if types is not None:
        parts.append(lambda vs, exact=exact: exact.issuperset(map(type, vs)))
    if "enum" in s:
        parts.append(_enum_fits(s["enum"]) or one_by_one)
    if "anyOf" in s:
        parts.append(_any_fits([(build(o), _claims(_resolve(o, root))) for o in s["anyOf"]], one_by_one))
    if "minimum" in s or "maximum" in s:
        lo, hi = s.get("minimum", float("-inf")), s.get("maximum", float("inf"))
        parts.append(_of_types({int, float}, exact, _range_fits(lo, hi)))
    if "minLength" in s or "maxLength" in s or "pattern" in s:
        parts.append(_of_types({str}, exact, _text_fits(s) or one_by_one))
    if "items" in s or "maxItems" in s:
        item = build(s["items"]) if "items" in s else None
        parts.append(_of_types({list}, exact, _items_fit(item, s.get("maxItems", float("inf")))))
    if "properties" in s or "required" in s or "additionalProperties" in s:
        props = {k: build(v) for k, v in s.get("properties", {}).items()}
        extra = s.get("additionalProperties")
        parts.append(_of_types({dict}, exact, _object_fits(
            props, tuple(s.get("required", ())), extra is False, build(extra) if isinstance(extra, dict) else None)))
    if len(parts) == 1:
        return parts[0]
    # In order, so that a part may count on the types the first one checked.
    return lambda vs, parts=tuple(parts): all(part(vs) for part in parts)


def _one_by_one(check: Check) -> AllFit:
    """The exact, slow batch test: the closures on each value."""
    return lambda vs: not any(map(check, vs))


def _of_types(types: set, exact: frozenset, fits: AllFit) -> AllFit:
    """``fits`` on those of the values whose type is in ``types`` (all of them when the type test left no other).

    >>> _of_types({str}, frozenset({str, int}), len)(["a", 1, "b"])
    2
    """
    if exact and exact <= types:
        return fits
    return lambda vs, types=frozenset(types): fits([v for v in vs if type(v) in types])


def _enum_fits(allowed: list) -> AllFit | None:
    """A set lookup for an enum of text, numbers and null; None for other enums (true/false, lists).

    >>> fits = _enum_fits(["hand", "learned", 0.5])
    >>> fits(["hand", 0.5, "hand"]), fits(["Hand"]), fits([[]]), fits([True])
    (True, False, False, False)
    """
    if not _SCALARS.issuperset(map(type, allowed)):
        return None
    allowed = frozenset(allowed)
    # The closures compare with ==: for these types a set finds the same (1.0 finds 1; True is not looked up).
    return lambda vs: _SCALARS.issuperset(map(type, vs)) and allowed.issuperset(vs)


def _claims(s: dict) -> frozenset | None:
    """The Python types a schema takes, for sorting values among ``anyOf`` options; None: it may take any.

    >>> sorted(t.__name__ for t in _claims({"enum": [0, 0.5]})), _claims({"anyOf": []})
    (['float', 'int'], None)
    """
    if "type" in s:
        return _exact_types(s["type"])
    if "enum" in s and _SCALARS.issuperset(map(type, s["enum"])):
        types = set(map(type, s["enum"]))
        return frozenset(types | {int, float} if types & {int, float} else types)
    return None


def _any_fits(options: list[tuple[AllFit, frozenset | None]], one_by_one: AllFit) -> AllFit:
    """``anyOf``: the values of each type go to the one option that takes that type.

    Values of a type that no option or several options take go to the closures. (An option that
    takes a value it did not claim would only make this say False where the closures say fine.)
    """
    def fits(vs):
        types = set(map(type, vs))
        groups: dict[type, list] = {types.pop(): vs} if len(types) == 1 else {}
        if not groups:
            for v in vs:
                groups.setdefault(type(v), []).append(v)
        for t, group in groups.items():
            takers = [option for option, claims in options if claims is None or t in claims]
            if not (takers[0] if len(takers) == 1 else one_by_one)(group):
                return False
        return True
    return fits


def _range_fits(lo, hi) -> AllFit:
    """``minimum`` and ``maximum`` on numbers (NaN fits no range, as in the closures).

    >>> _range_fits(0, 1)([0, 0.5, 1]), _range_fits(0, 1)([0.5, 2]), _range_fits(0, 1)([float("nan")])
    (True, False, False)
    """
    return lambda nums: all(map(le, repeat(lo), nums)) and all(map(le, nums, repeat(hi)))


def _text_fits(s: dict) -> AllFit | None:
    """``minLength``, ``maxLength`` and the two name patterns on texts; None for any other pattern.

    >>> fits = _text_fits({"maxLength": 5, "pattern": PLAIN_NAME})
    >>> fits(["a", "b.c"]), fits(["a", " b"]), fits(["a\\x1b"]), fits([""]), fits(["abcdef"]), fits([])
    (True, False, False, False, False, True)
    >>> fits(["a b", "c\\u00ad"]), fits(["a", "b\\u00a0"]), fits(["a", "b\\u00ad "])
    (True, False, False)
    """
    pattern = s.get("pattern")
    if pattern not in (None, PLAIN_NAME, NO_CONTROL):
        return None
    lo, hi = s.get("minLength", 0), s.get("maxLength", float("inf"))
    lo = max(lo, 1) if pattern == PLAIN_NAME else lo

    def fits(texts):
        if not texts:
            return True
        if (lo == 1 and not all(texts)) or (lo > 1 and min(map(len, texts)) < lo) or max(map(len, texts)) > hi:
            return False  # all(texts): none is empty
        if pattern is None:
            return True
        joined = "x".join(texts)  # "x": a separator that is no control character
        if joined.isprintable():
            # No control character, and no space character but " " (see str.isprintable): if there is
            # no " " either, no name has a space at an end.
            return pattern == NO_CONTROL or " " not in joined or all(map(eq, texts, map(str.strip, texts)))
        return not CONTROL.search(joined) and (pattern == NO_CONTROL or all(map(eq, texts, map(str.strip, texts))))
    return fits


def _items_fit(item: AllFit | None, most) -> AllFit:
    """``maxItems`` and ``items`` on lists: the items of all the lists are tested together, 1,024 at a time.

    >>> _items_fit(_range_fits(0, 1), 2)([[0, 1], [], [0.5]]), _items_fit(None, 2)([[0, 1, 1]])
    (True, False)
    """
    def fits(lists):
        if not lists:
            return True
        items = list(chain.from_iterable(lists))
        if len(items) > most and max(map(len, lists)) > most:  # all the items together are seldom too many
            return False
        # In slices: the few MB a slice of nodes takes stay in the processor's cache while each of their
        # keys is tested in turn (on 100,000 nodes, about 25% quicker than all at once).
        return item is None or all(item(items[i:i + _SLICE]) for i in range(0, len(items), _SLICE))
    return fits


def _object_fits(props: dict[str, AllFit], required: tuple, closed: bool, extra: AllFit | None) -> AllFit:
    """``properties``, ``required`` and ``additionalProperties`` on mappings, one key at a time.

    >>> fits = _object_fits({"id": len, "n": len}, ("id",), True, None)
    >>> fits([{"id": "a", "n": "b"}, {"id": "c"}]), fits([{"n": "b"}]), fits([{"id": "a", "m": 1}])
    (True, False, False)
    """
    names = frozenset(props)

    def fits(dicts):
        if not dicts:
            return True
        keys = set().union(*dicts)
        if closed and not keys <= names:
            return False
        for k in keys & names:
            values = _column(dicts, k)
            if not props[k](values) or (k in required and len(values) < len(dicts)):
                return False
        for r in required:
            if r not in keys or (r not in names and not all(map(dict.__contains__, dicts, repeat(r)))):
                return False
        if extra is not None and not keys <= names:
            return extra([x for d in dicts for k, x in d.items() if k not in names])
        return True
    return fits


def _column(dicts: list[dict], key) -> list:
    """The values of ``key`` in those of ``dicts`` that have it.

    >>> _column([{"a": 1}, {"b": 2}, {"a": 3}], "a"), _column([{"a": 1}, {"a": 3}], "a")
    ([1, 3], [1, 3])
    """
    try:
        return list(map(itemgetter(key), dicts))  # the quickest way, when every mapping has it (ids, owners)
    except KeyError:
        return [d[key] for d in dicts if key in d]


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
