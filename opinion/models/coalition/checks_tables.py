"""Input checks of the tables around the panel: polls, events, elections, government changes
and aid. Same contract as :mod:`.checks`: ``(clean table, problems)``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from opinion.models.coalition.checks import EVENT_COLUMNS, MODEL, _codes, _first, _missing
from opinion.models.core.inputs import as_table

POLL_COLUMNS = ("question_id", "response", "pct", "end_date", "n")


def _unknown(table: pd.DataFrame, members: pd.DataFrame, name: str, ids: pd.Series
             ) -> list[str]:
    bad = ~table["iso2"].isin(members["iso2"])
    return [f"{name}: country code {c!r} is not in the members table (rows "
            f"{_first(ids[bad & (table['iso2'] == c)])})" for c in sorted(set(table.loc[bad,
                                                                                    "iso2"]))]


def check_polls(polls: Any, members: pd.DataFrame, config: Any
                ) -> tuple[pd.DataFrame | None, list[str]]:
    """Poll-frame rows of the configured items, as panel rows (one country per row)."""
    if polls is None:
        return None, []
    table = as_table(getattr(polls, "data", polls), "polls", MODEL)
    problems = _missing(table, POLL_COLUMNS, "polls")
    if problems:
        return table, problems
    if "subgroup" in table.columns:
        table = table[table["subgroup"].astype(str) == "all"]
    key = table["question_id"].astype(str) + ":" + table["response"].astype(str)
    table = table[key.isin(list(config.poll_items))].assign(item=key)
    country = table["country"] if "country" in table.columns else pd.Series("", table.index)
    table = table.assign(iso2=_codes(country))
    ids = (table["poll_id"].astype(str) if "poll_id" in table.columns
           else pd.Series([f"#{i}" for i in range(len(table))], index=table.index))
    blank = table["iso2"] == ""
    if blank.any():
        problems.append(f"polls: rows {_first(ids[blank])} have no country code")
    problems += _unknown(table[~blank], members, "polls", ids)
    n = pd.to_numeric(table["n_eff"] if "n_eff" in table.columns else table["n"],
                      errors="coerce")
    start = table["start_date"] if "start_date" in table.columns else table["end_date"]
    pollster = table["pollster"] if "pollster" in table.columns else pd.Series("poll", ids.index)
    out = pd.DataFrame({
        "row_id": ids, "survey": pollster.astype(str), "wave": ids, "iso2": table["iso2"],
        "item": table["item"], "question_wording": table["question_id"].astype(str),
        "direction": table["item"].map(config.poll_items).astype(float),
        "pct": pd.to_numeric(table["pct"], errors="coerce"),
        "field_start": pd.to_datetime(start, errors="coerce"),
        "field_end": pd.to_datetime(table["end_date"], errors="coerce"),
        # a poll frame's n_eff is already n / deff
        "n": n, "deff": 1.0 if "n_eff" in table.columns else config.deff,
        "n_basis": "poll n_eff" if "n_eff" in table.columns else "poll n", "member": True})
    bad = out["pct"].isna() | out["n"].isna() | out["field_end"].isna()
    if bad.any():
        problems.append(f"polls: rows {_first(ids[bad])} lack pct, n or end_date")
    return out[~blank], problems


def check_events(events: Any, members: pd.DataFrame, config: Any
                 ) -> tuple[pd.DataFrame, list[str]]:
    """Events (``coalition_events`` layout), with ``selected`` marking defection events."""
    if events is None:
        return pd.DataFrame(columns=list(EVENT_COLUMNS)), [
            "events= is required: dated government acts (e.g. the bundled coalition_events)"]
    table = as_table(events, "events", MODEL)
    problems = _missing(table, EVENT_COLUMNS, "events")
    if problems:
        return table, problems
    ids = (table["event_id"].astype(str) if "event_id" in table.columns
           else pd.Series([f"#{i}" for i in range(len(table))], index=table.index))
    table["iso2"] = _codes(table["iso2"])
    problems += _unknown(table, members, "events", ids)
    table["date"] = pd.to_datetime(table["date"], errors="coerce")
    if table["date"].isna().any():
        problems.append(f"events: date is not a date in rows {_first(ids[table['date'].isna()])}")
    actors = (table["actor_types"] if "actor_types" in table.columns else table["actor_type"])
    acts = actors.astype(str).str.split("|").map(lambda parts: bool(
        set(parts) & set(config.actor_types)))
    subtype = table["subtype"].astype("string").fillna("") if "subtype" in table.columns \
        else pd.Series("", index=table.index)
    table["selected"] = (table["event_type"].astype(str).isin(config.event_types) & acts
                         & ~subtype.isin(config.exclude_subtypes))
    table["event_id"] = ids
    return table, problems


def check_elections(elections: Any, members: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Government-forming elections ``iso2, date`` (a ``government_forming`` column keeps
    the 'yes' rows; the members' ``next_election`` dates are added)."""
    rows = []
    problems: list[str] = []
    if elections is not None:
        table = as_table(elections, "elections", MODEL)
        problems = _missing(table, ("iso2", "date"), "elections")
        if problems:
            return table, problems
        if "government_forming" in table.columns:
            table = table[table["government_forming"].astype(str).str.lower() == "yes"]
        table = table.assign(iso2=_codes(table["iso2"]),
                             date=pd.to_datetime(table["date"], errors="coerce"))
        ids = table["iso2"] + " " + table["date"].astype(str)
        problems += _unknown(table, members, "elections", ids)
        if table["date"].isna().any():
            problems.append("elections: some dates are not dates")
        rows.append(table[["iso2", "date"]])
    if "next_election" in members.columns:
        rows.append(members[["iso2", "next_election"]].rename(columns={"next_election": "date"}))
    if not rows:
        return pd.DataFrame({"iso2": pd.Series(dtype=str), "date": pd.Series(
            dtype="datetime64[ns]")}), problems
    out = pd.concat(rows, ignore_index=True).dropna(subset=["date"])
    out = out[out["iso2"].isin(members["iso2"])].drop_duplicates()
    return out.sort_values(["iso2", "date"]).reset_index(drop=True), problems


