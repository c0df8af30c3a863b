"""Frequentist baseline: each poll on its own, no pooling.

Single-choice blocks get Goodman multinomial intervals over the reported issues plus the
remainder (statsmodels ``multinomial_proportions_confint`` via
:func:`opinion.survey.multinomial_ci`), on the same effective counts the model sees.
``simultaneous=True`` (default) covers all shares of a poll at once; ``simultaneous=False``
uses Goodman's formula at ``alpha = K (1 - level)``, which is exactly the per-share Wilson
score interval at ``level`` (the frequentist counterpart of a marginal credible interval).
Multi-mention and rating shares are separate binomials: Wilson intervals per issue
(simultaneous: Bonferroni over the block's issues).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

from opinion.formatting import interval_columns
from opinion.survey import multinomial_ci


def baseline_columns(level: float) -> list[str]:
    """Columns of :func:`poll_baseline` at ``level`` (the interval named after it)."""
    return ["poll_id", "question_id", "group", "format", "issue", "share",
            *interval_columns(level), "N", "method"]


def poll_baseline(cells: pd.DataFrame, *, level: float = 0.9,
                  simultaneous: bool = True) -> pd.DataFrame:
    """Per-poll intervals for every modelled share (percent).

    Parameters
    ----------
    cells
        The modelled cells (``IssueSalience.observations()`` or ``results.observations()``): columns
        ``poll_id, question_id, group, format, issue, count, N``.
    level
        Confidence level (simultaneous over a poll's shares, or per share).
    simultaneous
        Goodman simultaneous intervals (default) or per-share intervals.

    Returns
    -------
    pandas.DataFrame
        ``poll_id, question_id, group, format, issue, share, lower_90, upper_90, N, method``
        (the interval columns name ``level``); ``share`` is ``count / N`` on the effective
        sample, in percent, and so is the interval.
    """
    lo_col, hi_col = interval_columns(level)
    rows = []
    for (poll_id, question, group), block in cells.groupby(
            ["poll_id", "question_id", "group"], sort=False):
        fmt = block["format"].iloc[0]
        n_eff = int(block["N"].iloc[0])
        counts = block["count"].to_numpy(dtype=float)
        if fmt == "single_choice":
            rest = max(n_eff - counts.sum(), 0.0)
            full = np.append(counts, rest)
            k = len(full)
            if simultaneous:
                ci = multinomial_ci(pd.Series(full), method="goodman", level=level)
                lo, hi = ci[lo_col].to_numpy() / 100, ci[hi_col].to_numpy() / 100  # 0-1
                method = f"Goodman simultaneous {level:.0%} (statsmodels)"
            else:
                ci = multinomial_proportions_confint(full, alpha=(1 - level) * k,
                                                     method="goodman")
                lo, hi = ci[:, 0], ci[:, 1]
                method = f"Goodman at alpha=K(1-level) = Wilson {level:.0%} per share"
            shares = full / full.sum()
            lo, hi, shares = lo[:-1], hi[:-1], shares[:-1]
        else:
            k = len(counts)
            alpha = (1 - level) / k if simultaneous else 1 - level
            lo, hi = proportion_confint(counts, n_eff, alpha=alpha, method="wilson")
            shares = counts / n_eff
            method = (f"Wilson, Bonferroni {level:.0%} over the poll's issues" if simultaneous
                      else f"Wilson {level:.0%} per share")
        for issue, s, a, b in zip(block["issue"], shares, lo, hi, strict=True):
            rows.append({"poll_id": poll_id, "question_id": question, "group": group,
                         "format": fmt, "issue": issue, "share": 100 * s, lo_col: 100 * a,
                         hi_col: 100 * b, "N": n_eff, "method": method})
    return pd.DataFrame(rows, columns=baseline_columns(level))


def timed_baseline(cells: pd.DataFrame, **kwargs) -> tuple[pd.DataFrame, float]:
    """:func:`poll_baseline` and its wall-clock time in seconds (for benchmarks)."""
    start = time.perf_counter()
    out = poll_baseline(cells, **kwargs)
    return out, time.perf_counter() - start
