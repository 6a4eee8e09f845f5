"""Larkspur's three raw sources as its systems export them, built from the world's own data.

The world (:mod:`mldebt_lessons.shop.data`) holds one value per user and column; the systems
behind it record finer things, and the feature preparation has to turn them back into one row
per user:

* ``accounts_db`` -- one row per *version* of an account. A user who moved house has an older
  row (their old billing country, ``is_current`` 0) before the current one.
* ``clickstream`` -- one row per page view: ``user_id`` and ``ts`` (seconds, UTC). Page views
  less than 30 minutes apart belong to one session. Each user's sessions in the 30 days before
  :data:`SNAPSHOT` are exactly the world's ``session_count``; older sessions are there too.
* ``orders_db`` -- one row per order, amounts in pence (integers). A user's mean order is exactly
  the world's ``avg_basket_value``; users with no order have no row.

New random streams, all seeded by the world: ``[seed, 100]`` movers, ``[seed, 101]`` page views,
``[seed, 102]`` orders, ``[seed, 103]`` the source changes below.

A *source change* is something a source's owner ships (:data:`SOURCE_CHANGES`): the accounts
team blanks typed-in ages over 90, the web analytics team purges page views older than 60 days,
the checkout team deletes refunded orders.

>>> from mldebt_lessons.shop.world import build_world
>>> sources = raw_sources(build_world())
>>> sorted(sources), len(set(sources["accounts_db"]["user_id"].tolist()))
(['accounts_db', 'clickstream', 'orders_db'], 3000)
"""

from __future__ import annotations

import functools
import hashlib
import io

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import COUNTRIES

SNAPSHOT = 1_735_689_600  # 2025-01-01 00:00 UTC, in seconds: the moment the features describe
DAY = 86_400
WINDOW_DAYS = 30  # session_count counts sessions that start in the 30 days before the snapshot
SESSION_GAP = 1_800  # seconds: a gap of 30 minutes or more starts a new session
MOVER_SHARE = 0.08  # share of users with an older account row (they changed billing address)
SOURCES = ("accounts_db", "clickstream", "orders_db")

SOURCE_CHANGES = {
    "accounts_db": "the accounts team blanks typed-in ages over 90",
    "clickstream": "the web analytics team purges page views older than 60 days",
    "orders_db": "the checkout team deletes refunded orders (about one in twenty)",
}

Table = dict  # column name -> numpy array, every column as long as the others


def raw_sources(world) -> dict[str, Table]:
    """The three raw tables of ``world``'s home market (built once per seed; treat them as read-only)."""
    return dict(_raw_tables(world.seed, len(world.raw["user_age"])))


@functools.lru_cache(maxsize=4)
def _raw_tables(seed: int, n_users: int) -> dict[str, Table]:
    from mldebt_lessons.shop.world import build_world
    raw = build_world(seed, n_users).raw
    return {"accounts_db": remember_text(_accounts(raw, seed)), "clickstream": remember_text(_clicks(raw, seed)),
            "orders_db": remember_text(_orders(raw, seed))}


def take(table: Table, rows) -> Table:
    """The rows ``rows`` (indices or a boolean mask) of every column."""
    return {name: column[rows] for name, column in table.items()}


