"""Figures for poll averages: trend with bands and polls, house effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from opinion.plots.theme import PALETTE, get_ax, percent_axis, source_note

if TYPE_CHECKING:
    from opinion.results.poll_average import PollAverageResults


def plot_trend(results: PollAverageResults, ax: Axes | None = None, *,
               response: str | None = None, level: float = 0.9,
               show_polls: bool = True) -> Axes:
    """Trend line and credible band per response, polls as dots sized by sample size.

    Parameters
    ----------
    results
        A fitted poll average.
    ax
        Axes to draw on (default: a new figure).
    response
        Draw only this response (default: all).
    level
        Width of the credible band.
    show_polls
        Overlay the reported poll shares.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax)
    trend = results.trend(level)
    if "series" in trend:
        trend = trend[trend["series"] == trend["series"].iloc[0]]
    responses = [response] if response else results.responses
    polls = results.data()
    for k, resp in enumerate(responses):
        colour = PALETTE[k % len(PALETTE)]
        t = trend[trend["response"] == resp]
        ax.fill_between(t["date"], t["lower"], t["upper"], color=colour, alpha=0.25, lw=0)
        ax.plot(t["date"], t["mean"], color=colour, lw=2, label=resp)
        if show_polls:
            p = polls[polls["response"] == resp]
            if len(p):
                mid = p["start_date"] + (p["end_date"] - p["start_date"]) / 2
                sizes = 10 + 60 * np.sqrt(p["n"] / p["n"].max())
                ax.scatter(mid, 100 * p["share"], s=sizes, color=colour, alpha=0.55,
                           edgecolor="white", linewidth=0.5, zorder=3)
    percent_axis(ax)
    ax.set_ylabel("Share")
    ax.set_xlabel("")
    ax.legend(frameon=False, loc="best", fontsize=9)
    ax.set_title(f"Poll average with {level:.0%} credible band; dots are polls (size = n)",
                 fontsize=10, loc="left")
    source_note(ax, f"Polls: {polls['poll_id'].nunique()} from {polls['pollster'].nunique()} "
                    "pollsters. Trend: opinion poll average (house effects removed).")
    return ax


def plot_house_effects(results: PollAverageResults, ax: Axes | None = None, *,
                       response: str | None = None, level: float = 0.9) -> Axes:
    """House effects (pp) with intervals, pollsters sorted by effect."""
    house = results.house_effects(level)
    resp = response or results.responses[0]
    house = house[house["response"] == resp].sort_values("mean")
    ax = get_ax(ax, figsize=(7, 0.35 * max(len(house), 3) + 1.2))
    if house.empty:
        ax.text(0.5, 0.5, "one pollster: no house effects", ha="center", transform=ax.transAxes)
        return ax
    y = np.arange(len(house))
    ax.hlines(y, house["lower"], house["upper"], color=PALETTE[0], lw=2)
    ax.plot(house["mean"], y, "o", color=PALETTE[0])
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, house["pollster"])
    percent_axis(ax, "x", decimals=1)
    ax.set_xlabel(f"House effect on '{resp}' (percentage points, {level:.0%} interval)")
    sns.despine(ax=ax, left=True)
    return ax


def plot_polls(polls: pd.DataFrame, ax: Axes | None = None, *, response: str) -> Axes:
    """Scatter of raw poll shares over time for one response (no model)."""
    ax = get_ax(ax)
    p = polls[polls["response"] == response]
    sns.scatterplot(data=p, x="end_date", y="pct", hue="pollster", size="n", ax=ax)
    percent_axis(ax)
    return ax
