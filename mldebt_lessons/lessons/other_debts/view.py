"""What lesson 17's picture and tables show, as plain data.

The picture is a grid: one row per seeded fault of tonight's batch, one column per check. A dot marks a
check that raises an alarm on that fault: filled when the check is on, hollow when it is off (it would
have caught it). On the right, the decisions the fault changes: green when a check that is on stops the
batch, vermillion when it slips through. The chosen fault's row is highlighted. It is drawn once as an
SVG template; a state only fills in colours and texts.

>>> from mldebt_lessons.shop.world import build_world
>>> view = check_view(build_world(), "signup_reset", ("schema", "range", "nulls", "unique"))
>>> view.title
'signup_reset: slips through, 139 decisions changed'
>>> b"signup_reset" in CheckGrid().paint(view).svg()
True
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

from mldebt_lessons.course.drawing import FIT, FONT, OKABE_ITO, PAGE_WIDTH, text_width, wrap
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.other_debts.experiment import (
    CHECKS,
    FAULT_NAMES,
    SOURCES,
    caught_by,
    check_checks,
    harm,
    leave_one_out,
    models_to_redo,
    only_unpinned,
    outcome,
    repro_spread,
    runbook_minutes,
)
from mldebt_lessons.shop.operations import FAULTS, RUNBOOK, check_fault

STOPPED, SLIPPED, ALARM, OFF = OKABE_ITO["green"], OKABE_ITO["vermillion"], OKABE_ITO["blue"], "#9A9A9A"
HIGHLIGHT = "#FFF3C4"
TEXT_PX, SMALL_PX, TITLE_PX = 13, 12, 15
SHORT = {"schema": "schema", "range": "range", "nulls": "nulls", "unique": "unique", "distribution": "KS, chi2"}
ROW_ORDER = FAULT_NAMES + ("none",)  # the faults, then the clean batch last
LEFT = round(max(text_width(f, TEXT_PX) for f in ROW_ORDER) * FIT) + 14
COL = 60
ROW_H = 26
RIGHT = 12


@dataclass(frozen=True)
class CheckView:
    fault: str
    checks: tuple[str, ...]
    title: str
    summary: str
    slots: dict
    table_rows: list[dict]
    caught: int  # faults caught by the checks that are on (of six)
    slipped: int  # decisions changed by the faults no check on stops


def title_of(fault: str, by: tuple[str, ...], total: int, false_alarms: tuple[str, ...] = ()) -> str:
    if fault == "none":
        return "none (clean batch): " + ("no alarm" if not false_alarms else "false alarm from " + ", ".join(false_alarms))
    if by:
        return f"{fault}: stopped by {', '.join(SHORT[c] for c in by)}"
    return f"{fault}: slips through, {total:,} decisions changed"


def longest_title() -> str:
    return max([title_of(f, tuple(CHECKS), 0) for f in FAULT_NAMES] + [title_of(f, (), 99_999) for f in FAULT_NAMES]
               + [title_of("none", (), 0, tuple(CHECKS))], key=len)


class CheckGrid:
    """The fault-by-check grid, drawn once as an SVG template; :meth:`paint` fills in one view."""

    def __init__(self, width: int = PAGE_WIDTH):
        self.width = width
        self.title_lines = len(wrap(longest_title(), width - 16, TITLE_PX, True))
        self.top = 8 + self.title_lines * TITLE_PX * 1.25 + 26  # room for the column headers
        self.bar_left = LEFT + COL * len(CHECKS) + 8
        self.bar_width = width - self.bar_left - RIGHT - 44  # room for the number after the bar
        self.size = (width, int(self.top + ROW_H * len(ROW_ORDER) + 10))
        self._template = self._build()
        self._slots: dict = {}

    def _build(self) -> str:
        w, h = self.size
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
               f'style="max-width:none;height:auto" font-family="{FONT}">',
               '<rect width="100%" height="100%" fill="#FFFFFF"/>']
        for k in range(self.title_lines):
            out.append(f'<text x="8" y="{8 + k * TITLE_PX * 1.25 + TITLE_PX:.1f}" font-size="{TITLE_PX}" '
                       f'font-weight="bold" fill="#000000">{{title{k}}}</text>')
        head = self.top - 8
        for j, c in enumerate(CHECKS):
            out.append(f'<text x="{LEFT + COL * j + COL / 2:.1f}" y="{head:.1f}" text-anchor="middle" '
                       f'font-size="{SMALL_PX}" fill="{{head{j}}}" font-weight="{{headw{j}}}">{html.escape(SHORT[c])}</text>')
        out.append(f'<text x="{self.bar_left}" y="{head:.1f}" font-size="{SMALL_PX}" fill="#222222">'
                   'decisions changed</text>')
        for i, f in enumerate(ROW_ORDER):
            y = self.top + i * ROW_H
            out.append(f'<rect x="2" y="{y:.1f}" width="{w - 4}" height="{ROW_H}" fill="{{band{i}}}"/>')
            out.append(f'<text x="{LEFT - 8}" y="{y + ROW_H / 2 + 4.5:.1f}" text-anchor="end" font-size="{TEXT_PX}" '
                       f'fill="#000000" font-weight="{{roww{i}}}">{html.escape(f)}</text>')
            for j in range(len(CHECKS)):
                cx = LEFT + COL * j + COL / 2
                out.append(f'<circle cx="{cx:.1f}" cy="{y + ROW_H / 2:.1f}" r="7" fill="{{dot{i}_{j}}}" '
                           f'stroke="{{ring{i}_{j}}}" stroke-width="2"/>')
            out.append(f'<rect x="{self.bar_left}" y="{y + 6:.1f}" width="{{barw{i}}}" height="{ROW_H - 12}" '
                       f'fill="{{barc{i}}}"/>')
            out.append(f'<text x="{{numx{i}}}" y="{y + ROW_H / 2 + 4.5:.1f}" font-size="{SMALL_PX}" '
                       f'fill="#000000">{{num{i}}}</text>')
        out.append('</svg>')
        return "\n".join(out)

    def paint(self, view: "CheckView") -> "CheckGrid":
        slots = dict(view.slots)
        lines = wrap(view.title, self.width - 16, TITLE_PX, True)
        if len(lines) > self.title_lines:
            lines = lines[:self.title_lines - 1] + (" ".join(lines[self.title_lines - 1:]),)
        for k in range(self.title_lines):
            slots[f"title{k}"] = html.escape(lines[k]) if k < len(lines) else ""
        self._slots = slots
        self.view = view
        return self

    def svg(self) -> bytes:
        return self._template.format_map(self._slots).encode("utf-8")

    def _repr_svg_(self) -> str:
        return self.svg().decode("utf-8")

    def __repr__(self) -> str:
        return "CheckGrid()"


@functools.lru_cache(maxsize=1)
def _layout() -> CheckGrid:
    return CheckGrid()


@functools.lru_cache(maxsize=1024)
def _view(world, fault: str, checks: tuple[str, ...]) -> CheckView:
    grid = _layout()
    biggest = max(harm(world, f).total for f in FAULT_NAMES) or 1
    slots = {}
    for j, c in enumerate(CHECKS):
        slots[f"head{j}"] = "#000000" if c in checks else OFF
        slots[f"headw{j}"] = "bold" if c in checks else "normal"
    caught, slipped = 0, 0
    for i, f in enumerate(ROW_ORDER):
        fired = caught_by(world, f)
        result = outcome(world, f, checks)
        for j, c in enumerate(CHECKS):
            hit = c in fired
            slots[f"dot{i}_{j}"] = (ALARM if c in checks else "#FFFFFF") if hit else "none"
            slots[f"ring{i}_{j}"] = (ALARM if c in checks else OFF) if hit else "none"
        total = harm(world, f).total
        width = grid.bar_width * total / biggest
        slots[f"barw{i}"] = f"{width:.1f}"
        slots[f"barc{i}"] = STOPPED if result["caught"] else SLIPPED
        slots[f"numx{i}"] = f"{grid.bar_left + width + 4:.1f}"
        slots[f"num{i}"] = f"{total:,}" if f != "none" else "0"
        slots[f"band{i}"] = HIGHLIGHT if f == fault else "#FFFFFF"
        slots[f"roww{i}"] = "bold" if f == fault else "normal"
        if f != "none":
            caught += result["caught"]
            slipped += result["slipped"]
    chosen = outcome(world, fault, checks)
    title = title_of(fault, chosen["caught_by"], chosen["harm"], chosen["caught_by"])
    on = ", ".join(SHORT[c] for c in checks) if checks else "no check"
    if fault == "none":
        first = "The clean batch: the control; an alarm here is a false alarm."
    elif chosen["caught"]:
        first = (f"{fault} ({FAULTS[fault].what}): stopped before the models read it; it would have changed "
                 f"{chosen['harm']:,} decisions.")
    else:
        first = (f"{fault} ({FAULTS[fault].what}): no check that is on catches it; {chosen['harm']:,} decisions "
                 "change tonight.")
    summary = (f"{first} Checks on: {on}. Over the six faults: {caught} caught, {slipped:,} decisions slip "
               "through.")
    rows = [{"check": SHORT[c], "on": "yes" if c in checks else "no",
             "alarm here": "yes" if c in caught_by(world, fault) else "no", "what it checks": CHECKS[c]}
            for c in CHECKS]
    return CheckView(fault, checks, title, summary, slots, rows, caught, slipped)


def check_view(world, fault: str, checks) -> CheckView:
    """Everything the explorer shows for ``fault`` with ``checks`` on (any order; duplicates ignored)."""
    check_fault(fault)
    chosen = set(check_checks(checks))
    return _view(world, fault, tuple(c for c in CHECKS if c in chosen))


def table_html(view: CheckView) -> str:
    return rows_html(view.table_rows, lambda row: "font-weight:bold" if row["on"] == "yes" else "")


def title_width_ok() -> bool:
    """Every title fits the lines the picture keeps for it (a check for the tests)."""
    return len(wrap(longest_title(), PAGE_WIDTH - 16, TITLE_PX, True)) == CheckGrid().title_lines


# -- tables for the other demos ------------------------------------------------------------------------
def repro_rows(world) -> list[dict]:
    """One row per setting of the pins: the share of decisions flipped and the AUC's range over the re-runs."""
    settings = [("nothing", ())] + [(f"all but {s}", only_unpinned(s)) for s in SOURCES] + [
        ("everything", tuple(SOURCES))]
    rows = []
    for label, pins in settings:
        s = repro_spread(world, pins)
        rows.append({"pinned": label, "flipped": f"{s.flipped:.1%}", "unstable": f"{s.unstable:.1%}",
                     "AUC range": f"{100 * s.auc_range:.2f} pts"})
    return rows


