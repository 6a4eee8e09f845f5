"""What lesson 16's timeline and tables show for one fault and one set of monitors, as plain data.

The picture is a timeline of the stream's days: the reference window, the day the fault starts, one row
per monitor with its alarms (vermillion: an alarm the fault caused; grey: a false alarm that rings on the
fault-free stream too), the day the chosen monitors first catch the fault, and below, the decisions the
fault has turned wrong so far (solid up to the day it is caught, dashed after: what catching it saves).
It is drawn once as an SVG template; a state only fills in paths, positions and texts.

>>> from mldebt_lessons.shop.world import build_world
>>> view = timeline_view(build_world(), "unit_change", ("ks",))
>>> view.title
'unit_change: caught on day 35 (after 0 days) by KS, numbers'
>>> b"fault starts" in TimelinePicture().paint(view).svg()
True
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.course.drawing import FIT, FONT, OKABE_ITO, PAGE_WIDTH, text_width, wrap
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.monitoring_and_testing.experiment import (
    FAULT_NAMES,
    MONITORS,
    alarms,
    caused_alarms,
    check_monitors,
    credited,
    detection,
    false_alarms_per_month,
    harm_by_day,
    monitor_table,
)
from mldebt_lessons.shop.stream import DAYS, FAULT_DAY, FAULTS, REFERENCE_DAYS, check_fault, live_stream

CAUGHT, FALSE, IDLE = OKABE_ITO["vermillion"], "#8C8C8C", "#8A8A8A"
HARM_COLOUR = OKABE_ITO["blue"]
TEXT_PX, SMALL_PX, TITLE_PX = 13, 12, 15
RIGHT, TOP_PAD, ROW, HARM_HEIGHT = 12, 8, 21, 86
LEFT = round(max(text_width(m.label, TEXT_PX, True) for m in MONITORS.values()) * FIT) + 16  # room for the labels
CREDIT_NAMES = {"monitor_1": "M1 upstream", "monitor_2": "M2 inputs", "monitor_7": "M7 quality", None: "none"}
SHORT = {"unit_change": "units", "slice_shift": "slice", "stuck_feature": "stuck", "late_labels": "late",
         "gradual_drift": "drift"}


@dataclass(frozen=True)
class TimelineView:
    fault: str
    monitors: tuple[str, ...]
    title: str
    summary: str
    slots: dict
    table_rows: list[dict]
    delay: int | None
    harm: float
    points: float  # the ML Test Score monitoring section's points for these monitors


def _names(monitors) -> str:
    return ", ".join(MONITORS[m].label for m in monitors) if monitors else "no monitor"


def title_of(fault: str, day: int | None, first: str | None, start: int = FAULT_DAY) -> str:
    if fault == "none":
        return "no fault: every alarm is a false alarm"
    if day is None:
        return f"{fault}: missed by these monitors within the horizon"
    return f"{fault}: caught on day {day} (after {day - start} days) by {MONITORS[first].label}"


def longest_title() -> str:
    return max([title_of(f, DAYS - 1, m) for f in FAULT_NAMES for m in MONITORS] + [title_of("none", None, None)],
               key=len)


class TimelinePicture:
    """The timeline, drawn once as an SVG template; :meth:`paint` fills in one view, :meth:`svg` returns it."""

    def __init__(self, width: int = PAGE_WIDTH):
        self.width = width
        self.plot_width = width - LEFT - RIGHT
        self.title_lines = len(wrap(longest_title(), width - 16, TITLE_PX, True))
        self.top = TOP_PAD + self.title_lines * TITLE_PX * 1.25 + 22  # room for the "fault starts" label
        self.rows_bottom = self.top + ROW * len(MONITORS)
        self.harm_top = self.rows_bottom + 26
        self.harm_bottom = self.harm_top + HARM_HEIGHT
        self.size = (width, int(self.harm_bottom + 36))
        self._template = self._build()
        self._slots: dict = {}

    def x(self, day: float) -> float:
        return LEFT + self.plot_width * day / DAYS

    def _build(self) -> str:
        w, h = self.size
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
               f'style="max-width:none;height:auto" font-family="{FONT}">',
               '<rect width="100%" height="100%" fill="#FFFFFF"/>']
        for k in range(self.title_lines):
            out.append(f'<text x="8" y="{TOP_PAD + k * TITLE_PX * 1.25 + TITLE_PX:.1f}" font-size="{TITLE_PX}" '
                       f'font-weight="bold" fill="#000000">{{title{k}}}</text>')
        ref = self.x(REFERENCE_DAYS)
        out.append(f'<rect x="{LEFT}" y="{self.top:.1f}" width="{ref - LEFT:.1f}" '
                   f'height="{self.harm_bottom - self.top:.1f}" fill="#EEEEEE"/>')
        out.append(f'<text x="{LEFT + 2}" y="{self.top - 6:.1f}" font-size="{SMALL_PX}" fill="#444444">reference</text>')
        for i, name in enumerate(MONITORS):
            y = self.top + i * ROW
            out.append(f'<line x1="{LEFT}" x2="{self.x(DAYS):.1f}" y1="{y + ROW / 2:.1f}" y2="{y + ROW / 2:.1f}" '
                       f'stroke="#E2E2E2"/>')
            out.append(f'<text x="{LEFT - 6}" y="{y + ROW / 2 + 4.5:.1f}" text-anchor="end" font-size="{TEXT_PX}" '
                       f'fill="{{label{i}}}" font-weight="{{weight{i}}}">{html.escape(MONITORS[name].label)}</text>')
            out.append(f'<path d="{{false{i}}}" stroke="{FALSE}" stroke-width="2.2"/>')
            out.append(f'<path d="{{caught{i}}}" stroke="{CAUGHT}" stroke-width="2.6"/>')
        # harm panel
        out.append(f'<line x1="{LEFT}" x2="{self.x(DAYS):.1f}" y1="{self.harm_bottom:.1f}" y2="{self.harm_bottom:.1f}" '
                   f'stroke="#666666"/>')
        out.append(f'<text x="{LEFT - 6}" y="{self.harm_top + 12:.1f}" text-anchor="end" font-size="{SMALL_PX}" '
                   f'fill="#222222">decisions</text>')
        out.append(f'<text x="{LEFT - 6}" y="{self.harm_top + 27:.1f}" text-anchor="end" font-size="{SMALL_PX}" '
                   f'fill="#222222">turned wrong</text>')
        out.append(f'<text x="{LEFT - 6}" y="{self.harm_bottom - 2:.1f}" text-anchor="end" font-size="{SMALL_PX}" '
                   f'fill="#444444">0</text>')
        out.append(f'<text x="{self.x(DAYS):.1f}" y="{self.harm_top + 12:.1f}" text-anchor="end" '
                   f'font-size="{SMALL_PX}" fill="#222222">{{harm_top}}</text>')
        out.append(f'<path d="{{harm_after}}" fill="none" stroke="{HARM_COLOUR}" stroke-width="2" '
                   'stroke-dasharray="5,4"/>')
        out.append(f'<path d="{{harm_before}}" fill="none" stroke="{HARM_COLOUR}" stroke-width="3"/>')
        for day in range(0, DAYS + 1, 20):
            out.append(f'<text x="{self.x(day):.1f}" y="{self.harm_bottom + 15:.1f}" text-anchor="middle" '
                       f'font-size="{SMALL_PX}" fill="#444444">{day}</text>')
        out.append(f'<text x="{self.x(DAYS):.1f}" y="{self.harm_bottom + 28:.1f}" text-anchor="end" '
                   f'font-size="{SMALL_PX}" fill="#444444">day</text>')
        # the fault's start and the detection
        out.append(f'<g visibility="{{start_shown}}"><line x1="{{start_x}}" x2="{{start_x}}" y1="{self.top - 4:.1f}" '
                   f'y2="{self.harm_bottom:.1f}" stroke="#000000" stroke-width="1.5"/>'
                   f'<text x="{{start_x}}" y="{self.top - 6:.1f}" text-anchor="middle" font-size="{SMALL_PX}" '
                   'fill="#000000">fault starts</text></g>')
        out.append(f'<g visibility="{{caught_shown}}"><line x1="{{caught_x}}" x2="{{caught_x}}" y1="{self.top:.1f}" '
                   f'y2="{self.harm_bottom:.1f}" stroke="{CAUGHT}" stroke-width="1.5" stroke-dasharray="4,3"/>'
                   f'<text x="{{caught_text_x}}" y="{self.harm_top - 6:.1f}" text-anchor="{{caught_anchor}}" '
                   f'font-size="{SMALL_PX}" fill="#000000">{{caught_label}}</text></g>')
        out.append('</svg>')
        return "\n".join(out)

    def paint(self, view: "TimelineView") -> "TimelinePicture":
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
        return "TimelinePicture()"


_GEOMETRY = TimelinePicture.__new__(TimelinePicture)  # for x(): the geometry without the template
_GEOMETRY.width, _GEOMETRY.plot_width = PAGE_WIDTH, PAGE_WIDTH - LEFT - RIGHT


def _ticks(days: np.ndarray, y: float) -> str:
    return " ".join(f"M{_GEOMETRY.x(d + 0.5):.1f},{y - 7:.1f}v14" for d in np.flatnonzero(days))


def _harm_path(cumulative: np.ndarray, days: range, top: float, bottom: float, scale: float) -> str:
    points = [f"{_GEOMETRY.x(d + 1):.1f},{bottom - (bottom - top - 16) * cumulative[d] / scale:.1f}" for d in days]
    return ("M" + " L".join(points)) if len(points) > 1 else ""


@functools.lru_cache(maxsize=512)
def _view(world, fault: str, monitors: tuple[str, ...]) -> TimelineView:
    picture = _layout()
    start = FAULT_DAY
    stream = live_stream(world, fault)
    d = detection(world, fault, monitors) if fault != "none" else None
    slots = {}
    first = None
    for i, name in enumerate(MONITORS):
        on = name in monitors
        y = picture.top + i * ROW + ROW / 2
        caused = caused_alarms(stream, name) if on else np.zeros(DAYS, bool)
        fired = alarms(stream, name) if on else np.zeros(DAYS, bool)
        slots[f"label{i}"] = "#000000" if on else IDLE
        slots[f"weight{i}"] = "bold" if on else "normal"
        slots[f"caught{i}"] = _ticks(caused, y)
        slots[f"false{i}"] = _ticks(fired & ~caused, y)
        if d is not None and d.day is not None and on and caused[d.day] and first is None:
            first = name
    harm = np.cumsum(harm_by_day(world, fault)) if fault != "none" else np.zeros(DAYS)
    scale = max(float(harm[-1]), 1.0)
    caught = None if d is None else d.day
    end = DAYS - 1 if caught is None else caught
    shown = fault != "none"
    slots["harm_before"] = _harm_path(harm, range(start - 1, end + 1), picture.harm_top, picture.harm_bottom,
                                      scale) if shown else ""
    slots["harm_after"] = _harm_path(harm, range(end, DAYS), picture.harm_top, picture.harm_bottom,
                                     scale) if shown else ""
    slots["harm_top"] = f"{harm[-1]:,.0f} by day {DAYS - 1} if never caught" if fault not in ("none",) else \
        "no fault: nothing turns wrong"
    slots["start_shown"] = "hidden" if fault == "none" else "visible"
    slots["start_x"] = f"{picture.x(start):.1f}"
    slots["caught_shown"] = "visible" if caught is not None else "hidden"
    cx = picture.x(caught + 1) if caught is not None else 0.0
    slots["caught_x"] = f"{cx:.1f}"
    right_side = cx < picture.x(DAYS * 0.6)
    slots["caught_text_x"] = f"{cx + 4 if right_side else cx - 4:.1f}"
    slots["caught_anchor"] = "start" if right_side else "end"
    slots["caught_label"] = f"caught: day {caught}" if caught is not None else ""
    points = _points(monitors)
    title = title_of(fault, caught, first, start)
    summary = _summary(fault, monitors, d, points)
    rows = []
    for name, m in MONITORS.items():
        delay = detection(world, fault, (name,)).delay if fault != "none" else None
        rows.append({"monitor": m.label, "on": "yes" if name in monitors else "no",
                     "false / month": f"{false_alarms_per_month(world, name):.2f}",
                     "delay": "-" if fault == "none" else ("missed" if delay is None else f"{delay} d"),
                     "credit": CREDIT_NAMES[m.credit]})
    return TimelineView(fault, monitors, title, summary, slots, rows, None if d is None else d.delay,
                        0.0 if d is None else d.harm, points)


def _summary(fault: str, monitors, d, points: float) -> str:
    watch = f"Watching: {_names(monitors)}. ML Test Score, monitoring section: {points:g} of 7."
    if fault == "none":
        return f"No fault: the control. Any alarm here is a false alarm. {watch}"
    what = FAULTS[fault].what
    if d.day is None:
        return (f"{fault} ({what}) starts on day {d.start}. Missed within the horizon: {d.harm_if_missed:,.0f} "
                f"decisions turned wrong by day {DAYS - 1}. {watch}")
    return (f"{fault} ({what}) starts on day {d.start}. Caught on day {d.day}, after {d.delay} days; "
            f"{d.harm:,.0f} decisions turned wrong by then, against {d.harm_if_missed:,.0f} if never caught. {watch}")


@functools.lru_cache(maxsize=256)
def _points(monitors: tuple[str, ...]) -> float:
    return credited(monitors)["points"] if monitors else 0.0


@functools.lru_cache(maxsize=1)
def _layout() -> TimelinePicture:
    return TimelinePicture()


def timeline_view(world, fault: str, monitors) -> TimelineView:
    """Everything the explorer shows for ``fault`` watched by ``monitors`` (any order; duplicates ignored)."""
    check_fault(fault)
    chosen = set(check_monitors(monitors))
    return _view(world, fault, tuple(m for m in MONITORS if m in chosen))


def table_html(view: TimelineView) -> str:
    """Every monitor's false alarms, its delay on this fault and its ML Test Score credit; the watching ones bold."""
    return rows_html(view.table_rows, lambda row: "font-weight:bold" if row["on"] == "yes" else "")


