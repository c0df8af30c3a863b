r"""Exact Kalman smoother for the poll average with a Gaussian observation approximation.

With each poll's logit share treated as Gaussian,

.. math::

    \operatorname{logit} y_i = \eta_{t(i)} + \text{house}_{h(i)} + \text{effects}_i + e_i,
    \qquad e_i \sim N\!\left(\frac{1}{n_i y_i (1-y_i)} + \tau^2\right),

and a daily random walk :math:`\eta_t = \eta_{t-1} + N(0, \sigma^2/30)` (``sigma`` per month),
the posterior of the latent path *given* :math:`\sigma, \tau, \sigma_h` is Gaussian and the
Kalman smoother computes it exactly. House effects (zero-sum coded over P-1 states with the
ZeroSumNormal covariance :math:`\sigma_h^2 (I - J/P)`) and population / mode / item effects
are constant states. Polls sit on their field-period midpoint day (or end day).

This is the model's exact cross-check (``likelihood="normal"``, daily grid, polls on their
end date give the same model) and a quick-look mode: :func:`kalman_trend` estimates the three
variances by maximum likelihood when they are not given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm
from statsmodels.tsa.statespace.mlemodel import MLEModel

from opinion.errors import ModelInputError
from opinion.models.poll_average.config import PollAverageConfig, pp_to_logit
from opinion.models.poll_average.inputs import PollData
from opinion.models.poll_average.marginal import logit_observations

_MIN_SCALE = 1e-6


@dataclass(frozen=True)
class KalmanInputs:
    """Observation arrays on a daily grid."""

    day: np.ndarray  # poll -> day index
    y: np.ndarray  # logit of the share of the first response
    se2: np.ndarray  # sampling variance on the logit scale
    loadings: np.ndarray  # poll x effect-state loadings
    effect_prior_cov: np.ndarray  # effect states' prior covariance for unit scales
    house_block: slice  # which effect states are house effects
    effect_names: list[str]
    n_days: int
    start_level: float


def kalman_inputs(data: PollData, config: PollAverageConfig, *, midpoint: bool = True
                  ) -> KalmanInputs:
    """Build the daily observation arrays from prepared poll data (two categories only)."""
    if len(data.responses) != 2:
        raise ModelInputError("the Kalman smoother handles two-category questions only")
    polls = data.polls
    obs = logit_observations(data.cells, polls, data.start, data.n_days,
                             midpoint=midpoint and config.field_period)
    poll, day, share = obs.cell, obs.day, 1 / (1 + np.exp(-obs.y))
    y = share

    columns: list[np.ndarray] = []
    names: list[str] = []
    blocks: list[np.ndarray] = []
    pollsters = data.pollsters
    house_start = 0
    n_house = 0
    if len(pollsters) > 1:
        idx = polls["pollster"].map({p: i for i, p in enumerate(pollsters)}).to_numpy()[poll]
        if config.house_effects == "anchored":
            free = [p for p in pollsters if p not in set(config.anchor_pollsters)]
            load = np.zeros((len(y), len(free)))
            for j, p in enumerate(free):
                load[:, j] = idx == pollsters.index(p)
            cov = np.eye(len(free))
            names += [f"house[{p}]" for p in free]
        else:
            P = len(pollsters)
            load = np.zeros((len(y), P - 1))
            for j in range(P - 1):
                load[:, j] = idx == j
            load[idx == P - 1, :] = -1.0
            cov = np.eye(P - 1) - np.ones((P - 1, P - 1)) / P
            names += [f"house[{p}]" for p in pollsters[:-1]]
        columns.append(load)
        blocks.append(cov)
        n_house = load.shape[1]
    house_block = slice(house_start, house_start + n_house)
    for column, levels, label in (("population", data.populations, "population"),
                                  ("mode", data.modes, "mode"),
                                  ("question_id", data.questions, "item")):
        if len(levels) < 2 or (label == "item" and not config.pool_items):
            continue
        values = polls[column].to_numpy()[poll]
        load = np.column_stack([values == lev for lev in levels[1:]]).astype(float)
        sd = pp_to_logit(config.item_pp if label == "item" else config.effect_pp)
        columns.append(load)
        blocks.append(np.eye(load.shape[1]) * sd**2)
        names += [f"{label}[{lev}]" for lev in levels[1:]]
    loadings = np.column_stack(columns) if columns else np.zeros((len(y), 0))
    k = loadings.shape[1]
    prior = np.zeros((k, k))
    pos = 0
    for block in blocks:
        size = block.shape[0]
        prior[pos: pos + size, pos: pos + size] = block
        pos += size
    mean_share = np.clip(y.mean(), 0.01, 0.99)
    return KalmanInputs(day=day, y=obs.y, se2=obs.se2,
                        loadings=loadings, effect_prior_cov=prior, house_block=house_block,
                        effect_names=names, n_days=data.n_days,
                        start_level=float(np.log(mean_share / (1 - mean_share))))


class PollStateSpace(MLEModel):
    """statsmodels state-space form of the Gaussian poll average.

    Parameters (on the log scale): ``log_sigma_rw`` (random-walk sd per month, logit),
    ``log_tau`` (poll-level error sd, logit) and ``log_sigma_house`` (house-effect sd).
    """

    def __init__(self, inputs: KalmanInputs, level_sd: float = 1.5) -> None:
        self.inputs = inputs
        per_day = pd.Series(inputs.day).value_counts()
        m = int(per_day.max())
        T = inputs.n_days
        endog = np.full((T, m), np.nan)
        slot = np.zeros(len(inputs.y), dtype=int)
        counter: dict[int, int] = {}
        for i, d in enumerate(inputs.day):
            slot[i] = counter.get(d, 0)
            counter[d] = slot[i] + 1
            endog[d, slot[i]] = inputs.y[i]
        self._slot = slot
        k_eff = inputs.loadings.shape[1]
        k_states = 1 + k_eff
        super().__init__(endog, k_states=k_states, k_posdef=1)
        design = np.zeros((m, k_states, T))
        design[:, 0, :] = 1.0
        for i, d in enumerate(inputs.day):
            design[slot[i], 1:, d] = inputs.loadings[i]
        self["design"] = design
        self["transition"] = np.eye(k_states)
        selection = np.zeros((k_states, 1))
        selection[0, 0] = 1.0
        self["selection"] = selection
        self._level_sd = level_sd
        self._obs_base = np.zeros((m, m, T))
        for i, d in enumerate(inputs.day):
            self._obs_base[slot[i], slot[i], d] = inputs.se2[i]
        self._has_obs = np.zeros((m, T), dtype=bool)
        for i, d in enumerate(inputs.day):
            self._has_obs[slot[i], d] = True
        self.update(np.log([0.1, 0.05, 0.1]))

    @property
    def param_names(self) -> list[str]:
        return ["log_sigma_rw", "log_tau", "log_sigma_house"]

    @property
    def start_params(self) -> np.ndarray:
        return np.log([0.1, 0.05, 0.1])

    def update(self, params, transformed=True, **kwargs) -> None:
        params = super().update(params, transformed=transformed, **kwargs)
        scales = np.exp(params)
        # floor at _MIN_SCALE (real part: complex-step derivatives pass complex params)
        scales = np.where(scales.real < _MIN_SCALE, _MIN_SCALE, scales)
        sigma_rw, tau, sigma_house = scales
        dtype = np.result_type(np.asarray(params), float)
        self["state_cov"] = np.array([[sigma_rw**2 / 30.0]], dtype=dtype)
        obs = self._obs_base.astype(dtype)
        m, _, T = obs.shape
        diag = np.arange(m)
        obs[diag, diag, :] += np.where(self._has_obs, tau**2, 0.0)
        self["obs_cov"] = obs
        k = self.k_states
        init_cov = np.zeros((k, k), dtype=dtype)
        init_cov[0, 0] = self._level_sd**2
        prior = self.inputs.effect_prior_cov.astype(dtype)
        hb = self.inputs.house_block
        prior[hb, hb] *= sigma_house**2
        init_cov[1:, 1:] = prior
        init_mean = np.zeros(k)
        init_mean[0] = self.inputs.start_level
        self.ssm.initialize_known(init_mean, init_cov)


@dataclass(frozen=True)
class KalmanResult:
    """Smoothed latent path and effects given (or estimated) variances."""

    dates: pd.DatetimeIndex
    mean_logit: np.ndarray
    sd_logit: np.ndarray
    effects: pd.DataFrame
    sigma_rw: float
    tau: float
    sigma_house: float
    response: str
    loglike: float

    def trend(self, level: float = 0.9) -> pd.DataFrame:
        """``date, response, mean, lower, upper`` in percent (quantiles of the logit normal)."""
        z = norm.ppf(0.5 + level / 2)
        nodes, weights = np.polynomial.hermite_e.hermegauss(31)
        weights = weights / weights.sum()
        mean = (expit(self.mean_logit[:, None] + self.sd_logit[:, None] * nodes) * weights).sum(1)
        return pd.DataFrame({
            "date": self.dates, "response": self.response, "mean": 100 * mean,
            "lower": 100 * expit(self.mean_logit - z * self.sd_logit),
            "upper": 100 * expit(self.mean_logit + z * self.sd_logit),
        })


def kalman_smooth(data: PollData, config: PollAverageConfig, *, sigma_rw: float | None = None,
                  tau: float | None = None, sigma_house: float | None = None,
                  midpoint: bool = True) -> KalmanResult:
    """Smooth the latent path; variances (logit scale, ``sigma_rw`` per month) not given are
    estimated by maximum likelihood."""
    inputs = kalman_inputs(data, config, midpoint=midpoint)
    model = PollStateSpace(inputs, level_sd=config.level_sd_logit)
    given = [sigma_rw, tau, sigma_house]
    if any(v is None for v in given):
        start = model.start_params
        fixed = {name: np.log(max(v, _MIN_SCALE)) for name, v in zip(model.param_names, given,
                                                                       strict=True)
                 if v is not None}
        if fixed:
            with model.fix_params(fixed):
                fit = model.fit(start_params=start, disp=False, maxiter=200, cov_type="none")
            params = np.array([fixed.get(n, fit.params[n]) for n in model.param_names])
        else:
            fit = model.fit(start_params=start, disp=False, maxiter=200, cov_type="none")
            params = np.asarray(fit.params)
    else:
        params = np.log(np.maximum(np.array(given, dtype=float), _MIN_SCALE))
    smoothed = model.smooth(params)
    state = smoothed.smoothed_state
    cov = smoothed.smoothed_state_cov
    effects = pd.DataFrame({
        "effect": inputs.effect_names,
        "mean_logit": state[1:, -1] if state.shape[0] > 1 else [],
        "sd_logit": np.sqrt(np.diagonal(cov[1:, 1:, -1])) if state.shape[0] > 1 else [],
    })
    sig = np.exp(params)
    return KalmanResult(
        dates=pd.date_range(data.start, periods=data.n_days, freq="D"),
        mean_logit=state[0], sd_logit=np.sqrt(cov[0, 0]), effects=effects,
        sigma_rw=float(sig[0]), tau=float(sig[1]), sigma_house=float(sig[2]),
        response=data.responses[0], loglike=float(smoothed.llf),
    )
