"""Encoding of the checked inputs: units, the monthly grid, survey cells, events.

:func:`prepare` runs every check of :mod:`.checks` and :mod:`.checks_tables` first (one
error naming every problem), then encodes:

- **units**: the members (in the members table's order), then the non-members whose rows
  calibrate items (``member`` false);
- **grid**: months from the first survey month to the last month with a survey or any
  event in the events table (its coverage), plus ``forecast_months``;
- **survey cells** of each latent (opinion, salience): month of the field-period midpoint,
  effective n = n / deff (``imputed`` when no size is documented), counts = round(share x
  effective n), item and item x country indices; one response per question, wave and
  country (the response the panel reports most often), so a sample never enters twice;
- **events**: the member x month indicator of at least one selected event, the months to
  each member's next government-forming election, the dated changes of government and the
  aid weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError
from opinion.models.coalition.checks import check_members, check_panel, check_salience
from opinion.models.coalition.checks_tables import (
    check_aid,
    check_changes,
    check_elections,
    check_events,
    check_polls,
)
from opinion.models.coalition.data import CELL_COLUMNS, CoalitionInputs, EventData, LatentData
from opinion.models.coalition.event_inputs import encode_events
from opinion.models.core.inputs import problems_message

GEOMETRY: dict[str, dict[str, int]] = {
    "opinion": {"bias_min_cells": 1, "loading_min_countries": 1},
    "salience": {"bias_min_cells": 3, "loading_min_countries": 2},
}
"""Which terms each latent estimates (measured on the bundled panels, 4 chains x 500 draws).

