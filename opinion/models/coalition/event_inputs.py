"""Encoding of the event side: member x month indicators and the timing covariates.

- ``y[m, t]`` = 1 when member ``m`` has at least one selected event in month ``t``;
- ``months_to_election[m, t]``: whole months from month ``t`` to the month of the member's
  next government-forming election (0 in the election month; ``inf`` when none is known);
- :func:`change_indicators`: whether a change of government happened in the last
  ``window`` months, and whether the government in place came in with a change coded
  ``less_support``; only changes dated before ``known_before`` count (so a back-test never
  uses a change that had not happened at its origin);
- :func:`aid_shares`: each member's share of cumulative aid at the latest cut-off on or
  before a date (members without a figure get 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.models.coalition.data import EventData


def month_index(dates: pd.Series, months: pd.DatetimeIndex) -> np.ndarray:
    """Index of each date's month on the grid (-1 before it, len(months) after it)."""
    periods = dates.dt.to_period("M").dt.to_timestamp()
    first = months[0].to_period("M")
    return np.asarray([(p.to_period("M") - first).n for p in periods], dtype=int)


def event_matrix(events: pd.DataFrame, members: list[str], months: pd.DatetimeIndex
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """``(member, month)`` indicator of at least one selected event, and those events."""
    chosen = events[events["selected"]].copy()
    chosen["t"] = month_index(chosen["date"], months)
    y = np.zeros((len(members), len(months)))
    row = {c: i for i, c in enumerate(members)}
    for r in chosen.itertuples():
        if 0 <= r.t < len(months):
            y[row[r.iso2], r.t] = 1.0
    columns = [c for c in ("event_id", "date", "iso2", "event_type", "actor_type", "subtype",
                           "t") if c in chosen.columns]
    return y, chosen[columns].reset_index(drop=True)


def months_to_election(elections: pd.DataFrame, members: list[str],
                       months: pd.DatetimeIndex) -> np.ndarray:
    """Months from each grid month to the member's next election month (``inf``: none)."""
    out = np.full((len(members), len(months)), np.inf)
    t = np.arange(len(months))
    for m, iso in enumerate(members):
        own = np.sort(month_index(elections.loc[elections["iso2"] == iso, "date"], months))
        for e in own:
            ahead = (t <= e) & np.isinf(out[m])
            out[m, ahead] = e - t[ahead]
    return out


def change_indicators(changes: pd.DataFrame, members: list[str], n_months: int, window: int,
                      known_before: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(recent, less_support)``, each ``(member, month)`` in {0, 1}.

    ``recent[m, t]`` = 1 when a change of government took place in months ``t - window + 1 ..
    t``; ``less_support[m, t]`` = 1 from a change coded ``less_support`` until the member's
    next change. Changes in month ``known_before`` or later are ignored.
    """
    recent = np.zeros((len(members), n_months))
    less = np.zeros((len(members), n_months))
    row = {c: i for i, c in enumerate(members)}
    limit = n_months if known_before is None else known_before
    for r in changes.sort_values("date").itertuples():
        if r.iso2 not in row or r.t >= limit:
            continue
        m, start = row[r.iso2], max(r.t, 0)
        if r.government and window > 0:
            recent[m, start:max(r.t + window, 0)] = 1.0
        less[m, start:] = 1.0 if r.less_support else 0.0
    return recent, less


def aid_shares(aid: pd.DataFrame | None, members: list[str], date: pd.Timestamp
               ) -> tuple[np.ndarray | None, str | None]:
    """Members' shares of cumulative aid at the latest cut-off on or before ``date``."""
    if aid is None or aid.empty:
        return None, None
    usable = aid[aid["period_end"] <= date + pd.offsets.MonthEnd(0)]
    cut = usable["period_end"].max() if len(usable) else aid["period_end"].min()
    values = aid[aid["period_end"] == cut].groupby("iso2")["value"].sum()
    shares = pd.Series(members).map(values).fillna(0.0).to_numpy(float)
    if shares.sum() <= 0:
        return None, None
    return shares / shares.sum(), f"{cut:%Y-%m-%d}"


def encode_events(checked: dict[str, Any], members: list[str], months: pd.DatetimeIndex,
                  end: int) -> EventData:
    """The member x month event data on the grid."""
    y, chosen = event_matrix(checked["events"], members, months)
    observed = np.zeros_like(y, dtype=bool)
    observed[:, : end + 1] = True
    changes = checked["changes"].assign(t=month_index(checked["changes"]["date"], months))
    shares, cut = aid_shares(checked["aid"], members, months[end])
    return EventData(y=y, observed=observed,
                     months_to_election=months_to_election(checked["elections"], members,
                                                           months),
                     events=chosen, changes=changes, aid=shares, aid_date=cut)
