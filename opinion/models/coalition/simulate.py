"""Simulate coalitions with known preferences (for recovery and coverage tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.models.coalition.config import DEFAULT_ITEMS, CoalitionConfig


@dataclass
class SimulatedCoalition:
    """Simulated polls and the truth behind them."""

    polls: pd.DataFrame
    salience: pd.DataFrame
    theta: np.ndarray  # (member,)
    salience_true: np.ndarray  # (member,) log-odds
    salience_mean: float
    salience_effect: float
    election_effect: float
    decay_days: float

    def pressure(self, days: np.ndarray) -> np.ndarray:
        """True pressure (member, date) for a days-to-election matrix."""
        sal = self.salience_effect * (self.salience_true - self.salience_mean)
        return (self.theta + sal)[:, None] + self.election_effect * np.exp(
            -days / self.decay_days)


def simulate(members: pd.DataFrame, *, seed: int, polled_share: float = 0.7,
             n: int = 1000, config: CoalitionConfig | None = None) -> SimulatedCoalition:
    """Draw a coalition from the model's priors and polls of it.

    Every parameter is drawn from its prior (so 90% intervals should cover the truth about
    90% of the time). About ``polled_share`` of members are asked each non-reference item;
    about half the polled members are also asked the reference item; salience is measured
    in half the members. Shares are rounded to whole percent, as published.
    """
    c = config or CoalitionConfig()
    rng = np.random.default_rng(seed)
    regions = sorted(members["region"].unique())
    r_idx = members["region"].map({r: i for i, r in enumerate(regions)}).to_numpy()
    m = len(members)
    mu = rng.normal(c.mu_center, c.mu_sd * 0.5)
    theta = (mu + abs(rng.normal(0, c.region_sd)) * rng.standard_normal(len(regions))[r_idx]
             + abs(rng.normal(0, c.member_sd)) * rng.standard_normal(m))
    items = list(c.items) if c.items else list(DEFAULT_ITEMS)
    a = np.r_[0.0, rng.normal(0, 1.0, len(items) - 1)]
    b = np.r_[1.0, np.array([c.items[i] for i in items[1:]]) * np.exp(
        rng.normal(0, c.item_loading_sd, len(items) - 1))]
    tau = rng.gamma(4.0, c.poll_error / 4.0)
    rows = []
    iso = members["iso2"].to_numpy()
    for q, item in enumerate(items):
        share = polled_share * (0.5 if q == 0 else 1.0)
        asked = rng.random(m) < share
        qid, resp = item.split(":", 1)
        for j in np.flatnonzero(asked):
            p = 1 / (1 + np.exp(-(a[q] + b[q] * theta[j] + rng.normal(0, tau))))
            pct = round(100 * rng.binomial(n, p) / n)
            pct = min(max(pct, 1), 99)
            rows.append({"country": iso[j], "question_id": qid, "response": resp, "pct": pct,
                         "subgroup_n": n, "end_date": "2022-11-01"})
    mu_s = rng.normal(0, 1)
    sal = mu_s + abs(rng.normal(0, c.salience_sd)) * rng.standard_normal(m)
    measured = rng.random(m) < 0.5
    s_pct = [min(max(round(100 * rng.binomial(n, 1 / (1 + np.exp(-s))) / n), 1), 99)
             for s in sal[measured]]
    salience = pd.DataFrame({"iso2": iso[measured], "pct": s_pct, "n": n})
    return SimulatedCoalition(
        polls=pd.DataFrame(rows), salience=salience, theta=theta, salience_true=sal,
        salience_mean=mu_s, salience_effect=abs(rng.normal(0, c.salience_effect_sd)),
        election_effect=abs(rng.normal(0, c.election_effect_sd)),
        decay_days=float(np.exp(rng.normal(np.log(c.decay_days), c.decay_sd))))
