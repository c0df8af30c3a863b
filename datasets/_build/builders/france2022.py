"""``france2022``: The Economist's 2022 French presidential polls (MIT) as a poll frame."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from .common import fmt_decimal, join_notes
from .polls import POLL_FIELDS, SUM_TOLERANCE, blank_record, check_sums, records_frame
from .provenance import SCRIPT_PATH, Context, file_sha256

NAME = "france2022"

FR_SLUGS = {
    "Opinion Way": "opinionway",
    "Ifop": "ifop",
    "Harris Interactive": "harris_interactive",
    "Cluster17": "cluster17",
    "Elabe": "elabe",
    "Ipsos": "ipsos",
    "BVA": "bva",
    "Odoxa": "odoxa",
}
FR_REPO = "https://github.com/TheEconomist/2022-france-election-model"
FR_COMMIT = "7b73b917a400a15145d2d45a57fcf8f56bcfd8cf"
FR_BASE_NOTE = (
    "start_date = end_date (source has end dates only); population rv assumed (not in source)"
)


def fr_pct(text: str) -> str:
    """Proportion text -> percent text, shifted in decimal and rounded to 10 places."""
    return fmt_decimal(Decimal(text).scaleb(2), places=10)


def build_france(ref_dir: Path) -> pd.DataFrame:
    """Convert the Economist's raw poll files to the poll frame."""
    r1 = pd.read_csv(ref_dir / "raw_polls_round_one_current.csv", dtype=str, keep_default_na=False)
    r2 = pd.read_csv(ref_dir / "raw_polls_round_two_current.csv", dtype=str, keep_default_na=False)
    keys = pd.concat(
        [
            r1[["polling_firm", "end_date", "sample_size"]],
            r2[["polling_firm", "end_date", "sample_size"]],
        ]
    ).drop_duplicates()
    n_per_day = keys.groupby(["polling_firm", "end_date"])["sample_size"].transform("nunique")
    poll_ids: dict[tuple[str, str, str], str] = {}
    for (firm, end, n), k in zip(
        keys[["polling_firm", "end_date", "sample_size"]].itertuples(index=False),
        n_per_day,
        strict=True,
    ):
        pid = f"{FR_SLUGS[firm]}_{end}"
        poll_ids[(firm, end, n)] = f"{pid}_n{n}" if k > 1 else pid
    url1 = f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_one_current.csv"
    url2 = f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_two_current.csv"

    def base(firm: str, end: str, n: str) -> dict[str, Any]:
        rec = blank_record()
        rec.update(
            poll_id=poll_ids[(firm, end, n)],
            pollster=firm,
            start_date=end,
            end_date=end,
            population="rv",
            country="FR",
            n=int(n),
            source_date="2022-02-14",
        )
        return rec

    records = []
    sums = (
        r1.assign(p=r1["pct"].map(Decimal))
        .groupby(["polling_firm", "end_date", "sample_size"])["p"]
        .sum()
    )
    for row in r1.itertuples(index=False):
        rec = base(row.polling_firm, row.end_date, row.sample_size)
        pct = fr_pct(row.pct)
        notes = [FR_BASE_NOTE]
        total = sums[(row.polling_firm, row.end_date, row.sample_size)] * 100
        if total > SUM_TOLERANCE:
            notes.append(
                f"round-one shares of this poll sum to {fmt_decimal(total, 1)}% in the source"
            )
        if (Decimal(pct) * 10) % 1 != 0:
            notes.append("share not a multiple of 0.1 point: looks imputed by the source's model")
        rec.update(
            question_id="fr2022_round1",
            question_text="2022 French presidential election: first-round voting intention",
            question_format="multi_option",
            subgroup="all",
            response=row.cand,
            pct=pct,
            source_url=url1,
            notes=join_notes(*notes),
        )
        records.append(rec)
    for row in r2.itertuples(index=False):
        matchup = f"{row.cand1}_{row.cand2}"
        for cand, p in ((row.cand1, row.cand1_pct), (row.cand2, row.cand2_pct)):
            rec = base(row.polling_firm, row.end_date, row.sample_size)
            pct = fr_pct(p)
            notes = [FR_BASE_NOTE, f"source matchup id '{row.matchup}'"]
            if (Decimal(pct) * 10) % 1 != 0:
                notes.append(
                    "share not a multiple of 0.1 point: looks imputed by the source's model"
                )
            rec.update(
                question_id=f"fr2022_r2_{matchup}",
                question_text=(
                    f"2022 French presidential election: second-round voting intention, "
                    f"{row.cand1} vs {row.cand2}"
                ),
                question_format="multi_option",
                subgroup="all",
                response=cand,
                pct=pct,
                source_url=url2,
                notes=join_notes(*notes),
            )
            records.append(rec)
    return records_frame(records)


def build(ctx: Context) -> int:
    ref_dir = ctx.ref_dir
    fr = build_france(ref_dir)
    check_sums(fr, NAME, lambda d: d["question_id"] == "fr2022_round1")
    fr_meta = {
        "title": "French presidential election 2022: voting-intention polls (The Economist)",
        "description": (
            "Real first-round and second-round voting-intention polls, 2021-09-02 to "
            "2022-02-11, from The Economist's 2022 France election model repository "
            f"({FR_REPO}, commit {FR_COMMIT[:7]}, files output-data/raw_polls_round_*_current."
            "csv; MIT licence, see LICENSE). Converted to the poll frame: pct = 100 x the source "
            "proportion; question_id fr2022_round1 (response = candidate) and "
            "fr2022_r2_<cand1>_<cand2> per second-round match-up. The source gives only end "
            "dates, so start_date = end_date. The source does not state the population; it is "
            "set to rv because French voting-intention polls sample registered voters. "
            "poll_id = firm + end date, with _n<sample size> appended when a firm has two polls "
            "ending the same day. The source's model-weight column is dropped. Kept as "
            "published and flagged in notes: first-round shares of some polls sum above 101%, "
            "and shares that are not a multiple of 0.1 point look like the source's own "
            "imputations for candidates a poll did not test. The Economist's published trend "
            "lines are in tests/reference/france2022/ for comparison. Because the source's "
            "round-one rows can sum to about 115%, loading uses opinion_sum_tolerance = 15 "
            "points instead of the default 1."
        ),
        "opinion_kind": "polls",
        "opinion_sum_tolerance": 15.0,
        "licenses": [
            {
                "name": "MIT",
                "path": "LICENSE",
                "title": "MIT License, Copyright (c) 2022 The Economist (file LICENSE here)",
            }
        ],
        "sources": [
            {
                "title": "The Economist, 2022 France election model: raw round-one polls",
                "path": f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_one_current.csv",
                "date": "2022-02-14",
            },
            {
                "title": "The Economist, 2022 France election model: raw round-two polls",
                "path": f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_two_current.csv",
                "date": "2022-02-14",
            },
        ],
        "fact_ids": [],  # not built from the fact sheets
        "build": {
            "script": SCRIPT_PATH,
            "reference_sha256": {
                name: file_sha256(ref_dir / name)
                for name in ("raw_polls_round_one_current.csv", "raw_polls_round_two_current.csv")
            },
        },
    }
    rows = ctx.write(NAME, fr, fr_meta, POLL_FIELDS)
    shutil.copyfile(ref_dir / "LICENSE", ctx.out_dir / NAME / "LICENSE")
    return rows
