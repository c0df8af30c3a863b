"""``us_house_vote_2022``: the 2022 U.S. House popular vote (table).

Source: the research assistant's table ``research/exit_poll_2022/crosstabs.csv``, rows
``official_vote`` (verified): the Clerk of the House's party-line totals (read in Simple English
Wikipedia's results table, which cites the Clerk's "Statistics of the Congressional Election of
November 8, 2022"; the same totals appear in review notes read from the Clerk's PDF), and two
other aggregations that differ (Wikipedia's infobox adds fusion-party lines; IFES
ElectionGuide). ``basis`` says which is which; analyses use ``clerk``.
"""

from __future__ import annotations

import pandas as pd

from .common import join_notes
from .exit_poll_2022 import CROSSTABS, research_table
from .provenance import SCRIPT_PATH, Context, file_sha256

NAME = "us_house_vote_2022"

FIELDS: dict[str, tuple[str, str]] = {
    "basis": ("string", "clerk = the Clerk's party-line totals (the official count); "
              "fusion_aggregate = Wikipedia infobox (fusion lines added to the major parties); "
              "ifes = IFES ElectionGuide."),
    "party": ("string", "rep, dem or total (every vote cast, minor parties and write-ins "
              "included)."),
    "votes": ("integer", "Votes as published."),
    "pct_published": ("number", "Percent of all votes as published (empty if not given)."),
    "source_url": ("string", "Where the figure was read."),
    "source_date": ("string", "Date or description of the source's version."),
    "quote": ("string", "Short verbatim quote."),
    "notes": ("string", "Caveats; the research row it comes from."),
}
BASIS = {"Office of the Clerk, U.S. House": "clerk",
         "Wikipedia infobox (aggregated incl. fusion lines)": "fusion_aggregate",
         "IFES ElectionGuide": "ifes"}
PARTY = {"Republican": "rep", "Democratic": "dem", "Total": "total"}


def build(ctx: Context) -> int:
    table, path = research_table(ctx)
    rows = []
    for i, r in table.iterrows():
        if r["table"] != "official_vote" or r["verified"] != "yes":
            continue
        rows.append({"basis": BASIS[r["pollster"]], "party": PARTY[r["row"]],
                     "votes": r["value"], "pct_published": r["pct"],
                     "source_url": r["source_url"], "source_date": r["source_date"],
                     "quote": r["quote"],
                     "notes": join_notes(r["notes"], f"research row crosstabs.csv line {i + 2}")})
    df = pd.DataFrame(rows, columns=list(FIELDS))
    clerk = df[df["basis"] == "clerk"].set_index("party")["votes"].astype(int)
    two_party = 100 * clerk["rep"] / (clerk["rep"] + clerk["dem"])
    sources = []
    for _, r in df.drop_duplicates("source_url").iterrows():
        sources.append({"title": f"2022 House popular vote ({r['basis']})",
                        "path": r["source_url"], "date": None})
    return ctx.write(NAME, df, {
        "title": "2022 U.S. House popular vote: the Clerk's totals and two other aggregations",
        "description": (
            "National House popular vote of November 8, 2022. `basis = clerk` is the official "
            "count (Clerk of the House, party-line totals: Republicans 54,227,992, Democrats "
            "51,280,463, all votes 108,443,387; two-party Republican share "
            f"{two_party:.2f}%), read in Simple English Wikipedia's table citing the Clerk's "
            "'Statistics of the Congressional Election of November 8, 2022' (the PDF itself "
            "was not readable in the store; the same totals appear in review notes read from "
            "it). The other rows are aggregations that differ and are NOT the official count: "
            "Wikipedia's infobox (fusion-party lines added, e.g. New York's Conservative and "
            "Working Families lines) and IFES ElectionGuide (modified 2022-12-13)."),
        "opinion_kind": "table",
        "sources": sources,
        "build": {"script": SCRIPT_PATH, "research_sha256": {CROSSTABS: file_sha256(path)}},
    }, FIELDS)
