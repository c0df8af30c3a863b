"""The input tables saved with a fit (the columns the model reads), so that back-tests,
held-out checks and sensitivity refits rebuild the model from the results alone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from opinion.models.core.hashing import frame_to_records, records_to_frame

KEEP: dict[str, tuple[str, ...]] = {
    "frame": ("row_id", "survey", "wave", "iso2", "aggregate", "nato_member", "region",
              "item", "question_wording", "construct", "direction", "pct", "field_start",
              "field_end", "n", "n_basis"),
    "salience": ("row_id", "survey", "wave", "iso2", "aggregate", "nato_member", "region",
                 "item", "scope", "issue", "issue_group", "pct", "field_start", "field_end",
                 "n", "n_basis"),
    "polls": ("poll_id", "pollster", "question_id", "response", "pct", "start_date",
              "end_date", "n", "n_eff", "country", "subgroup"),
    "members": ("iso2", "name", "region", "next_election"),
    "events": ("event_id", "date", "iso2", "event_type", "actor_type", "actor_types",
               "subtype"),
    "elections": ("iso2", "date", "government_forming"),
    "government_changes": ("change_id", "iso2", "date", "election_type",
                           "ukraine_position_change"),
    "aid": ("iso2", "aggregate", "period_end", "measure", "value"),
}
DATES = ("field_start", "field_end", "start_date", "end_date", "next_election", "date",
         "period_end")


def _subset(name: str, table: Any) -> pd.DataFrame:
    data = getattr(table, "data", table)
    if not isinstance(data, pd.DataFrame):
        return pd.DataFrame()
    if name == "aid" and "measure" in data.columns:
        data = data[data["measure"].astype(str) == "allocations_total_cumulative"]
    return data[[c for c in KEEP[name] if c in data.columns]]


def stored_tables(frame: pd.DataFrame, tables: dict[str, Any]) -> dict[str, Any]:
    """JSON records of the frame and of every table given."""
    out = {"frame": frame_to_records(_subset("frame", frame))}
    for name, table in tables.items():
        if name in KEEP and table is not None:
            out[name] = frame_to_records(_subset(name, table))
    return out


def rebuild_tables(stored: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables of :func:`stored_tables` (dates parsed again)."""
    return {name: records_to_frame(records, DATES) for name, records in stored.items()}
