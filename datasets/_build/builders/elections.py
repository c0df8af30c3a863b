"""National elections of the 30 NATO members from facts_aid.csv (record_type election).

Shared by ``nato_elections_2022_2024`` (the calendar) and ``nato_members_2022`` (next
government-forming election per member).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .common import ISO2, iso_prefix, join_notes

WINDOW_START = "2022-11-15"
WINDOW_END = "2024-12-31"

# Elections: fact ids whose dates are not of a simple form, parsed by hand from the text.
ELECTION_EVENTS: dict[str, list[dict[str, str]]] = {
    "AD116": [{"date": "2023-01-13", "date_end": "2023-01-28"}],
    "AD120": [{"date": "2023-05-21", "date_end": "2023-06-25"}],
    "AD127": [
        {
            "date": "2024-04-24",
            "date_end": "2024-05-08",
            "election": "presidential (2 rounds)",
            "government_forming": "no",
        },
        {
            "date": "2024-05-08",
            "date_end": "",
            "election": "parliamentary",
            "government_forming": "yes",
        },
    ],
    "AD136": [
        {
            "date": "2024-11-24",
            "date_end": "",
            "election": "presidential, first round (annulled 2024-12-06)",
            "government_forming": "no",
        },
        {
            "date": "2024-12-01",
            "date_end": "",
            "election": "parliamentary",
            "government_forming": "yes",
        },
    ],
}
# First-pass election rows (AD098-AD112) do not state whether they form a government; the build
# assigns it from the office elected and notes that it did so.
ASSIGNED_GOV_FORMING = {
    "AD098": "yes",
    "AD099": "yes",
    "AD100": "no",
    "AD101": "yes",
    "AD102": "yes",
    "AD103": "yes",
    "AD104": "no",
    "AD105": "no",
    "AD106": "yes",
    "AD107": "yes",
    "AD108": "yes",
    "AD109": "no",
    "AD110": "yes",
    "AD111": "no",
    "AD112": "yes",
}
# Election dates from general knowledge (not in the facts): election_date_verified = no.
UNVERIFIED_ELECTIONS: list[dict[str, str]] = [
    {
        "iso2": "SK",
        "election": "presidential, run-off",
        "date": "2024-04-06",
        "government_forming": "no",
        "notes": "run-off of the 2024-03-23 first round; not verified against a source",
    },
]

ELECTION_FIELDS: dict[str, tuple[str, str]] = {
    "iso2": ("string", "ISO 3166-1 alpha-2 code of the NATO member."),
    "name": ("string", "Country name."),
    "election": ("string", "Kind of national election (rounds in brackets)."),
    "date": ("date", "Election day (first round / first day / first vote)."),
    "date_end": ("date", "Last day, run-off or repeat election, when there is one."),
    "dates_text": ("string", "Dates as given in the facts."),
    "government_forming": ("string", "yes if the election decides the government, else no."),
    "election_date_verified": ("string", "yes = read in a cited source (facts verified=yes)."),
    "source_url": ("string", "Source of the date (empty when not verified)."),
    "source_date": ("string", "Date (or year-month) of the source."),
    "fact_id": ("string", "Id of the row in facts_aid.csv (empty when not verified)."),
    "notes": ("string", "Caveats; how government_forming was set."),
}


def gov_forming(row: Any) -> tuple[str, str]:
    """Government-forming flag of an election fact, plus a note on how it was set."""
    text = f"{row.measure} {row.notes}".lower()
    if "not government-forming" in text or "government-forming: no" in text:
        return "no", ""
    if "(government-forming)" in text or "government-forming: yes" in text:
        return "yes", ""
    if row.id in ASSIGNED_GOV_FORMING:
        return ASSIGNED_GOV_FORMING[row.id], (
            "government_forming assigned by the build from the office elected (not stated in "
            "the fact row)"
        )
    return "", ""


def election_events(aid: pd.DataFrame) -> pd.DataFrame:
    """All verified election facts of the 30 members as one row per election event."""
    members = set(aid.loc[aid["record_type"] == "nato_member", "country_or_donor"])
    rows = []
    sel = aid[(aid["record_type"] == "election") & (aid["verified"] == "yes")]
    for r in sel.itertuples(index=False):
        if r.country_or_donor not in members:
            continue  # Finland, Sweden (not members in Nov 2022), EU-wide EP elections
        flag, flag_note = gov_forming(r)
        base = {
            "iso2": ISO2[r.country_or_donor],
            "name": r.country_or_donor,
            "election": re.sub(r"\s*\(government-forming\)", "", r.measure),
            "dates_text": r.value,
            "government_forming": flag,
            "election_date_verified": "yes",
            "source_url": r.source_url,
            "source_date": iso_prefix(r.source_date),
            "fact_id": r.id,
            "notes": join_notes(r.notes, flag_note),
        }
        if r.id in ELECTION_EVENTS:
            events = ELECTION_EVENTS[r.id]
        else:
            dates = re.findall(r"\d{4}-\d{2}-\d{2}", r.value)
            m = re.fullmatch(r"(\d{4}-\d{2})-(\d{2})\.\.(\d{2})", r.value)
            if m:
                dates = [f"{m.group(1)}-{m.group(2)}", f"{m.group(1)}-{m.group(3)}"]
            if not dates:
                base["notes"] = join_notes(base["notes"], "day not given in the source")
                dates = [""]
            events = [{"date": dates[0], "date_end": dates[-1] if len(dates) > 1 else ""}]
        for ev in events:
            row = {**base, **ev}
            if row["government_forming"] not in ("yes", "no"):
                raise SystemExit(f"{r.id}: government-forming status unknown")
            rows.append(row)
    for ev in UNVERIFIED_ELECTIONS:
        name = next(k for k, v in ISO2.items() if v == ev["iso2"] and k in members)
        rows.append(
            {
                "iso2": ev["iso2"],
                "name": name,
                "election": ev["election"],
                "date": ev["date"],
                "date_end": "",
                "dates_text": "",
                "government_forming": ev["government_forming"],
                "election_date_verified": "no",
                "source_url": "",
                "source_date": "",
                "fact_id": "",
                "notes": ev["notes"],
            }
        )
    df = pd.DataFrame(rows, columns=list(ELECTION_FIELDS), dtype=str)
    return df.sort_values(["date", "iso2", "election"], kind="mergesort").reset_index(drop=True)
