"""``nato_members_2022``: the 30 members of November 2022 and their next national election."""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd

from .common import ISO2, REGIONS, join_notes
from .elections import WINDOW_START, election_events
from .provenance import Context, source_list

NAME = "nato_members_2022"

# Members without a government-forming election in the facts after 2022-11-15.
NEXT_ELECTION_UNVERIFIED: dict[str, tuple[str, str, str]] = {
    "LV": (
        "2026-10-03",
        "parliamentary (Saeima)",
        "first Saturday of October every four years; not verified against a source",
    ),
    "DK": ("", "general (Folketing)", "due by 2026-10-31; date not verified against a source"),
    "HU": ("", "parliamentary", "due spring 2026; date not verified against a source"),
    "IT": ("", "general", "due by 2027; date not verified against a source"),
    "SI": ("", "parliamentary", "due 2026; date not verified against a source"),
}

NATO_FIELDS: dict[str, tuple[str, str]] = {
    "iso2": ("string", "ISO 3166-1 alpha-2 code."),
    "name": ("string", "Country name as in the source list."),
    "region": (
        "string",
        "Baltic, Nordic, Central-Eastern, Western, Southern or North American.",
    ),
    "joined": ("integer", "Year of NATO accession."),
    "next_election": (
        "date",
        "First government-forming national election after 2022-11-15 (empty if unknown).",
    ),
    "election_type": ("string", "Kind of that election."),
    "election_date_verified": ("string", "yes = date read in a cited source; no = not."),
    "election_source_url": ("string", "Source of the date (empty when not verified)."),
    "notes": ("string", "Run-offs, repeat elections, unverified dates."),
    "member_fact_id": ("string", "facts_aid.csv row of the membership record."),
    "election_fact_id": ("string", "facts_aid.csv row of the election (if verified)."),
}


def build_nato(aid: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    members = aid[(aid["record_type"] == "nato_member") & (aid["verified"] == "yes")]
    if len(members) != 30:
        raise SystemExit(f"expected 30 verified NATO members, found {len(members)}")
    rows = []
    for r in members.itertuples(index=False):
        iso = ISO2[r.country_or_donor]
        ev = events[
            (events["iso2"] == iso)
            & (events["government_forming"] == "yes")
            & (events["election_date_verified"] == "yes")
            & (events["date"] > WINDOW_START)
        ]
        if len(ev):
            e = ev.sort_values("date").iloc[0]
            extra = (
                f"second date (run-off, repeat election or last voting day): {e['date_end']}"
                if e["date_end"]
                else ""
            )
            rows.append(
                {
                    "iso2": iso,
                    "name": r.country_or_donor,
                    "region": REGIONS[iso],
                    "joined": r.value,
                    "next_election": e["date"],
                    "election_type": e["election"],
                    "election_date_verified": "yes",
                    "election_source_url": e["source_url"],
                    "notes": extra,
                    "member_fact_id": r.id,
                    "election_fact_id": e["fact_id"],
                }
            )
        else:
            date, kind, note = NEXT_ELECTION_UNVERIFIED[iso]
            rows.append(
                {
                    "iso2": iso,
                    "name": r.country_or_donor,
                    "region": REGIONS[iso],
                    "joined": r.value,
                    "next_election": date,
                    "election_type": kind,
                    "election_date_verified": "no",
                    "election_source_url": "",
                    "notes": join_notes(
                        "no government-forming election after 2022-11-15 in the facts", note
                    ),
                    "member_fact_id": r.id,
                    "election_fact_id": "",
                }
            )
    df = pd.DataFrame(rows, columns=list(NATO_FIELDS), dtype=str)
    return df.sort_values("iso2", kind="mergesort").reset_index(drop=True)


def build(ctx: Context) -> int:
    aid = ctx.sheet("facts_aid")
    nato = build_nato(aid, election_events(aid))
    member_sources = aid[aid["record_type"] == "nato_member"].iloc[:1]
    return ctx.write(
        NAME,
        nato,
        {
            "title": "The 30 NATO members in November 2022 and their next national election",
            "description": (
                "One row per member as of November 2022 (Finland joined in 2023, Sweden in "
                "2024), with accession year, regional group and the first government-forming "
                "national election after 2022-11-15 (parliamentary, or presidential where it "
                "decides the government: US; for France the 2024 snap legislative election is "
                "the next government-forming one). Dates come from verified facts "
                "(election_date_verified = yes, with the source URL). Where the facts have no "
                "such election (DK, HU, IT, LV, SI: next due 2026-27), the date is filled only "
                "where fixed by law (LV) and marked election_date_verified = no; otherwise it "
                "is empty with the due year in `notes`. Full calendar: nato_elections_2022_2024."
            ),
            "opinion_kind": "table",
            "sources": [
                {
                    "title": "NATO member countries and accession years (eata.ee)",
                    "path": member_sources["source_url"].iloc[0],
                    "date": None,
                },
                *source_list(
                    nato.rename(columns={"election_source_url": "source_url"}).assign(
                        source_date=""
                    ),
                    lambda r: (
                        f"Election of {r['name']}: {r['election_type']} "
                        f"({urlparse(r['source_url']).netloc})"
                    ),
                ),
            ],
            "fact_ids": sorted(
                {f for f in [*nato["member_fact_id"], *nato["election_fact_id"]] if f}
            ),
            "build": ctx.build_info(),
        },
        NATO_FIELDS,
        verified=ctx.verified_ids(),
        id_columns=("member_fact_id", "election_fact_id"),
    )
