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
MAX_LABEL_PT = 8.5
"""Largest category label on a phone rendering (long labels would leave no room for data)."""
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
    """Wrap ``text`` to ``width_pt``, always from its text before any wrapping here (so a
    second, narrower pass does not keep the first pass's breaks)."""
    if not hasattr(text, "_unwrapped"):
        text._unwrapped = text.get_text()
    content = text._unwrapped
    if content:
        text.set_text(wrap_text(content, chars_per_line(width_pt, text.get_fontsize())))


def _wrap_categories(ax: Axes, which: str, width_pt: float) -> None:
    """Wrap fixed category labels (set with ``set_yticks(y, labels)``) at word boundaries;
    numeric axes are left alone."""
    from matplotlib.ticker import FixedFormatter, FixedLocator

    axis = ax.yaxis if which == "y" else ax.xaxis
    if not isinstance(axis.get_major_locator(), FixedLocator):
        return
    formatter = axis.get_major_formatter()
    labels = axis.get_ticklabels()
    if labels and any(t.get_text() for t in labels) and labels[0].get_fontsize() > MAX_LABEL_PT:
        ax.tick_params(axis=which, labelsize=MAX_LABEL_PT)  # room for the data on a phone
    size = labels[0].get_fontsize() if labels else 10.0
    if isinstance(formatter, FixedFormatter):
        formatter.seq = [wrap_text(str(s), chars_per_line(width_pt, size))
                         for s in formatter.seq]
    elif labels and any(label.get_text() for label in labels):  # e.g. seaborn heat maps
        wrapped = [wrap_text(label.get_text(), chars_per_line(width_pt, size))
                   for label in labels]
        lims = tuple(axis.get_view_interval())  # a copy: the interval is a live view
        axis.set_ticks(axis.get_ticklocs(), wrapped)
        axis.set_view_interval(*lims, ignore=True)


def _room_for_rows(fig: Figure, ax: Axes) -> None:
    """Make the figure taller when wrapped category labels need more room than a row has."""
    from matplotlib.ticker import FixedLocator

    if not isinstance(ax.yaxis.get_major_locator(), FixedLocator):
        return
    labels = ax.yaxis.get_ticklabels()
    texts = [t.get_text() for t in labels]
    if len(texts) < 2 or not any(texts):
        return
    size = labels[0].get_fontsize()
    lines = max(t.count("\n") + 1 for t in texts)
    needed = lines * size * 1.3 + 2  # points per row
    width, height = fig.get_size_inches()
    plot_pt = height * 72 * ax.get_position().height
    have = plot_pt / len(texts)
    if needed > have:
        fig.set_size_inches(width, height + (needed - have) * len(texts) / 72)


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
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]))
    elif isinstance(locator, FixedLocator):  # e.g. month labels of a heat map
        locs = list(ax.get_xticks())
        labels = [t.get_text() for t in ax.get_xticklabels()]
        if len(locs) > 6 and len(labels) == len(locs) and all(labels):
            step = -(-len(locs) // 5)
            ax.set_xticks(locs[::step], labels[::step])


_PROBABILITY = re.compile(r"^-?0?\.\d+$|^1\.00?$")


def _compact_number(text: Text) -> None:
    """Cell annotations of a heat map on a phone: ``0.26`` -> ``.26``, under 0.05 blank."""
    content = text.get_text().strip()
    if not _PROBABILITY.match(content):
        return
    value = float(content)
    text.set_text("" if abs(value) < 0.05 else f"{value:.2f}".replace("0.", ".", 1))


def _drop_redundant_colorbars(fig: Figure) -> None:
    """A heat map whose cells print their numbers needs no colour bar on a phone, and the
    bar takes the width the numbers need."""
    for ax in list(fig.axes):
        bar = getattr(ax, "_colorbar", None)
        if bar is None:
            continue
        mappable_ax = getattr(bar.mappable, "axes", None)
        numbered = mappable_ax is not None and sum(
            bool(_PROBABILITY.match(t.get_text().strip())) for t in mappable_ax.texts) >= 4
        if numbered:
            bar.remove()


def _legend_below(fig: Figure, ax: Axes, width_pt: float) -> None:
    """Move an axes legend (which a narrow plot leaves no room for) under the figure."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    legend = ax.get_legend()
    if legend is None:
        return

    handles = legend.legend_handles
    labels = [wrap_text(t.get_text(), chars_per_line(width_pt * 0.9, MIN_NARROW_PT + 0.5))
              for t in legend.get_texts()]
    if not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) or not handles:
        for entry in legend.get_texts():
            _wrap_artist(entry, width_pt * 0.45)
        return
    legend.remove()
    fig.legend(handles, labels, loc="outside lower left", frameon=False, ncols=1,
               fontsize=max(legend.get_texts()[0].get_fontsize(), MIN_NARROW_PT))


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
        # a chart with many labelled rows keeps its height (each row needs its line);
        # others lose at most a fifth of it
        rows = max((len(ax.get_yticks()) for ax in fig.axes), default=0)
        keep = rows > 6 and len(fig.axes) <= 2
        fig.set_size_inches(width_in, height if keep else max(height * 0.8,
                                                              min(height, 3.2)))
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
            if text.get_gid() == "source-note":  # wrapped for the wide figure: rewrap,
                # narrow enough for the layout to succeed; refined once the axes are placed
                _wrap_artist(text, width_pt * 0.5)
            elif "\n" not in text.get_text() and len(text.get_text()) > 12:
                _wrap_artist(text, width_pt * 0.95)
            _compact_number(text)
        _wrap_categories(ax, "y", width_pt * 0.5)
        _room_for_rows(fig, ax)
        _fewer_ticks(ax)
        _legend_below(fig, ax, width_pt)
    _drop_redundant_colorbars(fig)
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
    for _ in range(4):
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