def n_rows(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


def csv_text(table: Table) -> str:
    """``table`` as CSV text with a header line; a missing number is written ``nan``."""
    known = _KEYS.get(id(table))
    key = known[1] if known is not None and known[0] is table else _content_key(table)
    if key is None:
        return _csv_text(table)
    text = _recall(_TEXTS, key)
    if text is None:
        text = _remember(_TEXTS, key, _csv_text(table, remember=True))
    return text


def _csv_text(table: Table, remember: bool = False) -> str:
    names = list(table)
    if names and all(table[name].dtype.kind == "i" for name in names):  # whole numbers only: one C-level format
        rows = np.column_stack([table[name] for name in names])
        line = ",".join(["%d"] * len(names)) + "\n"
        text = ",".join(names) + "\n" + line * len(rows) % tuple(rows.ravel().tolist())
        cells, width = [], 0
    else:
        cells = [list(map(str, table[name].tolist())) for name in names]
        text = "\n".join([",".join(names), *map(",".join, zip(*cells))]) + "\n"
        # the longest cell sets the width of the text columns read back (only they need it)
        width = max(max(map(len, c)) for c in cells) if any(table[n].dtype.kind == "U" for n in names) else 0
    if remember and n_rows(table) and _plain(names, table, cells):
        # Reading this text back gives these very columns: keep them, so a reader need not parse it.
        _remember(_WRITTEN, text, ({name: np.array(table[name]) for name in names}, width))
    return text


def _plain(names, table: Table, cells) -> bool:
    """Whether the text of ``table`` reads back column for column: no separator inside a name or a text."""
    if any("," in name or "\n" in name or "%" in name for name in names) or len(set(map(len, cells))) > 1:
        return False
    texts = ["".join(column) for name, column in zip(names, cells) if table[name].dtype.kind == "U"]
    return not any("," in text or "\n" in text for text in texts)


# The pipelines write and read the same tables again and again (every run rewrites every file, most of
# them unchanged): both conversions are remembered by content, so the same bytes give the same text
# and the same text the same (read-only) table, without converting again.
_TEXTS: dict = {}  # content key of a table -> its CSV text
_TABLES: dict = {}  # (CSV text, column types) -> the table read from it
_KEYS: dict = {}  # id of a table given to remember_text -> (that table, its content key)
_WRITTEN: dict = {}  # CSV text made here -> (a copy of the table it was made from, its longest cell)
_MEMO_SIZE = 64


def _recall(memo: dict, key):
    """The value remembered under ``key`` (now the most recently used), or None."""
    value = memo.pop(key, None)
    if value is not None:
        memo[key] = value
    return value


def _remember(memo: dict, key, value):
    if len(memo) >= _MEMO_SIZE:
        del memo[next(iter(memo))]  # the least recently used
    memo[key] = value
    return value


def _content_key(table: Table):
    """A digest of every column's name, type, shape and bytes (None for columns of Python objects)."""
    digest = hashlib.sha1()
    for name, column in table.items():
        column = np.asarray(column)
        if column.dtype.kind not in "biufU":
            return None
        digest.update(f"{name}|{column.dtype.str}|{column.shape}|".encode())
        digest.update(np.ascontiguousarray(column).tobytes())
    return digest.digest()


def write_csv(path, table: Table) -> None:
    """Write ``table`` as a CSV file (:func:`csv_text`)."""
    with open(path, "w", newline="") as out:
        out.write(csv_text(table))


def remember_text(table: Table) -> Table:
    """Work out the CSV text of ``table``, a table never changed afterwards and written at every run, now;
    writing it again costs neither a conversion nor a look at its bytes."""
    if len(_KEYS) > _MEMO_SIZE:
        _KEYS.clear()
    _KEYS[id(table)] = (table, _content_key(table))
    csv_text(table)
    return table


def read_csv(path, types: dict[str, str]) -> Table:
    """Read a CSV file written by :func:`write_csv`; ``types`` gives each column's kind: "int", "float"
    or "str" (a column not named is read as text)."""
    with open(path, newline="") as source:
        return _parsed(source.read(), types)


def parse_csv(text: str, types: dict[str, str]) -> Table:
    """The table in CSV ``text`` (see :func:`read_csv`); a fresh copy the caller may change."""
    return {name: column.copy() for name, column in _parsed(text, types).items()}


def _parsed(text: str, types: dict[str, str]) -> Table:
    """The table in CSV ``text``, remembered: its columns are read-only, shared by every reader."""
    key = (text, tuple(sorted(types.items())))
    table = _recall(_TABLES, key)
    if table is None:
        written = _recall(_WRITTEN, text)
        table = (_read_back(*written, types) if written else None) or _parse_csv(text, types)
        for column in table.values():
            column.flags.writeable = False
        _remember(_TABLES, key, table)
    return dict(table)


def _read_back(table: Table, width: int, types: dict[str, str]) -> Table | None:
    """What :func:`_parse_csv` reads from the text of ``table``, made from the table itself (its numbers
    went through ``str`` and back exactly), or None where a column's type does not allow it."""
    out = {}
    for name, column in table.items():
        kind, dtype = types.get(name, "str"), column.dtype.kind
        if kind == "str" and dtype == "U":
            out[name] = column.astype(f"<U{width}")
        elif kind in ("int", "float") and dtype in "iuf":
            numbers = column.astype(float)
            numbers[np.isnan(numbers)] = np.nan
            out[name] = numbers.astype(np.int64) if kind == "int" else numbers
        else:
            return None
    return out


def _parse_csv(text: str, types: dict[str, str]) -> Table:
    first, body = text.split("\n", 1)
    header = first.strip().split(",")
    kinds = [types.get(name, "str") for name in header]
    numeric = [i for i, kind in enumerate(kinds) if kind != "str"]
    out = {}
    if numeric:  # numpy's fast reader, for the numbers
        data = np.loadtxt(io.StringIO(body), delimiter=",", usecols=numeric, dtype=float, ndmin=2)
        for j, i in enumerate(numeric):
            out[header[i]] = data[:, j].astype(np.int64) if kinds[i] == "int" else data[:, j]
    if len(numeric) < len(header):
        cells = np.array(body.replace("\n", ",").split(",")[:-1], dtype=str).reshape(-1, len(header))
        for i, kind in enumerate(kinds):
            if kind == "str":
                out[header[i]] = cells[:, i]
    return {name: out[name] for name in header}


def _accounts(raw, seed: int) -> Table:
    n = len(raw["user_age"])
    rng = np.random.default_rng([seed, 100])
    current = {"user_id": np.arange(n), "age": raw["user_age"], "country": raw["country"], "device": raw["device"],
               "signup_day": (SNAPSHOT // DAY - raw["days_since_signup"]).astype(np.int64),
               "is_current": np.ones(n, dtype=np.int64)}
    movers = np.flatnonzero(rng.random(n) < MOVER_SHARE)
    others = np.array(COUNTRIES)
    old = take(current, movers)
    old["country"] = np.array([others[others != raw["country"][u]][k] for u, k in
                               zip(movers, rng.integers(0, len(COUNTRIES) - 1, len(movers)))])
    old["is_current"] = np.zeros(len(movers), dtype=np.int64)
    both = {name: np.concatenate([old[name], current[name]]) for name in current}
    # The export lists each account's versions oldest first.
    return take(both, np.lexsort((both["is_current"], both["user_id"])))


def _stratified(rng, counts: np.ndarray, first: int, width: int) -> np.ndarray:
    """For each user, ``count`` distinct one-hour slots in [first, first + width): one per equal stretch."""
    user = np.repeat(np.arange(len(counts)), counts)
    rank = np.arange(len(user)) - np.repeat(np.cumsum(counts) - counts, counts)
    stretch = width / np.repeat(np.maximum(counts, 1), counts)
    low, high = np.floor(rank * stretch), np.floor((rank + 1) * stretch)  # whole slots: stretches never overlap
    return user, first + (low + np.floor(rng.random(len(user)) * (high - low))).astype(np.int64)


def _clicks(raw, seed: int) -> Table:
    rng = np.random.default_rng([seed, 101])
    slots = WINDOW_DAYS * 24  # one session starts in a chosen one-hour slot (so sessions never run together)
    recent = _stratified(rng, raw["session_count"].astype(np.int64), 0, slots)
    older = _stratified(rng, rng.integers(0, 3, len(raw["session_count"])), slots, 2 * slots)  # 30-90 days ago
    user_id, hours = (np.concatenate(pair) for pair in zip(recent, older))
    start = SNAPSHOT - (hours + 1) * 3600 + rng.integers(0, 600, len(hours))
    pages = rng.integers(1, 3, len(start))  # 1-2 page views a session, two minutes apart
    first = np.repeat(np.cumsum(pages) - pages, pages)
    ts = np.repeat(start, pages) + (np.arange(pages.sum()) - first) * 120
    table = {"user_id": np.repeat(user_id, pages).astype(np.int64), "ts": ts.astype(np.int64)}
    return take(table, np.argsort(table["ts"], kind="stable"))


def _orders(raw, seed: int) -> Table:
    rng = np.random.default_rng([seed, 102])
    buyers = np.flatnonzero(~np.isnan(raw["avg_basket_value"]))
    mean_pence = np.round(raw["avg_basket_value"][buyers] * 100).astype(np.int64)
    counts = 1 + rng.poisson(1.5, len(buyers))
    user_id = np.repeat(buyers, counts)
    parts = np.maximum(1, np.round(np.repeat(mean_pence, counts) * rng.uniform(0.6, 1.4, len(user_id)))).astype(np.int64)
    last = np.cumsum(counts) - 1
    before = np.add.reduceat(parts, np.cumsum(counts) - counts) - parts[last]
    parts[last] = mean_pence * counts - before
    bad = np.repeat(parts[last] < 1, counts)  # the draws overshot: that user's orders are split evenly
    parts[bad] = np.repeat(mean_pence, counts)[bad]
    return {"order_id": np.arange(len(user_id), dtype=np.int64), "user_id": user_id.astype(np.int64),
            "amount_pence": parts}


def changed_sources(world, source: str) -> dict[str, Table]:
    """``world``'s raw sources with ``source`` changed as its owner ships it (:data:`SOURCE_CHANGES`);
    the other two untouched (the very same tables)."""
    if source not in SOURCE_CHANGES:
        raise unknown_choice("source", source, SOURCE_CHANGES)
    return dict(_changed(world.seed, len(world.raw["user_age"]), source))


@functools.lru_cache(maxsize=12)
def _changed(seed: int, n_users: int, source: str) -> dict[str, Table]:
    sources = _raw_tables(seed, n_users)
    out = dict(sources)
    table = sources[source]
    if source == "accounts_db":
        table = dict(table, age=np.where(table["age"] > 90, np.nan, table["age"]))
    elif source == "clickstream":
        table = take(table, table["ts"] >= SNAPSHOT - 60 * DAY)
    else:
        refunded = np.random.default_rng([seed, 103]).random(n_rows(table)) < 0.05
        table = take(table, ~refunded)
    out[source] = remember_text(table)
    return out
