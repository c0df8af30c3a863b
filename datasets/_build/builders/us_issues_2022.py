"""``us_issues_2022``: US issue salience around the 2022 midterms (facts_issues.csv)."""

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

NAME = "us_issues_2022"

ISSUE_NAMES: dict[str, str] = {
    "inflation": "inflation",
    "high cost of living/inflation": "inflation",
    "economy": "economy",
    "economy in general": "economy",
    "jobs and economy": "economy",
    "economy/jobs/inflation": "economy/jobs/inflation",
    "abortion": "abortion",
    "crime": "crime",
    "gun policy": "gun policy",
    "gun violence/mass shootings": "gun policy",
    "immigration": "immigration",
    "relations with Russia": "relations with russia",
    "Russia-Ukraine situation": "russia-ukraine situation",
    "war in Ukraine": "russia-ukraine situation",
    "climate change": "climate change",
    "climate/environment": "climate change",
    "government": "government",
    "government/poor leadership": "government",
    "gas prices": "gas prices",
    "net economic mentions": "net economic",
    "net economic problems": "net economic",
}
"""Issue labels of the sources -> one lower-case vocabulary used across sources."""

# series (facts_issues) -> (poll slug, pollster label, question_id, question_format)
ISSUE_SERIES: dict[str, tuple[str, str, str, str]] = {
    "2022 midterm exit poll (NBC, election night)": (
        "nep_nbc_election_night",
        "Edison Research",
        "exit_most_important_issue",
        "single_choice",
    ),
    "2022 midterm exit poll (NBC, final weights)": (
        "nep_nbc_final",
        "Edison Research",
        "exit_most_important_issue",
        "single_choice",
    ),
    "2022 midterm exit poll (CBS, early wave)": (
        "nep_cbs_early",
        "Edison Research",
        "exit_most_important_issue",
        "single_choice",
    ),
    "Gallup midterm issue importance": (
        "gallup",
        "Gallup",
        "gallup_issue_importance_2022",
        "rating",
    ),
    "Gallup Most Important Problem (annual average 2022)": (
        "gallup_mip_average",
        "Gallup",
        "gallup_mip_2022_average",
        "multi_mention",
    ),
    "Gallup MIP monthly": ("gallup", "Gallup", "gallup_mip", "multi_mention"),
    "Gallup MIP monthly (net economic)": (
        "gallup",
        "Gallup",
        "gallup_mip_net_economic",
        "binary",
    ),
    "Reuters/Ipsos most important problem": (
        "ipsos",
        "Ipsos",
        "ipsos_most_important_problem",
        "single_choice",
    ),
    "ABC News/Ipsos single most important issue": (
        "abc_ipsos",
        "Ipsos",
        "abc_ipsos_most_important_issue",
        "single_choice",
    ),
    "Quinnipiac most urgent issue": (
        "quinnipiac",
        "Quinnipiac University",
        "quinnipiac_most_urgent_issue",
        "single_choice",
    ),
    "Civiqs/Daily Kos": ("civiqs", "Civiqs", "civiqs_top_concerns", "multi_mention"),
}


