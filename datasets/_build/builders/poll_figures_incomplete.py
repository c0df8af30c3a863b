"""``poll_figures_incomplete``: verified poll figures without a published n or full dates.

Collects the rows that the poll datasets cannot take (their ``excluded`` rows) and every
European fact that has no poll dataset, so that each verified opinion figure ships once.
It also holds the Economist/YouGov July 2022 option-set change (``yougov_option_change``:
figures verified on YouGov's own page, not in the fact sheets, so ``fact_id`` is empty).
"""

from __future__ import annotations

from . import europe_facts, us_issues_2022, us_ukraine_support, yougov_option_change
from .polls import (
    INCOMPLETE_EXTRA_FIELDS,
    POLL_FIELDS,
    admissibility,
    dedupe,
    poll_title,
    records_frame,
    split,
)
from .provenance import Context, fact_ids_of, source_list, unverified_ids

NAME = "poll_figures_incomplete"


def build(ctx: Context) -> int:
    eu_recs, not_numeric = europe_facts.records(ctx)
    ecfr, _, other = europe_facts.partition(eu_recs)
    if [r for r in other if not admissibility(r)]:  # pragma: no cover - not with current facts
        raise SystemExit("other European rows became admissible: add europe_opinion_2022_2024")
    europe_note = (
        "europe_opinion_2022_2024 not built: no other verified European row has both a "
        "published n and full field dates"
    )
    incomplete = []
    for recs, dataset in (
        (us_ukraine_support.records(ctx), us_ukraine_support.NAME),
        (us_issues_2022.records(ctx), us_issues_2022.NAME),
        (ecfr, "ecfr_peace_justice_2022"),
        (other, "europe_opinion_2022_2024"),
    ):
        incomplete += split(recs, dataset)[2]
    incomplete += yougov_option_change.records()
    df = records_frame(dedupe(incomplete, ctx.quality()), extra=INCOMPLETE_EXTRA_FIELDS)
    return ctx.write(
        NAME,
        df,
        {
            "title": "Verified poll figures that cannot enter a poll frame as-is",
            "description": (
                "Every verified opinion figure of the fact sheets that lacks a published "
                "integer sample size or full field dates (US Ukraine polls, the 2022 exit polls, "
                "most-important-problem items, later ECFR waves, Pew Global Attitudes ...). "
                "Columns follow the poll frame, with `n`, `start_date`, `end_date` empty when "
                "unknown and the original text in `n_text`, `field_start_text`, "
                "`field_end_text`; `exclusion_reason` says what is missing and "
                "`intended_dataset` where the row would go. Nothing was invented. The "
                "Economist/YouGov 'most important issue' figures of July 2022 (the week "
                "'Inflation / prices' joined the list and the week before) come from YouGov's "
                "own page (primary) rather than the fact sheets: `fact_id` is empty and "
                "`notes` say so. "
                + europe_note
                + "."
            ),
            "opinion_kind": "table",
            "sources": source_list(df, poll_title),
            "fact_ids": fact_ids_of(df),
            # rows that cannot be shipped even as a table (pct not a number)
            "excluded": sorted(not_numeric, key=lambda d: d["fact_id"]),
            "unverified_not_used": unverified_ids(ctx.sheet("facts_europe")),
            "build": ctx.build_info(),
        },
        {**POLL_FIELDS, **INCOMPLETE_EXTRA_FIELDS},
        verified=ctx.verified_ids(),
    )
