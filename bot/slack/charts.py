"""The digest's picture: a heat map of the workspaces that were broken longest, one row per
workspace and one column per day, each cell coloured by the time that workspace was broken that
day. A pure function from numbers to PNG bytes; uploading them is the sender's business.

Drawn with matplotlib's Agg canvas on a `Figure` of its own: no pyplot, so no global figure
registry, no backend chosen for the process and no display needed; each call owns its figure, so
calls from several threads do not meet (matplotlib keeps its font cache per thread:
`font_manager.get_font` keys it on `threading.get_ident()`). matplotlib costs about half a second
to import, so only this module imports it, and nothing on `bot.app`'s import path imports this
module (tests/slack/test_charts.py checks that a bot starts without it).
"""

from __future__ import annotations

import heapq
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WORST = 20
DAY_SECONDS = 24 * 3600
DPI = 100
_NAME_WIDTH = 32
# Every day label fits while a period is short; past that, one label in `step` keeps them apart.
_LABELLED_DAYS = 16
# The colour scale is a whole day (0 to 24 h), not the period's worst cell, so one week's picture
# reads like the next: a dark cell always means most of a day broken.
_COLOURS = "YlOrRd"
_NEVER = "#ececec"


@dataclass(frozen=True)
class Chart:
    png: bytes
    # The rows drawn, worst first (as they read top to bottom).
    workspaces: tuple[str, ...]
    width: int
    height: int


@dataclass(frozen=True)
class NothingToDraw:
    """Why there is no picture: the digest says this line instead."""

    reason: str


def worst(broken: Mapping[str, Sequence[float]], top: int = WORST) -> list[str]:
    """The `top` workspaces broken longest over the period, longest first; ties by name. Those
    never broken are left out: a row of nothing says nothing."""
    totals = ((sum(days), name) for name, days in broken.items())
    # nsmallest keeps `top` rows, not a sorted copy of 10,000: longest first, then by name.
    chosen = heapq.nsmallest(top, ((-t, name) for t, name in totals if t > 0))
    return [name for _, name in chosen]


def broken_heatmap(
    broken: Mapping[str, Sequence[float]],
    days: Sequence[str],
    *,
    title: str = "Time broken per day",
    top: int = WORST,
) -> Chart | NothingToDraw:
    """A PNG of the `top` workspaces broken longest. `broken[name][i]` is the seconds workspace
    `name` was broken on `days[i]` (a label such as "Mon 3"), 0 to 86,400."""
    for name, seconds in broken.items():
        if len(seconds) != len(days):
            raise ValueError(f"{name}: {len(seconds)} values for {len(days)} days")
        if not all(math.isfinite(s) and 0 <= s <= DAY_SECONDS for s in seconds):
            raise ValueError(f"{name}: seconds broken must be between 0 and {DAY_SECONDS}")
    if not days:
        return NothingToDraw("no days in the period")
    rows = worst(broken, top)
    if not rows:
        return NothingToDraw("no workspace was broken in the period")
    figure = _draw(rows, [[s / 3600 for s in broken[name]] for name in rows], days, title)
    buffer = io.BytesIO()
    # No "Software" text chunk: the same numbers give the same bytes on one machine.
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    width, height = (round(x * DPI) for x in figure.get_size_inches())
    return Chart(buffer.getvalue(), tuple(rows), width, height)


def _draw(rows: list[str], hours: list[list[float]], days: Sequence[str], title: str) -> Figure:
    width = min(16.0, max(7.0, 3.0 + 0.42 * len(days)))
    height = 1.6 + 0.34 * len(rows)
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    # A day never broken is grey, not the palest yellow: ten minutes broken must not look like none.
    cells = numpy.ma.masked_equal(numpy.array(hours, dtype=float), 0.0)
    palette = colormaps[_COLOURS].with_extremes(bad=_NEVER)
    # pcolormesh's white cell edges keep neighbouring days of one colour apart (minor ticks and a
    # grid would do it too, at a third of the drawing time).
    image = axes.pcolormesh(cells, cmap=palette, vmin=0, vmax=24, edgecolors="white", linewidth=1)
    axes.invert_yaxis()  # the worst on top
    totals = [sum(h) for h in hours]
    labels = [f"{_short(n)}  {t:.1f} h" for n, t in zip(rows, totals, strict=True)]
    axes.set_yticks([y + 0.5 for y in range(len(rows))], labels)
    step = max(1, math.ceil(len(days) / _LABELLED_DAYS))
    shown = range(0, len(days), step)
    axes.set_xticks(
        [x + 0.5 for x in shown], [days[i] for i in shown], rotation=45 if step > 1 else 0
    )
    axes.tick_params(labelsize=9, length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    axes.set_title(title, loc="left", fontsize=11)
    bar = figure.colorbar(image, ax=axes, shrink=0.8, pad=0.02)
    bar.set_label("hours broken that day", fontsize=9)
    bar.set_ticks([0, 6, 12, 18, 24])
    return figure


def _short(name: str) -> str:
    return name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "…"
