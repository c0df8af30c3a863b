"""Figures for coalition pressure, drawn from tidy tables (never results objects): latent
series by member, the opinion heat map with events, the back-test calibration plot and the
split curve. Each draws in the toolkit's theme only when it makes its own figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.core.theme import get_ax, palette, percent_axis, source_note, themed

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@themed
def plot_series(series: pd.DataFrame, *, order: list[str], names: dict[str, str],
                ax: Axes | None = None, title: str, ylabel: str, level: float = 0.9,
                ncol: int = 5, panel: tuple[float, float] = (1.8, 1.45)) -> Axes:
    """Small multiples of ``member, date, mean, lower_90, upper_90, surveyed`` (percent; the
    interval columns of ``level``); members without survey data are grey and labelled so.
    Every panel has its own date axis (a few compact year/month labels). ``ncol`` panels
    per row, each ``panel`` inches (width, height): e.g. ``ncol=3, panel=(1.25, 1.2)`` for
    a phone. With ``ax``, the means of all members are drawn on it as lines. Returns the
    first panel (or ``ax``)."""
    import matplotlib.pyplot as plt
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    from opinion.models.core.layout import wrap_text

    colour = palette()[0]
    lo, hi = interval_columns(level)
    if ax is not None:
        for iso in order:
            own = series[series["member"] == iso]
            ax.plot(own["date"], own["mean"], lw=1, label=iso)
        percent_axis(ax)
        return ax
    nrow = int(np.ceil(len(order) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(panel[0] * ncol, panel[1] * nrow + 0.9),
                             sharex=True, sharey=True, layout="constrained", squeeze=False)
    for k, a in enumerate(axes.ravel()):
        if k >= len(order):
            a.set_visible(False)
            continue
        own = series[series["member"] == order[k]]
        seen = bool(own["surveyed"].iloc[0])
        c = colour if seen else "#999999"
        a.fill_between(own["date"], own[lo], own[hi], color=c, alpha=0.25, lw=0)
        a.plot(own["date"], own["mean"], color=c, lw=1.4)
        name = names.get(order[k], order[k]) + ("" if seen else " (no survey data)")
        a.set_title(wrap_text(name, max(int(panel[0] * 72 / 4.6), 12)), fontsize=8)
        a.tick_params(labelsize=7.5, labelbottom=True)
        percent_axis(a)
        locator = AutoDateLocator(minticks=2, maxticks=3)
        a.xaxis.set_major_locator(locator)
        a.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    fig.suptitle(wrap_text(f"{title} ({level:.0%} band; grey: no survey data)",
                           int(panel[0] * ncol * 72 / 6)), fontsize=10)
    fig.supylabel(wrap_text(ylabel, int((panel[1] * nrow) * 72 / 5)), fontsize=8)
    return axes.ravel()[0]


@themed
def plot_heatmap(series: pd.DataFrame, events: pd.DataFrame, *, order: list[str],
                 names: dict[str, str], ax: Axes | None = None, title: str,
                 colour_label: str, note: str = "", phone: bool = False) -> Axes:
    """Member x month heat map of ``mean`` (percent), members without survey data starred,
    with the months of defection events marked (``member, date`` of ``events``).
    ``phone=True`` draws it 3.75 in wide with the colour bar under the map."""
    from opinion.models.core.layout import NARROW_WIDTH_IN

    figsize = ((NARROW_WIDTH_IN, 0.24 * len(order) + 2.6) if phone
               else (10, 0.28 * len(order) + 1.5))
    ax = get_ax(ax, figsize=figsize)
    wide = series.pivot(index="member", columns="date", values="mean").loc[order]
    dates = list(wide.columns)
    image = ax.imshow(wide.to_numpy(), aspect="auto", cmap="RdYlBu_r", interpolation="nearest")
    ax.grid(False)
    if phone:
        bar = ax.figure.colorbar(image, ax=ax, orientation="horizontal", fraction=0.04,
                                 pad=0.06, aspect=30)
        bar.set_label(colour_label, fontsize=8)
        bar.ax.tick_params(labelsize=7.5)
    else:
        ax.figure.colorbar(image, ax=ax, label=colour_label, fraction=0.025, pad=0.01)
    size = 7.5
    surveyed = series.groupby("member")["surveyed"].first()
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([names.get(m, m) + ("" if surveyed.get(m, True) else " *")
                        for m in order], fontsize=size)
    step = max(1, len(dates) // (4 if phone else 12))
    ax.set_xticks(range(0, len(dates), step))
    ax.set_xticklabels([f"{d:%b %y}" for d in dates[::step]], fontsize=size,
                       rotation=0 if phone else 45)
    col = {d: i for i, d in enumerate(dates)}
    row = {m: i for i, m in enumerate(order)}
    marks = events[events["member"].isin(row) & events["date"].isin(col)]
    ax.scatter([col[d] for d in marks["date"]], [row[m] for m in marks["member"]],
               marker="o", s=14, facecolor="black", edgecolor="white", lw=0.5,
               label="defection event", zorder=3)
    if not phone:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), fontsize=size, frameon=False)
    ax.set_title(title, fontsize=10, loc="left")
    if note:
        source_note(ax, note)
    return ax


@themed
def plot_calibration(predictions: pd.DataFrame, *, models: list[str], ax: Axes | None = None,
                     bins: tuple[float, ...] = (0, 0.01, 0.03, 0.1, 0.3, 1.0),
                     note: str = "") -> Axes:
    """Observed event frequency against predicted probability (binned), per model, from
    back-test predictions ``model, p, y``; marker area = member-months in the bin."""
    ax = get_ax(ax, figsize=(6, 5))
    colours = palette()
    edges = np.asarray(bins)
    for k, model in enumerate(models):
        own = predictions[predictions["model"] == model]
        which = np.clip(np.digitize(own["p"], edges[1:-1]), 0, len(edges) - 2)
        g = own.groupby(which).agg(p=("p", "mean"), y=("y", "mean"), n=("y", "size"))
        ax.plot(100 * g["p"], 100 * g["y"], "-", color=colours[k % len(colours)], lw=1.2,
                label=model.replace("_", " "))
        ax.scatter(100 * g["p"], 100 * g["y"], s=8 + 2 * np.sqrt(g["n"]),
                   color=colours[k % len(colours)], zorder=3)
    top = 100 * float(predictions["p"].max()) if len(predictions) else 100
    ax.plot([0, max(top, 1)], [0, max(top, 1)], color="#777777", lw=0.8, ls="--")
    ax.set_xlabel("Predicted monthly probability of a defection event")
    ax.set_ylabel("Observed frequency")
    ax.set_xlim(left=max(ax.get_xlim()[0], -1.0))
    ax.set_ylim(bottom=max(ax.get_ylim()[0], -1.0))
    percent_axis(ax, "x")
    percent_axis(ax)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Back-test calibration (out of sample)", fontsize=10, loc="left")
    if note:
        source_note(ax, note)
    return ax


@themed
def plot_split_curve(curve: pd.DataFrame, *, ax: Axes | None = None, title: str,
                     xlabel: str, ylabel: str, note: str = "", level: float = 0.9) -> Axes:
    """``n_members, mean, lower_90, upper_90`` (probabilities 0-1; the interval columns of
    ``level``) as a line with its band, drawn in percent."""
    ax = get_ax(ax)
    colour = palette()[0]
    lo, hi = interval_columns(level)
    ax.fill_between(curve["n_members"], 100 * curve[lo], 100 * curve[hi],
                    color=colour, alpha=0.2, lw=0)
    ax.plot(curve["n_members"], 100 * curve["mean"], color=colour, lw=2, marker="o", ms=3)
    if "member" in curve and curve["member"].astype(bool).any():
        for r in curve.iloc[:: max(1, len(curve) // 10)].itertuples():
            ax.annotate(r.member, (r.n_members, 100 * r.mean), fontsize=7, xytext=(0, 5),
                        textcoords="offset points", ha="center")
    ax.set_ylim(0, 100)
    percent_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    if note:
        source_note(ax, note)
    return ax
