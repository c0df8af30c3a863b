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
end date give the same model) and the quick-look mode, ``PollAverage(...).kalman()``:
:func:`kalman_smooth` estimates the three variances by maximum likelihood when they are not
given and returns a :class:`KalmanResult` (``trend()``, ``summary()``, ``change()``,
``house_effects()``, ``plot_trend()``, notebook views). Shares are percent, intervals named
by their level (``lower_90``, ``upper_90``). No MCMC: no R-hat or ESS, and the intervals
leave out the variances' uncertainty; the full model is ``PollAverage(...).fit()``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm
from statsmodels.tsa.statespace.mlemodel import MLEModel

from opinion.errors import ModelInputError, check_name
from opinion.formatting import interval_columns, level_label
from opinion.models.poll_average.config import PollAverageConfig, pp_to_logit
from opinion.models.poll_average.inputs import PollData
from opinion.models.poll_average.marginal import logit_observations

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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


_NOTE = ("Kalman smoother (quick look): the exact smoothed path of the Gaussian poll average "
         "given its variances, which are estimated by maximum likelihood. No MCMC, so there "
         "is no R-hat or ESS, and the intervals leave out the uncertainty of the variances; "
         "the full Bayesian model is {call}.")
_CHANGE_DAYS = 30
_CHANGE_DRAWS = 20_000


def full_model_call(config: PollAverageConfig) -> str:
    """The exact ``PollAverage(...).fit()`` call of the full model with this configuration
    (``polls`` standing for the user's poll frame)."""
    args = ["polls"]
    for name, value in config.changed().items():
        if name == "questions" and isinstance(value, list) and len(value) == 1:
            value = value[0]
        args.append(f"{name}={value!r}")
    return f"PollAverage({', '.join(args)}).fit()"