An item x country pair gets a bias term when it has at least ``bias_min_cells`` cells, and
an item's loading is estimated when the item reaches ``loading_min_countries`` countries
(otherwise it is fixed at its direction, +-1). Opinion: every pair and every loading (as
Claassen 2019; DCPO's two-cell rule gave R-hat 1.14 here). Salience, where most countries
have one to three cells and the non-sampling error is about 7 points: a bias only for pairs
with three or more cells and loadings only for items asked in two or more countries (with
every pair and loading: R-hat 1.15-1.22, bulk ESS 13-21; with these rules: no divergence,
R-hat 1.03). Predictions for a pair without a bias term draw one from its prior."""


# ----------------------------------------------------------------------------- checking
def check_all(frame: Any, tables: dict[str, Any], config: Any) -> dict[str, Any]:
    """Every table checked; one :class:`ModelInputError` naming every problem."""
    members, problems = check_members(tables.get("members"))
    if problems:
        raise ModelInputError(problems_message("CoalitionPressure inputs", problems))
    checked: dict[str, Any] = {"members": members}
    steps = {
        "panel": lambda: check_panel(frame, members, config),
        "polls": lambda: check_polls(tables.get("polls"), members, config),
        "salience": lambda: check_salience(tables.get("salience"), members, config),
        "events": lambda: check_events(tables.get("events"), members, config),
        "elections": lambda: check_elections(tables.get("elections"), members),
        "changes": lambda: check_changes(tables.get("government_changes"), members),
        "aid": lambda: check_aid(tables.get("aid"), members),
    }
    for name, step in steps.items():
        checked[name], found = step()
        problems += found
    if problems:
        raise ModelInputError(problems_message("CoalitionPressure inputs", problems))
    return checked


# ----------------------------------------------------------------------------- units, grid
def make_units(members: pd.DataFrame, rows: list[pd.DataFrame]) -> pd.DataFrame:
    """Members, then the non-members with calibration rows (sorted by code)."""
    units = members[["iso2", "name", "region"]].assign(member=True)
    extra = pd.concat([r.loc[~r["member"].astype(bool), ["iso2", "region"]] for r in rows
                       if r is not None and len(r)], ignore_index=True)
    if len(extra):
        extra = extra.drop_duplicates("iso2").sort_values("iso2")
        units = pd.concat([units, extra.assign(name=extra["iso2"], member=False)],
                          ignore_index=True)
    return units.reset_index(drop=True)


def midpoint_month(start: pd.Series, end: pd.Series) -> pd.Series:
    """First day of the month of each field period's midpoint."""
    mid = start + (end - start) / 2
    return mid.dt.to_period("M").dt.to_timestamp()


def make_grid(cells: list[pd.DataFrame], events: pd.DataFrame, config: Any
              ) -> tuple[pd.DatetimeIndex, int, list[str]]:
    """The months of the grid, the index of the last data month, and problems."""
    months = pd.concat([c["month"] for c in cells if c is not None and len(c)])
    dated = events["date"].dropna()
    first = pd.Timestamp(config.start) if config.start else months.min()
    last = (pd.Timestamp(config.end) if config.end
            else max(months.max(), dated.max() if len(dated) else months.max()))
    first, last = first.to_period("M").to_timestamp(), last.to_period("M").to_timestamp()
    problems = []
    before = events[events["selected"] & (events["date"] < first)]
    if len(before):
        problems.append(
            f"events: {len(before)} selected event(s) before the panel starts "
            f"({first:%Y-%m}): {', '.join(before['event_id'].astype(str).iloc[:3])}; drop them "
            "or set start= earlier (the latent opinion they need is not measured)")
    after = events[events["selected"] & (events["date"] >= last + pd.offsets.MonthBegin(1))]
    if len(after):
        problems.append(f"events: {len(after)} selected event(s) after end={last:%Y-%m}")
    for c in cells:
        if c is not None and ((c["month"] < first) | (c["month"] > last)).any():
            problems.append(f"survey cells outside the grid {first:%Y-%m}..{last:%Y-%m}: set "
                            "start/end to include them or filter the rows")
            break
    grid = pd.date_range(first, last + pd.DateOffset(months=config.forecast_months), freq="MS")
    return grid, int(grid.get_loc(last)), problems


# ----------------------------------------------------------------------------- cells
def one_response_per_question(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep, per survey, wave, country and question, the response reported most often across
    the panel (its complement, e.g. 'disagree' beside 'agree', would count a sample twice)."""
    question = (rows["question_wording"].astype(str) if "question_wording" in rows.columns
                else rows["item"].astype(str))
    counts = rows["item"].map(rows["item"].value_counts())
    ranked = rows.assign(_q=question, _c=counts).sort_values(["_c", "item"],
                                                             ascending=[False, True])
    kept = ranked.drop_duplicates(["survey", "wave", "iso2", "_q"])
    return kept.drop(columns=["_q", "_c"]).sort_index()


def effective_sizes(rows: pd.DataFrame, config: Any) -> pd.DataFrame:
    """``n`` (imputed or dropped when missing), ``n_eff`` = n / deff, counts."""
    missing = rows["n"].isna()
    if config.missing_n == "drop":
        rows = rows[~missing].copy()
    else:
        rows = rows.copy()
        rows.loc[missing, "n"] = float(config.impute_n)
        rows.loc[missing, "n_basis"] = "imputed"
    deff = rows["deff"].fillna(config.deff) if "deff" in rows.columns else config.deff
    rows["n_eff"] = rows["n"] / deff
    rows["trials"] = np.maximum(np.round(rows["n_eff"]), 1).astype(int)
    rows["y"] = np.clip(np.round(rows["pct"] / 100 * rows["trials"]), 0,
                        rows["trials"]).astype(int)
    return rows


def encode_latent(name: str, rows: pd.DataFrame, reference: str, units: pd.DataFrame,
                  months: pd.DatetimeIndex, config: Any) -> LatentData:
    """Cells with unit, item, pair and month indices; the reference item first."""
    rows = effective_sizes(one_response_per_question(rows), config)
    unit = {c: i for i, c in enumerate(units["iso2"])}
    items = [reference, *sorted(set(rows["item"]) - {reference})]
    q = {c: i for i, c in enumerate(items)}
    key = rows["item"].astype(str) + "|" + rows["iso2"]
    rules = GEOMETRY.get(name, GEOMETRY["opinion"])
    counts = key.value_counts()
    pairs = sorted(counts.index[counts >= rules["bias_min_cells"]])
    cells = rows.assign(unit=rows["iso2"].map(unit), q=rows["item"].map(q),
                        pair=key.map({p: i for i, p in enumerate(pairs)}).fillna(-1).astype(int),
                        t=[int(months.get_loc(m)) for m in rows["month"]],
                        member=rows["member"].astype(bool))
    directions = cells.groupby("q")["direction"].first().reindex(range(len(items)))
    anchor = int(np.bincount(cells["t"], minlength=len(months)).argmax())
    countries = cells.groupby("q")["iso2"].nunique().reindex(range(len(items)))
    free = (countries >= rules["loading_min_countries"]).to_numpy().copy()
    free[0] = False
    return LatentData(name, cells[CELL_COLUMNS].reset_index(drop=True), items,
                      directions.to_numpy(float), pairs, anchor, free)


# ----------------------------------------------------------------------------- prepare
def _survey_rows(checked: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Opinion rows (panel + polls) and salience rows, with their months."""
    parts = [checked["panel"], checked["polls"]]
    opinion = pd.concat([p for p in parts if p is not None and len(p)], ignore_index=True)
    opinion["month"] = midpoint_month(opinion["field_start"], opinion["field_end"])
    salience = checked["salience"]
    if salience is not None and len(salience):
        salience = salience.assign(month=midpoint_month(salience["field_start"],
                                                        salience["field_end"]))
    else:
        salience = None
    return opinion, salience


def _terms(config: Any, salience: LatentData | None, events: EventData) -> tuple[
        tuple[str, ...], list[str]]:
    terms, notes = list(config.terms), []
    if salience is None and "salience" in terms:
        terms.remove("salience")
        notes.append("no salience data: the event model has no salience term")
    if np.isinf(events.months_to_election).all() and "election" in terms:
        terms.remove("election")
        notes.append("no election dates: the event model has no election term")
    return tuple(terms), notes


def prepare(frame: Any, tables: dict[str, Any], config: Any) -> CoalitionInputs:
    """Check everything (one error with every problem), then encode."""
    checked = check_all(frame, tables, config)
    opinion_rows, salience_rows = _survey_rows(checked)
    months, end, problems = make_grid([opinion_rows, salience_rows], checked["events"], config)
    if problems:
        raise ModelInputError(problems_message("CoalitionPressure inputs", problems))
    units = make_units(checked["members"], [opinion_rows, salience_rows])
    opinion = encode_latent("opinion", opinion_rows, config.opinion_reference, units, months,
                            config)
    salience = (encode_latent("salience", salience_rows, config.salience_reference, units,
                              months, config) if salience_rows is not None else None)
    members = units.loc[units["member"], "iso2"].tolist()
    events = encode_events(checked, members, months, end)
    terms, notes = _terms(config, salience, events)
    for latent in (opinion, salience):
        if latent is not None and (latent.cells["n_basis"] == "imputed").any():
            notes.append(f"{latent.name}: {int((latent.cells['n_basis'] == 'imputed').sum())} "
                         f"cells without a documented n use n = {config.impute_n}")
    regions = sorted(units["region"].unique())
    return CoalitionInputs(units=units, regions=regions, months=months, end=end,
                           opinion=opinion, salience=salience, events=events, terms=terms,
                           notes=notes)
