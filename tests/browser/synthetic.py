"""A small report that uses every feature of the builder (fast: no model is fitted).

It has headlines with intervals, two figures, a narrow and a very wide table, long unbroken
text (a phone must not scroll sideways), a note, methodology, passing and failing
diagnostics and dataset provenance with long source URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from opinion.models.core.diagnostics import Diagnostics
from opinion.models.core.theme import palette, percent_axis, source_note, theme
from opinion.report import Report, format_interval, write_index

METHODOLOGY = (
    "Synthetic methodology: shares are simulated from a binomial model with n = 1,000 "
    "(seed 20221004); intervals are Wilson score intervals.",
    "Second methodology paragraph, printed in full when the report is saved as PDF.",
)
GOOD = Diagnostics(max_rhat=1.002, min_ess_bulk=1800, min_ess_tail=1500, divergences=0,
                   draws=1000, chains=4, worst_parameter="sigma_rw")
BAD = Diagnostics(max_rhat=1.08, min_ess_bulk=90, min_ess_tail=120, divergences=4,
                  draws=1000, chains=4, worst_parameter="house[YouGov]")


@dataclass(frozen=True)
class SyntheticReport:
    """Where the report was written and texts that must survive printing."""

    path: Path
    collapsed_text: tuple[str, ...]
    n_figures: int


def _trend_figure():
    with theme():
        return _draw_trend()


def _draw_trend():
    PALETTE = palette()
    rng = np.random.default_rng(20221004)
    days = pd.date_range("2022-03-01", periods=120, freq="D")
    share = 66 - np.linspace(0, 8, len(days)) + rng.normal(0, 0.4, len(days))
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.fill_between(days, share - 3, share + 3, color=PALETTE[0], alpha=0.25, lw=0)
    ax.plot(days, share, color=PALETTE[0])
    percent_axis(ax)
    ax.set_ylabel("Support")
    source_note(ax, "Source: simulated data.")
    return fig


def _bar_axes():
    with theme():
        return _draw_bars()


def _draw_bars():
    PALETTE = palette()
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.barh(["Support", "Oppose", "Not sure"], [66, 25, 9], color=PALETTE[:3])
    percent_axis(ax, "x")
    return ax


def build(folder: Path, name: str = "synthetic", *, failing_diagnostics: bool = False,
          title: str = "Synthetic report: support for aid") -> SyntheticReport:
    """Render the synthetic report to ``folder/NAME.html``."""
    report = Report(title, subtitle="Every feature of the report builder, on simulated data.",
                    seed=20221004)
    report.headline("Support for sending weapons: "
                    + format_interval(66.0, 63.1, 68.9, 0, 0.9) + ".")
    report.headline("Support fell by 8 points (5 to 11 points, 90% interval) between March "
                    "and June.")
    report.section("Trend")
    report.text("The average of all polls, with its 90% credible band.")
    report.figure(_trend_figure(), alt="Line chart: support falls from 66% in March to 58% in "
                  "June 2022, with a shaded band of about 3 points either side.",
                  caption="Simulated trend with a 90% band.")
    report.table(pd.DataFrame({"response": ["Support", "Oppose", "Not sure"],
                               "share": [66.04, 25.0, 8.96], "lower_90": [63.1, 22.4, 7.2],
                               "upper_90": [68.9, 27.8, 10.9], "n": [1000, 1000, 1000]}),
                 caption="Latest estimate (90% interval)",
                 percent_columns=("share", "lower_90", "upper_90"))
    report.section("Wide content")
    report.figure(_bar_axes(), alt="Bar chart of the latest shares: support 66%, oppose 25%, "
                  "not sure 9%.")
    wide = pd.DataFrame({f"pollster {i} with a long name": [50.0 + i, 40.0 - i]
                         for i in range(12)})
    report.table(wide, caption="A table wider than a phone (it scrolls inside its box)",
                 percent_columns=tuple(wide.columns))
    report.text("An unbroken identifier: " + "abcdefghij" * 12)
    report.note("Note: simulated numbers, for testing the report layout only.")
    report.methodology(*METHODOLOGY)
    report.diagnostics("Poll average", BAD if failing_diagnostics else GOOD,
                       allow_unconverged="a synthetic failing fit, to test the red banner"
                       if failing_diagnostics else None)
    report.dataset("us_ukraine_support")
    path = report.write(Path(folder) / f"{name}.html")
    return SyntheticReport(path=path, collapsed_text=METHODOLOGY, n_figures=2)


def build_folder(folder: Path) -> tuple[list[SyntheticReport], Path]:
    """Two synthetic reports and their index page."""
    reports = [build(folder, "synthetic"),
               build(folder, "synthetic_failing", failing_diagnostics=True,
                     title="Synthetic report with failing diagnostics")]
    return reports, write_index(folder)
