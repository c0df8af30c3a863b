"""Figures for phones and print (issue 21, item 4): the phone rendering of every report
figure, its recorded smallest text, word-boundary wrapping, units and colours by meaning.
The browser test (``tests/browser``) measures the same figures as rendered at 390 px."""

from __future__ import annotations

import base64
import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from opinion.models.core.layout import (
    MIN_NARROW_PT,
    NARROW_WIDTH_IN,
    narrow_layout,
    svg_min_font_px,
    wrap_text,
)
from opinion.models.core.theme import points_axis, source_note, theme
from opinion.models.poll_average.plots import plot_trend, response_colours
from opinion.report import Report

LONG = ("Quinnipiac University (Mar 2022): help Ukraine without risking direct US-Russia war "
        "vs even if risking war")


def _figure():
    with theme():
        fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
        days = pd.date_range("2022-03-01", periods=400, freq="D")
        ax.plot(days, np.linspace(40, 60, len(days)))
        ax.set_title(LONG, fontsize=10, loc="left")
        ax.tick_params(labelsize=6)
        source_note(ax, "Sources: " + "a long list of pollsters and datasets, " * 4)
    return fig


def _sources(html: str) -> list[tuple[str, str | None]]:
    """(svg text, data-min-font-px) of the <source> and the <img> of the first figure."""
    out = []
    for tag in re.findall(r"<(?:source|img) [^>]*>", html):
        data = re.search(r'(?:srcset|src)="data:image/svg\+xml;base64,([^"]+)"', tag).group(1)
        recorded = re.search(r'data-min-font-px="([\d.]+)"', tag)
        out.append((base64.b64decode(data).decode(), recorded and recorded.group(1)))
    return out


def test_report_figure_has_a_phone_rendering_with_its_smallest_text() -> None:
    report = Report("t")
    report.figure(_figure(), alt="A rising line")
    html = report.render()
    assert '<source media="(min-width: 601px)"' in html
    (wide, wide_px), (phone, phone_px) = _sources(html)
    assert float(wide_px) == svg_min_font_px(wide) == pytest.approx(6 * 4 / 3, abs=0.01)
    assert float(phone_px) == svg_min_font_px(phone) >= MIN_NARROW_PT * 4 / 3 - 0.01
    width_pt = float(re.search(r'width="([\d.]+)pt"', phone).group(1))
    assert width_pt * 4 / 3 <= NARROW_WIDTH_IN * 96 + 1  # shown at natural size on a phone


def test_narrow_layout_wraps_at_word_boundaries_and_leaves_rcparams_alone() -> None:
    before = dict(matplotlib.rcParams)
    fig = narrow_layout(_figure())
    title = fig.axes[0]._left_title.get_text()
    assert "\n" in title and title.replace("\n", " ") == LONG
    assert all(word in LONG.split() for line in title.split("\n") for word in line.split())
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_wrap_text_never_cuts_a_word() -> None:
    text = wrap_text(LONG, 20)
    assert text.replace("\n", " ") == LONG
    assert max(len(line) for line in text.split("\n")) <= len("US-Russia war vs even")
    assert wrap_text("unbreakable-identifier-longer-than-a-line", 10).count("\n") == 0


def test_svg_min_font_px_scales_user_units_to_css_px() -> None:
    svg = ('<svg width="300pt" height="100pt" viewBox="0 0 300 100">'
           '<text style="font-size: 9px; font-family: x">a</text>'
           '<text style="font: 400 7.5px x">b</text></svg>')
    assert svg_min_font_px(svg) == 10.0  # 7.5 user units = 7.5 pt = 10 CSS px
    assert svg_min_font_px("<svg></svg>") is None


def test_points_axis_says_pp_never_percent() -> None:
    fig, ax = plt.subplots()
    points_axis(ax, "x")
    fmt = ax.xaxis.get_major_formatter()
    assert [fmt(v, 0) for v in (-3, 0, 2, 1.5)] == ["\u22123 pp", "0", "+2 pp", "+1.5 pp"]
    plt.close(fig)


def test_ordered_responses_get_colours_by_meaning() -> None:
    colours = response_colours(["too much", "about the right amount", "not enough",
                                "not sure"])
    assert colours["not enough"] == "#0072b2" and colours["too much"] == "#d55e00"
    assert colours["about the right amount"] == "#5d5d5d" and colours["not sure"] == "#a0a0a0"
    unordered = response_colours(["support", "oppose"])
    assert unordered["support"] != unordered["oppose"]


def test_trend_labels_lines_directly_instead_of_a_legend() -> None:
    days = pd.date_range("2022-03-01", periods=30, freq="D")
    trend = pd.concat([pd.DataFrame({"date": days, "response": r, "mean": m,
                                     "lower_90": m - 3, "upper_90": m + 3})
                       for r, m in (("too much", 30.0), ("about the right amount", 31.0),
                                    ("not enough", 25.0))])
    ax = plot_trend(trend)
    assert ax.get_legend() is None
    labels = {t.get_text().replace("\n", " "): t for t in ax.texts}
    assert set(labels) == {"too much", "about the right amount", "not enough"}
    ys = sorted(t.xy[1] for t in labels.values())
    low, high = ax.get_ylim()
    # nudged apart by at least a line of text (about 6% of the axis)
    assert all(b - a > 0.06 * (high - low) for a, b in zip(ys, ys[1:], strict=False))
    plt.close(ax.figure)


def test_narrow_layout_keeps_numeric_axis_limits() -> None:
    """Only category labels are rewrapped: a percent axis keeps the limits it was drawn
    with (a calibration plot starting at 0% must not grow a -10% tick)."""
    from opinion.models.core.theme import percent_axis

    with theme():
        fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
        ax.plot([0, 30], [0, 50])
        ax.set_ylim(bottom=-1)
        percent_axis(ax)
        ax.set_yticks(ax.get_yticks())  # a fixed numeric locator too
        ax.set_ylim(-1, 52)
    narrow_layout(fig)
    assert ax.get_ylim() == pytest.approx((-1, 52))
    plt.close(fig)