@dataclass(frozen=True, eq=False, repr=False)
class KalmanResult:
    """A quick look at a two-category question: the exact Kalman-smoothed trend.

    The latent path and effects are smoothed given the three variances (random walk, poll
    level, house effects), estimated by maximum likelihood unless given. Shares are in
    percent (0-100) and intervals are named by their level (``lower_90``, ``upper_90``);
    the second response is the complement of the first. No MCMC is run, so there are no
    R-hat or ESS figures, and the intervals leave out the uncertainty of the variances: the
    full Bayesian model is ``PollAverage(...).fit()`` (:attr:`full_model`).

    Examples
    --------
    >>> quick = PollAverage(france, questions="fr2022_r2_macron_le_pen").kalman()  # doctest: +SKIP
    >>> quick.summary()  # doctest: +SKIP
    >>> quick.plot_trend()  # doctest: +SKIP
    """

    dates: pd.DatetimeIndex
    mean_logit: np.ndarray
    """Smoothed log-odds of the first response, per day."""
    sd_logit: np.ndarray
    effects: pd.DataFrame
    """Constant states (house, population, mode, item): ``effect, mean_logit, sd_logit``."""
    sigma_rw: float
    """Random-walk sd per month (logit scale)."""
    tau: float
    """Poll-level error sd (logit scale)."""
    sigma_house: float
    """House-effect sd (logit scale)."""
    response: str
    """The first response, whose log-odds are smoothed."""
    loglike: float
    responses: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    pollsters: tuple[str, ...] = ()
    n_polls: int = 0
    house: pd.DataFrame | None = None
    """Each pollster's house effect on the first response: ``pollster, mean_logit,
    sd_logit`` (zero for anchors, the negative sum of the others for the last pollster of
    zero-sum effects)."""
    change_cov: float = float("nan")
    """Smoothed covariance of the log-odds on the last day and :attr:`change_days` before."""
    change_days: int = _CHANGE_DAYS
    estimated: tuple[str, ...] = ()
    """The variances estimated by maximum likelihood (the others were given)."""
    observations: pd.DataFrame | None = field(default=None)
    """The polls: ``poll_id, pollster, start_date, end_date, response, share (0-1), n``."""
    full_model: str = "PollAverage(polls).fit()"
    """The full Bayesian model's call for this question family."""

    # ------------------------------------------------------------------ shares
    def _first_share(self, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean (Gauss-Hermite over the logit normal) and quantiles of the first response's
        daily share, in percent."""
        level_label(level)  # checks the level
        z = norm.ppf(0.5 + level / 2)
        nodes, weights = np.polynomial.hermite_e.hermegauss(31)
        weights = weights / weights.sum()
        mean = (expit(self.mean_logit[:, None] + self.sd_logit[:, None] * nodes)
                * weights).sum(1)
        return (100 * mean, 100 * expit(self.mean_logit - z * self.sd_logit),
                100 * expit(self.mean_logit + z * self.sd_logit))

    def _by_response(self, level: float, response: str | None
                     ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        mean, lower, upper = self._first_share(level)
        responses = self.responses or (self.response,)
        out = {responses[0]: (mean, lower, upper)}
        if len(responses) > 1:
            out[responses[1]] = (100 - mean, 100 - upper, 100 - lower)
        if response is not None:
            check_name(response, list(out), "response")
            out = {response: out[response]}
        return out

    def trend(self, level: float = 0.9, *, response: str | None = None) -> pd.DataFrame:
        """Daily trend of every response: ``date, response, mean, lower_90, upper_90``
        (percent; the interval columns are named by ``level``).

        Intervals are quantiles of the smoothed logit normal; the second response is the
        complement of the first, so the two means sum to 100 on every day.
        """
        lo, hi = interval_columns(level)
        frames = [pd.DataFrame({"date": self.dates, "response": resp, "mean": mean, lo: lower,
                                hi: upper})
                  for resp, (mean, lower, upper) in self._by_response(level, response).items()]
        return pd.concat(frames, ignore_index=True)

    def latest(self, level: float = 0.9) -> pd.DataFrame:
        """The smoothed shares on the last day, one row per response (as :meth:`trend`)."""
        trend = self.trend(level)
        return trend[trend["date"] == self.dates[-1]].reset_index(drop=True)

    def change(self, level: float = 0.9) -> pd.DataFrame:
        """Change of each response's share over the last :attr:`change_days` days (pp):
        ``response, from, to, mean, lower_90, upper_90, p_increase``.

        From the smoothed joint normal of the two days' log-odds (their covariance included),
        by 20,000 fixed quasi-draws: the same numbers on every call.
        """
        lo, hi = interval_columns(level)
        lag = min(self.change_days, len(self.dates) - 1)
        t0, t1 = len(self.dates) - 1 - lag, len(self.dates) - 1
        cov = np.array([[self.sd_logit[t1] ** 2, self.change_cov],
                        [self.change_cov, self.sd_logit[t0] ** 2]])
        cov = 0.5 * (cov + cov.T) + 1e-12 * np.eye(2)
        z = np.random.default_rng(0).standard_normal((_CHANGE_DRAWS, 2))
        draws = np.array([self.mean_logit[t1], self.mean_logit[t0]]) + z @ np.linalg.cholesky(
            cov).T
        delta = 100 * (expit(draws[:, 0]) - expit(draws[:, 1]))
        responses = self.responses or (self.response,)
        rows = []
        for sign, resp in zip((1, -1), responses, strict=False):
            d = sign * delta
            rows.append({"response": resp, "from": self.dates[t0], "to": self.dates[t1],
                         "mean": float(d.mean()),
                         lo: float(np.quantile(d, (1 - level) / 2)),
                         hi: float(np.quantile(d, 1 - (1 - level) / 2)),
                         "p_increase": float((d > 0).mean())})
        return pd.DataFrame(rows)

    def house_effects(self, level: float = 0.9) -> pd.DataFrame:
        """House effect of each pollster per response, in percentage points at the trend's
        average level: ``pollster, response, mean, lower_90, upper_90`` (empty with one
        pollster)."""
        lo, hi = interval_columns(level)
        columns = ["pollster", "response", "mean", lo, hi]
        if self.house is None or self.house.empty:
            return pd.DataFrame(columns=columns)
        z = norm.ppf(0.5 + level / 2)
        base = float(self.mean_logit.mean())
        p0 = expit(base)
        responses = self.responses or (self.response,)
        rows = []
        for h in self.house.itertuples(index=False):
            mean = 100 * (expit(base + h.mean_logit) - p0)
            lower = 100 * (expit(base + h.mean_logit - z * h.sd_logit) - p0)
            upper = 100 * (expit(base + h.mean_logit + z * h.sd_logit) - p0)
            rows.append({"pollster": h.pollster, "response": responses[0], "mean": mean,
                         lo: lower, hi: upper})
            if len(responses) > 1:
                rows.append({"pollster": h.pollster, "response": responses[1], "mean": -mean,
                             lo: -upper, hi: -lower})
        return pd.DataFrame(rows, columns=columns)

    def summary(self, level: float = 0.9) -> pd.DataFrame:
        """The quick look in one table, indexed by ``parameter``: ``mean, lower_90,
        upper_90``.

        Rows: each response's latest smoothed share (percent) and its change over the last
        30 days (pp); the fitted variances as point estimates (random-walk sd per day,
        poll-level sd and house-effect sd, in pp at 50%; no interval: maximum likelihood);
        each pollster's house effect (pp) and any population, mode or item effect. There
        are no R-hat or ESS columns: this is a maximum-likelihood smoother, not MCMC (the
        table's ``attrs["note"]`` says so, and names the full model's call).
        """
        lo, hi = interval_columns(level)
        rows: list[tuple[str, float, float, float]] = []
        day = f"{self.dates[-1]:%Y-%m-%d}"
        for r in self.latest(level).itertuples(index=False):
            row = r._asdict()
            rows.append((f"latest share: {row['response']} ({day}, %)", row["mean"],
                         row[lo], row[hi]))
        for _, r in self.change(level).iterrows():
            rows.append((f"change over the last {(r['to'] - r['from']).days} days: "
                         f"{r['response']} (pp)", r["mean"], r[lo], r[hi]))
        how = {name: "maximum likelihood" if name in self.estimated else "given"
               for name in ("sigma_rw", "tau", "sigma_house")}
        nan = float("nan")
        rows.append((f"random-walk sd per day (pp at 50%, {how['sigma_rw']})",
                     25 * self.sigma_rw / np.sqrt(30.0), nan, nan))
        rows.append((f"poll-level error sd (pp at 50%, {how['tau']})", 25 * self.tau, nan,
                     nan))
        house = self.house_effects(level)
        if len(house):
            rows.append((f"house-effect sd (pp at 50%, {how['sigma_house']})",
                         25 * self.sigma_house, nan, nan))
            rows += [(f"house effect of {h['pollster']}: {h['response']} (pp)", h["mean"],
                      h[lo], h[hi]) for _, h in house.iterrows()]
        z = norm.ppf(0.5 + level / 2)
        for e in self.effects.itertuples(index=False):
            if e.effect.startswith("house["):
                continue
            rows.append((f"{e.effect} effect: {self.response} (logit x 25, pp at 50%)",
                         25 * e.mean_logit, 25 * (e.mean_logit - z * e.sd_logit),
                         25 * (e.mean_logit + z * e.sd_logit)))
        table = pd.DataFrame(rows, columns=["parameter", "mean", lo, hi]).set_index("parameter")
        table.attrs["note"] = self.note
        return table

    @property
    def note(self) -> str:
        """What this quick look is and is not, and the full model's call."""
        return _NOTE.format(call=self.full_model)

    # ------------------------------------------------------------------ plots
    def plot_trend(self, ax: Axes | None = None, *, level: float = 0.9,
                   response: str | None = None, show_polls: bool = True) -> Axes:
        """Smoothed trend of every response with its ``level`` band and the polls overlaid
        (sized by n). Draws into ``ax`` when given, else into a new figure in the toolkit's
        theme; returns the Axes (nothing is shown or changed globally)."""
        from opinion.models.poll_average.plots import plot_trend

        polls = self._two_sided_polls() if show_polls else None
        if polls is not None and response is not None:
            polls = polls[polls["response"] == response]
        return plot_trend(self.trend(level, response=response), polls, ax=ax, level=level,
                          band="Kalman-smoothed trend with {level:.0%} band (maximum "
                               "likelihood); dots are polls (size = n)")

    def _two_sided_polls(self) -> pd.DataFrame | None:
        """The polls with both responses: a poll that published one share (the stored
        cells hold the first response only) shows the complement for the second."""
        polls = self.observations
        responses = self.responses or (self.response,)
        if polls is None or len(responses) < 2:
            return polls
        first = polls[polls["response"] == responses[0]]
        have = set(polls.loc[polls["response"] == responses[1], "poll_id"])
        extra = first[~first["poll_id"].isin(have)].assign(
            response=responses[1], share=lambda f: 1 - f["share"])
        return pd.concat([polls, extra], ignore_index=True)

    # ------------------------------------------------------------------ display
    def _latest_text(self, level: float = 0.9) -> str:
        lo, hi = interval_columns(level)
        return ", ".join(f"{r['response']} {r['mean']:.1f}% ({r[lo]:.1f}-{r[hi]:.1f})"
                         for _, r in self.latest(level).iterrows())

    def __repr__(self) -> str:
        responses = ", ".join(self.responses or (self.response,))
        return (f"<KalmanResult: {', '.join(self.questions) or 'poll average'} "
                f"(Kalman smoother, variances by maximum likelihood)\n"
                f"  responses: {responses}\n"
                f"  {self.dates[0]:%Y-%m-%d}..{self.dates[-1]:%Y-%m-%d}, {self.n_polls:,} polls "
                f"by {len(self.pollsters)} pollster{'s' if len(self.pollsters) != 1 else ''}\n"
                f"  latest ({self.dates[-1]:%Y-%m-%d}, 90% intervals): {self._latest_text()}>")

    def _repr_html_(self) -> str:
        steps = ["trend()", "summary()", "change()", "house_effects()", "plot_trend()"]
        head = (f"<div><strong>Poll average, quick look</strong>: "
                f"{html.escape(', '.join(self.questions))}; {self.n_polls:,} polls by "
                f"{len(self.pollsters)} pollsters, {self.dates[0]:%Y-%m-%d}.."
                f"{self.dates[-1]:%Y-%m-%d}</div>")
        table = self.summary().to_html(escape=True, na_rep="",
                                       float_format=lambda v: f"{v:.2f}")
        return "\n".join([
            head, table,
            f"<div style='color:#555'>{html.escape(self.note)}</div>",
            "<div style='color:#555'>Next: "
            + ", ".join(f"<code>.{html.escape(s)}</code>" for s in steps) + "</div>"])


def kalman_smooth(data: PollData, config: PollAverageConfig, *, sigma_rw: float | None = None,
                  tau: float | None = None, sigma_house: float | None = None,
                  midpoint: bool = True, observations: pd.DataFrame | None = None
                  ) -> KalmanResult:
    """Smooth the latent path; variances (logit scale, ``sigma_rw`` per month) not given are
    estimated by maximum likelihood. ``observations`` (the model's polls) are kept for the
    plot."""
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
    n_days = data.n_days
    lag = min(_CHANGE_DAYS, n_days - 1)
    change_cov = (float(smoothed.smoother_results.smoothed_state_autocovariance(
        lag=lag, t=n_days - 1)[0, 0]) if lag > 0 else float(cov[0, 0, -1]))
    sig = np.exp(params)
    return KalmanResult(
        dates=pd.date_range(data.start, periods=n_days, freq="D"),
        mean_logit=state[0], sd_logit=np.sqrt(cov[0, 0]), effects=effects,
        sigma_rw=float(sig[0]), tau=float(sig[1]), sigma_house=float(sig[2]),
        response=data.responses[0], loglike=float(smoothed.llf),
        responses=tuple(data.responses), questions=tuple(data.questions),
        pollsters=tuple(data.pollsters), n_polls=len(data.polls),
        house=_pollster_house(data, config, inputs, state[1:, -1], cov[1:, 1:, -1]),
        change_cov=change_cov, change_days=lag,
        estimated=tuple(n for n, v in zip(("sigma_rw", "tau", "sigma_house"), given,
                                          strict=True) if v is None),
        observations=observations, full_model=full_model_call(config),
    )


def _pollster_house(data: PollData, config: PollAverageConfig, inputs: KalmanInputs,
                    mean: np.ndarray, cov: np.ndarray) -> pd.DataFrame:
    """Every pollster's house effect (logit, first response) from the smoothed effect
    states: the free ones directly, anchors at zero, and the last zero-sum pollster as the
    negative sum of the others (its sd from their covariance)."""
    pollsters = data.pollsters
    block = inputs.house_block
    n_house = block.stop - block.start
    if len(pollsters) < 2 or n_house == 0:
        return pd.DataFrame(columns=["pollster", "mean_logit", "sd_logit"])
    weights = np.zeros((len(pollsters), len(mean)))
    names = [n[len("house["):-1] for n in inputs.effect_names[block]]
    for j, name in enumerate(names):
        weights[pollsters.index(name), block.start + j] = 1.0
    if config.house_effects != "anchored":
        weights[len(pollsters) - 1, block] = -1.0
    est = weights @ mean
    var = np.einsum("pi,ij,pj->p", weights, cov, weights)
    return pd.DataFrame({"pollster": pollsters, "mean_logit": est,
                         "sd_logit": np.sqrt(np.maximum(var, 0.0))})
