"""One visual theme for the toolkit's own figures, applied in a context, never globally.

Importing this module changes nothing: not the matplotlib backend, not the user's style.
A plot function draws a new figure inside :func:`theme` (seaborn style, colour-blind-safe
palette, percent axes, source notes); when the user passes their own ``ax`` the figure is
theirs and keeps their style. See :func:`themed`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from opinion.formatting import format_pct

if TYPE_CHECKING:
    from matplotlib.axes import Axes

THEME_RC = {"axes.spines.top": False, "axes.spines.right": False,
            "font.family": "DejaVu Sans", "svg.fonttype": "none", "figure.dpi": 100}


def palette() -> list[tuple[float, float, float]]:
    """Okabe-Ito-like palette that stays distinguishable for colour-blind readers."""
    import seaborn as sns

    return sns.color_palette("colorblind")


@contextlib.contextmanager
def theme() -> Iterator[None]:
    """The toolkit's style for figures created inside the block; everything is restored
    on exit (rcParams, seaborn style, palette)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook"), **THEME_RC,
          "axes.prop_cycle": plt.cycler(color=palette())}
    with plt.rc_context(rc):
        yield


def themed[**P, R](plot: Callable[P, R]) -> Callable[P, R]:
    """Draw ``plot`` inside :func:`theme` when it creates its own figure (``ax=None``)."""

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs.get("ax") is not None:
            return plot(*args, **kwargs)
        with theme():
            return plot(*args, **kwargs)

    return wrapper


def get_ax(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    """``ax`` itself, or a new Axes (seaborn convention; call inside :func:`theme`)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


def percent_axis(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    """Label an axis holding percent values (0-100) with a % sign."""
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda v, _pos: format_pct(v, decimals))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def source_note(ax: Axes, text: str) -> None:
    """Small source line under the plot area, below the x-axis label (it moves down when
    the label or the tick labels take more lines, so they never overlap)."""
    from opinion.models.core.layout import chars_per_line, wrap_text

    width_pt = ax.figure.get_size_inches()[0] * 72 * max(ax.get_position().width, 0.5)
    note = ax.annotate(wrap_text(text, chars_per_line(width_pt, 8)), xy=(0, 0),
                       xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -6),
                       textcoords="offset points", fontsize=8, color="#555555", ha="left",
                       va="top", gid="source-note")
    note._unwrapped = text  # a phone rendering rewraps the note from its own text


def points_axis(ax: Axes, axis: str = "y") -> None:
    """Label an axis holding differences in percentage points: ``+2 pp``, ``0``, ``-3 pp``
    (never "%": a change from 40% to 42% is 2 points, not 2 percent)."""
    from matplotlib.ticker import FuncFormatter

    def label(v: float, _pos: int) -> str:
        if round(v, 6) == 0:
            return "0"
        return f"{round(v, 2):+g} pp".replace("-", "\u2212")

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(label))


def date_axis(ax: Axes, axis: str = "x", maxticks: int = 8) -> None:
    """Compact date labels that never overlap: at most ``maxticks`` ticks, each label only
    as long as it needs to be (``2023``, ``Apr``, ``Jul``)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=maxticks)
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(locator)
    target.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
