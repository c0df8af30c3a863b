"""``ecfr_peace_justice_2022``: ECFR 'Peace versus Justice' camps, May 2022 (facts_europe)."""

from __future__ import annotations

from . import europe_facts
from .polls import split, write_poll_dataset
from .provenance import Context, unverified_ids

NAME = "ecfr_peace_justice_2022"


def build(ctx: Context) -> int:
    recs, _ = europe_facts.records(ctx)
    ecfr, _, _ = europe_facts.partition(recs)
    keep, excluded, _ = split(ecfr, NAME)
    eu = ctx.sheet("facts_europe")
    return write_poll_dataset(
        ctx,
        NAME,
        keep,
        excluded,
        {
            "title": "ECFR 'Peace versus Justice' camps, 10 European countries, May 2022",
            "description": (
                "ECFR's May-2022 survey (fieldwork 2022-04-28..05-11, n = 8,172 adults in 10 "
                "countries): shares of the 'Peace' camp (end the war as soon as possible), the "
                "'Justice' camp (punish Russia / restore Ukraine's territory) and swing voters, "
                "and the share naming Russia as responsible for the war. The survey is one poll "
                "(`poll_id` ecfr_2022-05-11) with the 10-country total as subgroup 'all' "
                "(`country` empty) and each country as subgroup `country:<iso2>` (`country` "
                "set). `n` is the published 10-country total on every row; per-country sample "
                "sizes are NOT published, so `subgroup_n` is empty: do not use `n` as a "
                "country's sample size. Captured per-country figures are incomplete (no Peace "
                "share for GB, FI, PT; no Justice share for IT). The 10-country Justice share "
                "conflicts between sources (22 in the ECFR PDF copy vs 25 in a summary; 22 is "
                "kept). The fieldwork agency of this wave is not verified (later ECFR reports "
                "name YouGov/Datapraxis), so `pollster` is ECFR."
            ),
            "unverified_not_used": unverified_ids(eu[eu["survey"] == "ECFR Peace versus Justice"]),
        },
    )
