"""``exit_poll_2022``: published crosstabs of the 2022 NEP national exit poll (poll frame).

Source: the research assistant's table ``research/exit_poll_2022/crosstabs.csv`` (every figure
with URL, source date, a verbatim quote and a ``verified`` flag; see its README). Kept: rows
with ``verified == "yes"``, a numeric ``pct``, from the Edison Research / National Election Pool
exit poll, in the tables vote by issue, vote by party ID, party-ID composition and the issue mix
of each party's House voters. Every other row is listed in ``excluded`` with the reason
(qualitative figures such as "more than 7 in 10", other surveys such as AP VoteCast and the Fox
News Voter Analysis, the official count, which is the table ``us_house_vote_2022``, and the
sample description, which becomes ``n``).

The issue shares overall and by party ID of the same exit poll are in ``us_issues_2022`` (they
come from the project's fact sheets); the two datasets share ``question_id``
``exit_most_important_issue`` so that their rows combine into one frame.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .common import iso_prefix, join_notes, slug
from .polls import POLL_FIELDS, blank_record, check_sums, dedupe, poll_title, records_frame
from .provenance import SCRIPT_PATH, Context, file_sha256, source_list

NAME = "exit_poll_2022"
CROSSTABS = "exit_poll_2022/crosstabs.csv"
ELECTION_DAY = "2022-11-08"
N_COMPONENTS = (17912, 2981)
"""Published components of the sample (Reuters, 2022-11-09; research rows 'sample')."""

POLL_TABLES = ("issue_by_vote", "party_id", "vote_by_party_id", "issue_by_house_vote")

OUTLETS: dict[str, tuple[str, str]] = {
    "NEP (RNS citing 'the exit poll')": ("rns_1109", "Religion News Service"),
    "CNN (via National Review on Yahoo News)": ("cnn_1109", "CNN"),
    "CNN (Cillizza analysis; mirrors)": ("cnn_1109", "CNN"),
    "CNN (Cillizza analysis; mirror)": ("cnn_1109", "CNN"),
    "CNN (Cillizza analysis; reworded mirror)": ("cnn_1109", "CNN"),
    "network exit polls (Bloomberg via BNN Bloomberg)": ("bloomberg_1109", "Bloomberg"),
    "Reuters (Edison data)": ("reuters", "Reuters"),
    "NBC News": ("nbc_final", "NBC News"),
    "NBC News (Meet the Press blog; mirror)": ("nbc_mtp", "NBC News"),
    "USA Today": ("usatoday", "USA Today"),
    "CNN": ("cnn_night", "CNN"),
}
"""Sponsor text of the research table -> (poll-id suffix, outlet): one poll id per outlet and
update; CNN's 11-09 page is quoted by National Review and by Cillizza, so they share
``cnn_1109``. The research table's own sponsor text is kept in ``notes``."""

PARTY_ID = {"Democrat": "dem", "Democrats": "dem", "Republican": "rep", "Republicans": "rep",
            "Independent": "ind", "Independents": "ind",
            "Independent or something else": "ind"}
HOUSE_VOTERS = {"Democratic House voters": "vote:dem", "Republican House voters": "vote:rep"}

QUESTIONS = {
    "issue_by_vote": ("exit_house_vote", "vote for the U.S. House, among voters naming each "
                      "issue as mattering most"),
    "vote_by_party_id": ("exit_house_vote", "vote for the U.S. House, by party identification"),
    "party_id": ("exit_party_id", "party identification (Democrat / Republican / "
                 "independent or something else)"),
    "issue_by_house_vote": ("exit_most_important_issue", "which ONE issue mattered most, among "
                            "each party's House voters"),
}


def is_nep(row: pd.Series) -> bool:
    return "Edison" in row["pollster"] or "National Election Pool" in row["pollster"]


def numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def exclusion_reason(row: pd.Series) -> str:
    """Why a research row does not enter the poll frame (``""`` if it does)."""
    if "NOT FOUND" in row["value"]:
        return "not found in any stored source"
    if row["verified"] != "yes":
        return "not verified in the stored source"
    if row["table"] == "official_vote":
        return "official count: in the table dataset us_house_vote_2022"
    if not is_nep(row):
        return (f"different survey ({row['pollster']}): not the NEP exit poll, whose tables "
                "this dataset holds")
    if row["table"] == "sample":
        return "sample description: used for n (see the datapackage description)"
    if row["table"] not in POLL_TABLES:
        return f"table {row['table']!r} is not an exit-poll crosstab"
    if not numeric(row["pct"]):
        return f"no numeric share (source gives {row['value']!r})"
    if row["sponsor"] not in OUTLETS:
        return f"outlet {row['sponsor']!r} has no poll id mapping"
    return ""


def coded(row: pd.Series) -> tuple[str, str]:
    """(subgroup, response) of a kept row in the poll frame's codes."""
    table = row["table"]
    if table == "issue_by_vote":
        return f"issue:{slug(row['row'])}", row["column"]
    if table == "vote_by_party_id":
        return f"party:{PARTY_ID[row['row']]}", row["column"]
    if table == "party_id":
        return "all", PARTY_ID[row["row"]]
    return HOUSE_VOTERS[row["row"]], row["column"]


