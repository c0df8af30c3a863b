"""One visual theme for every figure: colour-blind-safe palette, percent axes, source notes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

PALETTE = sns.color_palette("colorblind")
"""Okabe-Ito-like palette that stays distinguishable for colour-blind readers."""


def apply_theme() -> None:
    """Set the seaborn/matplotlib theme used by every opinion figure."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook",
                  rc={"axes.spines.top": False, "axes.spines.right": False,
                      "font.family": "DejaVu Sans", "svg.fonttype": "none",
                      "figure.dpi": 100})


def get_ax(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    """``ax`` itself, or a new Axes with the theme applied (seaborn convention)."""
    if ax is not None:
        return ax
    apply_theme()
    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


def format_pct(value: float, decimals: int = 0) -> str:
    """Percentages everywhere look the same: '66%' or '66.3%'."""
    return f"{value:.{decimals}f}%"


def percent_axis(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    """Label an axis holding percent values (0-100) with a % sign."""
    formatter = FuncFormatter(lambda v, _pos: format_pct(v, decimals))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def source_note(ax: Axes, text: str) -> None:
    """Small source line under the plot area."""
    ax.annotate(text, xy=(0, 0), xycoords="axes fraction", xytext=(0, -44),
                textcoords="offset points", fontsize=8, color="#555555", ha="left", va="top")
