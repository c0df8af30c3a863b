r"""The poll average with its daily path integrated out (``likelihood="kalman"``).

Under the Gaussian observation approximation (two categories), poll :math:`i`'s log-odds
share is

.. math::

    y_i = x_{s(i), t(i)} + o_i + e_i, \qquad e_i \sim N(0, v_i), \quad
    v_i = \frac{1}{n_i y_i (1 - y_i)} + \tau^2,

with :math:`x_{s,t}` the daily latent of series :math:`s` (a random walk with daily variance
:math:`q = \sigma^2 / 30` from a level :math:`N(m_0, s_0^2)`), :math:`o_i` the poll's house,
population, mode and item effects and :math:`t(i)` its field-period midpoint (or end date).
Given the hyperparameters the path is Gaussian with tridiagonal prior precision
:math:`\Lambda`, and the marginal likelihood is exact:

.. math::

    \log p(y \mid \theta) = -\tfrac12 \sum_i \left[\log 2\pi v_i + r_i^2 / v_i\right]
        - \tfrac{m_0^2}{2 s_0^2} S + \tfrac12 \log\det\Lambda
        + \tfrac12 c^\top Q^{-1} c - \tfrac12 \log\det Q,

with :math:`r_i = y_i - o_i`, :math:`Q = \Lambda + \operatorname{diag}(\sum_i 1/v_i)`,
:math:`c = \Lambda\mu_0 + \sum_i r_i / v_i` (sums per day) and :math:`S` series. The last
two terms are :class:`~opinion.models.poll_average.tridiagonal.TridiagonalGaussian`, O(T).
NUTS samples only the hyperparameters; the path is drawn afterwards for every posterior
draw from :math:`N(Q^{-1} c, Q^{-1})` (forward filtering, backward sampling in precision
form). An election result enters as one more observation (variance 0.005^2, no house effect)
that conditions the path: the likelihood of the polls is then
:math:`p(y, a \mid \theta) / p(a \mid \theta)` and :math:`p(a \mid \theta)` is a separate
observed normal, so that the joint is the same as the binomial model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytensor.tensor as pt

from opinion.models.poll_average.tridiagonal import gaussian_chain_loglik, sample_gaussian

ANCHOR_SD = 0.005
"""Sd (logit) of an election result as an observation of the latent (as the binomial arm)."""


@dataclass(frozen=True)
class LogitObservations:
    """Each poll's log-odds share of the first response and its sampling variance."""

    cell: np.ndarray  # cell row -> poll index
    day: np.ndarray  # day index of each observation (field midpoint or end date)
    y: np.ndarray  # logit of the share of the first response
    se2: np.ndarray  # sampling variance on the logit scale (effective n)


def logit_observations(cells: pd.DataFrame, polls: pd.DataFrame, start: pd.Timestamp,
                       n_days: int, midpoint: bool) -> LogitObservations:
    """Two-category cells as log-odds of the first response, placed on one day each."""
    share0 = np.where(cells["category"] == 0, cells["share"], 1 - cells["share"])
    poll = cells["poll"].to_numpy()
    trials = polls["n_trials"].to_numpy()[poll]
    y = np.clip(share0, 0.5 / trials, 1 - 0.5 / trials)
    first = polls["start_date"].to_numpy()[poll]
    last = polls["end_date"].to_numpy()[poll]
    when = first + (last - first) / 2 if midpoint else last
    day = np.clip((pd.to_datetime(when) - start).days.to_numpy().astype(int), 0, n_days - 1)
    return LogitObservations(cell=poll, day=day, y=np.log(y / (1 - y)),
                             se2=1.0 / (trials * y * (1 - y)))


@dataclass(frozen=True)
class DailyChain:
    """The daily latent of every series laid end to end (position = series x days + day).

    ``rw_diag`` counts the random-walk steps touching each position (1 at a series' ends, 2
    inside), ``rw_off`` is 1 between consecutive days of one series and 0 between series,
    ``start`` marks each series' first day. The prior precision is
    ``diag(rw_diag / q + start / s0^2)`` with off-diagonal ``-rw_off / q``.
    """

    n_series: int
    n_days: int
    rw_diag: np.ndarray
    rw_off: np.ndarray
    start: np.ndarray

    @classmethod
    def build(cls, n_series: int, n_days: int) -> DailyChain:
        one = np.full(n_days, 2.0)
        one[0] -= 1.0
        one[-1] -= 1.0
        off = np.ones(max(n_series * n_days - 1, 0))
        off[n_days - 1::n_days] = 0.0
        start = np.zeros(n_series * n_days)
        start[::n_days] = 1.0
        return cls(n_series, n_days, np.tile(one, n_series), off, start)

    @property
    def size(self) -> int:
        return self.n_series * self.n_days


