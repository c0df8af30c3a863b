"""Figures for issue salience, drawn from tidy tables: rank-probability heat map, shares,
model against single polls. Each draws in the toolkit's theme only when it makes its own
figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.core.theme import get_ax, palette, percent_axis, source_note, themed
from opinion.models.core.wording import group_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@themed
def plot_ranks(ranks: pd.DataFrame, *, order: list[str] | None = None, ax: Axes | None = None,
               title: str = "Rank probabilities", highlight: str | None = None) -> Axes:
    """Heat map of P(issue has rank r): issues down (in ``order``), ranks 1..K across.

    Parameters
    ----------
    ranks
        ``issue, rank, probability`` (e.g. ``results.ranks()``).
    order
        Issues from top to bottom (default: by mean rank).
    ax
        Axes to draw on (default: a new figure in the toolkit's theme).
    title
        Title above the map.
    highlight
        An issue whose row label is drawn in bold.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    table = ranks.pivot(index="issue", columns="rank", values="probability")
    if order is None:
        mean_rank = (table * np.asarray(table.columns, dtype=float)).sum(axis=1)
        order = mean_rank.sort_values().index.tolist()
    table = table.loc[order]
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
    ax.set_title(title, fontsize=10, loc="left")
    return ax


@themed
def plot_shares(shares: pd.DataFrame, *, ax: Axes | None = None, level: float = 0.9,
                scale: str = "", title: str = "Issue salience") -> Axes:
    """Share of each issue with its interval, one colour per group, issues by share.

    ``shares``: ``group, issue, mean, lower_90, upper_90`` (percent; the interval columns
    of ``level``; e.g. ``results.shares()``).
    """
    import seaborn as sns

    lo, hi = interval_columns(level)
    groups = list(dict.fromkeys(shares["group"]))
    first = shares[shares["group"] == groups[0]]
    order = first.sort_values("mean", ascending=True)["issue"].tolist()
    ax = get_ax(ax, figsize=(8, 0.5 * len(order) + 1.3))
    offsets = np.linspace(-0.25, 0.25, len(groups)) if len(groups) > 1 else [0.0]
    y = {issue: i for i, issue in enumerate(order)}
    colours = palette()
    for g, group in enumerate(groups):
        sub = shares[(shares["group"] == group) & shares["issue"].isin(y)]
        pos = np.array([y[i] for i in sub["issue"]]) + offsets[g]
        colour = _GROUP_COLOURS.get(str(group).lower(), colours[g % len(colours)])
        ax.hlines(pos, sub[lo], sub[hi], color=colour, lw=2.5, alpha=0.8)
        ax.plot(sub["mean"], pos, "o", color=colour, label=group_label(group), ms=5)
    ax.set_yticks(range(len(order)), order)
    percent_axis(ax, "x")
    on_scale = f", on the scale of {scale}" if scale else ""
    ax.set_xlabel(f"Share naming the issue as most important ({level:.0%} interval){on_scale}")
    if len(groups) > 1:
        ax.legend(frameon=False, fontsize=9, loc="lower right")
    ax.set_title(title, fontsize=10, loc="left")
    sns.despine(ax=ax, left=True)
    return ax


# colours by meaning: everyone neutral, the parties in their customary (colour-blind safe)
# blue and vermillion
_GROUP_COLOURS = {"all": "#4d4d4d", "party:dem": "#0072b2", "party:rep": "#d55e00",
                  "party:ind": "#009e73"}


@themed
def plot_baseline(table: pd.DataFrame, *, ax: Axes | None = None, level: float = 0.9,
                  poll_id: str | None = None) -> Axes:
    """One poll's own intervals (baseline, no pooling) beside the pooled model's.

    ``table``: ``poll_id, group, issue, poll_share, poll_lower_90, poll_upper_90,
    model_mean, model_lower_90, model_upper_90`` (percent; the interval columns of
    ``level``; e.g. ``results.compare_baseline()``); the first poll unless ``poll_id`` is
    given.
    """
    lo, hi = interval_columns(level)
    if table.empty:
        ax = get_ax(ax)
        ax.text(0.5, 0.5, "no single-choice poll of the reference question",
                ha="center", transform=ax.transAxes)
        return ax
    poll_id = poll_id or table["poll_id"].iloc[0]
    table = table[table["poll_id"] == poll_id].reset_index(drop=True)
    labels = [f"{r.issue} ({group_label(r.group)})" if table["group"].nunique() > 1 else r.issue
              for r in table.itertuples()]
    ax = get_ax(ax, figsize=(8, 0.5 * len(table) + 1.4))
    colours = palette()
    y = np.arange(len(table))[::-1]
    ax.hlines(y + 0.15, table[f"poll_{lo}"], table[f"poll_{hi}"], color=colours[7], lw=3,
              label=f"{str(poll_id).replace('_', ' ')} alone ({level:.0%} Wilson)")
    ax.plot(table["poll_share"], y + 0.15, "o", color=colours[7], ms=4)
    ax.hlines(y - 0.15, table[f"model_{lo}"], table[f"model_{hi}"], color=colours[0], lw=3,
              label=f"pooled model ({level:.0%} posterior)")
    ax.plot(table["model_mean"], y - 0.15, "o", color=colours[0], ms=4)
    return _finish_rows(ax, y, labels, "Share naming the issue (%)",
                        "Both estimate the share this poll's population gives each issue on "
                        "the poll's own list; the model also uses every other poll.")


@themed
def plot_predictive(table: pd.DataFrame, *, ax: Axes | None = None, level: float = 0.9) -> Axes:
    """Each published share (dot) against its replicated interval (bar), on the published
    scale: a posterior predictive check.

    ``table``: ``poll_id, question_id, group, issue, observed, lower_90, upper_90, inside``
    (percent; the interval columns of ``level``; e.g.
    ``results.posterior_predictive_check()``); published shares outside their interval are
    drawn as open red circles.
    """
    lo, hi = interval_columns(level)
    table = table.reset_index(drop=True)
    labels = [f"{r.issue} ({r.question_id.replace('_', ' ')}, {group_label(r.group)})"
              for r in table.itertuples()]
    ax = get_ax(ax, figsize=(8.5, 0.32 * len(table) + 1.4))
    colours = palette()
    y = np.arange(len(table))[::-1]
    ax.hlines(y, table[lo], table[hi], color=colours[0], lw=3, alpha=0.7,
              label=f"replicated published share ({level:.0%})")
    inside = table["inside"].to_numpy(dtype=bool)
    ax.plot(table.loc[inside, "observed"], y[inside], "o", color="black", ms=4,
            label="published share")
    if (~inside).any():
        ax.plot(table.loc[~inside, "observed"], y[~inside], "o", mfc="none", color="#b2182b",
                ms=6, label="published share outside its interval")
    return _finish_rows(ax, y, labels, "Share (%), as published",
                        "Replicated shares are drawn from the fitted model for each published "
                        "cell (same poll, question, group and effective sample size).",
                        fontsize=8)


def _finish_rows(ax: Axes, y: np.ndarray, labels: list[str], xlabel: str, note: str,
                 fontsize: int | None = None) -> Axes:
    """Labels, percent axis, legend, source note and spines of a one-row-per-share plot."""
    import seaborn as sns

    ax.set_yticks(y, labels, **({"fontsize": fontsize} if fontsize else {}))
    percent_axis(ax, "x")
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, fontsize=fontsize or 9, loc="lower right")
    source_note(ax, note)
    sns.despine(ax=ax, left=True)
    return ax
