"""``government_changes``: elections and changes of head of government in NATO members.

One row per verified row of ``panel/government_changes.csv`` in a member country.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from . import panel
from .provenance import Context, source_list, unverified_ids, verified_rows

NAME = "government_changes"

POSITION_CHANGES: dict[str, str] = {
    "more_support": "the new government / office-holder is more supportive of aiding Ukraine",
    "less_support": "less supportive (campaign positions and later acts)",
    "same": "no change in the country's Ukraine position",
    "unclear": "the sources do not settle it",
}


def change_dates(text: str) -> tuple[str, str, str]:
    """(date, date_end, precision) from '2025-10-03', '2025-10-03..04' or '2025-12'."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text, "", "day"
    m = re.fullmatch(r"(\d{4}-\d{2})-(\d{2})\.\.(\d{2})", text)
    if m:
        return f"{m.group(1)}-{m.group(2)}", f"{m.group(1)}-{m.group(3)}", "day"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{text}-01", "", "month"
    raise SystemExit(f"unparsed government-change date {text!r}")


FIELDS: dict[str, tuple[str, str]] = {
    "change_id": ("string", "Id of the source row in shared/facts/panel/government_changes.csv."),
    "date": ("date", "Election day or date of the change (month-only: first day)."),
    "date_end": ("date", "Last day of a multi-day election, else empty."),
    "date_precision": ("string", "day or month."),
    "iso2": ("string", "ISO 3166-1 alpha-2 code of the member."),
    "country": ("string", "Country as given."),
    "region": ("string", "Regional group of the member."),
    "election_type": ("string", "Kind of election or change, as given (says government-forming)."),
    "winner_or_new_government": ("string", "Winner or new government, as given."),
    "party_family": ("string", "Party family of the winner / new government, as given."),
    "ukraine_position_change": (
        "string",
        "more_support, less_support, same or unclear: the compiler's coding (basis in notes).",
    ),
    "source_url": ("string", "Where the change was read."),
    "source_date": ("string", "Date (or year-month) of the source."),
    "source_quality": ("string", "primary or secondary, as in the facts."),
    "notes": ("string", "Basis of the position coding and caveats."),
}


def convert(r: Any, iso2: str) -> dict[str, str]:
    if r.ukraine_position_change not in POSITION_CHANGES:
        raise SystemExit(f"{r.id}: unknown ukraine_position_change {r.ukraine_position_change!r}")
    date, date_end, precision = change_dates(r.date)
    return {
        "change_id": r.id,
        "date": date,
        "date_end": date_end,
        "date_precision": precision,
        "iso2": iso2,
        "country": r.country,
        "region": panel.region(iso2),
        "election_type": r.election_type,
        "winner_or_new_government": r.winner_or_new_government,
        "party_family": r.party_family,
        "ukraine_position_change": r.ukraine_position_change,
        "source_url": r.source_url,
        "source_date": panel.source_date_text(r.source_date),
        "source_quality": r.source_quality,
        "notes": r.notes,
    }


def build(ctx: Context) -> int:
    source = ctx.sheet(panel.GOVERNMENT)
    members = panel.nato_members(ctx)
    rows, excluded = [], []
    for r in verified_rows(source).itertuples(index=False):
        iso2, _, reason = panel.place(r.country, r.iso2, members)
        if reason:
            excluded.append(panel.left_out(r.id, reason))
        else:
            rows.append(convert(r, iso2))
    df = pd.DataFrame(rows, columns=list(FIELDS), dtype=str)
    df = df.sort_values(["date", "change_id"], kind="mergesort").reset_index(drop=True)
    return ctx.write(
        NAME,
        df,
        {
            "title": "Elections and changes of government in NATO members, 2022-2025",
            "description": DESCRIPTION,
            "opinion_kind": "table",
            "sources": source_list(
                df,
                lambda r: (
                    f"{r['country']} {r['date']}: {r['election_type']} "
                    f"({urlparse(r['source_url']).netloc})"
                ),
            ),
            "fact_ids": sorted(df["change_id"]),
            "excluded": excluded,
            "unverified_not_used": unverified_ids(source),
            "ukraine_position_changes": POSITION_CHANGES,
            "build": ctx.build_info(panel.GOVERNMENT, "facts_aid"),
        },
        FIELDS,
        verified=ctx.verified_ids(panel.GOVERNMENT),
        id_columns=("change_id",),
    )


DESCRIPTION = (
    "Elections and changes of head of government (new governments, PM replacements, "
    "coalition collapses, presidential run-offs) in the 30 NATO members of November 2022, "
    "2022-2025, with the winner, party family and a coded change in the country's Ukraine "
    "position, for an event model (government change and election proximity). One row per "
    "VERIFIED row of shared/facts/panel/government_changes.csv (`change_id`), sorted by "
    "date. Left out: unverified rows (`unverified_not_used`; EVENTS_NOTES.md says what is "
    "unverified in each) and non-members (Finland, Sweden; `excluded`). `ukraine_position_change` "
    "(`ukraine_position_changes`) is the compiler's classification from sourced campaign "
    "positions and later events, with its basis in `notes`; DE 2025 (Merz) more_support is a "
    "judgment from Kiel allocations. `election_type` says whether an election is "
    "government-forming. Month-only dates are the first day of the month (`date_precision` "
    "month); a two-day election has `date_end`. Election dates can be cross-checked with "
    "nato_elections_2022_2024."
)
