"""``kiel_aid_2022``: Kiel Ukraine Support Tracker figures from facts_aid.csv."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pandas as pd

from .common import ISO2, fmt_decimal, iso_date, iso_prefix, month_end, month_start
from .provenance import Context, fact_ids_of, source_list

NAME = "kiel_aid_2022"


def parse_value(text: str) -> tuple[str, str]:
    """Kiel value text -> (number text, qualifier) e.g. '>52' -> ('52', '>')."""
    m = re.fullmatch(r"(>=|<=|>|<|~)?\s*(\d+(?:\.\d+)?)", text.strip())
    if not m:
        return "", ""
    return fmt_decimal(m.group(2)), m.group(1) or ""


def parse_period(text: str) -> tuple[str, str, str]:
    """Kiel date text -> (cutoff_date, period_start, period_end)."""
    text = text.strip()
    if iso_date(text):
        return text, "", ""
    m = re.match(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text)
    if m:
        return "", m.group(1), m.group(2)
    m = re.match(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$", text)
    if m:
        return "", month_start(m.group(1)), month_end(m.group(2))
    return "", "", ""


KIEL_FIELDS: dict[str, tuple[str, str]] = {
    "fact_id": ("string", "Id of the row in facts_aid.csv."),
    "record_type": ("string", "aid_commitment (press-release figure) or aid_derived."),
    "release": ("string", "Kiel Ukraine Support Tracker release / update the figure is from."),
    "date_text": ("string", "Data cut-off or period as given in the facts."),
    "cutoff_date": ("date", "Data cut-off date when a single day is given."),
    "period_start": ("date", "Start of the period covered (month ranges: first day)."),
    "period_end": ("date", "End of the period covered (month ranges: last day)."),
    "donor": ("string", "Donor country, institution or aggregate as named in the source."),
    "donor_iso2": ("string", "ISO 3166-1 alpha-2 code when the donor is one country."),
    "measure": ("string", "What the value measures (commitments, allocations, % of GDP ...)."),
    "value": ("number", "The value as a number (see value_qualifier)."),
    "value_qualifier": ("string", "'>', '<' or '~' when the source gives a bound or approx."),
    "value_text": ("string", "The value exactly as given in the facts."),
    "unit": ("string", "Unit of value: 'EUR bn', '% GDP' or '%'."),
    "source_url": ("string", "Where the figure was read."),
    "source_date": ("string", "Date (or year-month) of the source."),
    "source_quality": ("string", "primary, secondary or derived (arithmetic on a source)."),
    "notes": ("string", "Caveats from the facts."),
}


def build_kiel(aid: pd.DataFrame) -> pd.DataFrame:
    rows = []
    sel = aid[aid["record_type"].str.startswith("aid") & (aid["verified"] == "yes")]
    for r in sel.itertuples(index=False):
        value, qual = parse_value(r.value)
        if not value:
            raise SystemExit(f"{r.id}: cannot parse value {r.value!r}")
        cutoff, p0, p1 = parse_period(r.data_cutoff_or_date)
        rows.append(
            {
                "fact_id": r.id,
                "record_type": r.record_type,
                "release": r.release_or_list,
                "date_text": r.data_cutoff_or_date,
                "cutoff_date": cutoff,
                "period_start": p0,
                "period_end": p1,
                "donor": r.country_or_donor,
                "donor_iso2": ISO2.get(r.country_or_donor, ""),
                "measure": r.measure,
                "value": value,
                "value_qualifier": qual,
                "value_text": r.value,
                "unit": r.unit,
                "source_url": r.source_url,
                "source_date": iso_prefix(r.source_date),
                "source_quality": r.source_quality,
                "notes": r.notes,
            }
        )
    return pd.DataFrame(rows, columns=list(KIEL_FIELDS), dtype=str)


def build(ctx: Context) -> int:
    aid = ctx.sheet("facts_aid")
    kiel = build_kiel(aid)
    return ctx.write(
        NAME,
        kiel,
        {
            "title": "Aid to Ukraine: Kiel Ukraine Support Tracker figures, 2022-2024",
            "description": (
                "Verified figures from the Kiel Institute's Ukraine Support Tracker press "
                "releases (May-2022 to Feb-2024 updates; record_type aid_commitment) and "
                "calendar-2022 allocations computed from the tracker's Release 29 data "
                "(record_type aid_derived, source_quality derived). Headline numbers change "
                "between releases and measures differ (commitments vs allocations, bilateral vs "
                "with EU share): always filter on `release` and `measure`. Values are numbers "
                "in `unit`; '>52' is stored as value 52 with value_qualifier '>'. Kiel's data "
                "files are not redistributed here, only figures quoted from their public pages."
            ),
            "opinion_kind": "table",
            "sources": source_list(
                kiel, lambda r: f"Kiel UST: {r['release']} ({urlparse(r['source_url']).netloc})"
            ),
            "fact_ids": fact_ids_of(kiel),
            "unverified_not_used": sorted(
                aid.loc[(aid["verified"] != "yes") & aid["record_type"].str.startswith("aid"), "id"]
            ),
            "build": ctx.build_info(),
        },
        KIEL_FIELDS,
        verified=ctx.verified_ids(),
    )
