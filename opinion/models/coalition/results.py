"""Results of :class:`~opinion.models.coalition.CoalitionPressure`.

Scales: ``opinion()`` is the latent preference for negotiating in percent on the reference
item's scale (by default the share *not* backing EU-financed military aid in the Standard
Eurobarometer wording); ``salience()`` the salience of the economy against the war in percent
naming rising prices among the two most important issues; ``pressure()`` the log-odds shift
of a member's monthly defection probability coming from its public (opinion and salience,
relative to the average member-month); ``event_probability()`` the monthly probability of a
defection event; ``split_probability()`` the probability that the coalition splits within a
window, defined by events (see :mod:`.split`).

Every derived quantity reads draws through ``self.draws``, so the same code on
``prior_view()`` gives its prior (contraction).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError, unknown_names_message
from opinion.formatting import interval_columns
from opinion.models.coalition import split as splitting
from opinion.models.coalition.events import PARAMETERS, probability_draws
from opinion.models.coalition.predictive import interval_frame, latent_frame
from opinion.models.coalition.results_checks import ChecksMixin
from opinion.models.coalition.results_evidence import EvidenceMixin
from opinion.models.coalition.results_plots import PlotsMixin
from opinion.models.core.hashing import records_to_frame
from opinion.models.core.results import ModelResults

DEFAULT_LEVEL = 0.9
RULES = ("any", "blocking")


class CoalitionResults(ChecksMixin, EvidenceMixin, PlotsMixin, ModelResults):
    """What a fitted coalition-pressure model returns (intervals: central, default 90%)."""

    model_label = "coalition pressure"
    date_columns = ("month",)

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.units = records_to_frame(meta["units"])
        self.units["member"] = self.units["member"].astype(bool)
        self.members = self.units[self.units["member"]].reset_index(drop=True)
        self.iso2: list[str] = self.members["iso2"].tolist()
        self.months = pd.DatetimeIndex(pd.to_datetime(meta["months"]))
        self.end = int(meta["end"])
        self.terms: tuple[str, ...] = tuple(meta["terms"])
        self.arrays = {k: np.asarray(v, float) for k, v in (meta.get("arrays") or {}).items()}
        self.aid = None if meta.get("aid") is None else np.asarray(meta["aid"], float)

    # ------------------------------------------------------------------ draws
    def latent_draws(self, name: str = "opinion") -> np.ndarray:
        """``(draw, unit, month)`` draws of a latent series (log-odds)."""
        return np.asarray(self.draws(name), float)

    def has_salience(self) -> bool:
        return "salience" in self.meta["latents"]

    def event_params(self) -> dict[str, np.ndarray]:
        return {name: self.draws(name) for name in PARAMETERS if name != "history_sd"}

    def probability_draws(self, terms_on: np.ndarray | None = None) -> np.ndarray:
        """``(draw, member, month)`` monthly probabilities of a defection event (the
        fitted terms' array is computed once per results object; treat it as read-only)."""
        if terms_on is None and "_probability_memo" in self.__dict__:
            return self.__dict__["_probability_memo"]
        salience = self.latent_draws("salience") if self.has_salience() else None
        out = probability_draws(self.event_params(), self.arrays, self.latent_draws("opinion"),
                                salience, len(self.iso2), terms_on)
        if terms_on is None:
            out.flags.writeable = False
            self.__dict__["_probability_memo"] = out
        return out

    def pressure_draws(self) -> np.ndarray:
        """``(draw, member, month)``: log-odds shift from the public (opinion + salience)."""
        on = self.arrays["terms_on"]
        m = len(self.iso2)
        opinion = self.latent_draws("opinion")[:, :m] - self.arrays["opinion_center"]
        out = on[1] * self.draws("beta_opinion")[:, None, None] * opinion
        if self.has_salience():
            salience = self.latent_draws("salience")[:, :m] - self.arrays["salience_center"]
            out = out + on[2] * self.draws("beta_salience")[:, None, None] * salience
        return out

    # ------------------------------------------------------------------ lookups
    def member_index(self, codes: str | list[str]) -> np.ndarray:
        codes = [codes] if isinstance(codes, str) else list(codes)
        unknown = [c for c in codes if str(c).upper() not in self.iso2]
        if unknown:
            raise ModelInputError(unknown_names_message(unknown, self.iso2, "member(s)"))
        return np.array([self.iso2.index(str(c).upper()) for c in codes], dtype=int)

    def window(self, window: tuple[str, str] | None = None) -> np.ndarray:
        """Month indices of ``(first, last)`` (``YYYY-MM``); default: the forecast months
        after the data (or the last six data months when no month is forecast)."""
        if window is None:
            first = self.end + 1 if self.end + 1 < len(self.months) else max(self.end - 5, 0)
            return np.arange(first, len(self.months) if first > self.end else self.end + 1)
        lo, hi = (pd.Timestamp(w).to_period("M").to_timestamp() for w in window)
        if lo not in self.months or hi not in self.months or hi < lo:
            raise ModelInputError(f"window {window} is not within the grid "
                                  f"{self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m}")
        return np.arange(self.months.get_loc(lo), self.months.get_loc(hi) + 1)

    def window_label(self, window: tuple[str, str] | None = None) -> str:
        idx = self.window(window)
        return f"{self.months[idx[0]]:%b %Y}-{self.months[idx[-1]]:%b %Y}"

    # ------------------------------------------------------------------ tables
    def opinion(self, level: float = DEFAULT_LEVEL, *, scale: str = "percent",
                members_only: bool = True) -> pd.DataFrame:
        """Latent preference for negotiating per member and month: ``member, date, mean,
        lower_90, upper_90`` (percent on the reference item, or ``scale="logit"``; the
        interval columns name ``level``), then
        ``forecast`` (month after the data) and ``surveyed`` (the member has any cell;
        members without one carry their region's pooled value and its full spread)."""
        return self._latent_table("opinion", level, scale, members_only)

    def salience(self, level: float = DEFAULT_LEVEL, *, scale: str = "percent",
                 members_only: bool = True) -> pd.DataFrame:
        """Salience of the economy against the war, as :meth:`opinion`."""
        if not self.has_salience():
            raise ModelInputError("this fit has no salience data (pass salience=)")
        return self._latent_table("salience", level, scale, members_only)

    def _latent_table(self, name: str, level: float, scale: str, members_only: bool
                      ) -> pd.DataFrame:
        if scale not in ("percent", "logit"):
            raise ModelInputError("scale must be 'percent' or 'logit'")
        draws = self.latent_draws(name)
        units = self.members if members_only else self.units
        table = latent_frame(draws[:, : len(units)], units, self.months, self.end, level, scale)
        cells = self.observations()
        seen = set(cells.loc[cells["latent"] == name, "iso2"])
        table["surveyed"] = table["member"].isin(seen)
        return table

    def coverage(self) -> pd.DataFrame:
        """Per member: survey cells of each latent, first and last survey month, events."""
        cells = self.observations()
        out = self.members[["iso2", "name", "region"]].rename(columns={"iso2": "member"})
        for name in self.meta["latents"]:
            own = cells[cells["latent"] == name].groupby("iso2")
            out[f"{name}_cells"] = out["member"].map(own.size()).fillna(0).astype(int)
        opinion = cells[cells["latent"] == "opinion"].groupby("iso2")["month"]
        out["first_survey"] = out["member"].map(opinion.min())
        out["last_survey"] = out["member"].map(opinion.max())
        y = self.arrays["event_y"][:, : self.end + 1]
        out["event_months"] = y.sum(axis=1).astype(int)
        return out

    def pressure(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Public pressure per member and month: ``member, date, mean, lower_90, upper_90``
        in log-odds of a monthly defection event against the average member-month."""
        return interval_frame(self.pressure_draws(), self.iso2, self.months, level)

    def event_probability(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Monthly probability of a defection event (0-1, a probability, not a share):
        ``member, date, mean, lower_90, upper_90``, and ``event`` (1/0 observed; empty for
        forecast months)."""
        table = interval_frame(self.probability_draws(), self.iso2, self.months, level)
        y = self.arrays["event_y"].copy()
        y[:, self.end + 1:] = np.nan
        table["event"] = y.ravel()
        return table

    # ------------------------------------------------------------------ the split
    def split_draws(self, window: tuple[str, str] | None = None, rule: str = "any", *,
                    members: list[str] | None = None,
                    blocking_share: float | None = None) -> np.ndarray:
        """Per draw, the probability of a split within ``window``.

        ``rule="any"``: at least one of ``members`` (default all) has a defection event;
        ``"blocking"``: the members with one hold at least ``blocking_share`` (a proportion
        of cumulative aid, 0-1; default from the configuration). Returns probabilities
        (0-1), one per draw.
        """
        quiet = splitting.no_event(self.probability_draws(), self.window(window))
        if rule == "any":
            return splitting.any_defection(quiet, None if members is None
                                           else self.member_index(members))
        if rule != "blocking":
            raise ModelInputError(f"rule must be one of {RULES}, not {rule!r}")
        if self.aid is None:
            raise ModelInputError("this fit has no aid table (pass aid=) for rule='blocking'")
        share = blocking_share or float(self.meta["config"]["blocking_share"])
        return splitting.blocking(quiet, self.aid, share)

    def split_probability(self, window: tuple[str, str] | None = None, rule: str = "any", *,
                          members: list[str] | None = None,
                          blocking_share: float | None = None) -> float:
        """Probability of a split within ``window`` (see :meth:`split_draws`): the posterior
        mean over draws."""
        return float(self.split_draws(window, rule, members=members,
                                      blocking_share=blocking_share).mean())

    def split_curve(self, window: tuple[str, str] | None = None, *, order: str | list[str] =
                    "random", level: float = DEFAULT_LEVEL, n_orders: int = 200,
                    seed: int = 0) -> pd.DataFrame:
        """P(at least one of k members defects within the window), k = 1 .. all members.

        ``order="random"`` (default) averages over random orders (a coalition of k members
        drawn at random); ``"risk"`` adds the least likely to defect first; ``"aid"`` the
        largest donors first; or a list of member codes. Columns ``n_members, member`` (the
        member added; empty for random orders), ``mean, lower_90, upper_90`` (probabilities
        0-1; the interval named after ``level``).
        """
        quiet = splitting.no_event(self.probability_draws(), self.window(window))
        rng = np.random.default_rng(seed)
        names: list[str] = [""] * len(self.iso2)
        if isinstance(order, str):
            if order == "random":
                orders = np.array([rng.permutation(len(self.iso2)) for _ in range(n_orders)])
            elif order == "risk":
                orders = np.argsort(-quiet.mean(axis=0), kind="stable")[None]
            elif order == "aid" and self.aid is not None:
                orders = np.argsort(-self.aid, kind="stable")[None]
            else:
                raise ModelInputError("order must be 'random', 'risk', 'aid' (with aid data) "
                                      "or a list of member codes")
        else:
            orders = self.member_index(order)[None]
        if len(orders) == 1:
            names = [self.iso2[i] for i in orders[0]]
        values = splitting.curve(quiet, orders)
        lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
        lo_col, hi_col = interval_columns(level)
        return pd.DataFrame({"n_members": np.arange(1, values.shape[1] + 1),
                             "member": names[: values.shape[1]], "mean": values.mean(axis=0),
                             lo_col: lo, hi_col: hi})
