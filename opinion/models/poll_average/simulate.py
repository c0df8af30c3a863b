r"""Seeded simulation of polls with known truth, from the poll average's own generative model.

For categories :math:`k = 1..K` (the last is the reference) the daily latent log-odds follow a
random walk, :math:`\eta_{t,k} = \eta_{t-1,k} + N(0, \sigma^2/30)` with :math:`\sigma` the
per-month sd (``sigma_rw_pp_per_month / 25`` logit); house effects are zero-sum normal
(:math:`N(0, s_h)` per pollster, centred over pollsters); poll :math:`i` has true shares
:math:`\operatorname{softmax}(\bar\eta_i + \text{house}_{h(i)}, 0)` with :math:`\bar\eta_i` the
latent averaged over its field days; poll-level error and sampling follow the model's
stick-breaking beta-binomial likelihood: for each category but the last, the conditional share
:math:`q` is perturbed to :math:`\tilde q \sim \text{Beta}(q\phi, (1-q)\phi)`,
:math:`\phi = (0.5/\tau_{share})^2 - 1` (``tau_share = poll_error_pp / 100``), and the count is
:math:`\text{Binomial}(\text{remaining}, \tilde q)`. Shares are reported unrounded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.frames import PollFrame
from opinion.models.poll_average.config import pp_to_logit


@dataclass(frozen=True)
class SimulationTruth:
    """What generated the simulated polls.

    Attributes
    ----------
    trend
        Daily true shares: ``date, response, share`` (percent).
    house
        True house effects: ``pollster, response, effect`` (pp), measured like
        :meth:`PollAverageResults.house_effects`: at the time-averaged true latent.
    eta
        Daily latent log-odds, shape (days, K-1).
    house_logit
        House effects on the logit scale, shape (K-1, pollsters).
    sigma_rw, tau, sigma_house
        The scales used (logit; ``sigma_rw`` per month).
    """

    trend: pd.DataFrame
    house: pd.DataFrame
    eta: np.ndarray
    house_logit: np.ndarray
    sigma_rw: float
    tau: float
    sigma_house: float


def _softmax_ref(logits: np.ndarray) -> np.ndarray:
    full = np.concatenate([logits, np.zeros(logits.shape[:-1] + (1,))], axis=-1)
    full = np.exp(full - full.max(axis=-1, keepdims=True))
    return full / full.sum(axis=-1, keepdims=True)


def simulate_polls(
    n_polls: int, n_days: int, n_pollsters: int, *, seed: int,
    sigma_rw_pp_per_month: float = 3.0, house_sd_pp: float = 2.0, poll_error_pp: float = 1.0,
    n: int = 1000, field_days: int = 3, start: str = "2022-01-01",
    categories: list[str] | None = None, design_seed: int | None = None,
) -> tuple[PollFrame, SimulationTruth]:
    """Simulate ``n_polls`` polls over ``n_days`` days from ``n_pollsters`` pollsters.

    Every pollster gets at least one poll (the first ``n_pollsters`` polls go one to each);
    end days are uniform over the span, each poll is in the field ``field_days`` days.
    ``categories`` defaults to ``["support", "oppose"]``; the starting latent is
    ``N(0, 0.3)`` logit per category against the last one.

    ``design_seed`` fixes the design (which pollster fields each poll, and when) apart from
    ``seed``, which then draws only the truth and the counts: data sets of one design differ
    only in their counts, so one compiled model serves them all (recovery studies).

    Returns
    -------
    (PollFrame, SimulationTruth)
        Polls of question ``"q"`` (population ``"a"``, mode ``"online"``) and the truth.
    """
    rng = np.random.default_rng(seed)
    cats = list(categories) if categories else ["support", "oppose"]
    n_free = len(cats) - 1
    sigma_rw, tau = pp_to_logit(sigma_rw_pp_per_month), pp_to_logit(poll_error_pp)
    sigma_house = pp_to_logit(house_sd_pp)
    steps = rng.normal(0.0, sigma_rw / np.sqrt(30.0), size=(n_days - 1, n_free))
    eta = np.vstack([rng.normal(0.0, 0.3, size=(1, n_free)), steps]).cumsum(axis=0)
    house = rng.normal(0.0, sigma_house, size=(n_free, n_pollsters))
    house -= house.mean(axis=1, keepdims=True)
    pollsters = [f"P{j:02d}" for j in range(n_pollsters)]

    design = rng if design_seed is None else np.random.default_rng(design_seed)
    who = np.concatenate([np.arange(min(n_polls, n_pollsters)),
                          design.integers(0, n_pollsters, size=max(n_polls - n_pollsters, 0))])
    end = design.integers(field_days - 1, n_days, size=n_polls)
    cum = np.vstack([np.zeros((1, n_free)), eta.cumsum(axis=0)])
    eta_bar = (cum[end + 1] - cum[end + 1 - field_days]) / field_days
    probs = _softmax_ref(eta_bar + house.T[who])

    phi = (0.5 / (poll_error_pp / 100)) ** 2 - 1
    counts = np.zeros((n_polls, len(cats)), dtype=int)
    remaining = np.full(n_polls, n)
    used = np.zeros(n_polls)
    for k in range(n_free):
        q = np.clip(probs[:, k] / np.clip(1 - used, 1e-12, None), 1e-9, 1 - 1e-9)
        counts[:, k] = rng.binomial(remaining, rng.beta(q * phi, (1 - q) * phi))
        remaining -= counts[:, k]
        used += probs[:, k]
    counts[:, -1] = remaining

    day0 = pd.Timestamp(start)
    ends = day0 + pd.to_timedelta(end, unit="D")
    frame = pd.DataFrame({
        "poll_id": np.repeat([f"s{i:05d}" for i in range(n_polls)], len(cats)),
        "pollster": np.repeat(np.array(pollsters)[who], len(cats)),
        "start_date": np.repeat(ends - pd.to_timedelta(field_days - 1, unit="D"), len(cats)),
        "end_date": np.repeat(ends, len(cats)),
        "population": "a", "mode": "online", "n": n, "question_id": "q",
        "response": np.tile(cats, n_polls), "pct": (100 * counts / n).ravel(),
    })
    last = day0 + pd.Timedelta(days=n_days)
    polls = PollFrame.from_frame(frame, today=dt.date(last.year, last.month, last.day),
                                 source="simulate_polls")

    dates = pd.date_range(day0, periods=n_days, freq="D")
    shares = 100 * _softmax_ref(eta)
    trend = pd.DataFrame({"date": np.repeat(dates, len(cats)), "response": np.tile(cats, n_days),
                          "share": shares.ravel()})
    base = eta.mean(axis=0)
    effect = 100 * (_softmax_ref(base[None, :] + house.T) - _softmax_ref(base)[None, :])
    house_table = pd.DataFrame({"pollster": np.repeat(pollsters, len(cats)),
                                "response": np.tile(cats, n_pollsters), "effect": effect.ravel()})
    truth = SimulationTruth(trend=trend, house=house_table, eta=eta, house_logit=house,
                            sigma_rw=sigma_rw, tau=tau, sigma_house=sigma_house)
    return polls, truth
