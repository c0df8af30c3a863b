"""Code lists and small text parsers shared by the dataset builders."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

ISO2: dict[str, str] = {
    "Albania": "AL",
    "Austria": "AT",
    "Belgium": "BE",
    "Bulgaria": "BG",
    "Canada": "CA",
    "Croatia": "HR",
    "Czech Republic": "CZ",
    "Czechia": "CZ",
    "Denmark": "DK",
    "Estonia": "EE",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Hungary": "HU",
    "Iceland": "IS",
    "Ireland": "IE",
    "Italy": "IT",
    "Japan": "JP",
    "Latvia": "LV",
    "Lithuania": "LT",
    "Luxembourg": "LU",
    "Malta": "MT",
    "Montenegro": "ME",
    "Netherlands": "NL",
    "North Macedonia": "MK",
    "Norway": "NO",
    "Poland": "PL",
    "Portugal": "PT",
    "Romania": "RO",
    "Slovakia": "SK",
    "Slovenia": "SI",
    "Spain": "ES",
    "Sweden": "SE",
    "Sweden (non-member then)": "SE",
    "Sweden (NATO from 2024)": "SE",
    "Turkey": "TR",
    "United Kingdom": "GB",
    "United States": "US",
}

REGIONS: dict[str, str] = {
    **dict.fromkeys(("EE", "LV", "LT"), "Baltic"),
    **dict.fromkeys(("DK", "IS", "NO"), "Nordic"),
    **dict.fromkeys(
        ("PL", "CZ", "SK", "HU", "RO", "BG", "SI", "HR", "AL", "ME", "MK"), "Central-Eastern"
    ),
    **dict.fromkeys(("DE", "FR", "NL", "BE", "LU", "GB"), "Western"),
    **dict.fromkeys(("IT", "ES", "PT", "GR", "TR"), "Southern"),
    **dict.fromkeys(("US", "CA"), "North American"),
}
"""Regional groups of the 30 NATO members (as fixed in the project brief)."""

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_PREFIX = re.compile(r"^(\d{4}-\d{2}(?:-\d{2})?)")


def iso_date(text: str) -> str:
    """Return ``text`` if it is a full ISO date (YYYY-MM-DD), else ``""``."""
    text = text.strip()
    return text if _ISO_DATE.match(text) else ""


def iso_prefix(text: str) -> str:
    """Leading ISO date or year-month of ``text`` ("2022-10 (Pew release)" -> "2022-10")."""
    m = _ISO_PREFIX.match(text.strip())
    return m.group(1) if m else ""


def fmt_decimal(text: str | Decimal, places: int | None = None) -> str:
    """Canonical decimal text: no exponent, no trailing zeros ("66", "1.5")."""
    d = Decimal(str(text))
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places))
    d = d.normalize()
    out = format(d, "f")
    return "0" if out in ("-0", "") else out


def slug(text: str) -> str:
    """Lower snake-case slug."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def join_notes(*parts: str) -> str:
    """Join non-empty note fragments with '; ' (dropping exact repeats)."""
    seen: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in seen:
            seen.append(p)
    return "; ".join(seen)


def quality_note(quality: str) -> str:
    return f"source quality: {quality}" if quality else ""


def month_start(ym: str) -> str:
    return f"{ym}-01"


def month_end(ym: str) -> str:
    return (pd.Period(ym, freq="M").end_time.date()).isoformat()
