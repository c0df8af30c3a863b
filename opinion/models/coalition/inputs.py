"""Input checks and data preparation for the coalition-pressure model.

Turns user inputs (poll frames or tables, a member table, an election calendar, weights) into
validated arrays. Every user mistake raises :class:`~opinion.errors.ModelInputError` naming
the offending value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError

MEMBER_COLUMNS = ("iso2", "name", "region")
CELL_COLUMNS = ["country", "question_id", "response", "pct", "subgroup_n", "end_date"]


@dataclass(frozen=True)
class CoalitionData:
    """Validated inputs: members, poll cells, days to the next election, weights."""

    members: pd.DataFrame  # iso2, name, region (model order)
    regions: list[str]
    cells: pd.DataFrame  # country, question_id, response, pct, subgroup_n, end_date, n, item
    items: list[str]
    directions: np.ndarray
    elections: pd.DataFrame  # iso2, date
    dates: pd.DatetimeIndex
    days: np.ndarray  # (member, date): days to the next election (inf: none in calendar)
    weights: np.ndarray  # (member,), sums to 1
    salience: pd.DataFrame  # iso2, pct, n (may be empty)


# ----------------------------------------------------------------------------- members
def default_members() -> pd.DataFrame:
    """The bundled 30 NATO members of November 2022."""
    from opinion.datasets import load

    return pd.DataFrame(load("nato_members_2022"))


def check_members(members: pd.DataFrame) -> pd.DataFrame:
    """Members table with ``iso2, name, region`` (codes upper-cased), validated."""
    if not isinstance(members, pd.DataFrame):
        raise ModelInputError("members must be a DataFrame with columns iso2, name, region")
    missing = [c for c in MEMBER_COLUMNS if c not in members.columns]
    if missing:
        raise ModelInputError(f"members is missing column(s) {missing}")
    out = members[list(MEMBER_COLUMNS)].copy()
    out["iso2"] = out["iso2"].astype(str).str.strip().str.upper()
    bad = out["iso2"][~out["iso2"].str.fullmatch(r"[A-Z]{2}")]
    if len(bad):
        raise ModelInputError(f"members: {bad.iloc[0]!r} is not a two-letter country code")
    if out["iso2"].duplicated().any():
        dup = out["iso2"][out["iso2"].duplicated()].iloc[0]
        raise ModelInputError(f"members: duplicated iso2 {dup!r}")
    region = out["region"].astype("string").str.strip()
    no_region = out["iso2"][region.isna() | (region == "")]
    if len(no_region):
        raise ModelInputError(f"member {no_region.iloc[0]!r} has no region: set members['region']")
    out["region"] = region.astype(str)
    out["name"] = out["name"].fillna(out["iso2"]).astype(str)
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- polls
def poll_rows(polls: object) -> pd.DataFrame:
    """Country-level rows (``CELL_COLUMNS``) of a poll frame, a table, or a list of them."""
    if polls is None:
        return pd.DataFrame(columns=CELL_COLUMNS)
    if isinstance(polls, list | tuple):
        parts = [poll_rows(p) for p in polls]
        return pd.concat(parts, ignore_index=True) if parts else poll_rows(None)
    frame = getattr(polls, "data", polls)
    if not isinstance(frame, pd.DataFrame):
        raise ModelInputError("polls must be a PollFrame, a DataFrame or a list of them")
    need = ["country", "question_id", "response", "pct"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ModelInputError(f"polls are missing column(s) {missing}")
    frame = frame.copy()
    if "subgroup" in frame.columns:
        sub = frame["subgroup"].astype(str)
        frame = frame[sub.str.startswith("country:") | (sub == "all")]
    country = frame["country"].astype("string").str.strip().str.upper()
    frame = frame[country.notna() & (country != "")].copy()
    frame["country"] = country[frame.index].astype(str)
    for column in ("subgroup_n", "end_date"):
        if column not in frame.columns:
            frame[column] = np.nan
    frame["pct"] = pd.to_numeric(frame["pct"], errors="coerce")
    frame["subgroup_n"] = pd.to_numeric(frame["subgroup_n"], errors="coerce")
    frame["end_date"] = pd.to_datetime(frame["end_date"], errors="coerce")
    return frame[CELL_COLUMNS].reset_index(drop=True)


def poll_cells(rows: pd.DataFrame, members: pd.DataFrame, items: Mapping[str, int],
               country_n: float, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows measuring a configured item, with the sample size each is given.

    Countries in ``drop`` (polled non-members, e.g. Finland and Sweden in 2022) are left out;
    any other code that is not a member is an error.
    """
    drop_set = {c.upper() for c in drop}
    rows = rows[~rows["country"].isin(drop_set)]
    unknown = sorted(set(rows["country"]) - set(members["iso2"]))
    if unknown:
        raise ModelInputError(
            f"polls: unknown country code {unknown[0]!r} (not in members; known: "
            f"{', '.join(members['iso2'])}). Polled non-members must be listed in "
            "drop_countries=[...]")
    key = rows["question_id"].astype(str) + ":" + rows["response"].astype(str)
    cells = rows[key.isin(list(items))].copy()
    cells["item"] = key[cells.index]
    cells = cells[cells["pct"].between(0, 100, inclusive="neither")]
    cells["n"] = cells["subgroup_n"].fillna(float(country_n))
    return cells.reset_index(drop=True)


