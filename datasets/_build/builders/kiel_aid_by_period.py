"""``kiel_aid_by_period``: Kiel Ukraine Support Tracker allocations by period (Release 29).

One row per verified ``aid_derived`` row of ``panel/aid_by_period.csv`` for a member donor
or the EU institutions, tidy: donor, period, measure, value, unit.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from . import panel
from .common import ISO2, fmt_decimal, month_end
from .provenance import FACTS_LICENSE, Context, unverified_ids, verified_rows

NAME = "kiel_aid_by_period"
RELEASE = "Kiel UST Release 29 (period 04/2026) data explorer, via GitHub mirror"
SOURCE = (
    "https://github.com/UkraineSupportTrackerWebsite/ukraine-support-tracker/blob/"
    "ddf24c0f8f36dbe0ffb85822d5f45a732440a617/data/data_explorer.csv"
)

DONOR_CODES = {"Turkiye": "TR", "EU (Commission and Council)": "EU"}
MEASURES: dict[str, tuple[str, str]] = {
    "cumulative allocations (mil+fin+hum), Release-29 vintage": (
        "allocations_total_cumulative",
        "military + financial + humanitarian allocations from 2022-01 to the cut-off, EUR bn",
    ),
    "cumulative allocations as % of GDP (file gdp column, fixed base)": (
        "allocations_total_cumulative_pct_gdp",
        "allocations_total_cumulative / the file's gdp column (constant across years; base "
        "year not stated, probably 2021), % of GDP; not given for the EU institutions",
    ),
    "cumulative military allocations, Release-29 vintage": (
        "allocations_military_cumulative",
        "military allocations from 2022-01 to the cut-off, EUR bn",
    ),
    "cumulative commitments column, Release-29 vintage": (
        "commitments_cumulative",
        "sum of the file's `commitments` column from 2022-01 to the cut-off (dated by "
        "commitment month; definition per Kiel's site), EUR bn",
    ),
    "allocations within period (flow), Release-29 vintage": (
        "allocations_total_period",
        "allocations within the interval since the previous cut-off (not given for the first "
        "cut-off, where it equals the cumulative figure), EUR bn",
    ),
}

FIELDS: dict[str, tuple[str, str]] = {
    "row_id": ("string", "Id of the source row in shared/facts/panel/aid_by_period.csv."),
    "donor": ("string", "Donor as named in the source row."),
    "iso2": ("string", "ISO 3166-1 alpha-2 code; EU = EU institutions (Commission, Council)."),
    "aggregate": ("boolean", "true for the EU institutions (not a member country)."),
    "period": ("string", "Cut-off month (YYYY-MM): data to the end of this month."),
    "period_start": ("date", "First day covered (2022-01-01 for cumulative measures)."),
    "period_end": ("date", "Last day covered (end of the cut-off month)."),
    "measure": ("string", "Measure id (see measures)."),
    "value": ("number", "Value in `unit`."),
    "unit": ("string", "EUR bn or % GDP."),
}


def period_bounds(text: str) -> tuple[str, str, str]:
    """'2022-01..2022-10' -> ('2022-10', '2022-01-01', '2022-10-31')."""
    m = re.fullmatch(r"(\d{4}-\d{2})\.\.(\d{4}-\d{2})", text)
    if not m:
        raise SystemExit(f"unparsed Kiel period {text!r}")
    return m.group(2), f"{m.group(1)}-01", month_end(m.group(2))


def convert(r: Any, iso2: str) -> dict[str, str]:
    if r.measure not in MEASURES:
        raise SystemExit(f"{r.id}: unknown measure {r.measure!r}")
    period, start, end = period_bounds(r.data_cutoff_or_date)
    return {
        "row_id": r.id,
        "donor": r.country_or_donor,
        "iso2": iso2,
        "aggregate": "true" if iso2 == "EU" else "false",
        "period": period,
        "period_start": start,
        "period_end": end,
        "measure": MEASURES[r.measure][0],
        "value": fmt_decimal(r.value),
        "unit": r.unit,
    }


def build(ctx: Context) -> int:
    source = ctx.sheet(panel.AID)
    members = panel.nato_members(ctx)
    rows, excluded = [], []
    for r in verified_rows(source).itertuples(index=False):
        iso2 = DONOR_CODES.get(r.country_or_donor) or ISO2.get(r.country_or_donor, "")
        if (r.record_type, r.release_or_list, r.source_url) != ("aid_derived", RELEASE, SOURCE):
            reason = (
                f"release-vintage figure ({r.release_or_list}), not Release 29: a different "
                "vintage and often a different concept or aggregate"
            )
        elif iso2 != "EU" and iso2 not in members:
            reason = f"{r.country_or_donor} is not one of the 30 NATO members of Nov 2022"
        else:
            rows.append(convert(r, iso2))
            continue
        excluded.append(panel.left_out(r.id, reason))
    df = pd.DataFrame(rows, columns=list(FIELDS), dtype=str)
    if df.duplicated(["iso2", "period", "measure"]).any():
        raise SystemExit(f"{NAME}: duplicate donor x period x measure rows")
    return ctx.write(
        NAME,
        df,
        {
            "title": "Aid to Ukraine by donor and period: Kiel Ukraine Support Tracker, Release 29",
            "description": DESCRIPTION,
            "opinion_kind": "table",
            "licenses": [
                {
                    **FACTS_LICENSE,
                    "title": (
                        "Compilation and build script: MIT, like the project. The values are "
                        "sums computed from the Kiel Institute's Ukraine Support Tracker "
                        "Release 29 data file, which carries no licence: the raw file is not "
                        "redistributed here; cite Kiel when using these figures."
                    ),
                }
            ],
            "sources": [
                {
                    "title": (
                        "Kiel Institute for the World Economy, Ukraine Support Tracker, Release "
                        "29 (period 04/2026) data explorer file, GitHub mirror of the tracker "
                        "website (commit ddf24c0)"
                    ),
                    "path": SOURCE,
                    "date": "2026-08-04",
                }
            ],
            "citation": (
                "Kiel Institute for the World Economy, Ukraine Support Tracker (Trebesch et "
                "al.), Release 29, period 04/2026, released 2026-08-04."
            ),
            "fact_ids": sorted(df["row_id"]),
            "excluded": excluded,
            "unverified_not_used": unverified_ids(source),
            "measures": {mid: doc for mid, doc in MEASURES.values()},
            "build": ctx.build_info(panel.AID, "facts_aid"),
        },
        FIELDS,
        verified=ctx.verified_ids(panel.AID),
        id_columns=("row_id",),
    )


DESCRIPTION = (
    "ONE LATE VINTAGE, NOT WHAT WAS KNOWN AT EACH DATE: every value is a sum computed from "
    "the Kiel Institute's Ukraine Support Tracker Release 29 data (period 04/2026, released "
    "2026-08-04), back-dated by allocation month. Earlier releases published other numbers "
    "for the same periods (US commitments were 'just over EUR 52bn' at the 2022-10-03 "
    "cut-off and 'just under EUR 48bn' in the Dec-2022 update, while Release 29 counts about "
    "EUR 35.4bn of US allocations in calendar 2022: FACTS.md), so these figures describe aid "
    "as Kiel measures it now, not what voters or governments saw at the time; for "
    "release-vintage figures see kiel_aid_2022. Cite Kiel (see `citation`). Tidy: one row "
    "per donor x cut-off x measure (`measures`): cumulative allocations (total, military, % "
    "of GDP), cumulative commitments and the allocations within each interval, at the "
    "cut-offs Oct-2022, Jan-2023, Jul-2023, Oct-2023, Jan-2024, Apr-2024, Oct-2024, Dec-2024, "
    "Jun-2025 and Dec-2025 (`period` = cut-off month; cumulative measures run from "
    "2022-01-01, interval measures from the month after the previous cut-off). Months absent "
    "from Kiel's file count as zero. Every row is derived (source_quality 'derived' in the "
    "facts) from the one file in `sources`: Kiel's Release 29 data explorer, GitHub mirror of "
    "the tracker website, commit ddf24c0. Donors: the members of November 2022 in the file "
    "(Albania, Montenegro and North Macedonia are not in it) and the EU institutions (`iso2` "
    "EU, `aggregate` true); Finland and Sweden (members only from 2023/2024) and the "
    "release-vintage rows of the source file (other vintages and aggregates such as "
    "'Europe') are listed in `excluded`. Allocations and commitments are different concepts: "
    "do not mix them, or this vintage with release-vintage figures, without saying so."
)
