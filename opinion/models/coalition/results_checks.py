"""Summaries, effects, headline quantities and predictive checks of coalition results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.coalition.describe import describe
from opinion.models.coalition.predictive import (
    cell_check,
    event_check,
    share_draws,
    stage_draws,
)
from opinion.models.core.results import contraction_of, interval

EFFECTS = {
    "opinion": ("beta_opinion", "opinion (per log-odds unit)"),
    "salience": ("beta_salience", "salience of the economy (per log-odds unit)"),
    "election": ("beta_election", "election proximity (at the election month)"),
    "change": ("beta_change", "recent change of government"),
    "partisanship": ("beta_partisanship", "government coded less supportive"),
}


class ChecksMixin:
    """Summary rows, effects, headline quantities and predictive checks."""

    # ------------------------------------------------------------------ summary
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        rows: list[tuple[str, np.ndarray]] = []
        last = self.end
        for name in self.meta["latents"]:
            draws = self.latent_draws(name)
            for i, iso in enumerate(self.iso2):
                share = 100 / (1 + np.exp(-draws[:, i, last]))
                rows.append((f"{name} {iso}, {self.months[last]:%Y-%m} (%)", share))
            for part in ("mean", "region_sd", "country_sd", "common_sd", "walk_sd", "bias_sd"):
                rows.append((f"{name}: {part} (log-odds)", self.draws(f"{name}_{part}")))
            rows.append((f"{name}: non-sampling error (pp at 50%)",
                         100 * self.draws(f"{name}_poll_error")))
            items = self.meta["latents"][name]["items"]
            for k, item in enumerate(items[1:], start=1):
                rows.append((f"{name} item {item}: intercept",
                             self.draws(f"{name}_intercept")[:, k]))
                rows.append((f"{name} item {item}: loading",
                             self.draws(f"{name}_loading")[:, k]))
        rows.append(("event base rate (monthly, %)",
                     100 / (1 + np.exp(-self.draws("event_base")))))
        rows.append(("member history sd (log-odds)", self.draws("history_sd")))
        for i, iso in enumerate(self.iso2):
            rows.append((f"history effect {iso} (log-odds)", self.draws("history")[:, i]))
        for term in self.terms:
            if term in EFFECTS:
                rows.append((f"effect of {EFFECTS[term][1]}", self.draws(EFFECTS[term][0])))
        if "election" in self.terms:
            rows.append(("election decay lambda (months)", self.draws("decay_months")))
        return rows

    def effects(self, level: float = 0.9) -> pd.DataFrame:
        """Each event-model term: ``term, effect, mean, lower_90, upper_90`` (log-odds; the
        interval named after ``level``), ``p_positive`` (0-1), ``contraction``."""
        lo_col, hi_col = interval_columns(level)
        rows = []
        prior = self.prior_view()
        for term in self.terms:
            if term not in EFFECTS:
                continue
            name, label = EFFECTS[term]
            post, pri = self.draws(name), prior.draws(name)
            m, lo, hi = interval(post, level)
            rows.append({"term": term, "effect": label, "mean": float(m), lo_col: float(lo),
                         hi_col: float(hi), "p_positive": float((post > 0).mean()),
                         "contraction": contraction_of(pri, post)})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ headlines
    def headline_quantities(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "P(some member defects), forecast window":
                lambda r: r.split_draws(None, "any"),
            "effect of opinion on defection (log-odds per logit)":
                lambda r: r.draws("beta_opinion"),
        }
        if self.aid is not None:
            out["P(a blocking share of aid defects), forecast window"] = \
                lambda r: r.split_draws(None, "blocking")
        return out

    def headline(self) -> str:
        from opinion.models.core.wording import probability_words

        p = self.split_probability()
        beta = self.draws("beta_opinion")
        lo, hi = np.quantile(beta, [0.05, 0.95])
        return (f"Probability that at least one member defects in {self.window_label()}: "
                f"{probability_words(p)}; effect of opinion on a government's odds of "
                f"defecting: {float(beta.mean()):+.2f} log-odds per logit (90% interval "
                f"{lo:+.2f} to {hi:+.2f})")

    def next_steps(self) -> list[str]:
        return ["opinion()", "pressure()", "event_probability()", "split_probability()",
                "split_curve()", "effects()", "backtest()", "holdout()"]

    def display_tables(self) -> list[tuple[str, pd.DataFrame]]:
        table = self.effects()
        return [("Event-model effects (log-odds of a monthly defection event)", table)]

    def model_description(self) -> list[str]:
        return describe(self)

    # ------------------------------------------------------------------ checks
    def posterior_predictive_check(self, level: float = 0.9) -> pd.DataFrame:
        """Every survey cell (percent, as published) and every member's event-months
        beside their replicated intervals: ``kind, latent, label, observed, mean, lower_90,
        upper_90, inside`` (the interval columns name ``level``)."""
        return self._predictive(self, level, seed=1)

    def prior_predictive_check(self, level: float = 0.9) -> pd.DataFrame:
        """As :meth:`posterior_predictive_check`, from the prior draws."""
        return self._predictive(self.prior_view(), level, seed=2)

    def _predictive(self, source: Any, level: float, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng([self.random_seed, seed])
        cells = self.observations()
        lo, hi = interval_columns(level)
        parts = []
        for name in self.meta["latents"]:
            own = cells[cells["latent"] == name].reset_index(drop=True)
            own = own.assign(**self.cell_indices(name, own))
            replicated = share_draws(stage_draws(source, name), name, own, rng)
            check = cell_check(own, replicated, level)
            parts.append(pd.DataFrame({
                "kind": "survey cell (%)", "latent": name,
                "label": check["iso2"] + " " + check["item"] + " "
                + pd.to_datetime(check["month"]).dt.strftime("%Y-%m"),
                "observed": check["pct"], "mean": check["mean"], lo: check[lo],
                hi: check[hi], "inside": check["inside"]}))
        events = event_check(source.probability_draws(), self.arrays["event_y"],
                             self.arrays["event_weight"] > 0, self.iso2, rng, level)
        parts.append(pd.DataFrame({
            "kind": "event-months", "latent": "events", "label": events["member"],
            "observed": events["observed"], "mean": events["mean"], lo: events[lo],
            hi: events[hi], "inside": events["inside"]}))
        return pd.concat(parts, ignore_index=True)

    def cell_indices(self, name: str, cells: pd.DataFrame) -> dict[str, np.ndarray]:
        """Unit, item, pair and month indices of stored cells (for replicated shares)."""
        spec = self.meta["latents"][name]
        unit = {c: i for i, c in enumerate(self.units["iso2"])}
        item = {c: i for i, c in enumerate(spec["items"])}
        pair = {c: i for i, c in enumerate(spec["pairs"])}
        month = {m: i for i, m in enumerate(self.months)}
        return {"unit": cells["iso2"].map(unit).to_numpy(),
                "q": cells["item"].map(item).to_numpy(),
                "pair": (cells["item"] + "|" + cells["iso2"]).map(pair).fillna(-1)
                .astype(int).to_numpy(),
                "t": pd.to_datetime(cells["month"]).map(month).to_numpy()}

    def contraction_of_latent(self, name: str = "opinion") -> pd.DataFrame:
        """Contraction of each member's latent level at the last data month."""
        post, prior = self.latent_draws(name), self.prior_view().latent_draws(name)
        rows = [{"member": iso, "contraction": contraction_of(prior[:, i, self.end],
                                                                post[:, i, self.end])}
                for i, iso in enumerate(self.iso2)]
        return pd.DataFrame(rows)
