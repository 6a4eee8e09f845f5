"""Lesson 00's widgets: the tour picture of Larkspur and the slider that checks widgets work.

>>> slider_message(4)
'The slider says <b>4</b>. If this number follows the slider, widgets work.'
"""

from __future__ import annotations

import ipywidgets as w

from mldebt_lessons.course.drawing import GraphPicture, kind_fills
from mldebt_lessons.shop.world import World, build_world


def tour_picture(world: World | None = None) -> GraphPicture:
    """The shop's graph coloured by kind, for the tour in the start notebook."""
    world = world or build_world()
    owners = {n: d.get("owner", "") for n, d in world.graph.nodes(data=True)}
    picture = GraphPicture(world.graph, title=f"{world.company}: what feeds what, and who owns it",
                           longest_note=max(owners.values(), key=len))
    picture.paint(kind_fills(world.graph), notes=owners)
    return picture


class SliderCheck(w.VBox):
    """A slider and a label that follows it: if the label moves, widgets work in this browser."""

    def __init__(self):
        self.slider = w.IntSlider(value=3, min=0, max=10, description="move me")
        self.echo = w.HTML()
        super().__init__([self.slider, self.echo])
        self.slider.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "SliderCheck(live widget: move the slider)"

    def refresh(self) -> None:
        self.echo.value = slider_message(self.slider.value)


def slider_message(value: int) -> str:
    """What the set-up check's label says for a slider value."""
    return f"The slider says <b>{value}</b>. If this number follows the slider, widgets work."

