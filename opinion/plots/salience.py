"""Figures for issue salience: rank-probability heat map, shares, model vs single polls."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import seaborn as sns
from matplotlib.axes import Axes

from opinion.plots.theme import PALETTE, get_ax, percent_axis, source_note

if TYPE_CHECKING:
    from opinion.results.salience import IssueSalienceResults


def plot_ranks(results: IssueSalienceResults, ax: Axes | None = None, *,
               group: str | None = None, date: str | None = None,
               highlight: str | None = None) -> Axes:
    """Heat map of P(issue has rank r): issues (by mean rank) down, ranks 1..K across.

    Parameters
    ----------
    results
        A fitted issue-salience model.
    ax
        Axes to draw on (default: a new figure).
    group, date
        Which group and date (defaults: the first group, the reference date).
    highlight
        An issue whose row label is drawn in bold.

    Returns
    -------
    matplotlib.axes.Axes
    """
    group = group or results.groups[0]
    ranks = results.ranks(date=date, group=group)
    order = results.rank_summary(date=date, group=group)["issue"].tolist()
    table = ranks.pivot(index="issue", columns="rank", values="probability").loc[order]
    ax = get_ax(ax, figsize=(1.0 + 0.62 * len(table.columns), 0.9 + 0.42 * len(table)))
    sns.heatmap(table, ax=ax, cmap="Blues", vmin=0, vmax=1, annot=True, fmt=".2f",
                annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white",
                cbar_kws={"label": "posterior probability", "shrink": 0.8})
    for text in ax.texts:
        if text.get_text() in {"0.00", "-0.00"}:
            text.set_text("")
    ax.set_xlabel("rank (1 = most important)")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0)
    if highlight is not None:
        for label in ax.get_yticklabels():
            if label.get_text().lower() == highlight.lower():
                label.set_fontweight("bold")
    when = results._date(date)
    ax.set_title(f"Rank probabilities, {group}, {when:%Y-%m-%d}", fontsize=10, loc="left")
    return ax


def plot_shares(results: IssueSalienceResults, ax: Axes | None = None, *,
                date: str | None = None, level: float = 0.9) -> Axes:
    """Share of each issue with its interval, one colour per group, issues by share."""
    shares = results.shares(level, date=date)
    first = shares[shares["group"] == results.groups[0]]
    order = first.sort_values("mean", ascending=True)["issue"].tolist()
    ax = get_ax(ax, figsize=(8, 0.5 * len(order) + 1.3))
    n_groups = len(results.groups)
    offsets = np.linspace(-0.25, 0.25, n_groups) if n_groups > 1 else [0.0]
    y = {issue: i for i, issue in enumerate(order)}
    for g, group in enumerate(results.groups):
        sub = shares[shares["group"] == group]
        pos = np.array([y[i] for i in sub["issue"]]) + offsets[g]
        colour = PALETTE[g % len(PALETTE)]
        ax.hlines(pos, sub["lower"], sub["upper"], color=colour, lw=2.5, alpha=0.8)
        ax.plot(sub["mean"], pos, "o", color=colour, label=group, ms=5)
    ax.set_yticks(range(len(order)), order)
    percent_axis(ax, "x")
    ax.set_xlabel(f"Share naming the issue as most important ({level:.0%} interval), on the "
                  f"scale of {results.reference_question}")
    if n_groups > 1:
        ax.legend(frameon=False, fontsize=9, loc="lower right")
    ax.set_title(f"Issue salience, {results._date(date):%Y-%m-%d}", fontsize=10, loc="left")
    sns.despine(ax=ax, left=True)
    return ax


def plot_baseline(results: IssueSalienceResults, ax: Axes | None = None, *,
                  level: float = 0.9, poll_id: str | None = None) -> Axes:
    """One poll's own intervals (baseline, no pooling) beside the pooled model's.

    Uses the reference question's polls (the first one unless ``poll_id`` is given), every
    group it reports; intervals are per share (Wilson) for the poll, posterior for the model.
    """
    table = results.compare_baseline(level)
    if table.empty:
        ax = get_ax(ax)
        ax.text(0.5, 0.5, "no single-choice poll of the reference question",
                ha="center", transform=ax.transAxes)
        return ax
    poll_id = poll_id or table["poll_id"].iloc[0]
    table = table[table["poll_id"] == poll_id].reset_index(drop=True)
    labels = [f"{r.issue} ({r.group})" if table["group"].nunique() > 1 else r.issue
              for r in table.itertuples()]
    ax = get_ax(ax, figsize=(8, 0.5 * len(table) + 1.4))
    y = np.arange(len(table))[::-1]
    ax.hlines(y + 0.15, table["poll_lower"], table["poll_upper"], color=PALETTE[7], lw=3,
              label=f"{poll_id} alone ({level:.0%} Wilson)")
    ax.plot(table["poll_share"], y + 0.15, "o", color=PALETTE[7], ms=4)
    ax.hlines(y - 0.15, table["model_lower"], table["model_upper"], color=PALETTE[0], lw=3,
              label=f"pooled model ({level:.0%} posterior)")
    ax.plot(table["model_mean"], y - 0.15, "o", color=PALETTE[0], ms=4)
    ax.set_yticks(y, labels)
    percent_axis(ax, "x")
    ax.set_xlabel("Share naming the issue (%)")
    ax.legend(frameon=False, fontsize=9, loc="lower right")
    source_note(ax, "Both estimate the share this poll's population gives each issue on the "
                    "poll's own list; the model also uses every other poll.")
    sns.despine(ax=ax, left=True)
    return ax
