"""Figures for election impact (IssueVote and VoteMRP alike), drawn from tidy tables: vote
by issue, counterfactual salience curves. Each draws in the toolkit's theme only when it
makes its own figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.core.theme import get_ax, palette, percent_axis, source_note, themed

if TYPE_CHECKING:
    from matplotlib.axes import Axes


PARTY_NAMES = {"rep": "Republican", "dem": "Democratic", "ind": "independent",
               "oth": "other"}
"""Words for the party codes of the exit-poll tables (charts never show ``rep``)."""


@themed
def plot_vote_by_issue(vote_by_issue: pd.DataFrame, *, party: str, overall: float,
                       ax: Axes | None = None, level: float = 0.9,
                       title: str = "Who voted {party}, by most important issue",
                       note: str | None = None,
                       highlight: set[str] | frozenset[str] = frozenset()) -> Axes:
    """Share of ``party`` among each issue's voters with its interval, a dashed line at the
    party's overall vote and a thin one at 50%.

    Parameters
    ----------
    vote_by_issue
        ``issue, party, mean, lower_90, upper_90`` (percent; the interval columns of
        ``level``), e.g. ``results.vote_by_issue()``.
    party
        The party shown.
    overall
        The party's overall vote (percent), drawn as a dashed line.
    ax
        Axes to draw on (default: a new figure in the toolkit's theme).
    level
        Interval level (picks the interval columns and labels the axis).
    title
        Title; may contain ``{party}``.
    note
        Source note under the chart.
    highlight
        Issues drawn in orange (e.g. stated assumptions rather than estimates).
    """
    name = PARTY_NAMES.get(str(party).lower(), str(party))  # "rep" -> "Republican"
    rows = vote_by_issue[vote_by_issue["party"] == party].sort_values("mean")
    rows = rows.reset_index(drop=True)
    ax = get_ax(ax, figsize=(7, 0.45 * len(rows) + 1.5))
    colours = palette()
    y = np.arange(len(rows))
    dots = [colours[3] if issue in highlight else colours[0] for issue in rows["issue"]]
    lo, hi = interval_columns(level)
    ax.hlines(y, rows[lo], rows[hi], color=dots, lw=2.5)
    ax.scatter(rows["mean"], y, color=dots, zorder=3)
    ax.axvline(overall, color="#444444", lw=0.8, ls="--")
    ax.axvline(50, color="#999999", lw=0.6)
    ax.set_yticks(y, rows["issue"])
    percent_axis(ax, "x")
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Vote share of {name} among voters naming the issue ({level:.0%} interval)")
    ax.set_title(title.format(party=name), fontsize=10, loc="left")
    if note:
        source_note(ax, note)
    return ax


@themed
def plot_shift_curve(curve: pd.DataFrame, *, ax: Axes | None = None, xlabel: str,
                     ylabel: str, title: str, note: str, level: float = 0.9) -> Axes:
    """A counterfactual curve (``shift, mean, lower_90, upper_90``: the interval columns of
    ``level``) with its band, a zero line and dotted lines one point either way."""
    ax = get_ax(ax)
    colour = palette()[0]
    lo, hi = interval_columns(level)
    ax.fill_between(curve["shift"], curve[lo], curve[hi], color=colour, alpha=0.25, lw=0)
    ax.plot(curve["shift"], curve["mean"], color=colour, lw=2)
    ax.axhline(0, color="#444444", lw=0.8)
    for level_pp in (-1, 1):
        ax.axhline(level_pp, color="#999999", lw=0.6, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    source_note(ax, note)
    return ax
