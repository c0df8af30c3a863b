"""Figures for coalition pressure: small multiples by member, the split curve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from opinion.plots.theme import PALETTE, apply_theme, get_ax, percent_axis, source_note

if TYPE_CHECKING:
    from opinion.results.coalition import CoalitionResults


def plot_pressure(results: CoalitionResults, ax: Axes | None = None, *, level: float = 0.9,
                  members: list[str] | None = None) -> Axes:
    """Pressure (percent of the reference item) over time, one panel per member.

    Parameters
    ----------
    results
        A fitted coalition-pressure model.
    ax
        With an Axes, all members are drawn on it as lines; with ``None`` a grid of small
        multiples is created (polled members in colour, unpolled in grey).
    level
        Width of the credible band.
    members
        Members to draw (default: all, highest mean pressure first).

    Returns
    -------
    matplotlib.axes.Axes
        The first panel (or ``ax``).
    """
    table = results.pressure(level, scale="percent")
    order = members or results.ranking(level)["member"].tolist()
    names = dict(zip(results.iso2, results.members["name"], strict=True))
    if ax is not None:
        for k, iso in enumerate(order):
            t = table[table["member"] == iso]
            ax.plot(t["date"], t["mean"], color=PALETTE[k % len(PALETTE)], lw=1.5, label=iso)
        percent_axis(ax)
        ax.legend(ncol=3, fontsize=7, frameon=False)
        return ax
    apply_theme()
    ncol = 6
    nrow = int(np.ceil(len(order) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.2 * ncol, 1.7 * nrow + 0.6), sharex=True,
                             sharey=True, layout="constrained", squeeze=False)
    for k, a in enumerate(axes.ravel()):
        if k >= len(order):
            a.set_visible(False)
            continue
        iso = order[k]
        t = table[table["member"] == iso]
        polled = iso in results.polled
        colour = PALETTE[0] if polled else "#888888"
        a.fill_between(t["date"], t["lower"], t["upper"], color=colour, alpha=0.25, lw=0)
        a.plot(t["date"], t["mean"], color=colour, lw=1.5)
        a.axhline(50, color="#b2182b", lw=0.7, ls="--")
        a.set_title(f"{names[iso]}{'' if polled else ' (no poll)'}", fontsize=8)
        a.tick_params(labelsize=7)
        percent_axis(a)
        for label in a.get_xticklabels():
            label.set_rotation(45)
    fig.suptitle("Pressure to negotiate now (share of the 'Peace' scale, 90% band; "
                 "grey = no poll, pooled by region)", fontsize=10)
    return axes.ravel()[0]


def plot_split_curve(results: CoalitionResults, ax: Axes | None = None, *,
                     threshold: float = 50.0, order: str | list[str] = "pressure") -> Axes:
    """Probability that at least one member pushes to negotiate, by coalition size."""
    ax = get_ax(ax)
    curve = results.split_curve(threshold, order=order)
    ax.step(curve["n_members"], 100 * curve["probability"], where="mid", color=PALETTE[0], lw=2)
    ax.scatter(curve["n_members"], 100 * curve["probability"], color=PALETTE[0], s=12, zorder=3)
    for r in curve.iloc[:: max(1, len(curve) // 10)].itertuples():
        ax.annotate(r.member, (r.n_members, 100 * r.probability), fontsize=7,
                    xytext=(0, 5), textcoords="offset points", ha="center")
    ax.set_ylim(0, 100)
    percent_axis(ax)
    how = order if isinstance(order, str) else "given"
    ax.set_xlabel(f"Members in the coalition (added in order: {how})")
    ax.set_ylabel("P(some member above threshold)")
    ax.set_title(f"Unanimity split probability at a {threshold:.0f}% threshold, any month")
    source_note(ax, "Model: opinion CoalitionPressure; polls: ECFR May 2022, Eurobarometer "
                "autumn 2022")
    return ax
