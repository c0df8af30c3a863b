"""The poll-frame schema: one row per poll x question x subgroup x response.

This module is the single source of truth for column names, their types and the allowed
codes. Readers map their input onto these names; validation checks against them.
"""

from __future__ import annotations

from typing import Final

REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "poll_id",
    "pollster",
    "start_date",
    "end_date",
    "population",
    "n",
    "question_id",
    "response",
    "pct",
)
"""Columns every poll frame must have."""

OPTIONAL_COLUMNS: Final[tuple[str, ...]] = (
    "sponsor",
    "mode",
    "country",
    "question_text",
    "subgroup",
    "subgroup_n",
    "moe",
    "deff",
    "source_url",
    "source_date",
    "notes",
)
"""Columns that are kept, and modelled, when present."""

DERIVED_COLUMNS: Final[tuple[str, ...]] = ("n_eff", "deff_source")
"""Columns added by :class:`~opinion.frames.PollFrame` (never read from input)."""

DATE_COLUMNS: Final[tuple[str, ...]] = ("start_date", "end_date")
TEXT_COLUMNS: Final[tuple[str, ...]] = (
    "poll_id",
    "pollster",
    "population",
    "question_id",
    "response",
    "sponsor",
    "mode",
    "country",
    "question_text",
    "subgroup",
    "source_url",
    "source_date",
    "notes",
)
NUMERIC_COLUMNS: Final[tuple[str, ...]] = ("n", "pct", "subgroup_n", "moe", "deff")

POPULATIONS: Final[dict[str, str]] = {
    "a": "all adults",
    "rv": "registered voters",
    "lv": "likely voters",
    "v": "actual voters (exit polls)",
}
"""Population codes and what they mean."""

POPULATION_ALIASES: Final[dict[str, str]] = {
    "adults": "a",
    "adult": "a",
    "all adults": "a",
    "registered voters": "rv",
    "registered": "rv",
    "likely voters": "lv",
    "likely": "lv",
    "voters": "v",
    "actual voters": "v",
}

MODES: Final[tuple[str, ...]] = ("online", "phone", "mixed", "ivr", "text", "in_person", "other")
"""Survey mode codes."""

MODE_ALIASES: Final[dict[str, str]] = {
    "internet": "online",
    "online panel": "online",
    "web": "online",
    "live phone": "phone",
    "telephone": "phone",
    "cati": "phone",
    "mixed mode": "mixed",
    "mixed-mode": "mixed",
    "automated phone": "ivr",
    "sms": "text",
    "in person": "in_person",
    "face-to-face": "in_person",
    "face to face": "in_person",
}

DEFAULT_SUBGROUP: Final[str] = "all"

DONT_KNOW_RESPONSES: Final[frozenset[str]] = frozenset(
    {"don't know", "dont know", "not sure", "no opinion", "dk", "refused", "unsure", "dk/na"}
)
"""Response labels recognised as don't-know (kept as responses, never dropped)."""

N_MAX: Final[int] = 10_000_000
"""Largest sample size accepted (``n`` and ``subgroup_n``): larger is a typo or a population."""

MOE_MAX: Final[float] = 50.0
"""Margins of error must be below this many percentage points."""

DEFF_MAX: Final[float] = 50.0
"""Largest published design effect accepted."""

FRACTION_SUM_MIN: Final[float] = 0.8
"""A question whose responses are all at most 1 and sum to between this and 1 (plus the
tolerance) is read as fractions (0.66 = 66%), not as percentages below 1%."""

IDENTIFIER_COLUMNS: Final[tuple[str, ...]] = (
    "poll_id", "pollster", "population", "question_id", "response", "sponsor", "mode",
    "country", "subgroup", "question_format",
)
"""Text columns that may not hold tabs or line breaks (free text such as notes may)."""
