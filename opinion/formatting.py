"""How numbers read everywhere in opinion: figures, tables, headlines and reports.

The one convention for results (documented in the README, "Units"): every share a user sees
is in **percent (0-100)**, and every interval column names its level, ``lower_90`` and
``upper_90`` for a 90% interval (:func:`interval_columns`). Differences of shares are in
percentage points; probabilities of events stay on 0-1.
"""

from __future__ import annotations


def level_label(level: float) -> str:
    """The level as it appears in column names: 0.9 -> ``'90'``, 0.95 -> ``'95'``,
    0.995 -> ``'99.5'``.

    Raises
    ------
    ValueError
        When ``level`` is not strictly between 0 and 1 (90 is not a level; 0.9 is).
    """
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be between 0 and 1 (0.9 for 90%), got {level!r}")
    return f"{float(level) * 100:.10g}"


def interval_columns(level: float) -> tuple[str, str]:
    """Names of the interval columns at ``level``: 0.9 -> ``('lower_90', 'upper_90')``."""
    label = level_label(level)
    return f"lower_{label}", f"upper_{label}"


def format_pct(value: float, decimals: int = 0) -> str:
    """Percentages look the same everywhere: ``66%`` or ``66.3%``."""
    return f"{value:.{decimals}f}%"


def format_interval(mean: float, lower: float, upper: float, decimals: int = 0,
                    level: float = 0.9) -> str:
    """``66% (62%–70%, 90% interval)``."""
    return (f"{format_pct(mean, decimals)} ({format_pct(lower, decimals)}–"
            f"{format_pct(upper, decimals)}, {level:.0%} interval)")


def format_probability(p: float) -> str:
    """``> 0.99``, ``< 0.01`` or two decimals."""
    if p > 0.99:
        return "> 0.99"
    if p < 0.01:
        return "< 0.01"
    return f"{p:.2f}"


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"
