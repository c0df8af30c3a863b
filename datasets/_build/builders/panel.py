"""Shared pieces of the cross-national panel builders (``shared/facts/panel``).

Membership: rows ship for the 30 NATO members of November 2022 (the verified
``nato_member`` rows of facts_aid.csv) and for labelled aggregates (:data:`AGGREGATES`);
rows of other countries are left out and listed with the reason. The two survey panels also
ship the EU states that were not NATO members then (:data:`NON_MEMBERS`), flagged
``nato_member`` false: the same Eurobarometer and ECFR items reach them, so a measurement
model can use them to calibrate items; they are not coalition members
(:func:`place_survey`).

Field dates (:func:`field_dates`): a day stays a day; a month-only date becomes the first /
last day of the month and a year-only date the first / last day of the year, with
``date_precision`` saying which. When a source of the wave is dated before that last day,
``field_end`` is the earliest such source date (fieldwork ends before it is reported), and
the row's notes say so.

Sample size (:func:`sample_size`), ``n`` with ``n_basis``:

- ``published_country``: the country's own sample size, read in the row's source (the
  fact row's ``n``), on another row of the same survey, wave and country (in either panel
  file: :func:`country_n`), or in the wave table of SURVEYS_NOTES.md (:data:`WAVE_COUNTRY_N`);
- ``published_approx``: the fact row's ``n`` is a size the source gives only approximately
  ("~1,000 per country", "n~1,300");
- ``published_total``: an aggregate row (EU27 average, ECFR 12-country average) with the
  survey's published total sample (:data:`WAVE_TOTAL_N`, SURVEYS_NOTES.md wave table);
- ``standard_wave_design``: no published n, but SURVEYS_NOTES.md documents the survey's
  per-country design size (:data:`DESIGN_N`, e.g. Standard Eurobarometer ~1,000 per member
  state, DE ~1,500, MT/CY/LU ~500); an approximate size, not a count;
- empty: nothing documented; ``n`` is empty too (never invented).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from .common import ISO2, REGIONS, fmt_decimal, iso_date, iso_prefix, join_notes, month_end
from .provenance import Context, verified_rows

SUPPORT = "panel/panel_support"
SALIENCE = "panel/panel_salience"
EVENTS = "panel/events"
GOVERNMENT = "panel/government_changes"
AID = "panel/aid_by_period"

AGGREGATES: dict[str, str] = {
    "EU": "EU27: the survey's EU-wide figure (average over the member states' samples)",
    "ECFR12": "ECFR Jan-2024 average of its 12 EU countries (source iso2 empty)",
}
"""Aggregate codes used in ``iso2`` (with ``aggregate`` = true)."""
AGGREGATE_COUNTRIES = {"EU27": "EU", "12-country average": "ECFR12"}
NON_MEMBERS: dict[str, str] = {
    "AT": "Western",
    "CY": "Southern",
    "FI": "Nordic",
    "IE": "Western",
    "MT": "Southern",
    "SE": "Nordic",
}
"""EU states outside NATO in November 2022 (Finland joined in April 2023, Sweden in March
2024) -> the regional group a measurement model pools them in. The survey panels ship their
rows with ``nato_member`` false (item calibration only; never coalition members)."""

# SURVEYS_NOTES.md "Wave metadata": per-country n read in a source (the unverified DE EB102
# 1,542 is not used).
WAVE_COUNTRY_N: dict[tuple[str, str], int] = {
    ("EB98 winter 2022-23", "CZ"): 1025,
    ("EB98 winter 2022-23", "SK"): 1004,
    ("EB98 winter 2022-23", "LT"): 1003,
    ("EB100 autumn 2023", "SK"): 1006,
    ("EB101 spring 2024", "BG"): 1046,
    ("EB102 autumn 2024", "LT"): 1018,
    ("EB102 autumn 2024", "HR"): 1002,
    ("EB102 autumn 2024", "ES"): 1006,
    ("EB102 autumn 2024", "SI"): 1004,
    ("EB102 autumn 2024", "MT"): 500,
    ("EB103 spring 2025", "BG"): 1036,
    ("EB104 autumn 2025", "DK"): 1006,
}
# SURVEYS_NOTES.md "Wave metadata": published total n of the survey behind an aggregate row.
WAVE_TOTAL_N: dict[tuple[str, str], int] = {
    ("FL506 Apr 2022", "EU"): 26066,
    ("EP spring 2022 (EB97.3)", "EU"): 26578,
    ("EB97 summer 2022", "EU"): 26468,
    ("EP autumn 2022 (EB98.1)", "EU"): 26431,
    ("Flash EB Nov 2022", "EU"): 26337,
    ("EB99 spring 2023", "EU"): 26425,
    ("EB102 autumn 2024", "EU"): 26525,
    ("EB103 spring 2025", "EU"): 26368,
    ("EB104 autumn 2025", "EU"): 26445,
    ("ECFR Jan 2024 (Wars and elections)", "ECFR12"): 17023,
}
# SURVEYS_NOTES.md: documented per-country design sizes (survey -> default, exceptions).
DESIGN_N: dict[str, tuple[int, dict[str, int]]] = {
    "Standard Eurobarometer": (1000, {"DE": 1500, "MT": 500, "CY": 500, "LU": 500}),
    "YouGov EuroTrack": (1000, {}),
    "YouGov European Political Monthly": (1000, {}),
    "Euroskopia 9-country poll": (1000, {}),
    "ARD-DeutschlandTREND (Germany)": (1300, {}),
    "Ipsos Issues Index (Great Britain)": (1000, {}),
}
N_BASIS_DOC = (
    "`n_basis` says where `n` comes from: `published_country` = the country's own sample "
    "size as read in the row's source, on another row of the same wave and country, or in "
    "the wave table of SURVEYS_NOTES.md; "
    "`published_approx` = a per-country size the source gives only approximately ('~1,000 "
    "per country', 'n~1,300', anywhere in the wave's rows); `published_total` = aggregate "
    "row (`aggregate` true) with the survey's published total sample (SURVEYS_NOTES.md wave "
    "table); `standard_wave_design` = no published n, but SURVEYS_NOTES.md documents the "
    "survey's per-country design size (Standard Eurobarometer ~1,000 face-to-face interviews "
    "per member state, DE ~1,500, MT/CY/LU ~500; YouGov EuroTrack and European Political "
    "Monthly ~1,000+ per country; Euroskopia ~1,000 per country; ARD-DeutschlandTREND "
    "~1,300; Ipsos Issues Index ~1,000): an approximate design size, not a count; empty = "
    "no sample size documented, and `n` is empty (nothing is invented; Ipsos What Worries the "
    "World's '~500-1,000 per country' is a range and is not used)."
)
DATE_DOC = (
    "`field_start`/`field_end` are ISO dates: a month-only field date becomes the first / "
    "last day of that month (`date_precision` month), a year-only date the first / last day "
    "of the year (`date_precision` year); when a source of the wave is dated before that "
    "last day, `field_end` is the earliest such source date (fieldwork ends before it is "
    "reported; said in `notes`). "
    "Month-only dates of national trackers may be publication months (README of the panel): "
    "treat them as approximate."
)


def nato_members(ctx: Context) -> dict[str, str]:
    """ISO code -> name of the 30 NATO members of November 2022 (facts_aid.csv)."""
    aid = ctx.sheet("facts_aid")
    rows = aid[(aid["record_type"] == "nato_member") & (aid["verified"] == "yes")]
    members = {ISO2[name]: name for name in rows["country_or_donor"]}
    if len(members) != 30:
        raise SystemExit(f"expected 30 verified NATO members, found {len(members)}")
    return members


def place(country: str, iso2: str, members: dict[str, str]) -> tuple[str, bool, str]:
    """(iso2, aggregate, reason to leave the row out or "") of a panel row."""
    code = AGGREGATE_COUNTRIES.get(country, iso2)
    if code in AGGREGATES:
        return code, True, ""
    if ISO2.get(country, code) != code:
        raise SystemExit(f"country {country!r} does not match iso2 {iso2!r}")
    if code not in members:
        return code, False, f"{country} ({code}) is not one of the 30 NATO members of Nov 2022"
    return code, False, ""


def place_survey(country: str, iso2: str, members: dict[str, str]) -> tuple[str, bool, str]:
    """:func:`place` for the survey panels: rows of :data:`NON_MEMBERS` ship too."""
    code, aggregate, reason = place(country, iso2, members)
    if reason and code in NON_MEMBERS:
        return code, False, ""
    return code, aggregate, reason


def region(iso2: str) -> str:
    return REGIONS.get(iso2, NON_MEMBERS.get(iso2, ""))


def _precision(text: str) -> str:
    return {10: "day", 7: "month", 4: "year"}.get(len(text), "")


def wave_info(df: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    """(survey, wave) -> (earliest full ISO source date, population + notes of all its rows).

    Field dates and the approximate-n flag are properties of a wave, not of one row.
    """
    out = {}
    for key, g in df.groupby(["survey", "wave"]):
        dates = sorted(d for d in g["source_date"].map(iso_date) if d)
        text = " ".join(g["population"] + " " + g["notes"])
        out[key] = (dates[0] if dates else "", text)
    return out


def country_n(ctx: Context) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(survey, wave, iso2) -> (n, row id) where verified rows of both panel files publish it.

    A country's sample is a property of the wave: one published n applies to every row of
    that survey, wave and country. Conflicting values stop the build.
    """
    rows = pd.concat([verified_rows(ctx.sheet(name)) for name in (SUPPORT, SALIENCE)])
    rows = rows[rows["n"] != ""].sort_values("id")
    out: dict[tuple[str, str, str], tuple[str, str]] = {}
    for r in rows.itertuples(index=False):
        key = (r.survey, r.wave, r.iso2)
        if key in out and out[key][0] != r.n:
            raise SystemExit(f"conflicting n for {key}: {out[key][0]} vs {r.n}")
        out.setdefault(key, (r.n, r.id))
    return out


