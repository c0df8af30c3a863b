"""Input checks of the coalition-pressure model: every problem at once, before encoding.

Each ``check_*`` function takes one user table and returns the cleaned table (columns the
model uses, in canonical types) and a list of problems in plain language. Documented
behaviours (not errors): aggregate rows (``aggregate`` true) are left out; panel items
without a direction that are not pressure items are left out; several reports of one
figure (same survey, wave, country and item) keep the first by ``row_id``; non-members
flagged ``nato_member`` false calibrate items. Everything else that cannot be modelled
(an unknown country code, a pressure item with no direction, an event before the grid,
a survey cell without a sample size under ``missing_n="error"`` ...) is a problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.models.core.inputs import as_table

PRESSURE_CONSTRUCTS = ("support_aid", "negotiate", "sanctions")
PANEL_COLUMNS = ("iso2", "item", "direction", "pct", "field_start", "field_end", "n")
SALIENCE_COLUMNS = ("iso2", "item", "issue", "issue_group", "pct", "field_start", "field_end",
                    "n")
MEMBER_COLUMNS = ("iso2", "name", "region")
EVENT_COLUMNS = ("date", "iso2", "event_type", "actor_type")
MODEL = "CoalitionPressure"


def _missing(table: pd.DataFrame, columns: tuple[str, ...], name: str) -> list[str]:
    gone = [c for c in columns if c not in table.columns]
    return [f"{name} is missing column(s) {', '.join(gone)}"] if gone else []


def _codes(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.upper().fillna("")


def _flag(table: pd.DataFrame, column: str, default: bool) -> pd.Series:
    """A boolean column given as bools or 'true'/'false' text (absent: ``default``)."""
    if column not in table.columns:
        return pd.Series(default, index=table.index)
    values = table[column]
    if values.dtype == bool:
        return values
    return values.astype("string").str.strip().str.lower().isin(["true", "1", "yes"])


def _first(ids: pd.Series, limit: int = 3) -> str:
    shown = ", ".join(str(i) for i in ids.iloc[:limit])
    return shown + (f" (+{len(ids) - limit} more)" if len(ids) > limit else "")


# ----------------------------------------------------------------------------- members
def check_members(members: Any) -> tuple[pd.DataFrame, list[str]]:
    """``iso2, name, region`` (+ ``next_election``) of the coalition's members."""
    if members is None:
        return pd.DataFrame(columns=list(MEMBER_COLUMNS)), [
            "members= is required: a table with iso2, name, region (e.g. the bundled "
            "nato_members_2022)"]
    table = as_table(members, "members", MODEL)
    problems = _missing(table, MEMBER_COLUMNS, "members")
    if problems:
        return table, problems
    out = table[list(MEMBER_COLUMNS)].copy()
    out["iso2"] = _codes(out["iso2"])
    bad = out["iso2"][~out["iso2"].str.fullmatch(r"[A-Z]{2}")]
    problems += [f"members: {c!r} is not a two-letter country code" for c in bad]
    problems += [f"members: iso2 {c!r} appears twice" for c in out["iso2"][
        out["iso2"].duplicated()]]
    region = out["region"].astype("string").str.strip()
    problems += [f"members: {c!r} has no region" for c in out["iso2"][
        region.isna() | (region == "")]]
    out["region"] = region.fillna("")
    out["name"] = out["name"].astype("string").fillna(out["iso2"]).astype(str)
    if "next_election" in table.columns:
        out["next_election"] = pd.to_datetime(table["next_election"], errors="coerce")
    return out.reset_index(drop=True), problems


# ----------------------------------------------------------------------------- survey panels
def _dates(table: pd.DataFrame, name: str, ids: pd.Series) -> list[str]:
    problems = []
    for column in ("field_start", "field_end"):
        parsed = pd.to_datetime(table[column], errors="coerce")
        bad = parsed.isna()
        if bad.any():
            problems.append(f"{name}: {column} is not a date in row(s) {_first(ids[bad])}")
        table[column] = parsed
    order = table["field_start"] > table["field_end"]
    if order.any():
        problems.append(f"{name}: field_start after field_end in row(s) {_first(ids[order])}")
    return problems


def _shares(table: pd.DataFrame, name: str, ids: pd.Series) -> list[str]:
    pct = pd.to_numeric(table["pct"], errors="coerce")
    bad = pct.isna() | ~pct.between(0, 100)
    table["pct"] = pct
    return [f"{name}: pct must be a share in [0, 100] (row(s) {_first(ids[bad])})"] if bad.any() \
        else []


def _sample_sizes(table: pd.DataFrame, name: str, ids: pd.Series, policy: str) -> list[str]:
    n = pd.to_numeric(table["n"], errors="coerce")
    table["n"] = n
    if "n_basis" not in table.columns:
        table["n_basis"] = np.where(n.notna(), "given", "")
    table["n_basis"] = table["n_basis"].astype("string").fillna("").astype(str)
    problems = []
    bad = n.notna() & ~(n >= 1)
    if bad.any():
        problems.append(f"{name}: n must be a positive sample size (row(s) {_first(ids[bad])})")
    if policy == "error" and n.isna().any():
        problems.append(
            f"{name}: {int(n.isna().sum())} row(s) have no sample size ({_first(ids[n.isna()])}); "
            "use missing_n='impute' (documented size) or 'drop'")
    return problems


def _row_ids(table: pd.DataFrame) -> pd.Series:
    if "row_id" in table.columns:
        return table["row_id"].astype(str)
    return pd.Series([f"#{i}" for i in range(len(table))], index=table.index)