def convert_issue(row: pd.Series) -> dict[str, Any]:
    """One verified row of facts_issues.csv -> a poll record."""
    rec = blank_record()
    slug_, pollster, qid, fmt = ISSUE_SERIES[row["series"]]
    issue = ISSUE_NAMES[row["issue"]]
    notes = [quality_note(row["source_quality"]), row["series"]]
    if issue != row["issue"]:
        notes.append(f"source label: '{row['issue']}'")
    if qid == "gallup_mip" and issue == "net economic":
        qid, fmt = "gallup_mip_net_economic", "binary"
    start, end = iso_date(row["field_start"]), iso_date(row["field_end"])
    end_key = end or iso_prefix(row["field_end"]) or slug(row["field_end"])
    n, n_note = parse_n(row["n"])
    moe, moe_note = parse_moe(row["moe"])
    mode, mode_note = mode_code(row["population"], row["notes"])
    if qid == "gallup_mip_net_economic":
        response = "net economic"
    else:
        response = issue
    rec.update(
        poll_id=f"{slug_}_{end_key}",
        pollster=pollster,
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
    if pollster != row["pollster"]:
        notes.append(f"pollster in facts: '{row['pollster']}'")
    notes += [row["notes"], n_note, moe_note, mode_note]
    rec["notes"] = join_notes(*notes)
    rec["_n_text"], rec["_start_text"], rec["_end_text"] = (
        row["n"],
        row["field_start"],
        row["field_end"],
    )
    return rec


EXIT_POLL_N_COMPONENTS = (17912, 2981)
"""Published components of the NBC 2022 national exit poll's sample (FACTS.md §2, IS001: 17,912
in-person interviews + 2,981 phone interviews; the Reuters source text is truncated, so other
components are possible)."""
EXIT_POLL_DERIVED_N_SERIES = (
    "2022 midterm exit poll (NBC, election night)",
    "2022 midterm exit poll (NBC, final weights)",
)


def derive_exit_poll_n(rec: dict[str, Any], series: str) -> None:
    """Give an NBC 2022 exit-poll record a derived n (a lower bound), noted in the row.

    n = 17,912 + 2,981 = 20,893, the published in-person and phone components (IS001). The
    final-weights rows are the same exit poll reweighted, so they carry the same n. The CBS
    early wave is left without n (no verified figure). Subgroup sizes stay empty.
    """
    if series not in EXIT_POLL_DERIVED_N_SERIES or rec["n"] not in ("", None):
        return
    in_person, phone = EXIT_POLL_N_COMPONENTS
    n = in_person + phone
    note = (
        f"n DERIVED, not published as one figure: {n} = {in_person} in-person + {phone} phone "
        "interviews, the published components (IS001); the source text is truncated and other "
        "components are possible, so the true n may be larger (a lower bound)"
    )
    if series.endswith("(NBC, final weights)"):
        note += (
            "; final-weights figures are the same exit poll reweighted, so the same n is used "
            "(same respondents as the election-night rows: do not pool both waves as "
            "independent polls)"
        )
    rec["n"] = n
    rec["notes"] = join_notes(rec["notes"], note)


def records(ctx: Context) -> list[dict[str, Any]]:
    """Poll records of every verified row of facts_issues.csv (file order)."""
    recs = []
    for _, r in verified_rows(ctx.sheet("facts_issues")).iterrows():
        rec = convert_issue(r)
        derive_exit_poll_n(rec, r["series"])
        recs.append(rec)
    return recs


def build(ctx: Context) -> int:
    keep, excluded, _ = split(records(ctx), NAME)
    return write_poll_dataset(
        ctx,
        NAME,
        keep,
        excluded,
        {
            "title": "US issue salience around the 2022 midterms",
            "description": (
                "Issue importance and most-important-problem toplines, US 2022-23. "
                "`gallup_issue_importance_2022` (format rating) is one battery: response = "
                "issue, pct = % of registered voters calling it 'extremely important' to their "
                "vote (Gallup, 2022-10-03..20, n = 897 RV); shares of a rating battery do not "
                "sum to 100. `gallup_mip` (format multi_mention) is Gallup's open-ended most "
                "important problem (mentions overlap); `gallup_mip_net_economic` is the net "
                "share naming any economic problem. Issue labels are harmonised across sources "
                "(`issue_name_mapping`; the source label stays in `notes`). "
                "`exit_most_important_issue` (format single_choice, population v) is the NBC "
                "2022 national exit poll (Edison Research/NEP), 'which ONE issue mattered most', "
                "in two weightings: election night (`nep_nbc_election_night_2022-11-08`; all "
                "voters and Republicans) and final weights (`nep_nbc_final_2022-11-08`; all "
                "voters and Democrats). Their n is DERIVED, not published as one figure: "
                "20,893 = 17,912 in-person + 2,981 phone interviews, the published components; "
                "the source text is truncated, so the true n may be larger (a lower bound). The "
                "final-weights rows are the same respondents reweighted and carry the same n: "
                "do not pool the two weightings as independent polls. Party rows have no "
                "published subgroup size (`subgroup_n` empty). The CBS early wave of the same "
                "exit poll and most other most-important-problem items are NOT in this frame: "
                "their sample sizes or full field dates are not published in the facts. They "
                "are listed in `excluded` and kept, with poll ids ready, in the table "
                "`poll_figures_incomplete`."
            ),
            "unverified_not_used": unverified_ids(ctx.sheet("facts_issues")),
            "issue_name_mapping": ISSUE_NAMES,
        },
    )
