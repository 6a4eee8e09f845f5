"""Read YAML and JSON input safely: nothing in it is executed, and no input can exhaust the machine.

Guards, each giving a one-line :class:`~mldebt_lessons.errors.CourseInputError` that names the
file (and the line, where there is one) and what was expected:

* size: a file larger than :data:`MAX_BYTES` (JSON) or :data:`MAX_YAML_BYTES` (YAML) is refused
  before it is parsed;
* text: empty files, binary files (NUL bytes) and bytes that are not UTF-8 are refused;
* depth: nesting deeper than :data:`MAX_DEPTH` is refused (JSON: by a vectorised pre-scan of
  bracket depth before ``json.loads``; YAML: while composing);
* memory: the JSON pre-scan reads the text in blocks of :data:`SCAN_BLOCK` bytes, so it costs a fixed
  few tens of MB whatever the file's size; it also refuses, before anything is built, a JSON text
  value longer than :data:`MAX_JSON_TEXT` bytes, a file of more than :data:`MAX_JSON_VALUES` values,
  a list of more than :data:`MAX_LIST_VALUES` numbers or texts in a row (ten times what a manifest's
  longest lists of ids may hold, so that a list just too long gets the schema's message, which names it), and a file whose parsed data would take more than :data:`PARSED_PER_BYTE` bytes for
  each of its bytes, plus :data:`PARSED_BASE`. Each parsed value is a Python object of 24 to 200
  bytes, whatever its size in the file, so ``["s1","s2",...]`` takes 10 times its text and
  ``[{},{},...]`` 24 times; :func:`parsed_bytes` prices the mappings, lists, keys, texts and numbers
  the pre-scan counts. Generated manifests are estimated at 6 to 7 (dbt manifests and OpenLineage
  logs at 4 to 5), so reading JSON peaks at about 9 times the file's size plus 100 MB (the text, what
  is parsed, Python itself);
* lone surrogates (a JSON ``"\\ud800"`` escape, or YAML's ``"\\ud800"``) are refused: they are not
  characters, and no report could be written with one;
* aliases: YAML aliases are allowed for hand-written reuse, but the document, with every alias
  expanded, may hold at most :data:`MAX_EXPANDED_NODES` values (this stops "billion laughs");
* scalars: no YAML value longer than :data:`MAX_SCALAR` characters (in JSON, see memory above; the
  manifest schema caps every text's length);
* duplicate keys in a mapping are an error (YAML and JSON both silently keep the last one); in
  JSON files over :data:`DUPLICATE_CHECK_BYTES` (generated, not hand-written) this check is skipped.

YAML is read with PyYAML's *safe* loader (no Python tags); dates are turned back into text, so
the result is plain JSON data: dict, list, str, int, float, bool, None.

Example
-------
>>> data, lines = parse_text("system: shop\\nsources:\\n  - id: orders\\n", "m.yaml")
>>> data, lines[("sources", 0)]
({'system': 'shop', 'sources': [{'id': 'orders'}]}, 3)
>>> parse_text("a: &x [1]\\nb: *x\\n", "m.yaml")[0]
{'a': [1], 'b': [1]}
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..errors import CourseInputError

MAX_BYTES = 256 * 1024 * 1024  # JSON: generated manifests of 100,000+ nodes fit easily
MAX_YAML_BYTES = 8 * 1024 * 1024  # YAML is for people; its pure-Python parser is slow on huge files
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 2_000_000
MAX_SCALAR = 100_000
DUPLICATE_CHECK_BYTES = 2 * 1024 * 1024
SCAN_BLOCK = 4 * 1024 * 1024  # bytes the JSON pre-scan looks at in one go: its memory is a few times this
MAX_JSON_TEXT = 16 * 1024 * 1024  # bytes in one JSON text value: dbt's SQL fits; the manifest allows 10,000
# A generated manifest of 1,000,000 nodes holds about 10,500,000 values (3.4 million of them lists and
# mappings): this leaves room for one of about 2,000,000 nodes.
MAX_JSON_VALUES = 25_000_000
# Parsed, each value is a Python object of 24 to 200 bytes, whatever its size in the file: JSON whose
# parsed data would take more than PARSED_PER_BYTE bytes a byte, plus PARSED_BASE, is refused before it is
# parsed. Generated manifests take 5.5 to 6.8 (estimated 6.2 to 6.8), dbt manifests and OpenLineage logs
# about 4; long lists of small numbers, short texts, {} or [] take 8 to 24.
PARSED_PER_BYTE = 8
PARSED_BASE = 64 * 1024 * 1024
# Plain values (numbers, texts, true, false, null) in a row in one list: a manifest's longest lists of them,
# its lists of ids (reads, used_by...), hold at most 100,000 (its lists of nodes hold mappings). Ten times
# that is refused before parsing; a list just too long is left to the schema, whose message names the list.
MAX_LIST_VALUES = 1_000_000

Path_ = tuple  # a path into the data: keys and list indexes


def read_bytes(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a file, with one-line errors for a missing file, a folder, or a file too large."""
    p = Path(path)
    try:
        if p.is_dir():
            raise CourseInputError(f"{p}: is a folder; expected a file")
        size = p.stat().st_size
        if size > limit:
            raise CourseInputError(f"{p}: {size:,} bytes is too large; expected at most {limit:,} bytes")
        with open(p, "rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise CourseInputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise CourseInputError(f"{p}: is a folder; expected a file") from None
    except OSError as err:
        raise CourseInputError(f"{p}: cannot read it ({err.strerror or err})") from None
    if len(data) > limit:
        raise CourseInputError(f"{p}: too large; expected at most {limit:,} bytes")
    return data


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text, or a one-line error for empty, binary or non-UTF-8 input."""
    if not data or data.isspace():  # not data.strip(): that copies the whole input
        raise CourseInputError(f"{name}: the file is empty; expected YAML or JSON text")
    if b"\x00" in data:
        raise CourseInputError(f"{name}: looks binary (it holds NUL bytes); expected YAML or JSON text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise CourseInputError(f"{name} line {line}: byte 0x{data[err.start]:02x} is not UTF-8; "
                               "expected text encoded as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def looks_like_json(text: str, name: str) -> bool:
    """JSON by file name, or by a first character of '{' or '['."""
    suffix = Path(name).suffix.lower()
    if suffix in (".json", ".jsonl"):
        return True
    if suffix in (".yaml", ".yml"):
        return False
    start = _LEADING_SPACE.match(text).end()  # not text.lstrip(): that copies the whole text
    return text[start:start + 1] in ("{", "[")


_LEADING_SPACE = re.compile(r"\s*")


def parse_text(text: str, name: str, as_json: bool | None = None) -> tuple[object, dict[Path_, int]]:
    """Parse YAML or JSON text into plain data, and the line of each mapping and list item (YAML only)."""
    if as_json is None:
        as_json = looks_like_json(text, name)
    return (parse_json(text, name), {}) if as_json else parse_yaml(text, name)


def load_file(path: str | Path) -> tuple[object, dict[Path_, int], str]:
    """Read and parse a YAML or JSON file: (data, lines, name)."""
    name = str(path)
    is_yaml = Path(name).suffix.lower() in (".yaml", ".yml")
    text = decode_text(read_bytes(path, MAX_YAML_BYTES if is_yaml else MAX_BYTES), name)
    if not looks_like_json(text, name) and len(text) > MAX_YAML_BYTES:
        raise CourseInputError(f"{name}: YAML larger than {MAX_YAML_BYTES:,} bytes; write large, generated "
                               "manifests as JSON")
    data, lines = parse_text(text, name)
    return data, lines, name


# --- JSON ------------------------------------------------------------------------------------------

@dataclass
class JsonCounts:
    """What the parsed data will be made of, counted by the pre-scan: the inputs of :func:`parsed_bytes`,
    and the longest run of plain values in one list (``longest_run``, from ``longest_run_line``).

    ``shared_keys``: keys that surely repeat one written before them in the same block of the scan:
    json.loads makes one str for all the keys with one text, so only the first of them costs memory.
    """

    size: int = 0  # bytes scanned
    mappings: int = 0
    lists: int = 0
    empty_mappings: int = 0  # written {} and [] (with nothing between): the count of values takes them for two
    empty_lists: int = 0
    keys: int = 0
    texts: int = 0  # strings, keys among them
    text_bytes: int = 0  # between their quotes, escapes counted as written
    shared_keys: int = 0
    shared_key_bytes: int = 0
    longest_run: int = 0
    longest_run_line: int = 0


@dataclass
class JsonShape:
    """What the pre-scan of JSON text found, before anything is parsed.

    ``depth``: the deepest nesting of brackets; ``values``: about how many values (the items of lists
    and mappings, and the lists and mappings themselves); ``longest_text``: the bytes of the longest text
    value (between its quotes, escapes counted as written) and ``longest_line``, the line it starts on;
    ``counts``: what the checks on memory use (bookkeeping, so left out of == and of the repr).
    """

    depth: int = 0
    values: int = 1
    longest_text: int = 0
    longest_line: int = 0
    counts: JsonCounts = field(default_factory=JsonCounts, compare=False, repr=False)


# What json.loads builds, in bytes (CPython 3.11, 64-bit), as parsed_bytes prices it:
_MAPPING, _KEY, _EMPTY_MAPPING = 112, 28, 64  # json's dicts: 184 bytes for 1-5 keys, 272 for 6-10, 464 for 11-21
_LIST, _ITEM, _EMPTY_LIST = 80, 9, 56  # a list: 56 bytes, and 8 an item with an eighth to spare as it grows
_TEXT, _NEW_KEY = 56, 40  # a str: about 56 bytes and its characters; a new key has a place in json's memo too
_NUMBER = 32  # an int takes 28 bytes, a float 24 (true, false, null and ints up to 256 are shared)


def parsed_bytes(shape: JsonShape) -> int:
    """About how many bytes json.loads will build for the text the pre-scan saw (an upper estimate).

    Every value is a Python object of 24 to 200 bytes, whatever it takes in the text, so a list of
    small values costs many times its text: here 41 bytes for each number of 5 bytes (``1000,``).

    >>> parsed_bytes(scan_json("[" + "1000," * 999 + "1000]")) // 999
    41
    """
    c = shape.counts
    empties = c.empty_mappings + c.empty_lists
    values = shape.values - empties  # the count of values takes an empty {} or [] for two
    others = max(0, values - c.mappings - c.lists - (c.texts - c.keys))  # numbers, true, false, null
    return (_MAPPING * (c.mappings - c.empty_mappings) + _EMPTY_MAPPING * c.empty_mappings + _KEY * c.keys
            + _LIST * (c.lists - c.empty_lists) + _EMPTY_LIST * c.empty_lists + _ITEM * (values - 1 - c.keys)
            + _NUMBER * others + _TEXT * (c.texts - c.shared_keys) + c.text_bytes - c.shared_key_bytes
            + _NEW_KEY * (c.keys - c.shared_keys))


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of brackets in JSON text, brackets inside strings ignored; no recursion.

    >>> json_depth('{"a": [1, {"b": "[[[\\\\"}]}')
    3
    """
    return scan_json(text).depth


def scan_json(text: str | bytes, stop_depth: int | None = None, stop_text: int | None = None,
              stop_values: int | None = None, stop_run: int | None = None) -> JsonShape:
    """Pre-scan JSON text block by block (vectorised with numpy) for its nesting, values, longest text and
    what parsing it would build.

    Quotes that are not escaped (an even run of backslashes before them) delimit strings; brackets,
    commas and colons outside strings give the depth, the count of values and the counts that
    :func:`parsed_bytes` prices. What a block needs from the blocks before it is carried over: inside a
    string or not, where that string opened, the run of backslashes at the end, the depth. Memory is a
    few times :data:`SCAN_BLOCK`, not a multiple of the input. The scan stops early once the depth passes
    ``stop_depth``, a text ``stop_text`` bytes, the count of values ``stop_values`` or a run of plain values
    ``stop_run``.

    >>> scan_json('{"a": [1, 2], "b": "x,]"}')
    JsonShape(depth=2, values=5, longest_text=3, longest_line=1)
    """
    shape, state = JsonShape(), _ScanState()
    for block in _blocks(text):
        _scan_block(block, state, shape)
        if ((stop_depth is not None and shape.depth > stop_depth)
                or (stop_text is not None and shape.longest_text > stop_text)
                or (stop_values is not None and shape.values > stop_values)
                or (stop_run is not None and shape.counts.longest_run > stop_run)):
            break
    return shape


@dataclass
class _ScanState:
    offset: int = 0  # bytes before this block
    lines: int = 0  # line breaks before this block
    inside: bool = False  # does the block start inside a string?
    open_at: int = -1  # where that string's opening quote is
    open_line: int = 0
    slashes: int = 0  # backslashes that end the blocks before
    depth: int = 0
    run: int = 0  # commas in a row (no bracket or colon between) that end the blocks before
    run_line: int = 1  # where that run starts


def _blocks(text: str | bytes):
    if isinstance(text, (bytes, bytearray)):
        for i in range(0, len(text), SCAN_BLOCK):
            yield bytes(text[i:i + SCAN_BLOCK])
    else:  # the UTF-8 of a text is the UTF-8 of its pieces, one after another
        for i in range(0, len(text), SCAN_BLOCK // 4):
            yield text[i:i + SCAN_BLOCK // 4].encode("utf-8", "surrogatepass")


def _scan_block(block: bytes, state: _ScanState, shape: JsonShape) -> None:
    b = np.frombuffer(block, dtype=np.uint8)
    is_quote = b == ord('"')
    quotes = np.flatnonzero(is_quote)
    if state.slashes or b"\\" in block:
        unescaped = _unescaped(b, quotes, state)
        if unescaped.size < quotes.size:
            is_quote = np.zeros_like(is_quote)
            is_quote[unescaped] = True
        quotes = unescaped
    inside = _inside_strings(is_quote, state.inside)
    opens, closes, lengths = _scan_strings(block, quotes, state, shape)
    folded = b | 0x20  # '[' and ']' fold onto '{' and '}'
    marks = np.flatnonzero((folded == ord("{")) | (folded == ord("}")) | (b == ord(",")) | (b == ord(":")))
    marks = marks[_bits_at(inside, marks) == 0]  # brackets, commas and colons outside strings
    newlines = block.count(b"\n")
    if marks.size:
        kinds = b[marks]
        _scan_marks(marks, kinds, state, shape)
        _scan_runs(block, newlines, marks, kinds, state, shape.counts)
    _count_shared_keys(block, opens, closes, lengths, shape.counts)
    state.lines += newlines
    state.offset += b.size
    shape.counts.size = state.offset


def _inside_strings(is_quote: np.ndarray, starts_inside: bool) -> np.ndarray:
    """For each byte of a block, whether it is inside a string (an odd number of quotes before it), as bits
    packed 8 to a byte (little-endian: byte i of the block is bit i % 8 of byte i // 8).

    The running parity is taken within a byte from a table, and from byte to byte by a cumulative sum
    (whose wrapping at 256 keeps the parity).
    """
    within = _PARITY_SO_FAR[np.packbits(is_quote, bitorder="little")]
    before = np.empty_like(within)
    before[0] = starts_inside
    np.cumsum(within[:-1] >> 7, dtype=np.uint8, out=before[1:])
    before[1:] += starts_inside
    return within ^ ((before & 1) * np.uint8(0xFF))


def _bits_at(packed: np.ndarray, where: np.ndarray) -> np.ndarray:
    """The bits at the positions ``where`` of bits packed 8 to a byte, little-endian.

    >>> _bits_at(np.array([0b00000100, 0b1], dtype=np.uint8), np.array([2, 3, 8]))
    array([1, 0, 1], dtype=uint8)
    """
    return (packed[where >> 3] >> (where & 7).astype(np.uint8)) & 1


def _parity_so_far(byte: int) -> int:
    """Bit i of the result is the parity of bits 0 to i of ``byte`` (so bit 7 is the whole byte's).

    >>> f"{_parity_so_far(0b00100100):08b}"
    '00011100'
    """
    out = parity = 0
    for i in range(8):
        parity ^= (byte >> i) & 1
        out |= parity << i
    return out


_PARITY_SO_FAR = np.array([_parity_so_far(v) for v in range(256)], dtype=np.uint8)


def _scan_strings(block: bytes, quotes: np.ndarray, state: _ScanState, shape: JsonShape):
    """Pair each opening quote with its closing one (the one left open carries over); count the strings
    and their bytes, keep the longest. Returns, for the strings closed in this block, where they open and
    close (from the block's start: an opening in a block before is negative) and their lengths."""
    starts_inside = state.inside
    ends = np.concatenate(([state.open_at - state.offset], quotes)) if starts_inside else quotes
    opens, closes = ends[0::2], ends[1::2]
    lengths = closes - opens[:closes.size] - 1
    if closes.size:
        shape.counts.texts += int(closes.size)
        shape.counts.text_bytes += int(lengths.sum())
        longest = int(lengths.argmax())
        if lengths[longest] > shape.longest_text:
            shape.longest_text = int(lengths[longest])
            shape.longest_line = (state.open_line if starts_inside and longest == 0
                                  else state.lines + block.count(b"\n", 0, int(opens[longest])) + 1)
    state.inside = opens.size > closes.size
    if state.inside:
        if not (starts_inside and opens.size == 1):
            state.open_at = state.offset + int(opens[-1])
            state.open_line = state.lines + block.count(b"\n", 0, int(opens[-1])) + 1
        still_open = state.offset + len(block) - state.open_at - 1
        if still_open > shape.longest_text:
            shape.longest_text, shape.longest_line = still_open, state.open_line
    return opens[:closes.size], closes, lengths


def _scan_marks(marks: np.ndarray, kinds: np.ndarray, state: _ScanState, shape: JsonShape) -> None:
    """Depth, values, mappings, lists and keys from the brackets, commas and colons outside strings."""
    moves = np.take(_MOVE, kinds)
    running = np.cumsum(moves, dtype=np.int32) + state.depth
    shape.depth = max(shape.depth, int(running.max()))
    state.depth = int(running[-1])
    each = np.bincount(kinds, minlength=128)
    shape.values += int(each[ord("{")] + each[ord("[")] + each[ord(",")])
    counts = shape.counts
    counts.mappings += int(each[ord("{")])
    counts.lists += int(each[ord("[")])
    counts.keys += int(each[ord(":")])
    # {} and [] written with nothing between (as json.dumps writes them); one across two blocks is missed
    empty = (np.diff(marks) == 1) & (moves[:-1] - moves[1:] == 2)
    empty_mappings = int(np.count_nonzero(kinds[:-1][empty] == ord("{")))
    counts.empty_mappings += empty_mappings
    counts.empty_lists += int(np.count_nonzero(empty)) - empty_mappings


def _scan_runs(block: bytes, newlines: int, marks: np.ndarray, kinds: np.ndarray, state: _ScanState,
               counts: JsonCounts) -> None:
    """The longest run of plain values in one list: commas with no bracket or colon between them (the
    items of a mapping have colons between their commas, and a list of lists or mappings brackets).

    >>> scan_json('{"a": [1, 2, 3], "b": {"c": 1, "d": 2}}').counts.longest_run
    3
    """
    breaks = np.flatnonzero(kinds != ord(","))  # the marks that end a run of commas
    if not breaks.size:
        state.run += kinds.size
        _longest_run(counts, state.run, state.run_line)
        return
    _longest_run(counts, state.run + int(breaks[0]), state.run_line)  # the run carried from the blocks before
    gaps = np.diff(breaks) - 1
    if gaps.size:
        longest = int(gaps.argmax())
        if gaps[longest] + 1 > counts.longest_run:
            line = state.lines + block.count(b"\n", 0, int(marks[breaks[longest]])) + 1
            _longest_run(counts, int(gaps[longest]), line)
    state.run = kinds.size - 1 - int(breaks[-1])
    # the line of the run that goes on into the next block: where its last break is
    state.run_line = state.lines + newlines - block.count(b"\n", int(marks[breaks[-1]])) + 1
    _longest_run(counts, state.run, state.run_line)


def _longest_run(counts: JsonCounts, commas: int, line: int) -> None:
    if commas + 1 > counts.longest_run:
        counts.longest_run, counts.longest_run_line = commas + 1, line


_MOVE = np.zeros(256, dtype=np.int8)  # how a mark moves the depth
_MOVE[list(b"[{")] = 1
_MOVE[list(b"]}")] = -1


def _count_shared_keys(block: bytes, opens: np.ndarray, closes: np.ndarray, lengths: np.ndarray,
                       counts: JsonCounts) -> None:
    """Count the keys that repeat a key before them in this block (json.loads shares one str among them).

    A key is a string followed by a colon. Those of at most 16 bytes, written in this block with the colon
    right after them (as json.dumps writes them), are told apart by their first 8 bytes and their last 8
    (zero past the key's end). Any other key is taken as new, so the estimate stays an upper one.
    """
    size = len(block)
    # The strings wholly in the block, with room to read 16 bytes from their start and the byte after them
    lo = int(opens.size > 0 and opens[0] < 0)
    hi = min(int(np.searchsorted(opens, size - 18)), int(np.searchsorted(closes, size - 1)))
    opens, closes, lengths = opens[lo:hi], closes[lo:hi], lengths[lo:hi]
    keys = np.flatnonzero((np.frombuffer(block, dtype=np.uint8)[closes + 1] == ord(":")) & (lengths <= 16))
    if not keys.size:
        return
    starts, lengths = opens[keys] + 1, lengths[keys]
    # The 8 bytes from each byte on; keys open before size - 18 (above), so start + 15 stays in the block.
    words = np.ndarray((size - 7,), dtype="<u8", buffer=block, strides=(1,))
    first = words[starts] & _FIRST_BYTES[np.minimum(lengths, 8)]
    last = words[starts + 8] & _FIRST_BYTES[np.clip(lengths - 8, 0, 8)]
    # There are at most (different firsts) x (different lasts) different keys: a quick bound, and a close one
    # when a file uses a few dozen keys; when it does not, count the different pairs (slower).
    different = _how_many_different(first) * _how_many_different(last)
    if different > keys.size // 16:
        different = _how_many_different_pairs(first, last)
    different = min(different, keys.size)
    counts.shared_keys += keys.size - different
    counts.shared_key_bytes += max(0, int(lengths.sum()) - 16 * different)


def _how_many_different(values: np.ndarray) -> int:
    ordered = np.sort(values)
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))


def _how_many_different_pairs(first: np.ndarray, last: np.ndarray) -> int:
    """How many different (first, last) pairs, or more: sorted by a mix of the two, equal pairs sit side by
    side (two different pairs that mix alike may split them, and be counted more than once)."""
    order = np.argsort(first ^ (last * np.uint64(0x9E37_79B9_7F4A_7C15)))
    first, last = first[order], last[order]
    return 1 + int(np.count_nonzero((first[1:] != first[:-1]) | (last[1:] != last[:-1])))


_FIRST_BYTES = np.array([(1 << 8 * n) - 1 for n in range(9)], dtype="<u8")  # masks keeping a uint64's first n bytes


def _unescaped(b: np.ndarray, quotes: np.ndarray, state: _ScanState) -> np.ndarray:
    """The quotes not escaped: those after an even run of backslashes (a run may start in a block before).

    Works on the runs of backslashes, not on every byte, so memory follows how many runs there are.
    """
    slash = b == ord("\\")
    before = np.empty_like(slash)
    before[0] = state.slashes > 0
    before[1:] = slash[:-1]
    run_starts = np.flatnonzero(slash & ~before)
    which = np.flatnonzero(before[quotes])  # the quotes right after a backslash
    if which.size:
        after_slash = quotes[which]
        k = np.searchsorted(run_starts, after_slash - 1, side="right") - 1
        starts = np.where(k >= 0, run_starts[np.maximum(k, 0)] if run_starts.size else 0, -state.slashes)
        keep = np.ones(quotes.size, dtype=bool)
        keep[which[(after_slash - starts) % 2 == 1]] = False
        quotes = quotes[keep]
    if slash[-1]:
        state.slashes = int(b.size - run_starts[-1]) if run_starts.size else state.slashes + b.size
    else:
        state.slashes = 0
    return quotes


def _no_duplicates(pairs):
    out = dict(pairs)
    if len(out) < len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return out


class _Duplicate(Exception):
    pass


def check_json_shape(text: str | bytes, name: str) -> JsonShape:
    """Refuse, with one line, JSON text nested too deeply, holding too many values or a too-long text, or
    whose parsed data would take more than :data:`PARSED_PER_BYTE` bytes a byte (see :func:`parsed_bytes`).

    >>> check_json_shape('{"system": "x", "sources": [{"id": "a"}]}', "m.json").values
    5
    """
    shape = scan_json(text, stop_depth=MAX_DEPTH, stop_text=MAX_JSON_TEXT, stop_values=MAX_JSON_VALUES,
                      stop_run=MAX_LIST_VALUES)
    if shape.depth > MAX_DEPTH:
        raise CourseInputError(f"{name}: nested {shape.depth} levels deep; expected at most {MAX_DEPTH}")
    if shape.longest_text > MAX_JSON_TEXT:
        raise CourseInputError(f"{name} line {shape.longest_line}: a text value of more than {MAX_JSON_TEXT:,} "
                               f"bytes; expected at most {MAX_JSON_TEXT:,} bytes in one value")
    if shape.values > MAX_JSON_VALUES:
        raise CourseInputError(f"{name}: more than {MAX_JSON_VALUES:,} values (items of lists and mappings); "
                               f"expected at most {MAX_JSON_VALUES:,}, room for a system of about 2,000,000 nodes")
    if shape.counts.longest_run > MAX_LIST_VALUES:
        raise CourseInputError(f"{name} line {shape.counts.longest_run_line}: a list of more than "
                               f"{MAX_LIST_VALUES:,} numbers or texts in a row; expected at most {MAX_LIST_VALUES:,} "
                               "(a manifest's longest lists of ids hold 100,000; its lists of nodes hold mappings)")
    parsed, allowed = parsed_bytes(shape), PARSED_PER_BYTE * shape.counts.size + PARSED_BASE
    if parsed > allowed:
        raise CourseInputError(f"{name}: {shape.values:,} values in {shape.counts.size:,} bytes would take about "
                               f"{_mib(parsed)} once parsed; expected at most {_mib(allowed)}, {PARSED_PER_BYTE} "
                               f"bytes for each byte of JSON plus {_mib(PARSED_BASE)} (each value costs Python 24 "
                               "to 200 bytes: too much for long lists of small numbers, short texts, {} or [], or for "
                               "many different short keys)")
    return shape


def _mib(size: int) -> str:
    return f"{size / 2 ** 20:,.0f} MiB"


def parse_json(text: str, name: str) -> object:
    """JSON into plain data, refusing deep nesting, too many values, huge texts, duplicate keys, NaN and
    lone surrogates."""
    check_json_shape(text, name)

    def bad_constant(word):
        raise ValueError(f"{word} is not a JSON number")

    try:
        # Checking for duplicate keys costs a Python call per object: done for files people write,
        # skipped for large generated ones (their ids are still checked to be unique).
        hook = _no_duplicates if len(text) <= DUPLICATE_CHECK_BYTES else None
        data = json.loads(text, object_pairs_hook=hook, parse_constant=bad_constant)
    except json.JSONDecodeError as err:
        raise CourseInputError(f"{name} line {err.lineno} column {err.colno}: invalid JSON ({err.msg})") from None
    except _Duplicate as err:
        raise CourseInputError(f"{name}: the key {_short(err.args[0])} appears twice in one object; "
                               "expected each key once") from None
    except RecursionError:
        raise CourseInputError(f"{name}: nested too deeply; expected at most {MAX_DEPTH} levels") from None
    except MemoryError:
        raise CourseInputError(f"{name}: too large to read in memory") from None
    except ValueError as err:  # e.g. an integer with too many digits, NaN
        raise CourseInputError(f"{name}: invalid JSON ({_one_line(err)})") from None
    if (_SURROGATE_ESCAPE if isinstance(text, bytes) else _SURROGATE_ESCAPE_TEXT).search(text):  # only then can a parsed text hold half a character
        _refuse_lone_surrogates(data, name)
    return data


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_SURROGATE_ESCAPE_TEXT = re.compile(r"\\u[dD][89abcdefABCDEF]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_lone_surrogates(data, name: str) -> None:
    """Refuse data holding a lone surrogate (in a key or a text), naming where it is.

    >>> _refuse_lone_surrogates({"a": ["ok", "x\\ud800"]}, "m.json")
    Traceback (most recent call last):
    ...
    mldebt_lessons.errors.CourseInputError: m.json: a[1]: the text 'x\\ud800' holds a lone surrogate '\\ud800' (half of a UTF-16 pair); expected whole characters
    """
    from .schema import path_text
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            found = LONE_SURROGATE.search(value)
            if found:
                raise CourseInputError(f"{name}: {path_text(path)}: the text {_short(value)} holds a lone "
                                       f"surrogate {ascii(found.group())} (half of a UTF-16 pair); "
                                       "expected whole characters")
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    raise CourseInputError(f"{name}: {path_text(path)}: the key {_short(key)} holds a lone "
                                           f"surrogate {ascii(LONE_SURROGATE.search(key).group())} (half of a "
                                           "UTF-16 pair); expected whole characters")
            stack.extend((path + (key,), value[key]) for key in reversed(value))  # the first found is the first
        elif isinstance(value, list):
            stack.extend((path + (i,), value[i]) for i in range(len(value) - 1, -1, -1))


# --- YAML ------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message, mark=None):
        super().__init__(message)
        self.mark = mark


class GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a depth limit while composing (so no RecursionError)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep; expected at most {MAX_DEPTH}",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, name: str) -> tuple[object, dict[Path_, int]]:
    """YAML (one document) into plain data and the line of each mapping and list item."""
    try:
        loader = GuardedLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                raise CourseInputError(f"{name}: the file holds no YAML document; expected a manifest")
            _check_expanded_size(root)
            lines: dict[Path_, int] = {}
            data = _build(loader, root, (), lines, set())
        finally:
            loader.dispose()
    except CourseInputError as err:
        raise CourseInputError(str(err) if str(err).startswith(name) else f"{name}{err}") from None
    except _Refused as err:
        raise CourseInputError(f"{name}{_at(err.mark)}: {err}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        if "another document" in problem:
            raise CourseInputError(f"{name}{_at(mark)}: a second YAML document (after ---); expected a single "
                                   "document") from None
        raise CourseInputError(f"{name}{_at(mark)}: invalid YAML ({_one_line(problem)}); "
                               "expected a mapping of keys to values") from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, max(err.position, 0)) + 1
        raise CourseInputError(f"{name} line {line}: the character #x{err.character:04x} is not allowed in YAML; "
                               "expected printable text") from None
    except yaml.YAMLError as err:
        raise CourseInputError(f"{name}: invalid YAML ({_one_line(err)})") from None
    except RecursionError:
        raise CourseInputError(f"{name}: nested too deeply; expected at most {MAX_DEPTH} levels") from None
    except MemoryError:
        raise CourseInputError(f"{name}: too large to read in memory") from None
    except ValueError as err:  # e.g. an integer with too many digits
        raise CourseInputError(f"{name}: a value cannot be read ({_one_line(err)})") from None
    return data, lines


def _at(mark) -> str:
    return f" line {mark.line + 1}" if mark is not None else ""


def _check_expanded_size(root) -> None:
    """Refuse a document whose aliases would expand to more than MAX_EXPANDED_NODES values."""
    sizes: dict[int, int] = {}
    order, stack = [], [root]
    while stack:  # iterative post-order over the shared node graph
        node = stack.pop()
        if id(node) in sizes:
            continue
        sizes[id(node)] = -1
        order.append(node)
        for child in _children(node):
            if id(child) not in sizes:
                stack.append(child)
    for node in reversed(order):
        total = 1 + sum(sizes.get(id(c), 1) for c in _children(node))
        if total > MAX_EXPANDED_NODES:
            raise _Refused(f"aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias bomb?); "
                           "expected a manifest written out plainly", node.start_mark)
        sizes[id(node)] = total


def _children(node):
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return ()


def _build(loader, node, path, lines, active):
    if id(node) in active:
        raise _Refused("an alias refers to a node that contains it (a cycle); expected plain data",
                       node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        if len(node.value) > MAX_SCALAR:
            raise _Refused(f"a value of {len(node.value):,} characters; expected at most {MAX_SCALAR:,}",
                           node.start_mark)
        value = loader.construct_object(node, deep=True)
        if isinstance(value, str) and LONE_SURROGATE.search(value):  # from a "\\ud800" escape
            raise _Refused(f"the text {_short(value)} holds a lone surrogate "
                           f"{ascii(LONE_SURROGATE.search(value).group())} (half of a UTF-16 pair); "
                           "expected whole characters", node.start_mark)
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, bytes):
            raise _Refused("binary values (!!binary) are not allowed; expected text", node.start_mark)
        return value
    if node.tag not in _PLAIN_TAGS:
        raise _Refused(f"the tag {_short(node.tag)} is not allowed; expected plain lists and mappings",
                       node.start_mark)
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, child in enumerate(node.value):
                lines[path + (i,)] = child.start_mark.line + 1
                out.append(_build(loader, child, path + (i,), lines, active))
            return out
        explicit = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        loader.flatten_mapping(node)  # merge keys (<<: *defaults); written keys override merged ones
        out, written = {}, set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused("a key is a list or a mapping; expected keys to be plain text",
                               key_node.start_mark)
            key = _build(loader, key_node, path, lines, active)
            key = key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)
            if key in written and id(key_node) in explicit:
                raise _Refused(f"the key {_short(key)} appears twice in one mapping; expected each key once",
                               key_node.start_mark)
            if id(key_node) in explicit:
                written.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, path + (key,), lines, active)
        return out
    finally:
        active.discard(id(node))


_PLAIN_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "...'"


def _one_line(value) -> str:
    text = " ".join(str(value).split())
    if "integer string conversion" in text:
        return "a number has too many digits"
    return text if len(text) <= 160 else text[:157] + "..."