def delay_rows(world) -> list[dict]:
    """The detection-delay table with short headers, ready for HTML: one row per monitor, one column per fault."""
    rows = []
    for row in monitor_table(world):
        out = {"monitor": row["monitor"]}
        for fault in FAULT_NAMES:
            out[SHORT[fault]] = "missed" if row[fault] is None else f"{row[fault]} d"
        rows.append(out)
    return rows


def delay_table_html(world) -> str:
    """The detection delay of each monitor (alone) on each fault, in days after the fault starts."""
    return rows_html(delay_rows(world))


def false_alarm_rows(world) -> list[dict]:
    """False alarms per month on the fault-free stream, the rule behind each cut-off, and the ML Test Score credit."""
    return [{"monitor": m.label, "false / month": f"{false_alarms_per_month(world, name):.2f}",
             "credit": CREDIT_NAMES[m.credit], "rule": m.what} for name, m in MONITORS.items()]


def false_alarm_table_html(world) -> str:
    return rows_html(false_alarm_rows(world))


def harm_rows(world, monitors) -> list[dict]:
    """For a set of monitors: each fault's delay and the decisions turned wrong by detection and if missed."""
    rows = []
    for fault in FAULT_NAMES:
        d = detection(world, fault, check_monitors(monitors))
        rows.append({"fault": fault, "delay": "missed" if d.delay is None else f"{d.delay} d",
                     "harm": f"{d.harm:,.0f}", "if missed": f"{d.harm_if_missed:,.0f}"})
    return rows


def title_width_ok() -> bool:
    """Every title fits the lines the picture keeps for it (a check for the tests)."""
    return len(wrap(longest_title(), PAGE_WIDTH - 16, TITLE_PX, True)) == TimelinePicture().title_lines and \
        text_width("turned wrong", SMALL_PX) < LEFT