def check_salience(salience: pd.DataFrame | None, members: pd.DataFrame) -> pd.DataFrame:
    """Optional salience data: ``iso2, pct`` (domestic issues' share against the war) and
    ``n``."""
    if salience is None:
        return pd.DataFrame({"iso2": pd.Series(dtype=str), "pct": pd.Series(dtype=float),
                             "n": pd.Series(dtype=float)})
    missing = [c for c in ("iso2", "pct", "n") if c not in salience.columns]
    if missing:
        raise ModelInputError(f"salience is missing column(s) {missing}")
    out = salience[["iso2", "pct", "n"]].copy()
    out["iso2"] = out["iso2"].astype(str).str.upper()
    unknown = sorted(set(out["iso2"]) - set(members["iso2"]))
    if unknown:
        raise ModelInputError(f"salience: unknown country code {unknown[0]!r}")
    if not out["pct"].between(0, 100, inclusive="neither").all():
        raise ModelInputError("salience: pct must be strictly between 0 and 100")
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- elections
def default_elections(members: pd.DataFrame,
                      next_election: pd.DataFrame | None = None) -> pd.DataFrame:
    """Government-forming elections: the bundled 2022-24 calendar, then each member's next
    election from the members table (when it has a date)."""
    from opinion.datasets import load

    cal = pd.DataFrame(load("nato_elections_2022_2024"))
    cal = cal[cal["government_forming"].astype(str) == "yes"]
    rows = [cal[["iso2", "date"]]]
    if next_election is not None:
        rows.append(next_election.rename(columns={"next_election": "date"}))
    out = pd.concat(rows, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    out["iso2"] = out["iso2"].astype(str).str.upper()
    out = out[out["iso2"].isin(members["iso2"])]
    out = out.dropna(subset=["date"]).drop_duplicates()
    return out.sort_values(["iso2", "date"]).reset_index(drop=True)


def check_elections(elections: pd.DataFrame, members: pd.DataFrame, calendar_start: str,
                    calendar_end: str) -> pd.DataFrame:
    """Validated ``iso2, date`` table of government-forming elections."""
    missing = [c for c in ("iso2", "date") if c not in elections.columns]
    if missing:
        raise ModelInputError(f"elections is missing column(s) {missing}")
    out = elections[["iso2", "date"]].copy()
    out["iso2"] = out["iso2"].astype(str).str.strip().str.upper()
    unknown = sorted(set(out["iso2"]) - set(members["iso2"]))
    if unknown:
        raise ModelInputError(f"elections: unknown country code {unknown[0]!r} (not in members)")
    dates = pd.to_datetime(out["date"], errors="coerce")
    if dates.isna().any():
        bad = out["date"][dates.isna()].iloc[0]
        raise ModelInputError(f"elections: {bad!r} is not a date")
    lo, hi = pd.Timestamp(calendar_start), pd.Timestamp(calendar_end)
    outside = out[(dates < lo) | (dates > hi)]
    if len(outside):
        r = outside.iloc[0]
        raise ModelInputError(
            f"elections: {r['iso2']} on {pd.Timestamp(r['date']):%Y-%m-%d} is outside the "
            f"election calendar {lo:%Y-%m-%d}..{hi:%Y-%m-%d}")
    out["date"] = dates
    return out.sort_values(["iso2", "date"]).reset_index(drop=True)


def days_to_next_election(members: pd.DataFrame, elections: pd.DataFrame,
                          dates: pd.DatetimeIndex) -> np.ndarray:
    """(member, date) days from each date to the member's next election on or after it;
    ``inf`` when the calendar has none (the election term is then zero)."""
    out = np.full((len(members), len(dates)), np.inf)
    for m, iso in enumerate(members["iso2"]):
        own = np.sort(elections.loc[elections["iso2"] == iso, "date"].to_numpy())
        for t, date in enumerate(dates):
            ahead = own[own >= np.datetime64(date)]
            if len(ahead):
                out[m, t] = (ahead[0] - np.datetime64(date)) / np.timedelta64(1, "D")
    return out


# ----------------------------------------------------------------------------- weights
def aid_weights(members: pd.DataFrame) -> np.ndarray:
    """Shares of calendar-2022 Kiel allocations (EUR bn); members without a figure get 0."""
    from opinion.datasets import load

    kiel = pd.DataFrame(load("kiel_aid_2022"))
    kiel = kiel[kiel["measure"].astype(str).str.startswith("allocations in calendar 2022")]
    by = kiel.dropna(subset=["donor_iso2"]).groupby("donor_iso2")["value"].sum()
    values = members["iso2"].map(by).fillna(0.0).to_numpy(float)
    if values.sum() <= 0:
        raise ModelInputError("weights='aid': no member has a bundled Kiel aid figure")
    return values / values.sum()


def resolve_weights(weights: object, members: pd.DataFrame) -> np.ndarray:
    """Member weights summing to 1 from a name or a mapping/Series ``iso2 -> weight``."""
    if isinstance(weights, str):
        if weights == "equal":
            return np.full(len(members), 1.0 / len(members))
        if weights == "aid":
            return aid_weights(members)
        raise ModelInputError(
            f"weights={weights!r}: use 'equal', 'aid' or a Series iso2 -> weight summing to 1 "
            "(GDP and population figures are not bundled: pass them as a Series)")
    series = pd.Series(weights, dtype=float)
    series.index = series.index.astype(str).str.upper()
    unknown = sorted(set(series.index) - set(members["iso2"]))
    if unknown:
        raise ModelInputError(f"weights: unknown country code {unknown[0]!r}")
    if (series < 0).any() or series.isna().any():
        raise ModelInputError("weights must be non-negative numbers")
    if abs(series.sum() - 1) > 1e-6:
        raise ModelInputError(f"weights must sum to 1 (they sum to {series.sum():.4f})")
    return members["iso2"].map(series).fillna(0.0).to_numpy(float)


def monthly_dates(start: str, end: str) -> pd.DatetimeIndex:
    """First days of the months from ``start`` to ``end``."""
    dates = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(),
                          pd.Timestamp(end), freq="MS")
    if len(dates) == 0:
        raise ModelInputError(f"no month between start={start!r} and end={end!r}")
    return dates


def prepare(polls: object, members: pd.DataFrame | None, elections: pd.DataFrame | None,
            weights: object, salience: pd.DataFrame | None, config) -> CoalitionData:
    """Validate and assemble everything the model needs."""
    original = default_members() if members is None else members
    members = check_members(original)
    rows = poll_rows(polls)
    cells = poll_cells(rows, members, config.items, config.country_n, config.drop_countries)
    if cells.empty:
        raise ModelInputError(
            f"polls: no country-level row measures any item in {list(config.items)}")
    items = list(config.items)
    if elections is None:
        nxt = (original[["iso2", "next_election"]] if "next_election" in original.columns
               else None)
        elections = default_elections(members, nxt)
    elections = check_elections(elections, members, config.calendar_start, config.calendar_end)
    dates = monthly_dates(config.start, config.end)
    return CoalitionData(
        members=members,
        regions=sorted(members["region"].unique()),
        cells=cells,
        items=items,
        directions=np.array([config.items[i] for i in items], dtype=float),
        elections=elections,
        dates=dates,
        days=days_to_next_election(members, elections, dates),
        weights=resolve_weights(weights, members),
        salience=check_salience(salience, members),
    )
