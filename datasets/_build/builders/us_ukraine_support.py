"""``us_ukraine_support``: US polls on aiding and arming Ukraine (facts_us_ukraine.csv)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .common import fmt_decimal, iso_date, iso_prefix, join_notes, quality_note, slug
from .polls import (
    SUBGROUPS,
    blank_record,
    mode_code,
    parse_moe,
    parse_n,
    population_code,
    split,
    write_poll_dataset,
)
from .provenance import Context, unverified_ids, verified_rows

NAME = "us_ukraine_support"

# question_short (facts) -> (question_id, question_format)
US_QUESTIONS: dict[str, tuple[str, str]] = {
    "US should continue to support Ukraine despite Russian nuclear threats": (
        "ipsos_support_despite_nuclear_threats",
        "binary",
    ),
    "US should continue providing weapons to Ukraine": ("ipsos_continue_weapons", "binary"),
    "US should continue providing financial aid to Ukraine": (
        "ipsos_continue_financial_aid",
        "binary",
    ),
    "afraid US is heading toward nuclear war with Russia": ("ipsos_fear_nuclear_war", "binary"),
    "concerned war may escalate if Ukraine gets longer-range weapons": (
        "ipsos_escalation_longer_range_weapons",
        "binary",
    ),
    "Ukraine's problems are not our business": ("ipsos_not_our_business", "binary"),
    "more likely to back candidate supporting continued military aid": (
        "ipsos_candidate_military_aid",
        "binary",
    ),
    "more likely to back candidate supporting Ukrainian refugees": (
        "ipsos_candidate_refugees",
        "binary",
    ),
    "worry a great deal/fair amount about Ukrainian people": ("ipsos_worry_ukrainians", "binary"),
    "approve Biden handling of Ukraine": ("ipsos_biden_ukraine_approval", "binary"),
    "support backing Ukraine until all Russian forces withdrawn": (
        "ipsos_back_until_withdrawal",
        "binary",
    ),
    "support providing arms (guns, anti-tank weapons) to Ukraine": (
        "ipsos_provide_arms",
        "binary",
    ),
    "support sending US troops to Ukraine": ("ipsos_send_troops", "binary"),
    "US support to Ukraine: too much / about right / not enough": (
        "pew_support_amount",
        "multi_option",
    ),
    "US doing too much / right amount / not doing enough to help Ukraine": (
        "gallup_help_ukraine_amount",
        "multi_option",
    ),
    "support Ukraine reclaiming territory even if prolonged conflict vs end quickly": (
        "gallup_reclaim_vs_end_quickly",
        "binary",
    ),
    "reclaim territory even if prolonged / end quickly even if Russia keeps territory": (
        "gallup_reclaim_vs_end_quickly",
        "binary",
    ),
    "reclaim territory vs end quickly": ("gallup_reclaim_vs_end_quickly", "binary"),
    "favor US providing weapons to Ukraine": ("apnorc_provide_weapons", "multi_option"),
    "favor/oppose US providing weapons to Ukraine": ("apnorc_provide_weapons", "multi_option"),
    "favor/oppose sending government funds directly to Ukraine": (
        "apnorc_send_funds",
        "multi_option",
    ),
    "US role in Russia-Ukraine situation": ("apnorc_us_role", "multi_option"),
    "support US policy toward Ukraine": ("ccga_support_policy", "binary"),
    "support Ukraine as long as it takes even if higher gas/food prices vs urge settlement": (
        "ccga_as_long_as_it_takes",
        "multi_option",
    ),
    "support Ukraine as long as it takes vs urge settlement": (
        "ccga_as_long_as_it_takes",
        "multi_option",
    ),
    "help Ukraine without risking direct US-Russia war vs even if risking war": (
        "quinnipiac_help_without_risking_war",
        "binary",
    ),
    "approve NATO decision not to enforce no-fly zone": (
        "quinnipiac_approve_no_fly_zone_decision",
        "binary",
    ),
    "US military aid to Ukraine should be increased/maintained/decreased": (
        "economist_yougov_military_aid_level",
        "multi_option",
    ),
}
# "support US policy toward Ukraine" is a battery (one binary item per policy): the policy is
# part of the question, so each policy gets its own question_id suffix and response "support".
US_BATTERY_QUESTIONS = {"ccga_support_policy"}

US_POLL_SLUGS: dict[str, str] = {
    "Ipsos": "ipsos",
    "Pew Research Center": "pew",
    "Pew Research Center (Global Attitudes, spring 2024)": "pew_global",
    "Gallup": "gallup",
    "AP-NORC": "apnorc",
    "Ipsos (KnowledgePanel)": "ccga_ipsos",
    "Quinnipiac University": "quinnipiac",
    "YouGov": "economist_yougov",
}


def convert_us(row: pd.Series) -> dict[str, Any] | None:
    """One verified row of facts_us_ukraine.csv -> a poll record."""
    rec = blank_record()
    qid, fmt = US_QUESTIONS[row["question_short"]]
    response = row["option"].lower()
    notes = [quality_note(row["source_quality"])]
    if qid in US_BATTERY_QUESTIONS:
        qid = f"{qid}_{slug(row['option'])}"
        notes.append(f"battery item: {row['option']}")
        response = "support"
    slug_ = US_POLL_SLUGS[row["pollster"]]
    start, end = iso_date(row["field_start"]), iso_date(row["field_end"])
    end_key = end or iso_prefix(row["field_end"]) or slug(row["field_end"])
    n, n_note = parse_n(row["n"])
    moe, moe_note = parse_moe(row["moe"])
    if row["id"] == "US001":
        moe, moe_note = (
            "",
            (
                "moe left empty: Mediaite reports ±4 but the Ipsos credibility interval was not "
                "captured (FACTS.md §5)"
            ),
        )
    mode, mode_note = mode_code(row["population"], row["notes"])
    if row["pollster"] == "Gallup" and "web survey" in row["population"].lower():
        mode = "online"
    rec.update(
        poll_id=f"{slug_}_{end_key}",
        pollster=row["pollster"],
        sponsor=row["sponsor"],
        start_date=start,
        end_date=end,
        population=population_code(row["population"]),
        mode=mode,
        country="US",
        n=n if n is not None else "",
        question_id=qid,
        question_text=row["question_short"],
        question_format=fmt,
        subgroup=SUBGROUPS[row["subgroup"]],
        response=response,
        pct=fmt_decimal(row["pct"]),
        moe=moe,
        source_url=row["source_url"],
        source_date=iso_prefix(row["source_date"]),
        fact_id=row["id"],
    )
    if row["pollster"] == "Pew Research Center (Global Attitudes, spring 2024)":
        rec["pollster"] = "Pew Research Center"
        notes.append("Pew Global Attitudes spring 2024 survey (not the ATP)")
    notes += [row["notes"], n_note, moe_note, mode_note]
    rec["notes"] = join_notes(*notes)
    rec["_n_text"], rec["_start_text"], rec["_end_text"] = (
        row["n"],
        row["field_start"],
        row["field_end"],
    )
    return rec


def records(ctx: Context) -> list[dict[str, Any]]:
    """Poll records of every verified row of facts_us_ukraine.csv (file order)."""
    recs = [convert_us(r) for _, r in verified_rows(ctx.sheet("facts_us_ukraine")).iterrows()]
    return [r for r in recs if r]


def build(ctx: Context) -> int:
    keep, excluded, _ = split(records(ctx), NAME)
    return write_poll_dataset(
        ctx,
        NAME,
        keep,
        excluded,
        {
            "title": "US opinion on aiding and arming Ukraine, 2022-2024",
            "description": (
                "Published toplines of US polls on support for Ukraine (Ipsos/Reuters, Pew, "
                "Gallup, AP-NORC, Chicago Council/Ipsos, Quinnipiac, Economist/YouGov), one row "
                "per poll x question x subgroup x response. Only verified facts with a published "
                "sample size and full field dates; the others are listed in `excluded` and kept "
                "in the table `poll_figures_incomplete`. Question series are NOT interchangeable "
                "(Pew 'too much/about right/not enough support' vs Gallup 'too much/right "
                "amount/not enough to help' vs AP-NORC favor/oppose weapons). Subgroup rows carry "
                "the poll's total n; subgroup sizes are not published. "
                "Unverified rows are never used (`unverified_not_used`)."
            ),
            "unverified_not_used": unverified_ids(ctx.sheet("facts_us_ukraine")),
        },
    )
