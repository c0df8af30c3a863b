"""Figures for the issue-vote model: vote by issue, counterfactual salience curves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from opinion.plots.theme import PALETTE, get_ax, percent_axis, source_note

if TYPE_CHECKING:
    from opinion.results.election import IssueVoteResults
    from opinion.results.mrp import VoteMRPResults


def plot_vote_by_issue(results: IssueVoteResults, ax: Axes | None = None, *,
                       party: str | None = None, level: float = 0.9) -> Axes:
    """P(party | issue) per issue with its interval; a dashed line at the party's vote.

    Parameters
    ----------
    results
        A fitted :class:`~opinion.models.IssueVote`.
    ax
        Axes to draw on (default: a new figure).
    party
        The party whose share is shown (default: the party with the largest vote).
    level
        Interval level.
    """
    extra = set(results.extra_issues)
    return draw_vote_by_issue(
        results, ax, party=party, level=level, highlight=extra,
        title="Who voted {party}, by most important issue (dashed: overall vote)",
        note=("Orange: issue not in the exit poll's list; share and split are stated "
              "assumptions, not estimates.") if extra else None)


def draw_vote_by_issue(results: IssueVoteResults | VoteMRPResults, ax: Axes | None, *,
                       party: str | None, level: float, title: str, note: str | None,
                       highlight: set[str] | frozenset[str] = frozenset()) -> Axes:
    """Share of ``party`` among each issue's voters with its interval, a dashed line at the
    party's overall vote and a thin one at 50% (shared by the aggregate and MRP models).

    ``title`` may contain ``{party}``; issues in ``highlight`` are drawn in orange; ``note``
    (if any) goes under the chart.
    """
    q = results.vote_by_issue(level)
    vote = results.vote(level)
    party = party or vote.sort_values("mean", ascending=False)["party"].iloc[0]
    results._check_party(party)
    rows = q[q["party"] == party].sort_values("mean").reset_index(drop=True)
    ax = get_ax(ax, figsize=(7, 0.45 * len(rows) + 1.5))
    y = np.arange(len(rows))
    colours = [PALETTE[3] if issue in highlight else PALETTE[0] for issue in rows["issue"]]
    ax.hlines(y, rows["lower"], rows["upper"], color=colours, lw=2.5)
    ax.scatter(rows["mean"], y, color=colours, zorder=3)
    overall = float(vote.loc[vote["party"] == party, "mean"].iloc[0])
    ax.axvline(overall, color="#444444", lw=0.8, ls="--")
    ax.axvline(50, color="#999999", lw=0.6)
    ax.set_yticks(y, rows["issue"])
    percent_axis(ax, "x")
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Vote share of {party} among voters naming the issue ({level:.0%} interval)")
    ax.set_title(title.format(party=party), fontsize=10, loc="left")
    if note:
        source_note(ax, note)
    return ax


def plot_counterfactual(results: IssueVoteResults, ax: Axes | None = None, *,
                        issue: str | None = None, shifts: np.ndarray | list[float] | None = None,
                        source: str | dict[str, float] = "proportional",
                        level: float = 0.9) -> Axes:
    """Margin change (points) against the salience shift of one issue, with its band.

    Default issue: the first extra issue, else the most salient issue.
    """
    issue = issue or next(iter(results.extra_issues), results.issues[0])
    curve = results.shift_curve(issue, shifts, source, level=level)
    src = source if isinstance(source, str) else ", ".join(source)
    return draw_shift_curve(
        get_ax(ax), curve, xlabel=f"Rise in the share of voters naming '{issue}' (points)",
        ylabel=f"Change in {results.margin_label} (points)",
        title=f"Counterfactual salience of '{issue}' ({level:.0%} band)",
        note=f"New voters of the issue vote like its current voters; they come from other "
             f"issues ({src}). Dotted lines: one point either way.")


def draw_shift_curve(ax: Axes, curve: pd.DataFrame, *, xlabel: str, ylabel: str, title: str,
                     note: str) -> Axes:
    """A counterfactual curve (``shift, mean, lower, upper``) with its band, a zero line and
    dotted lines one point either way (shared by the aggregate and MRP models)."""
    ax.fill_between(curve["shift"], curve["lower"], curve["upper"], color=PALETTE[0],
                    alpha=0.25, lw=0)
    ax.plot(curve["shift"], curve["mean"], color=PALETTE[0], lw=2)
    ax.axhline(0, color="#444444", lw=0.8)
    for level_pp in (-1, 1):
        ax.axhline(level_pp, color="#999999", lw=0.6, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    source_note(ax, note)
    return ax