def record(row: pd.Series, line: int) -> dict[str, Any]:
    rec = blank_record()
    subgroup, response = coded(row)
    qid, text = QUESTIONS[row["table"]]
    n = sum(N_COMPONENTS)
    approx = row["value"].startswith("~")
    suffix, outlet = OUTLETS[row["sponsor"]]
    rec.update(
        poll_id=f"nep_{ELECTION_DAY}_{suffix}",
        pollster="Edison Research",
        sponsor=outlet,
        start_date=ELECTION_DAY,
        end_date=ELECTION_DAY,
        population="v",
        country="US",
        n=n,
        question_id=qid,
        question_text=text,
        question_format="single_choice",
        subgroup=subgroup,
        response=response,
        pct=row["pct"],
        source_url=row["source_url"],
        source_date=iso_prefix(row["source_date"]),
        notes=join_notes(
            f"research row crosstabs.csv line {line} (table {row['table']}, weighting "
            f"{row['weighting']}, published by {row['sponsor']})",
            f"quote: \"{row['quote']}\"" if row["quote"] else "",
            "approximate figure (source: " + row["value"] + ")" if approx else "",
            row["notes"],
            f"n DERIVED, not published as one figure: {n} = {N_COMPONENTS[0]} in-person + "
            f"{N_COMPONENTS[1]} phone interviews (a lower bound); the subgroup's n is not "
            "published",
        ),
    )
    return rec


def research_table(ctx: Context) -> tuple[pd.DataFrame, Any]:
    """The crosstabs table with notes that point to the row above ("See row above.")
    replaced by that row's notes."""
    table, path = ctx.research_sheet(CROSSTABS)
    notes = table["notes"].tolist()
    for i, text in enumerate(notes):
        if i and text.startswith(("See row above", "Same caveat as above")):
            notes[i] = notes[i - 1]
    return table.assign(notes=notes), path


def rows(ctx: Context) -> tuple[list[dict[str, Any]], list[dict[str, str]], str]:
    """Kept poll records, excluded rows (with reasons) and the sha256 of the source table."""
    table, path = research_table(ctx)
    keep, excluded = [], []
    for i, row in table.iterrows():
        line = int(i) + 2  # header is line 1
        reason = exclusion_reason(row)
        if reason:
            excluded.append({"fact_id": f"research:{CROSSTABS}:{line}",
                             "table": row["table"], "row": row["row"],
                             "column": row["column"], "reason": reason})
        else:
            keep.append(record(row, line))
    return keep, excluded, file_sha256(path)


DESCRIPTION = (
    "Published crosstabs of the 2022 national House exit poll (Edison Research for the National "
    "Election Pool), read by a research assistant in stored copies of news pages (verified "
    "figures only; every row quotes its source in `notes`). Questions: `exit_house_vote` "
    "(House vote among each issue's voters, subgroups `issue:<issue>`, and by party "
    "identification, subgroups `party:dem`, `party:rep`, `party:ind`), `exit_party_id` (party "
    "identification of all voters: Democrat / Republican / independent or something else) and "
    "`exit_most_important_issue` among each party's House voters (subgroups `vote:dem`, "
    "`vote:rep`: column percentages of the vote-by-issue table). Shares are of ALL voters of "
    "the subgroup (third-party votes and non-answers make the rest of 100). One poll id per "
    "outlet and weighting update (`nep_2022-11-08_<outlet>`): the figures were published on "
    "election night and in overnight updates (11-09); none is certainly the final December "
    "weighting except NBC's party identification (`nbc_final`). Conflicts are kept apart, not "
    "resolved: inflation voters' Republican share is 71 in RNS (11-09) and 72 in CNN's "
    "overnight table. Reuters' immigration sentence ('69% were Republicans and 28% were "
    "Democrats') is read as the House vote (69 + 28 = 97 leaves no room for the ~31% "
    "independents); it is the least certain figure. The issue shares overall and by party "
    "identification are in `us_issues_2022` (same question id `exit_most_important_issue`). "
    "n is DERIVED, not published as one figure: 20,893 = 17,912 in-person + 2,981 phone "
    "interviews (Reuters), a lower bound; no margin of error or per-question n was found. Not "
    "found at all: the House vote among gun-policy voters and the exit poll's own topline "
    "vote (listed in `excluded`)."
)


def build(ctx: Context) -> int:
    keep, excluded, sha = rows(ctx)
    df = records_frame(dedupe(keep, {}))
    check_sums(df, NAME, None)
    meta = {
        "title": "2022 U.S. House exit poll: vote by issue, vote by party ID, party ID",
        "description": DESCRIPTION,
        "opinion_kind": "polls",
        "sources": source_list(df, poll_title),
        "fact_ids": [],
        "excluded": excluded,
        "build": {"script": SCRIPT_PATH, "research_sha256": {CROSSTABS: sha}},
    }
    return ctx.write(NAME, df, meta, POLL_FIELDS)