# ---------------------------------------------------------------------- PyTensor
def _scatter(size_like: pt.TensorVariable, index, values) -> pt.TensorVariable:
    """``np.add.at(zeros_like(size_like), index, values)``."""
    return pt.inc_subtensor(pt.zeros_like(size_like)[index], values)


def marginal_logp(value, offset, se2, position, tau, q, start_level, level_sd, rw_diag, rw_off,
                  start, anchor_position, anchor_y, anchor_var):
    """``log p(y | theta, anchors)``: the daily path integrated out exactly.

    The prior (and the anchors, which condition the path) give the chain's precision
    ``(d, e)`` and ``c``; :func:`~opinion.models.poll_average.tridiagonal.gaussian_chain_loglik`
    adds the polls: their Gaussian terms plus ``F(posterior) - F(prior and anchors)``.
    """
    prec0 = 1.0 / level_sd**2
    d = rw_diag / q + start * prec0
    e = -rw_off / q
    c = start * start_level * prec0
    anchor_position = pt.as_tensor_variable(anchor_position)
    if anchor_position.type.shape[0] != 0:  # an election result (a constant)
        d = d + _scatter(rw_diag, anchor_position, 1.0 / anchor_var)
        c = c + _scatter(rw_diag, anchor_position, anchor_y / anchor_var)
    return gaussian_chain_loglik(d, e, c, value, se2, position, offset, tau)


