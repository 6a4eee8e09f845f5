"""The audit as a report: text for a terminal, Markdown, JSON, and a paste-ready AI-tutor prompt.

JSON shape (``--format json``)::

    {"system":   {"name", "description", "inputs": [...], "counts": {"source": n, ..., "edges": n}},
     "findings": [{"rank", "pattern", "title", "section", "nodes": [...], "evidence", "fix",
                   "severity", "reach", "exposure", "score", "level", "why_score", "lesson"}, ...],
     "summary":  {"findings": n, "by_level": {...}, "by_pattern": {...}, "patterns_found": [...],
                  "patterns_not_found": [...], "ranking_rule": "...", "ml_test_score": {...} | null}}

Example
-------
>>> from mldebt_lessons.audit import audit_toy_world
>>> text = text_report(audit_toy_world(), top=3)
>>> text.splitlines()[0]
'Hidden-technical-debt audit: Larkspur'
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from pathlib import Path

from ..errors import CourseInputError

from .mltestscore import SECTIONS, gaps, score_text
from .patterns import LLM_LESSON, PATTERNS, is_llm_part, learn_at, lesson_for
from .ranking import LEVELS, RULE
from .system import counts, describe_counts

WIDTH = 100

# Characters that must not reach a terminal, an SVG or a Markdown page as they are: control characters
# (ESC starts terminal escape sequences), lone surrogates (not encodable), line and paragraph
# separators, and the bidirectional overrides that can make text read differently from what it holds.
_INVISIBLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: str) -> str:
    r"""Text with every control, separator, bidi-override or surrogate character shown as an escape.

    Line breaks are kept: the reports are built from lines.

    >>> print(visible("churn\x1b[31m_model"), visible("a\u202eb"))
    churn\x1b[31m_model a\u202eb
    """
    return _INVISIBLE.sub(_escape, text)


def _escape(match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|~])")  # what can start markup inside a line


def _lesson_link(finding, system, llm_parts=None) -> str:
    """The lesson that teaches this finding (see patterns.lesson_for). For a report of every finding, pass
    ``llm_parts``, the ids of the system's LLM parts, found once; a report of a few asks their nodes."""
    if llm_parts is None:
        return lesson_for(finding.pattern, (system.nodes.get(node, {}) for node in finding.nodes))
    return LLM_LESSON if not llm_parts.isdisjoint(finding.nodes) else learn_at(finding.pattern)


def summary(result) -> dict:
    """Counts by level and pattern, patterns found and not found, the rule, the ML Test Score."""
    levels = Counter(f.level for f in result.findings)
    by_level = {level: levels.get(level, 0) for level in reversed(LEVELS)}
    by_pattern = dict(Counter(f.pattern for f in result.findings))
    found = result.patterns_found()
    return {"findings": len(result.findings), "by_level": by_level, "by_pattern": by_pattern,
            "patterns_found": found, "patterns_not_found": [p for p in PATTERNS if p not in found],
            "ranking_rule": RULE,
            "ml_test_score": result.test_score.as_dict() if result.test_score else None}


def _finding_items(result):
    """Each finding as plain data, in rank order, with the lesson that teaches it."""
    system = result.system
    llm_parts = {n for n, facts in system.nodes.items() if is_llm_part(facts)}
    for f in result.findings:
        item = f.as_dict()
        item["lesson"] = _lesson_link(f, system, llm_parts) or None
        yield item


def _system_data(result) -> dict:
    system = result.system
    return {"name": system.name, "description": system.description, "inputs": list(system.inputs),
            "counts": counts(system)}


def as_json_data(result) -> dict:
    """The report as plain data, in the documented shape."""
    return {"system": _system_data(result), "findings": list(_finding_items(result)), "summary": summary(result)}


# Above this many findings the JSON report is compact (several times faster to write) and written a finding
# at a time, so that its text is never all in memory (on 1,000,000 nodes it is about 1 GB).
INDENTED_UP_TO = 2000


def _json_text(data, indent=None) -> str:
    """``data`` as JSON, UTF-8 where it can be; a lone surrogate in some name is carried by \\u escapes."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=indent, ensure_ascii=True)
    return text


def json_report_pieces(result):
    """The JSON report as pieces of text to write one after another (joined, they are :func:`json_report`).
    Each piece is UTF-8 text unless it holds a lone surrogate, which its own piece carries with \\u escapes
    (JSON reads both forms in one text).

    >>> from mldebt_lessons.audit import audit_toy_world
    >>> result = audit_toy_world()
    >>> json.loads("".join(json_report_pieces(result)))["findings"][0]["rank"]
    1
    """
    if len(result.findings) <= INDENTED_UP_TO:  # indented for people
        yield _json_text(as_json_data(result), indent=2)
        return
    yield '{"system": ' + _json_text(_system_data(result)) + ', "findings": ['
    for i, item in enumerate(_finding_items(result)):
        yield (", " if i else "") + _json_text(item)
    yield '], "summary": ' + _json_text(summary(result)) + "}"


def json_report(result) -> str:
    """The report as JSON text."""
    return "".join(json_report_pieces(result))


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)


def headline(result) -> str:
    """One sentence: how many findings, of how many patterns, at which levels."""
    s = summary(result)
    if not result.findings:
        return "No debts found in what these inputs show."
    levels = ", ".join(f"{n:,} {level}" for level, n in s["by_level"].items() if n)
    return (f"{s['findings']:,} finding{'s' if s['findings'] != 1 else ''} of {len(s['patterns_found'])} "
            f"anti-pattern{'s' if len(s['patterns_found']) != 1 else ''} ({levels}).")


def _nodes_text(nodes, limit: int = 4) -> str:
    if not nodes:
        return "(system-wide)"
    shown = ", ".join(nodes[:limit])
    return shown + (f" +{len(nodes) - limit:,}" if len(nodes) > limit else "")


def text_report(result, top: int = 10, table: int = 25) -> str:
    """A report for a terminal: headline, the top findings explained, a ranked table, the ML Test Score."""
    system = result.system
    title = f"Hidden-technical-debt audit: {system.name}"
    out = [title, "=" * len(title), ""]
    out.append(_wrap("Read: " + "; ".join(system.inputs) + "."))
    out.append(_wrap(f"System: {describe_counts(system)}."))
    out += ["", headline(result)]
    if result.findings:
        out.append(_wrap("Rank 1 is the debt to pay down first. Each finding says where it is, why (with numbers), "
                         "the fix the paper recommends, and how its score was computed."))
    if result.findings and top:
        out += ["", f"Pay down first (top {min(top, len(result.findings))}, explained)", ""]
        for f in result.findings[:top]:
            p = PATTERNS[f.pattern]
            out.append(_wrap(f"{f.rank}. {p.title} ({p.section}, {f.pattern}): {f.level}, score {f.score:g}",
                             "   ", f"{f.rank:>2}. " if f.rank < 100 else f"{f.rank}. "))
            out[-1] = out[-1].replace(f"{f.rank:>2}. {f.rank}. ", f"{f.rank:>2}. ", 1)
            out.append(_wrap(f"Where: {_nodes_text(list(f.nodes), 8)}", "    "))
            out.append(_wrap(f"Why: {f.evidence}", "    "))
            out.append(_wrap(f"Fix: {p.fix}", "    "))
            out.append(_wrap(f"Score: {f.why_score}", "    "))
            link = _lesson_link(f, result.system)
            if link:
                out.append(_wrap(f"Lesson: {link}", "    "))
            out.append("")
    if result.findings:
        if not top:
            out.append("")
        rows = result.findings[:max(table, top)]
        out += [f"All findings, ranked{f' (first {len(rows)} of {len(result.findings):,}; --top and --format json show more)' if len(rows) < len(result.findings) else ''}", ""]
        out.append(f"{'#':>4}  {'level':<8} {'score':>6}  {'pattern':<30} nodes")
        for f in rows:
            out.append(f"{f.rank:>4}  {f.level:<8} {f.score:>6g}  {f.pattern:<30} {_nodes_text(list(f.nodes))}")
    s = summary(result)
    out += ["", _wrap(f"Patterns found ({len(s['patterns_found'])} of {len(PATTERNS)}): "
                      + ", ".join(f"{p} ({s['by_pattern'][p]})" for p in s["patterns_found"]) + ".")]
    if s["patterns_not_found"]:
        out.append(_wrap("Not found, or not visible in these inputs: " + ", ".join(s["patterns_not_found"]) + "."))
    out += ["", _wrap("How findings are ranked: " + RULE + ".")]
    if result.test_score:
        out += ["", score_text(result.test_score)]
        weakest = [x for x, v in result.test_score.sections.items() if v == result.test_score.final]
        missing = gaps(result.test_score, weakest[0])
        if missing:
            out.append(_wrap(f"Weakest section, {SECTIONS[weakest[0]]}: start with "
                             + "; ".join(m.split(': ', 1)[1] for m in missing[:3]) + "."))
    return visible("\n".join(out).rstrip() + "\n")


def _md(text: str) -> str:
    r"""Text from the system (ids, evidence), safe inside a Markdown line or table cell.

    HTML is escaped, so an id such as ``<script>`` renders as text, not as an element; Markdown's
    own punctuation is backslash-escaped, so an id cannot become a link, an image or code.

    >>> print(_md("<img src=x onerror=alert(1)> | [a](javascript:b)"))
    &lt;img src=x onerror=alert(1)&gt; \| \[a\](javascript:b)
    """
    text = visible(str(text)).replace("\n", " ").replace("&", "&amp;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text.replace("\\<", "&lt;").replace("\\>", "&gt;")


def markdown_report(result, top: int = 10) -> str:
    """The report in Markdown, for a README, an issue or a pull request."""
    system = result.system
    s = summary(result)
    out = [f"# Hidden-technical-debt audit: {_md(system.name)}", "",
           f"**Read:** {_md('; '.join(system.inputs))}.  ", f"**System:** {describe_counts(system)}.", "",
           f"**{headline(result)}**", ""]
    if result.findings:
        out += ["## Pay down first", ""]
        for f in result.findings[:top]:
            p = PATTERNS[f.pattern]
            link = _lesson_link(f, result.system)
            out += [f"### {f.rank}. {p.title} ({p.section}) — {f.level}, score {f.score:g}", "",
                    f"- **Where:** {_md(_nodes_text(list(f.nodes), 8))}",
                    f"- **Why:** {_md(f.evidence)}", f"- **Fix:** {_md(p.fix)}",
                    f"- **Score:** {_md(f.why_score)}"]
            if link:
                out.append(f"- **Lesson:** [{link}]({link})")
            out.append("")
        out += ["## All findings, ranked", "", "| # | level | score | pattern | § | nodes |",
                "|---:|---|---:|---|---|---|"]
        for f in result.findings:
            out.append(f"| {f.rank} | {f.level} | {f.score:g} | `{f.pattern}` | {PATTERNS[f.pattern].section} | "
                       f"{_md(_nodes_text(list(f.nodes)))} |")
        out.append("")
    out += ["## Patterns", "", f"Found ({len(s['patterns_found'])} of {len(PATTERNS)}): "
            + ", ".join(f"`{p}` ({s['by_pattern'][p]})" for p in s["patterns_found"]) + ".", ""]
    if s["patterns_not_found"]:
        out += ["Not found, or not visible in these inputs: " + ", ".join(f"`{p}`" for p in s["patterns_not_found"])
                + ".", ""]
    out += ["## How findings are ranked", "", _md(RULE) + ".", ""]
    if result.test_score:
        t = result.test_score
        out += ["## ML Test Score (Breck et al. 2017)", "", "| section | score (of 7) |", "|---|---:|"]
        out += [f"| {SECTIONS[k]} | {v:g} |" for k, v in t.sections.items()]
        out += ["", f"**Final score {t.final:g}** (the minimum over the four sections): {t.band}.", ""]
    return "\n".join(out)


def audit_tutor_prompt(result, top: int = 8) -> str:
    """The third AI-tutor prompt ("audit my system and prioritise"), built from this audit's own report."""
    from mldebt_lessons.course.tutor import PAPER
    system = result.system
    lines = [f"I audited my ML system \"{system.name}\" with `mldebt audit` from the mldebt-lessons course, based "
             f"on {PAPER}. Please act as my tutor and reviewer.", "",
             "## What the audit read", f"Inputs: {'; '.join(system.inputs)}.", f"System: {describe_counts(system)}.",
             "", "## What it found", headline(result), f"Ranking rule: {RULE}.", ""]
    for f in result.findings[:top]:
        lines.append(f"{f.rank}. [{f.level}, score {f.score:g}] {f.pattern} ({PATTERNS[f.pattern].section}) at "
                     f"{_nodes_text(list(f.nodes), 6)}: {f.evidence}")
    if len(result.findings) > top:
        lines.append(f"(and {len(result.findings) - top:,} more findings)")
    if result.test_score:
        lines += ["", score_text(result.test_score)]
    lines += ["", "## Please answer these in order",
              "1. Explain, in one paragraph each, the three debts that worry you most in this list, in my "
              "system's terms.",
              "2. Walk me through how the top-ranked debt arises in a system wired like mine, and what would "
              "happen if I left it for a year.",
              "3. Audit my system and prioritise: do you agree with this ranking? What would you pay down first, "
              "second and third, with one concrete step each that I can take this week? Say which findings "
              "you think are false alarms, and what the audit could not see from these inputs.", "",
              "Use my numbers above where they bear on an answer, and tell me if I have misread them."]
    return visible("\n".join(lines))


def write_report(text, path: str | Path) -> None:
    """Write a report (a text, or pieces of text one after another) to a file (UTF-8); a path that cannot be
    written is one line of error, not a crash.

    >>> write_report("x", "no/such/folder/report.txt")
    Traceback (most recent call last):
    ...
    mldebt_lessons.errors.CourseInputError: --output no/such/folder/report.txt: the folder no/such/folder does not exist; expected a file in an existing folder
    """
    path = Path(path)
    if path.is_dir():
        raise CourseInputError(f"--output {path}: is a folder; expected a file name")
    if not path.parent.is_dir():
        raise CourseInputError(f"--output {path}: the folder {path.parent} does not exist; expected a file in an "
                               "existing folder")
    try:
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.writelines([text] if isinstance(text, str) else text)
    except OSError as err:
        raise CourseInputError(f"--output {path}: cannot write it ({err.strerror or err})") from None