def runbook_rows(world, changed: str | None = None) -> list[dict]:
    """The runbook's steps: the ASSUMED minutes per step (stated, not measured), and the human minutes they add
    up to for the models ``changed`` reaches, by hand and automated."""
    models = models_to_redo(world, changed)
    by_hand, automated = runbook_minutes(world, models), runbook_minutes(world, models, automated=True)
    return [{"step": s.name, "min (assumed)": f"{s.minutes:g}", "by hand": f"{by_hand[s.name]:g}",
             "automated": f"{automated[s.name]:g}", "what": s.what} for s in RUNBOOK]


def simplify_rows(world, name: str) -> list[dict]:
    """Each input of ``name`` deleted alone: AUC lost against the noise floor."""
    return [{"deleted": r["input"], "AUC lost": f"{100 * r['lost']:+.2f} pts",
             "floor": f"{100 * r['floor']:.2f} pts", "verdict": "within: delete" if r["within"] else "keep"}
            for r in leave_one_out(world, name)]


def fault_rows(world) -> list[dict]:
    """One row per fault: the checks that catch it and the decisions it changes if none does."""
    return [{"fault": f, "caught by": ", ".join(SHORT[c] for c in caught_by(world, f)) or "nothing",
             "changed": f"{harm(world, f).total:,}", "what": FAULTS[f].what} for f in ROW_ORDER]

