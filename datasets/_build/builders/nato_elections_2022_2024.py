"""``nato_elections_2022_2024``: national elections in the 30 members, 2022-11-15..2024-12-31."""

from __future__ import annotations

from urllib.parse import urlparse

from .elections import ELECTION_FIELDS, WINDOW_END, WINDOW_START, election_events
from .provenance import Context, fact_ids_of, source_list

NAME = "nato_elections_2022_2024"


def build(ctx: Context) -> int:
    events = election_events(ctx.sheet("facts_aid"))
    cal = events[(events["date"] >= WINDOW_START) & (events["date"] <= WINDOW_END)]
    cal = cal.reset_index(drop=True)
    return ctx.write(
        NAME,
        cal,
        {
            "title": "National elections in the 30 NATO members, 2022-11-15 to 2024-12-31",
            "description": (
                "One row per national election (presidential, parliamentary, run-offs in "
                "`date_end`) in a country that was a NATO member in November 2022, from "
                "verified facts. `government_forming` says whether the vote decides the "
                "government (set by the build, and noted, for first-pass rows that do not say). "
                "Multi-vote fact rows are split (North Macedonia 2024: presidential and "
                "parliamentary; Romania 2024: annulled presidential first round and "
                "parliamentary). One date from general knowledge is included with "
                "election_date_verified = no (Slovakia's 2024 presidential run-off). European "
                "Parliament elections and Finland/Sweden are not included."
            ),
            "opinion_kind": "table",
            "sources": source_list(
                cal[cal["source_url"] != ""],
                lambda r: f"{r['name']} {r['election']} ({urlparse(r['source_url']).netloc})",
            ),
            "fact_ids": fact_ids_of(cal),
            "build": ctx.build_info(),
        },
        ELECTION_FIELDS,
        verified=ctx.verified_ids(),
    )