def field_dates(start: str, end: str, published: str) -> tuple[str, str, str, str]:
    """(field_start, field_end, date_precision, note) as ISO dates; see the module doc."""
    kinds = [_precision(start), _precision(end)]
    if "" in kinds:
        raise SystemExit(f"unparsed field dates {start!r}..{end!r}")
    precision = next(p for p in ("year", "month", "day") if p in kinds)
    first = {"day": start, "month": f"{start}-01", "year": f"{start}-01-01"}[kinds[0]]
    last = {"day": end, "month": end and month_end(end), "year": f"{end}-12-31"}[kinds[1]]
    note = ""
    if kinds[1] != "day" and published and first <= published < last:
        last = published
        note = f"field_end set to {published}, the wave's earliest source date"
    if last < first:
        raise SystemExit(f"field dates out of order: {start!r}..{end!r}")
    return first, last, precision, note


def sample_size(
    n_text: str,
    survey: str,
    wave: str,
    iso2: str,
    aggregate: bool,
    approx_text: str = "",
    published: tuple[str, str] | None = None,
) -> tuple[str, str, str]:
    """(n, n_basis, note); ``published`` is the wave-country entry of :func:`country_n`."""
    note = ""
    if not n_text and published:
        n_text, note = published[0], f"n: published for this wave and country on {published[1]}"
    if n_text:
        if not n_text.isdigit():
            raise SystemExit(f"n is not an integer: {n_text!r}")
        if aggregate:
            return n_text, "published_total", ""
        approx = re.search(rf"~\s*({int(n_text):,}|{n_text})\b", approx_text)
        return n_text, "published_approx" if approx else "published_country", note
    if aggregate:
        total = WAVE_TOTAL_N.get((wave, iso2))
        if total:
            return str(total), "published_total", "n: survey total from SURVEYS_NOTES wave table"
        return "", "", ""
    if (wave, iso2) in WAVE_COUNTRY_N:
        n = WAVE_COUNTRY_N[(wave, iso2)]
        return str(n), "published_country", "n: country sample from SURVEYS_NOTES wave table"
    if survey in DESIGN_N:
        default, special = DESIGN_N[survey]
        return str(special.get(iso2, default)), "standard_wave_design", ""
    return "", "", ""


