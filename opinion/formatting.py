"""How numbers read everywhere in opinion: figures, tables, headlines and reports."""

from __future__ import annotations


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
