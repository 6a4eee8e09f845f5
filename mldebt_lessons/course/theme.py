"""CSS the course's widgets bring with them: readable in JupyterLab's light and dark themes.

- The selected button of a ToggleButtons widget stands out at 3:1 or more against the others in
  both themes (JupyterLab's own grey-on-grey is about 1.3:1 in the dark theme): Okabe-Ito blue with
  white text on the light theme's pale grey, sky blue with black text on the dark theme's dark grey.
- A radio option's text wraps beside its button, never below it, and long options grow taller
  instead of running into the next one.
- In an explorer (a widget of class ``mldebt-explorer``), text reads as text, not spaced out at
  the height of a control, and small print stays at 12 px or more.

The style travels inside a hidden HTML widget (:func:`style_widget`), so it works wherever the
widget renders, with no JupyterLab extension to install.

>>> "mod-active" in COURSE_CSS and "data-jp-theme-light" in COURSE_CSS
True
>>> round(contrast("#0072B2", "#EEEEEE"), 1), round(contrast("#56B4E9", "#424242"), 1)
(4.5, 4.4)
"""

from __future__ import annotations

import ipywidgets as w

# What JupyterLab draws an unselected toggle button on (--jp-layout-color2), per theme.
UNSELECTED = {"light": "#EEEEEE", "dark": "#424242"}
SELECTED = {"light": ("#0072B2", "#FFFFFF"), "dark": ("#56B4E9", "#000000")}  # (background, text)

_TOGGLE = ".jp-OutputArea .widget-toggle-buttons .widget-toggle-button.mod-active"
COURSE_CSS = f"""
body[data-jp-theme-light="true"] {_TOGGLE}, body:not([data-jp-theme-light]) {_TOGGLE} {{
  background-color: {SELECTED["light"][0]}; color: {SELECTED["light"][1]}; }}
body[data-jp-theme-light="false"] {_TOGGLE} {{
  background-color: {SELECTED["dark"][0]}; color: {SELECTED["dark"][1]}; }}
.jp-OutputArea .widget-radio-box label {{
  display: flex; align-items: flex-start; gap: 0.4em; height: auto; min-height: var(--jp-widgets-radio-item-height);
  line-height: 1.4; white-space: normal; padding: 2px 0; }}
.jp-OutputArea .widget-radio-box label input {{ flex: none; margin-top: 0.25em; }}
.mldebt-explorer .widget-html-content {{ line-height: 1.45; }}
.mldebt-explorer small {{ font-size: max(12px, 0.9em); }}
"""


def style_widget() -> w.HTML:
    """A hidden widget that carries :data:`COURSE_CSS` into the page."""
    return w.HTML(f"<style>{COURSE_CSS}</style>", layout=w.Layout(display="none"))


def luminance(colour: str) -> float:
    """Relative luminance of a #RRGGBB colour (WCAG 2)."""
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two #RRGGBB colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
