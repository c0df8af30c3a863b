"""The encoded inputs of the coalition-pressure model (built by :mod:`.inputs`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CELL_COLUMNS = ["row_id", "survey", "wave", "iso2", "unit", "item", "q", "pair", "month", "t",
                "pct", "n", "n_basis", "n_eff", "trials", "y", "direction", "member"]


@dataclass(frozen=True)
class LatentData:
    """Survey cells measuring one latent (``opinion`` or ``salience``)."""

    name: str
    cells: pd.DataFrame  # CELL_COLUMNS
    items: list[str]  # the reference item first
    directions: np.ndarray  # (item,) +1 / -1
    pairs: list[str]  # "item|iso2" pairs with a bias term (cells' pair -1: none)
    anchor: int  # month index where member walks are pinned (the month with most cells)
    free_loading: np.ndarray  # (item,) True when the loading is estimated

    @property
    def reference(self) -> str:
        return self.items[0]


@dataclass(frozen=True)
class EventData:
    """Member x month event indicators and the covariates known in advance."""

    y: np.ndarray  # (member, month) 1 = at least one selected event
    observed: np.ndarray  # (member, month) True for months up to the end of the data
    months_to_election: np.ndarray  # (member, month) months to the next election (inf: none)
    events: pd.DataFrame  # the selected events (event_id, date, iso2, event_type, t)
    changes: pd.DataFrame  # iso2, date, government, less_support, t
    aid: np.ndarray | None  # (member,) shares of cumulative aid (sum 1), or None
    aid_date: str | None  # the Kiel cut-off the shares come from


@dataclass(frozen=True)
class CoalitionInputs:
    """Everything the two stages need."""

    units: pd.DataFrame  # iso2, name, region, member (members first)
    regions: list[str]
    months: pd.DatetimeIndex  # first days of the grid's months
    end: int  # index of the last month with data (later months are forecasts)
    opinion: LatentData
    salience: LatentData | None
    events: EventData
    terms: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def n_members(self) -> int:
        return int(self.units["member"].sum())

    @property
    def members(self) -> list[str]:
        return self.units["iso2"].iloc[: self.n_members].tolist()