def pct_text(text: str, row_id: str) -> str:
    """Share as canonical decimal text, checked to lie in [0, 100]."""
    if not re.fullmatch(r"\d+(?:\.\d+)?", text) or not 0 <= float(text) <= 100:
        raise SystemExit(f"{row_id}: pct {text!r} is not a number in [0, 100]")
    return fmt_decimal(text)


def survey_columns(
    r: Any, iso2: str, aggregate: bool, wave: tuple[str, str], ns: dict
) -> dict[str, str]:
    """The columns both survey panels share, from one verified source row.

    ``wave`` is the row's entry of :func:`wave_info`, ``ns`` the result of :func:`country_n`.
    """
    published, wave_text = wave
    start, end, precision, date_note = field_dates(r.field_start, r.field_end, published)
    n, basis, n_note = sample_size(
        r.n, r.survey, r.wave, iso2, aggregate, wave_text, ns.get((r.survey, r.wave, r.iso2))
    )
    return {
        "row_id": r.id,
        "survey": r.survey,
        "wave": r.wave,
        "pollster": r.pollster,
        "sponsor": r.sponsor,
        "field_start": start,
        "field_end": end,
        "date_precision": precision,
        "country": r.country,
        "iso2": iso2,
        "aggregate": "true" if aggregate else "false",
        "nato_member": "true" if iso2 in REGIONS else "false",
        "region": region(iso2),
        "population": r.population,
        "n": n,
        "n_basis": basis,
        "_notes": join_notes(r.notes, date_note, n_note),
    }


