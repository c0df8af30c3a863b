"""Fit a finished figure to a phone screen: narrower, every text at least 7.5 pt, long
titles, axis labels, category labels and notes wrapped at word boundaries, fewer ticks.

A report shows two renderings of each figure: the one drawn for a desktop page and, on
screens up to 600 px wide, the same figure reflowed by :func:`narrow_layout` (or a phone
version the analysis drew itself). The narrow figure is 360 CSS px wide, so on a 390 px
phone it is shown at its natural size and a 7.5 pt label is rendered at 10 px.

:func:`svg_min_font_px` reads the smallest text of a saved SVG (what was actually drawn);
the report records it on the ``<img>`` so the browser tests can compute rendered sizes.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

NARROW_WIDTH_IN = 3.75
"""Width of the phone rendering in inches: 360 CSS px (96 px per inch)."""
MIN_NARROW_PT = 7.5
"""Smallest text on a phone rendering, in points (10 CSS px at natural size)."""
CHAR_EM = 0.6
"""Average width of a DejaVu Sans character, in ems (for wrapping by character count)."""


def wrap_text(text: str, width: int) -> str:
    """``text`` wrapped at word boundaries to lines of at most ``width`` characters
    (existing line breaks are kept; a word longer than a line is never cut)."""
    width = max(int(width), 8)
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) or line
        for line in text.split("\n"))


def chars_per_line(width_pt: float, size_pt: float) -> int:
    """How many characters of ``size_pt`` text fit in ``width_pt``."""
    return max(int(width_pt / (CHAR_EM * size_pt)), 8)


def _wrap_artist(text: Text, width_pt: float) -> None:
    content = text.get_text()
    if content:
        text.set_text(wrap_text(content, chars_per_line(width_pt, text.get_fontsize())))


def _wrap_categories(ax: Axes, which: str, width_pt: float) -> None:
    """Wrap fixed category labels (set with ``set_yticks(y, labels)``) at word boundaries."""
    from matplotlib.ticker import FixedFormatter

    axis = ax.yaxis if which == "y" else ax.xaxis
    formatter = axis.get_major_formatter()
    labels = axis.get_ticklabels()
    size = labels[0].get_fontsize() if labels else 10.0
    if isinstance(formatter, FixedFormatter):
        formatter.seq = [wrap_text(str(s), chars_per_line(width_pt, size))
                         for s in formatter.seq]
    elif labels and any(label.get_text() for label in labels):  # e.g. seaborn heat maps
        wrapped = [wrap_text(label.get_text(), chars_per_line(width_pt, size))
                   for label in labels]
        axis.set_ticks(axis.get_ticklocs(), wrapped)


def _fewer_ticks(ax: Axes) -> None:
    """At most ~4 date ticks (compact labels) or ~5 numeric ticks on the x axis."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import AutoLocator, FixedLocator, MaxNLocator

    locator = ax.xaxis.get_major_locator()
    if isinstance(locator, AutoDateLocator):
        new = AutoDateLocator(minticks=2, maxticks=4)
        ax.xaxis.set_major_locator(new)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(new, show_offset=False))
        for label in ax.get_xticklabels():
            label.set_rotation(0)
            label.set_horizontalalignment("center")
    elif isinstance(locator, AutoLocator):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    elif isinstance(locator, FixedLocator):  # e.g. month labels of a heat map
        locs = list(ax.get_xticks())
        labels = [t.get_text() for t in ax.get_xticklabels()]
        if len(locs) > 6 and len(labels) == len(locs) and all(labels):
            step = -(-len(locs) // 5)
            ax.set_xticks(locs[::step], labels[::step])


def narrow_layout(fig: Figure, width_in: float = NARROW_WIDTH_IN) -> Figure:
    """Reflow ``fig`` in place for a phone screen and return it.

    The figure becomes ``width_in`` wide (a figure already that narrow keeps its size);
    its height shrinks at most to 80% (never under 3.2 in) so panels keep their shape.
    Every text is at least :data:`MIN_NARROW_PT`; titles, axis labels, notes, legend
    entries and category labels are wrapped at word boundaries to the space they have;
    x axes get fewer ticks. The figure's own layout engine (constrained layout) then
    places everything.
    """
    from matplotlib.text import Text

    width, height = fig.get_size_inches()
    if width > width_in:
        fig.set_size_inches(width_in, max(height * 0.8, min(height, 3.2)))
    width_pt = fig.get_size_inches()[0] * 72
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_NARROW_PT:
            text.set_fontsize(MIN_NARROW_PT)
    for ax in fig.axes:
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = axis.get_ticklabels()
            if labels and labels[0].get_fontsize() < MIN_NARROW_PT:
                # ticks made later (on draw) copy these settings
                ax.tick_params(axis=which, which="both", labelsize=MIN_NARROW_PT)
        frac = ax.get_position().width if len(fig.axes) > 1 else 0.9
        panel_pt = max(width_pt * frac, 60.0)
        for title in (ax.title, ax._left_title, ax._right_title):
            _wrap_artist(title, width_pt * 0.95 if len(fig.axes) <= 2 else panel_pt)
        _wrap_artist(ax.xaxis.label, width_pt * 0.85)
        _wrap_artist(ax.yaxis.label, fig.get_size_inches()[1] * 72 * 0.8)
        for text in ax.texts:
            if "\n" not in text.get_text() and len(text.get_text()) > 12:
                _wrap_artist(text, width_pt * 0.95)
        _wrap_categories(ax, "y", width_pt * 0.38)
        _fewer_ticks(ax)
        legend = ax.get_legend()
        if legend is not None:
            for entry in legend.get_texts():
                _wrap_artist(entry, width_pt * 0.45)
    for text in fig.texts:
        _wrap_artist(text, width_pt * 0.95)
    for attr in ("_suptitle", "_supxlabel"):
        if getattr(fig, attr, None) is not None:
            _wrap_artist(getattr(fig, attr), width_pt * 0.95)
    if getattr(fig, "_supylabel", None) is not None:
        _wrap_artist(fig._supylabel, fig.get_size_inches()[1] * 72 * 0.8)
    _fit_to_width(fig, width_in)
    return fig


def _fit_to_width(fig: Figure, width_in: float) -> None:
    """After the layout ran: rewrap left-aligned titles and notes to the room between their
    axes' left edge and the figure's right edge, then narrow the figure until everything
    drawn (tick labels, colour bars, notes) fits in ``width_in``."""
    fig.draw_without_rendering()
    width_pt = fig.get_size_inches()[0] * 72
    for ax in fig.axes:
        room = (1 - ax.get_position().x0) * width_pt * 0.97
        _wrap_artist(ax._left_title, room)
        for text in ax.texts:
            if text.get_gid() == "source-note" or text.get_horizontalalignment() == "left":
                _wrap_artist(text, room)
    import matplotlib as mpl

    pad = mpl.rcParams["savefig.pad_inches"]
    pad = pad if isinstance(pad, int | float) else 0.1
    target = width_in - 2 * pad  # the saved image adds the padding on both sides
    for _ in range(3):
        fig.draw_without_rendering()
        drawn = fig.get_tightbbox().width  # inches, everything bbox_inches="tight" keeps
        if drawn <= target + 0.01:
            break
        width, height = fig.get_size_inches()
        fig.set_size_inches(max(width - (drawn - target) - 0.01, 1.5), height)


_FONT = re.compile(r"font-size:\s*([\d.]+)px|font:[^;\"]*?([\d.]+)px")
_WIDTH = re.compile(r'width="([\d.]+)(pt|px)?"')
_VIEWBOX = re.compile(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"')


def svg_min_font_px(svg: str | bytes) -> float | None:
    """The smallest text of a matplotlib SVG (saved with ``svg.fonttype: none``) in CSS px
    at the image's natural size: font size in user units x (width in px / viewBox width).
    ``None`` when the SVG has no text."""
    text = svg.decode("utf-8", "replace") if isinstance(svg, bytes) else svg
    sizes = [float(a or b) for a, b in _FONT.findall(text)]
    if not sizes:
        return None
    head = text[:3000]
    width, view = _WIDTH.search(head), _VIEWBOX.search(head)
    scale = 1.0
    if width and view:
        px = float(width.group(1)) * (4 / 3 if width.group(2) == "pt" else 1.0)
        scale = px / float(view.group(1))
    return round(min(sizes) * scale, 2)
