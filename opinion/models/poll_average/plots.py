"""Figures for poll averages, drawn from tidy tables: trend with bands and polls, house
effects. Each draws in the toolkit's theme only when it makes its own figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.core.theme import get_ax, palette, percent_axis, source_note, themed

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
    colours = palette()
    for k, resp in enumerate(dict.fromkeys(trend["response"])):
        colour = colours[k % len(colours)]
        t = trend[trend["response"] == resp]
        ax.fill_between(t["date"], t[lo], t[hi], color=colour, alpha=0.25, lw=0)
        ax.plot(t["date"], t["mean"], color=colour, lw=2, label=resp)
        p = polls[polls["response"] == resp] if polls is not None else pd.DataFrame()
        if len(p):
            mid = p["start_date"] + (p["end_date"] - p["start_date"]) / 2
            sizes = 10 + 60 * np.sqrt(p["n"] / p["n"].max())
            ax.scatter(mid, 100 * p["share"], s=sizes, color=colour, alpha=0.55,
                       edgecolor="white", linewidth=0.5, zorder=3)
    percent_axis(ax)
    ax.set_ylabel("Share")
    ax.set_xlabel("")
    ax.legend(frameon=False, loc="best", fontsize=9)
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
    percent_axis(ax, "x", decimals=1)
    ax.set_xlabel(f"House effect on '{response}' (percentage points, {level:.0%} interval)")
    sns.despine(ax=ax, left=True)
    return ax
