"""``eurobarometer_support_2022``: EP Eurobarometer autumn 2022 approval (a table, no n)."""

from __future__ import annotations

from . import europe_facts
from .polls import (
    INCOMPLETE_EXTRA_FIELDS,
    POLL_FIELDS,
    admissibility,
    dedupe,
    poll_title,
    records_frame,
)
from .provenance import Context, fact_ids_of, source_list

NAME = "eurobarometer_support_2022"


def build(ctx: Context) -> int:
    recs, _ = europe_facts.records(ctx)
    _, eb, _ = europe_facts.partition(recs)
    for rec in eb:
        rec.update(
            field_start_text=rec["_start_text"],
            field_end_text=rec["_end_text"],
            n_text=rec["_n_text"],
            exclusion_reason=admissibility(rec),
            intended_dataset=NAME,
        )
    df = records_frame(dedupe(eb, ctx.quality()), extra=INCOMPLETE_EXTRA_FIELDS)
    return ctx.write(
        NAME,
        df,
        {
            "title": "Approval of EU support to Ukraine by member state, autumn 2022",
            "description": (
                "European Parliament Eurobarometer autumn 2022 (Kantar, face-to-face, fieldwork "
                "2022-10-12..11-07): % approving the EU's support to Ukraine, EU27 and 25 "
                "member states (Hungary and Cyprus not captured), plus Greece's approval of "
                "specific measures. A TABLE, not a poll frame: the facts give the sample only as "
                "'26000+' (EU27) and no per-country n, so `n` is empty (the text is in `n_text`) "
                "and no value was invented. Columns follow the poll frame otherwise (countries "
                "as subgroups `country:<iso2>` of poll ep_eurobarometer_2022-11-07). To model "
                "these figures an analysis must state its own sample-size assumption."
            ),
            "opinion_kind": "table",
            "sources": source_list(df, poll_title),
            "fact_ids": fact_ids_of(df),
            "build": ctx.build_info(),
        },
        {**POLL_FIELDS, **INCOMPLETE_EXTRA_FIELDS},
        verified=ctx.verified_ids(),
    )