def check_changes(changes: Any, members: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Changes of government (``government_changes`` layout). Rows marked 'not
    government-forming' (presidential votes in parliamentary systems) are not changes of
    government; ``less_support`` comes from ``ukraine_position_change``."""
    empty = pd.DataFrame({"iso2": pd.Series(dtype=str),
                          "date": pd.Series(dtype="datetime64[ns]"),
                          "government": pd.Series(dtype=bool),
                          "less_support": pd.Series(dtype=bool)})
    if changes is None:
        return empty, []
    table = as_table(changes, "government_changes", MODEL)
    problems = _missing(table, ("iso2", "date"), "government_changes")
    if problems:
        return empty, problems
    table = table.assign(iso2=_codes(table["iso2"]),
                         date=pd.to_datetime(table["date"], errors="coerce"))
    ids = (table["change_id"].astype(str) if "change_id" in table.columns
           else table["iso2"] + " " + table["date"].astype(str))
    problems += _unknown(table, members, "government_changes", ids)
    if table["date"].isna().any():
        problems.append("government_changes: some dates are not dates")
    kind = table.get("election_type", pd.Series("", index=table.index)).astype(str).str.lower()
    position = table.get("ukraine_position_change", pd.Series("", index=table.index))
    out = pd.DataFrame({"iso2": table["iso2"], "date": table["date"],
                        "government": ~kind.str.contains("not government-forming"),
                        "less_support": position.astype(str) == "less_support"})
    return out.dropna(subset=["date"]).sort_values(["iso2", "date"]).reset_index(drop=True), \
        problems


def check_aid(aid: Any, members: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
    """Cumulative aid allocations per member (``kiel_aid_by_period`` layout): the rows of
    measure ``allocations_total_cumulative``; aggregate donors (``aggregate`` true) are left
    out."""
    if aid is None:
        return None, []
    table = as_table(aid, "aid", MODEL)
    problems = _missing(table, ("iso2", "period_end", "measure", "value"), "aid")
    if problems:
        return None, problems
    if "aggregate" in table.columns:
        table = table[~table["aggregate"].astype(str).str.lower().isin(["true", "1"])]
    table = table[table["measure"].astype(str) == "allocations_total_cumulative"]
    table = table.assign(iso2=_codes(table["iso2"]),
                         period_end=pd.to_datetime(table["period_end"], errors="coerce"),
                         value=pd.to_numeric(table["value"], errors="coerce"))
    problems += _unknown(table, members, "aid", table["iso2"])
    if table["value"].isna().any() or (table["value"] < 0).any():
        problems.append("aid: values must be non-negative amounts")
    if table.empty:
        problems.append("aid: no row of measure allocations_total_cumulative")
    return table[["iso2", "period_end", "value"]].reset_index(drop=True), problems