# ---------------------------------------------------------------------- numpy
def prior_precision(q: np.ndarray, start_level: float, level_sd: float, chain: DailyChain
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(d, e, c)`` of the prior, one column per draw of ``q``."""
    q = np.atleast_1d(np.asarray(q, dtype=float))[None, :]
    prec0 = 1.0 / level_sd**2
    d = chain.rw_diag[:, None] / q + (chain.start * prec0)[:, None]
    e = -chain.rw_off[:, None] / q
    c = np.repeat((chain.start * start_level * prec0)[:, None], q.shape[1], axis=1)
    return d, e, c


def marginal_random(offset, se2, position, tau, q, start_level, level_sd, rw_diag, rw_off,
                    start, anchor_position, anchor_y, anchor_var, rng=None, size=None):
    """Draw polls from the model: a path (given the anchors, if any), then each poll around
    it. Leading dimensions of ``size`` are independent draws."""
    rng = rng if rng is not None else np.random.default_rng()
    n_obs = np.shape(offset)[-1]
    batch = tuple(size[:-1]) if size is not None and len(size) > 1 else ()
    count = int(np.prod(batch)) if batch else 1
    start = np.asarray(start, dtype=float)
    anchor_position = np.asarray(anchor_position, dtype=int)
    if anchor_position.size:
        chain = DailyChain(0, 0, np.asarray(rw_diag, float), np.asarray(rw_off, float), start)
        d, e, c = prior_precision(np.full(count, float(q)), float(start_level),
                                  float(level_sd), chain)
        anchor_var = np.asarray(anchor_var, dtype=float)
        np.add.at(d, anchor_position, (1.0 / anchor_var)[:, None])
        np.add.at(c, anchor_position, (np.asarray(anchor_y, float) / anchor_var)[:, None])
        path = sample_gaussian(d, e, c, rng).T  # draws x positions
    else:
        path = random_walks(count, int(start.sum()), start.size // int(start.sum()), float(q),
                            float(start_level), float(level_sd), rng)
    noise = rng.standard_normal((count, n_obs)) * np.sqrt(np.asarray(se2) + float(tau) ** 2)
    draws = path[:, np.asarray(position, dtype=int)] + np.asarray(offset) + noise
    return draws.reshape(batch + (n_obs,)) if batch else draws[0]


def random_walks(count: int, n_series: int, n_days: int, q: float | np.ndarray,
                 start_level: float, level_sd: float, rng: np.random.Generator) -> np.ndarray:
    """Paths from the random-walk prior, laid end to end per series: (count, series x days).

    ``q`` is the daily variance (a number, or one per path)."""
    steps = rng.standard_normal((count, n_series, n_days))
    steps *= np.sqrt(np.broadcast_to(np.asarray(q, dtype=float), (count,)))[:, None, None]
    steps[:, :, 0] = start_level + level_sd * rng.standard_normal((count, n_series))
    return np.cumsum(steps, axis=-1).reshape(count, n_series * n_days)


# ---------------------------------------------------------------------- the model's graph
@dataclass(frozen=True)
class MarginalDesign:
    """Everything the Kalman arm needs besides the parameters (numpy)."""

    observations: LogitObservations
    chain: DailyChain
    position: np.ndarray  # observation -> position on the chain
    anchor_position: np.ndarray
    anchor_y: np.ndarray
    start_level: float
    level_sd: float


def marginal_design(model) -> MarginalDesign:
    """The Kalman arm's arrays for a :class:`~opinion.models.PollAverage` (two categories)."""
    data, config = model.inputs, model.config
    obs = logit_observations(data.cells, data.polls, data.start, data.n_days,
                             midpoint=config.field_period)
    chain = DailyChain.build(len(model.coords()["series"]), data.n_days)
    position = model.series_index()[obs.cell] * data.n_days + obs.day
    anchor_position, anchor_y = np.zeros(0, dtype=int), np.zeros(0)
    if config.election is not None:
        date, result = config.election
        shares = np.array([result.get(r, np.nan) for r in data.responses], dtype=float)
        if np.isnan(shares).any():
            missing = [r for r, v in zip(data.responses, shares, strict=True) if np.isnan(v)]
            from opinion.errors import ModelInputError

            raise ModelInputError(f"election result lacks responses: {', '.join(missing)}")
        anchor_position = np.array([(pd.Timestamp(date) - data.start).days])
        anchor_y = np.array([np.log(shares[0] / shares[1])])
    return MarginalDesign(obs, chain, position, anchor_position, anchor_y,
                          float(model.start_level()[0]), float(config.level_sd_logit))


def observed_arrays(design: MarginalDesign) -> dict[str, np.ndarray]:
    """The data containers of the Kalman arm (see :meth:`PollAverage.observed_data`)."""
    return {"y_logit": design.observations.y, "y_se2": design.observations.se2,
            "obs_position": design.position.astype("int64"),
            "chain_diag": design.chain.rw_diag, "chain_off": design.chain.rw_off,
            "chain_start": design.chain.start,
            "start_level": np.array([design.start_level])}


def add_marginal_likelihood(model, offsets: pt.TensorVariable, tau: pt.TensorVariable,
                            sigma_rw: pt.TensorVariable) -> None:
    """The polls' likelihood with the daily path integrated out (inside a ``pm.Model``).

    Every data-dependent array is a data container, so the compiled graph depends only on
    the model's structure (which effects, house-effect form, an election or not), not on the
    polls, their number or the dates: PyTensor's on-disk numba cache then serves every data
    set of that structure, in every process.
    """
    import pymc as pm

    design = marginal_design(model)
    arrays = {name: pm.Data(name, value, dims="cell" if name == "y_logit" else None)
              for name, value in observed_arrays(design).items()}
    q = sigma_rw**2 / 30.0  # daily variance of the walk
    anchor_var = np.full(design.anchor_position.shape, ANCHOR_SD**2)
    params = (offsets[design.observations.cell] if not _is_identity(design.observations.cell)
              else offsets, arrays["y_se2"], arrays["obs_position"], tau, q,
              arrays["start_level"][0], design.level_sd, arrays["chain_diag"],
              arrays["chain_off"], arrays["chain_start"], design.anchor_position,
              design.anchor_y, anchor_var)
    pm.CustomDist("y", *params, logp=marginal_logp, random=marginal_random,
                  signature="(n),(n),(n),(),(),(),(),(m),(k),(m),(a),(a),(a)->(n)",
                  observed=arrays["y_logit"], dims="cell")
    if design.anchor_position.size:
        # p(a | theta): the walk's marginal on the election day, plus the anchor's own sd
        day = int(design.anchor_position[0])
        pm.Normal("election_result", mu=arrays["start_level"][0],
                  sigma=pt.sqrt(design.level_sd**2 + day * q + ANCHOR_SD**2),
                  observed=design.anchor_y)


def _is_identity(index: np.ndarray) -> bool:
    return bool(np.array_equal(index, np.arange(len(index))))
