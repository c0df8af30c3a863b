"""Figures for poll averages, drawn from tidy tables: trend with bands and polls, house
effects. Each draws in the toolkit's theme only when it makes its own figure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.core.theme import (
    date_axis,
    get_ax,
    palette,
    percent_axis,
    points_axis,
    source_note,
    themed,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_TREND_TITLE = "Poll average with {level:.0%} credible band; dots are polls (size = n)"


@themed
def plot_trend(trend: pd.DataFrame, polls: pd.DataFrame | None = None, *,
               ax: Axes | None = None, level: float = 0.9, band: str = _TREND_TITLE) -> Axes:
    """Trend line and credible band per response, polls as dots sized by sample size.

    Parameters
    ----------
    trend
        ``date, response, mean, lower_90, upper_90`` (percent; the interval columns named
        by ``level``), e.g. ``results.trend()``.
    polls
        Reported shares to overlay: ``start_date, end_date, response, share`` (0-1), ``n``,
        ``poll_id``, ``pollster`` (e.g. ``results.observations()``); ``None`` for none.
    ax
        Axes to draw on (default: a new figure in the toolkit's theme).
    level
        Level of the band: which interval columns to draw (and the title's figure).
    band
        Title, formatted with ``level`` (the Kalman quick look names its own band).

    Returns
    -------
    matplotlib.axes.Axes
    """
    lo, hi = interval_columns(level)
    ax = get_ax(ax)
    responses = list(dict.fromkeys(trend["response"]))
    colours = response_colours(responses)
    ends = {}
    for resp in responses:
        colour = colours[resp]
        t = trend[trend["response"] == resp]
        dashed = _is_dont_know(resp)
        ax.fill_between(t["date"], t[lo], t[hi], color=colour, alpha=0.25, lw=0)
        ax.plot(t["date"], t["mean"], color=colour, lw=1.5 if dashed else 2,
                ls="--" if dashed else "-", label=resp)
        ends[resp] = (t["date"].iloc[-1], float(t["mean"].iloc[-1]))
        p = polls[polls["response"] == resp] if polls is not None else pd.DataFrame()
        if len(p):
            mid = p["start_date"] + (p["end_date"] - p["start_date"]) / 2
            sizes = 10 + 60 * np.sqrt(p["n"] / p["n"].max())
            ax.scatter(mid, 100 * p["share"], s=sizes, color=colour, alpha=0.55,
                       edgecolor="white", linewidth=0.5, zorder=3)
    percent_axis(ax)
    date_axis(ax)
    ax.set_ylabel("Share")
    ax.set_xlabel("")
    direct_labels(ax, ends, colours)
    ax.set_title(band.format(level=level), fontsize=10, loc="left")
    if polls is not None and len(polls):
        source_note(ax, f"Polls: {polls['poll_id'].nunique()} from "
                        f"{polls['pollster'].nunique()} pollsters. Trend: opinion poll "
                        "average (house effects removed).")
    return ax


@themed
def plot_house_effects(house: pd.DataFrame, *, ax: Axes | None = None, response: str,
                       level: float = 0.9) -> Axes:
    """House effects (pp) with intervals, pollsters sorted by effect.

    ``house``: ``pollster, response, mean, lower_90, upper_90`` (interval columns named by
    ``level``; e.g. ``results.house_effects()``).
    """
    import seaborn as sns

    lo, hi = interval_columns(level)
    house = house[house["response"] == response].sort_values("mean")
    ax = get_ax(ax, figsize=(7, 0.35 * max(len(house), 3) + 1.2))
    if house.empty:
        ax.text(0.5, 0.5, "one pollster: no house effects", ha="center", transform=ax.transAxes)
        return ax
    colour = palette()[0]
    y = np.arange(len(house))
    ax.hlines(y, house[lo], house[hi], color=colour, lw=2)
    ax.plot(house["mean"], y, "o", color=colour)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, house["pollster"])
    points_axis(ax, "x")
    ax.set_xlabel(f"House effect on '{response}' (percentage points, {level:.0%} interval)")
    sns.despine(ax=ax, left=True)
    return ax


# colours by meaning: "too little" blue, the middle neutral, "too much" vermillion
_LOW = ("not enough", "too little", "should do more", "more")
_MIDDLE = ("about right", "right amount", "about the right")
_HIGH = ("too much", "should do less", "less")
_DIVERGING = {"low": "#0072b2", "middle": "#5d5d5d", "high": "#d55e00", "dk": "#a0a0a0"}


def _is_dont_know(response: str) -> bool:
    text = response.lower()
    return any(k in text for k in ("not sure", "don't know", "dont know", "no opinion",
                                   "refused", "dk"))


def _scale_position(response: str) -> str | None:
    text = response.lower()
    if _is_dont_know(text):
        return "dk"
    for position, keys in (("middle", _MIDDLE), ("low", _LOW), ("high", _HIGH)):
        if any(k == text or k in text for k in keys):
            return position
    return None


def response_colours(responses: list[str]) -> dict[str, Any]:
    """A colour per response, ordered by meaning when the responses form an ordered scale
    (not enough / about right / too much, with don't know in grey): a diverging palette
    whose ends are blue and vermillion (distinguishable with colour-vision deficiencies)
    and whose middle is neutral. Other response sets get the theme's categorical palette.
    """
    positions = {r: _scale_position(r) for r in responses}
    if None not in positions.values() and {"low", "high"} <= set(positions.values()):
        return {r: _DIVERGING[positions[r]] for r in responses}
    cycle = palette()
    return {r: cycle[k % len(cycle)] for k, r in enumerate(responses)}


def direct_labels(ax: Axes, ends: dict[str, tuple[Any, float]], colours: dict[str, Any], *,
                  wrap: int = 14, fontsize: float = 9) -> None:
    """Label each line at its right end, in its own colour, instead of a legend that can
    sit on the data; labels are nudged apart vertically so they never overlap."""
    import matplotlib.dates as mdates

    from opinion.models.core.layout import wrap_text

    low, high = ax.get_ylim()
    step = 0.085 * (high - low)  # a little over one line of text, wide or narrow
    previous: tuple[float, int] | None = None
    for resp in sorted(ends, key=lambda r: ends[r][1]):
        x, y = ends[resp]
        text = wrap_text(resp, wrap)
        lines = text.count("\n") + 1
        if previous is not None:
            y = max(y, previous[0] + step * (previous[1] + lines) / 2)
        previous = (y, lines)
        x = x if isinstance(x, int | float) else mdates.date2num(x)
        ax.annotate(text, xy=(x, y), xytext=(6, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=fontsize, color=colours[resp],
                    fontweight="bold", annotation_clip=False)
