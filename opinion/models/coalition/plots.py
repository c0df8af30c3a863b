"""Figures for coalition pressure, drawn from tidy tables: small multiples by member, the
split curve. Each draws in the toolkit's theme only when it makes its own figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.models.core.theme import get_ax, palette, percent_axis, source_note, themed

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@themed
def plot_pressure(pressure: pd.DataFrame, *, order: list[str], names: dict[str, str],
                  polled: set[str], ax: Axes | None = None, level: float = 0.9,
                  title: str = "Pressure to negotiate now") -> Axes:
    """Pressure (percent) over time, one panel per member.

    Parameters
    ----------
    pressure
        ``member, date, mean, lower, upper`` (percent).
    order
        Members to draw, in order.
    names
        Member code -> display name.
    polled
        Members with survey data (drawn in colour; the others in grey).
    ax
        With an Axes, all members are drawn on it as lines; with ``None`` a grid of small
        multiples is created.
    level
        Width of the credible band (for the title).

    Returns
    -------
    matplotlib.axes.Axes
        The first panel (or ``ax``).
    """
    import matplotlib.pyplot as plt

    colours = palette()
    if ax is not None:
        for k, iso in enumerate(order):
            t = pressure[pressure["member"] == iso]
            ax.plot(t["date"], t["mean"], color=colours[k % len(colours)], lw=1.5, label=iso)
        percent_axis(ax)
        ax.legend(ncol=3, fontsize=7, frameon=False)
        return ax
    ncol = 6
    nrow = int(np.ceil(len(order) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.2 * ncol, 1.7 * nrow + 0.6), sharex=True,
                             sharey=True, layout="constrained", squeeze=False)
    for k, a in enumerate(axes.ravel()):
        if k >= len(order):
            a.set_visible(False)
            continue
        iso = order[k]
        t = pressure[pressure["member"] == iso]
        colour = colours[0] if iso in polled else "#888888"
        a.fill_between(t["date"], t["lower"], t["upper"], color=colour, alpha=0.25, lw=0)
        a.plot(t["date"], t["mean"], color=colour, lw=1.5)
        a.axhline(50, color="#b2182b", lw=0.7, ls="--")
        a.set_title(f"{names.get(iso, iso)}{'' if iso in polled else ' (no data)'}",
                    fontsize=8)
        a.tick_params(labelsize=7)
        percent_axis(a)
        for label in a.get_xticklabels():
            label.set_rotation(45)
    fig.suptitle(f"{title} ({level:.0%} band; grey = no data)", fontsize=10)
    return axes.ravel()[0]


@themed
def plot_split_curve(curve: pd.DataFrame, *, ax: Axes | None = None, xlabel: str,
                     ylabel: str, title: str, note: str = "") -> Axes:
    """Probability of a split by coalition size: ``n_members, member, probability`` (0-1)."""
    ax = get_ax(ax)
    colour = palette()[0]
    ax.step(curve["n_members"], 100 * curve["probability"], where="mid", color=colour, lw=2)
    ax.scatter(curve["n_members"], 100 * curve["probability"], color=colour, s=12, zorder=3)
    for r in curve.iloc[:: max(1, len(curve) // 10)].itertuples():
        ax.annotate(r.member, (r.n_members, 100 * r.probability), fontsize=7,
                    xytext=(0, 5), textcoords="offset points", ha="center")
    ax.set_ylim(0, 100)
    percent_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    if note:
        source_note(ax, note)
    return ax