SURVEY_FIELDS: dict[str, tuple[str, str]] = {
    "row_id": ("string", "Id of the source row in shared/facts/panel (PUxxxx / PSxxxx)."),
    "survey": ("string", "Survey or tracker."),
    "wave": ("string", "Wave key (joins rows of one fieldwork)."),
    "pollster": ("string", "Fieldwork agency as given."),
    "sponsor": ("string", "Commissioning body, if any."),
    "field_start": ("date", "First day of fieldwork (see date_precision)."),
    "field_end": ("date", "Last day of fieldwork (see date_precision)."),
    "date_precision": ("string", "day, month or year: precision of the source's field dates."),
    "country": ("string", "Country (or aggregate) as named in the source row."),
    "iso2": ("string", "ISO 3166-1 alpha-2 code; aggregates EU (EU27) and ECFR12."),
    "aggregate": ("boolean", "true for EU27 / multi-country averages: not a country sample."),
    "nato_member": (
        "boolean",
        "true for the 30 NATO members of November 2022; false for aggregates and for the EU "
        "non-members (AT, CY, FI, IE, MT, SE), shipped to calibrate items shared with members.",
    ),
    "region": (
        "string",
        "Regional group (members; non-members get the group they would be pooled in); empty "
        "for aggregates.",
    ),
    "population": ("string", "Population and mode as given in the source row."),
    "n": ("integer", "Sample size of this country (or aggregate) where documented; see n_basis."),
    "n_basis": (
        "string",
        "published_country, published_approx, published_total, standard_wave_design or "
        "empty (see description).",
    ),
}
TAIL_FIELDS: dict[str, tuple[str, str]] = {
    "source_url": ("string", "Where the figure was read."),
    "source_date": ("string", "Date (or year-month, year) of the source."),
    "source_quality": ("string", "primary, secondary(outlet) or derived, as in the facts."),
    "same_cell_rows": (
        "string",
        "Other shipped rows for the same survey, wave, country and item (space-separated "
        "row ids): duplicates or conflicting reports of one figure; use one of them.",
    ),
    "notes": ("string", "Caveats from the facts plus build notes."),
}


def same_cell(df: pd.DataFrame, key: list[str]) -> pd.Series:
    """For each row, the ids of the other rows with the same ``key`` values."""
    groups = df.groupby(key, sort=False)["row_id"].transform(lambda s: " ".join(s))
    return pd.Series(
        [
            " ".join(i for i in g.split() if i != r)
            for g, r in zip(groups, df["row_id"], strict=True)
        ],
        index=df.index,
    )


def left_out(row_id: str, reason: str) -> dict[str, str]:
    return {"fact_id": row_id, "reason": reason}


def members_without(df: pd.DataFrame, members: dict[str, str]) -> list[str]:
    """Sorted ISO codes of the 30 members with no row in ``df``."""
    return sorted(set(members) - set(df["iso2"]))


def source_title(row: pd.Series) -> str:
    return f"{row['survey']}, {row['wave']} ({urlparse(row['source_url']).netloc})"


def source_date_text(text: str) -> str:
    """Leading ISO date / year-month / year of a source date ("2026 (undated)" -> "2026")."""
    prefix = iso_prefix(text)
    if prefix:
        return prefix
    m = re.match(r"^(\d{4})\b", text)
    return m.group(1) if m else ""