def _countries(table: pd.DataFrame, name: str, members: pd.DataFrame, ids: pd.Series,
               use_non_members: bool) -> tuple[pd.DataFrame, list[str]]:
    """Rows of members and (flagged) non-members; aggregates are left out."""
    table = table[~_flag(table, "aggregate", False)].copy()
    ids = ids[table.index]
    table["iso2"] = _codes(table["iso2"])
    member = table["iso2"].isin(members["iso2"])
    flagged = ~_flag(table, "nato_member", True) & ~member
    unknown = ~member & ~flagged
    problems = [
        f"{name}: country code {c!r} is not in the members table (rows "
        f"{_first(ids[unknown & (table['iso2'] == c)])}); add it to members= or flag its rows "
        "nato_member=false to use them only to calibrate items"
        for c in sorted(set(table.loc[unknown, "iso2"]))]
    if flagged.any() and "region" not in table.columns:
        problems.append(f"{name}: rows flagged nato_member=false need a region column")
    table["member"] = member
    keep = member | (flagged & use_non_members)
    return table[keep], problems


def _directions(table: pd.DataFrame, ids: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Opinion rows with a stated direction; pressure items without one are errors."""
    direction = pd.to_numeric(table["direction"], errors="coerce")
    given = table["direction"].astype("string").fillna("").str.strip() != ""
    problems = []
    bad = given & ~direction.isin([1, -1])
    if bad.any():
        problems.append(f"europe panel: direction must be +1 or -1 (rows {_first(ids[bad])})")
    construct = (table["construct"].astype("string").fillna("") if "construct" in table.columns
                 else pd.Series("", index=table.index))
    undirected = ~given & construct.isin(PRESSURE_CONSTRUCTS)
    for item in sorted(set(table.loc[undirected, "item"])):
        problems.append(f"europe panel: item {item!r} measures "
                        f"{construct[table['item'] == item].iloc[0]} but has no stated "
                        "direction: set direction to +1 (more pressure to negotiate) or -1")
    table = table.assign(direction=direction)
    mixed = table[given].groupby("item")["direction"].nunique()
    problems += [f"europe panel: item {i!r} has more than one direction" for i in
                 mixed[mixed > 1].index]
    partly = set(table.loc[given, "item"]) & set(table.loc[~given, "item"])
    problems += [f"europe panel: item {i!r} has a direction on some rows only" for i in
                 sorted(partly)]
    return table[given & ~bad], problems


def _dedupe(table: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """One row per survey, wave, country and item (reports of one figure: first row id)."""
    order = table.sort_values("row_id") if "row_id" in table.columns else table
    return order.drop_duplicates(key).sort_index()


def check_panel(frame: Any, members: pd.DataFrame, config: Any
                ) -> tuple[pd.DataFrame, list[str]]:
    """The opinion panel (``europe_ukraine_panel`` layout): rows with a direction."""
    table = as_table(frame, "frame", MODEL)
    problems = _missing(table, PANEL_COLUMNS, "europe panel (frame)")
    if problems:
        return table, problems
    ids = _row_ids(table)
    table, problems = _countries(table, "europe panel", members, ids, config.non_members)
    ids = ids[table.index]
    table, more = _directions(table, ids)
    problems += more
    ids = ids[table.index]
    problems += _cell_checks(table, "europe panel", ids, config)
    if config.opinion_reference not in set(table["item"]):
        problems.append(f"opinion_reference {config.opinion_reference!r} is not an item of the "
                        "panel's rows with a direction")
    return _dedupe(table, ["survey", "wave", "iso2", "item"]), problems


def _cell_checks(table: pd.DataFrame, label: str, ids: pd.Series, config: Any) -> list[str]:
    """Dates, shares and sample sizes of a panel's cells (all problems); adds ``row_id`` and
    empty ``survey``/``wave`` columns where the table has none."""
    problems = []
    for check in (_dates, _shares):
        problems += check(table, label, ids)
    problems += _sample_sizes(table, label, ids, config.missing_n)
    table["row_id"] = ids
    for column in ("survey", "wave"):
        if column not in table.columns:
            table[column] = ""
    return problems


def check_salience(salience: Any, members: pd.DataFrame, config: Any
                   ) -> tuple[pd.DataFrame | None, list[str]]:
    """The salience panel (``europe_salience_panel`` layout): items of the modelled groups."""
    if salience is None:
        return None, []
    table = as_table(salience, "salience", MODEL)
    problems = _missing(table, SALIENCE_COLUMNS, "salience")
    if problems:
        return table, problems
    ids = _row_ids(table)
    table, problems = _countries(table, "salience", members, ids, config.non_members)
    if "scope" in table.columns:
        table = table[table["scope"].astype(str).isin(config.salience_scopes)]
    table = table[table["issue_group"].astype(str).isin(config.salience_groups)].copy()
    ids = ids[table.index]
    table["direction"] = table["issue_group"].map(config.salience_groups).astype(float)
    table["item"] = table["item"].astype(str) + ":" + table["issue"].astype(str)
    # every issue's share is its own measure (several issues come from one question)
    table["question_wording"] = table["item"]
    problems += _cell_checks(table, "salience", ids, config)
    if config.salience_reference not in set(table["item"]):
        problems.append(f"salience_reference {config.salience_reference!r} is not an "
                        "item:issue of the salience rows modelled")
    return _dedupe(table, ["survey", "wave", "iso2", "item"]), problems
