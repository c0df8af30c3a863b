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
