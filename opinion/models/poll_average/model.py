r"""Opinion over time: a Bayesian poll average with house effects.

The model
---------
For response categories :math:`k = 1..K` (the last is the reference), the latent opinion on
knot :math:`t` of a time grid is a vector of log-odds :math:`\eta_{t,k}` (:math:`k<K`,
:math:`\eta_{t,K}=0`) following a centred Gaussian random walk

.. math::

    \eta_{t,k} = \eta_{t-1,k} + \epsilon_{t,k}, \qquad
    \epsilon_{t,k} \sim N(0, \sigma_k^2 \, \Delta),

with :math:`\Delta` the grid spacing in days; the latent of every day is the linear
interpolation between knots. Poll :math:`i` (pollster :math:`h`, population :math:`a`, mode
:math:`m`, question :math:`q`) measures

.. math::

    \mu_{i,k} = \bar\eta_{i,k} + \text{house}_{h,k} + \text{pop}_{a,k} + \text{mode}_{m,k}
              + \text{item}_{q,k} + \nu_{i,k},
    \qquad p_i = \operatorname{softmax}(\mu_{i,1..K-1}, 0),

where :math:`\bar\eta_i` averages the latent over the poll's field days, house effects sum
to zero over pollsters (or are measured against anchor pollsters / an election result),
population, mode and item effects are zero for the reference level, and
:math:`\nu_{i,k}` is poll-level non-sampling error of sd :math:`\tau` (logit scale). The
reported shares enter through a multinomial on the effective sample size
:math:`n/\text{deff}`, written as stick-breaking binomials so that polls reporting only some
categories are used exactly; the poll-level error is integrated out as beta-binomial
overdispersion (concentration :math:`\phi = (0.5 / (0.25\tau))^2 - 1`, i.e. an extra sd of
:math:`0.25\tau` in share units at 50%), so no latent parameter per poll is needed. With
``likelihood="normal"`` and two categories, as
:math:`\operatorname{logit} y_i \sim N(\mu_i, 1/(n_i y_i (1-y_i)) + \tau^2)`.

Two arms, and which is the default
----------------------------------
- **Kalman arm** (``likelihood="kalman"``): the Gaussian likelihood above on a *daily* walk,
  each poll on its field-period midpoint, with the daily path integrated out of the
  likelihood exactly (:mod:`~opinion.models.poll_average.marginal`: a tridiagonal-precision
  Kalman filter inside the PyMC model, O(days) per gradient), so NUTS samples only the
  scales, house and other effects (a few dozen parameters instead of hundreds of path
  values); the path is drawn afterwards for every posterior draw from its exact conditional
  (:mod:`~opinion.models.poll_average.paths`).
- **Binomial arm** (``likelihood="binomial"``): the stick-breaking beta-binomial likelihood
  with the path on the knot grid sampled by NUTS. Exact for any number of categories and
  for polls reporting only some of them. (There is no multi-category Kalman arm: a poll
  that reports only some categories - Gallup publishes no "not sure" - is not a linear
  Gaussian observation of the additive log-ratios, so a multivariate state would need the
  very approximation the binomial arm avoids.)

``likelihood="auto"`` (the default) takes the Kalman arm for two-category questions on the
``"auto"`` (or daily) grid when every poll has at least
:data:`~opinion.models.poll_average.inputs.KALMAN_MIN_COUNT` effective respondents on each
side (where the Gaussian approximation of the binomial holds), and the binomial arm
otherwise. Measured (``benchmarks/poll_average.py``, 1,000 polls over two years): the
Kalman arm's daily trend agrees with the binomial daily fit to 0.06 pp (maximum over 730
days) at a fraction of its cost; both arms pass simulation-based calibration and the
recovery tests (two-sided 90% coverage).

Priors (stated in percentage points at a 50% share, where 1 logit = 25 pp)
-------------------------------------------------------------------------
- :math:`\sigma_k \sqrt{30}` ~ HalfNormal(``rw_pp_per_month``): opinion typically moves a few
  points a month;
- house effects ~ ZeroSumNormal(:math:`\sigma_h`), :math:`\sigma_h` ~
  HalfNormal(``house_pp``);
- :math:`\tau` ~ Gamma(4, 4 / ``poll_error_pp``): mean ``poll_error_pp``, bounded away
  from zero (total survey error of polls is about twice their sampling error);
- population and mode effects ~ N(0, ``effect_pp``); item offsets ~ N(0, ``item_pp``);
- starting level ~ N(log-odds of the polls' average, ``level_sd_logit``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from opinion.errors import ModelInputError
from opinion.frames.schema import DONT_KNOW_RESPONSES
from opinion.models.core.base import BayesianModel
from opinion.models.core.timegrid import interpolation_matrix
from opinion.models.poll_average.config import PollAverageConfig, pp_to_logit
from opinion.models.poll_average.inputs import PollData, prepare
from opinion.models.poll_average.marginal import add_marginal_likelihood
from opinion.models.poll_average.paths import add_paths
from opinion.models.poll_average.results import PollAverageResults

_EPS = 1e-9


def level_index(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Each poll's level of a population/mode/item effect (an unknown mode or population
    gets the reference level, whose effect is zero)."""
    return values.map({v: i for i, v in enumerate(levels)}).fillna(0).astype(int).to_numpy()
CENTERED_MIN_POLLS_PER_KNOT = 2
"""Polls per knot from which ``"auto"`` centres the random walk."""
CENTERED_HOUSE_MIN_POLLS = 10
"""Polls every pollster needs before ``"auto"`` centres the house effects."""


class PollAverage(BayesianModel):
    """Bayesian poll average of one question family, pooled across pollsters.

    Parameters
    ----------
    frame
        Polls: a :class:`~opinion.frames.PollFrame`, or a DataFrame in the poll-frame layout
        (validated first; any rejected row is an error).
    config
        A :class:`PollAverageConfig` or a dict of its fields.
    **overrides
        Any field of :class:`PollAverageConfig`, e.g. ``questions=`` (the question_id(s) to
        average: a family of wordings of one construct), priors in percentage points, grid,
        house-effect convention, election anchor.

    Examples
    --------
    >>> polls = opinion.datasets.load("us_ukraine_support")  # doctest: +SKIP
    >>> model = PollAverage(polls, questions=["pew_support_amount"])  # doctest: +SKIP
    >>> fit = model.fit(random_seed=1)  # doctest: +SKIP
    >>> fit.trend().tail()  # doctest: +SKIP
    """

    name = "poll_average"
    config_class = PollAverageConfig
    results_class = PollAverageResults
    inputs: PollData

    def prepare_inputs(self) -> PollData:
        inputs = prepare(self.frame, self.config)
        if inputs.likelihood in {"normal", "kalman"} and len(inputs.responses) != 2:
            raise ModelInputError(f"likelihood={inputs.likelihood!r} needs a two-category "
                                  f"question (this one has {len(inputs.responses)}: "
                                  f"{', '.join(inputs.responses)}); use 'binomial'")
        return inputs

    @property
    def likelihood(self) -> str:
        """The likelihood actually fitted (``"auto"`` resolved: see
        :func:`~opinion.models.poll_average.inputs.choose_likelihood`)."""
        return self.inputs.likelihood

    def marginalised(self) -> bool:
        """Whether the daily path is integrated out (the Kalman arm)."""
        return self.likelihood == "kalman"

    def __repr__(self) -> str:
        d = self.inputs
        return (f"<PollAverage: {', '.join(d.questions)}; {len(d.polls):,} polls by "
                f"{len(d.pollsters)} pollsters, {d.start:%Y-%m-%d}..{d.end:%Y-%m-%d}>")

    # ------------------------------------------------------------------ protocol
    def observations(self) -> pd.DataFrame:
        cells = self.inputs.cells.merge(
            self.inputs.polls.reset_index(names="poll"), on="poll", how="left")
        cells["response"] = [self.inputs.responses[k] for k in cells["category"]]
        return cells[["poll_id", "question_id", "pollster", "start_date", "end_date",
                      "population", "mode", "n", "n_eff", "trials", "response", "share",
                      "count"]]

    def results_metadata(self) -> dict[str, Any]:
        d = self.inputs
        return {
            "responses": d.responses,
            "pollsters": d.pollsters,
            "questions": d.questions,
            "populations": d.populations,
            "modes": d.modes,
            "start": f"{d.start:%Y-%m-%d}",
            "end": f"{d.end:%Y-%m-%d}",
            "grid_days": d.grid_days,
            "series": self._series_labels(),
            "likelihood": self.likelihood,
            "random_walk": ("integrated out" if self.marginalised()
                            else "centred" if self.centered() else "non-centred"),
            "house_effects_parameterization": "centred" if self.centered_house()
            else "non-centred",
            "effects": [name for name, *_ in self.identified_effects()],
            "focus": self.default_focus(),
        }

    def default_focus(self) -> str:
        """The response a headline is about: the first of ``responses=`` when the user
        listed them; else the substantive response the question's wording names first
        ("too much / about right / not enough" -> ``too much``; "macron vs le_pen" ->
        ``macron``); else the first substantive response in the data. Results can change
        it: ``fit.focus = "..."``."""
        d = self.inputs
        if self.config.responses:
            return d.responses[0]
        substantive = [r for r in d.responses if r.lower() not in DONT_KNOW_RESPONSES
                       and r not in {f"not {x}" for x in d.responses}] or d.responses
        data = getattr(self.frame, "data", self.frame)
        texts = (data.loc[data["question_id"] == d.questions[0], "question_text"].dropna()
                 if "question_text" in data else pd.Series(dtype=str))
        if len(texts):
            text = str(texts.iloc[0]).lower()
            text = text.split(":", 1)[1] if ":" in text else text
            names = {r: [r] + [k for k, v in self.config.response_map.items() if v == r]
                     for r in substantive}
            found = {r: min(pos for pos in (text.find(n.lower()) for n in alias) if pos >= 0)
                     for r, alias in names.items()
                     if any(n.lower() in text for n in alias)}
            if found:
                return min(found, key=found.get)
        return substantive[0]

    def code_modules(self) -> list[str]:
        # every module imported above (the hash reads loaded modules only)
        return ["opinion.models.poll_average.inputs", "opinion.models.poll_average.marginal",
                "opinion.models.poll_average.tridiagonal", "opinion.models.poll_average.paths"]

    def calibration_quantities(self, values: dict[str, np.ndarray]
                               ) -> dict[str, np.ndarray]:
        """Scales, house effects, and the latent path's first and final knot per category."""
        out: dict[str, np.ndarray] = {}
        for name in ("sigma_rw", "tau", "sigma_house", "house", "eta"):
            if name not in values:
                continue
            arr = np.asarray(values[name])  # (..., draws)
            if name == "eta":
                for k in range(arr.shape[1]):
                    out[f"eta[{k}] first"] = arr[0, k, 0]
                    out[f"eta[{k}] final"] = arr[0, k, -1]
                continue
            flat = arr.reshape(-1, arr.shape[-1])
            if flat.shape[0] == 1:
                out[name] = flat[0]
            else:
                for j, row in enumerate(flat):
                    out[f"{name}[{j}]"] = row
        return out

    def summary_var_names(self) -> list[str]:
        """Parameters diagnosed (R-hat, ESS) for the fit's convergence verdict.

        The Kalman arm's daily path is not among them: it is drawn after sampling, exactly,
        from its conditional distribution given each posterior draw, so it mixes as the
        sampled parameters do (its autocorrelation is that of its conditional mean, damped
        by fresh noise in every draw); diagnosing 4,000 draws of hundreds of days would
        cost more than the fit. The summary table still reports R-hat and ESS of the
        latest share.
        """
        names = ["sigma_rw", "tau"] + ([] if self.marginalised() else ["eta"])
        if len(self.inputs.pollsters) > 1 or self.config.election is not None:
            names += ["house", "sigma_house"]
        return names + [f"{name}_effect" for name, *_ in self.identified_effects()]

    def _series_labels(self) -> list[str]:
        return ["pooled"] if self.config.pool_items else list(self.inputs.questions)

    # ------------------------------------------------------------------ model
    def coords(self) -> dict[str, list]:
        d = self.inputs
        return {
            "series": self._series_labels(),
            "category": d.responses[:-1],
            "knot": [f"{t:%Y-%m-%d}" for t in d.knot_dates],
            "pollster": d.pollsters,
            "poll": [f"{p}|{q}" for p, q in zip(d.polls["poll_id"], d.polls["question_id"],
                                                  strict=True)],
            "cell": np.arange(len(d.cells)),
        }

    def start_level(self) -> np.ndarray:
        """Log-odds (vs the reference category) of the polls' average shares."""
        d = self.inputs
        mean = np.full(len(d.responses), np.nan)
        for k in range(len(d.responses)):
            rows = d.cells[d.cells["category"] == k]
            if len(rows):
                mean[k] = rows["share"].mean()
        known = np.nansum(mean)
        n_missing = np.isnan(mean).sum()
        if n_missing:
            mean[np.isnan(mean)] = max(1 - known, 0.05) / n_missing
        mean = np.clip(mean / mean.sum(), 0.01, 0.99)
        return np.log(mean[:-1] / mean[-1])

    def observed_data(self) -> dict[str, np.ndarray]:
        """Every data-dependent array by data-container name.

        Two models of the same shape (number of polls, knots, pollsters and categories, every
        poll reporting every category, the same configuration) differ only in these arrays -
        counts and trials, the cells' layout, the data-based centre of the starting level,
        when each poll was in the field and who fielded it - so one compiled sampler serves
        both: ``nutpie.CompiledModel.with_data(**model.observed_data())`` (recovery studies).
        Binomial and Kalman likelihoods. Because no data-dependent array is a constant of the
        graph, PyTensor's on-disk compilation cache also serves every data set of the same
        structure, in any process.
        """
        if self.marginalised():
            from opinion.models.poll_average.marginal import marginal_design, observed_arrays

            out = observed_arrays(marginal_design(self))
            out.update(self._index_arrays())
            return out
        if self.likelihood != "binomial":
            raise ModelInputError("observed_data() is for the binomial and Kalman likelihoods")
        d = self.inputs
        out = {"y_count": d.cells["count"].to_numpy().astype("int64"),
               "y_trials": d.cells["trials"].to_numpy().astype("int64"),
               "cell_poll": d.cells["poll"].to_numpy().astype("int64"),
               "cell_category": d.cells["category"].to_numpy().astype("int64"),
               "prev_mask": d.prev_mask,
               "series_index": self.series_index().astype("int64"),
               "start_level": self.start_level(),
               "field_matrix": d.field_matrix}
        out.update(self._index_arrays())
        return out

    def _index_arrays(self) -> dict[str, np.ndarray]:
        """Pollster and level-effect indices of every poll (data containers)."""
        d = self.inputs
        out = {f"{name}_index": level_index(d.polls[column], levels)
               for name, column, levels, _ in self.identified_effects()}
        if len(d.pollsters) > 1 or self.config.election is not None:
            out["pollster_index"] = self._pollster_index()
        return out

    def _pollster_index(self) -> np.ndarray:
        """Each poll's position in ``data.pollsters``."""
        d = self.inputs
        return d.polls["pollster"].map({p: i for i, p in enumerate(d.pollsters)}).to_numpy(
            dtype="int64")

    def series_index(self) -> np.ndarray:
        """Each poll's latent series (all 0 when items are pooled)."""
        d = self.inputs
        if self.config.pool_items:
            return np.zeros(len(d.polls), dtype=int)
        return d.polls["question_id"].map({q: i for i, q in enumerate(d.questions)}).to_numpy()

    def build_model(self) -> pm.Model:
        d, c = self.inputs, self.config
        coords = self.coords()
        n_series, n_free = len(coords["series"]), len(d.responses) - 1
        with pm.Model(coords=coords) as model:
            sigma_rw = pm.HalfNormal("sigma_rw", sigma=pp_to_logit(c.rw_pp_per_month),
                                     dims="category")  # per month, logit scale
            offsets = self._house(model, self._pollster_index(), n_free)
            for name, column, levels, sd in self.identified_effects():
                offsets = offsets + self._level_effects(name, d.polls[column], levels, sd,
                                                        n_free)
            # Gamma(4, 4/m): mean m = poll_error_pp, 95% in about (0.3 m, 2.2 m). Polls' total
            # error is about twice their sampling error (Shirani-Mehr et al. 2018), so the
            # prior keeps non-sampling error away from exactly zero, which also spares the
            # sampler a flat, slow tail towards tau = 0.
            tau = pm.Gamma("tau", alpha=4.0, beta=4.0 / pp_to_logit(c.poll_error_pp))
            if self.marginalised():
                add_marginal_likelihood(self, offsets[:, 0], tau, sigma_rw[0])
                return model
            eta = self._random_walk(sigma_rw * np.sqrt(d.grid_days / 30.0), n_series, n_free)
            field = pm.Data("field_matrix", d.field_matrix)
            # (poll, category): latent averaged over each poll's field period
            series = pm.Data("series_index", self.series_index().astype("int64"))
            mu = (eta[series] * field[:, None, :]).sum(axis=-1) + offsets
            if self.likelihood == "normal":
                self._normal_likelihood(mu, tau)
            else:
                self._multinomial_likelihood(mu, tau)
            if c.election is not None:
                self._election_anchor(eta)
        return model

    def identified_effects(self) -> list[tuple[str, str, list[str], float]]:
        """Population, mode and item effects that the data can identify.

        An effect is only separable from house effects (and the overall level) when it varies
        *within* a pollster: if every pollster uses a single mode, a mode effect is
        indistinguishable from house effects, and fitting it only slows the sampler down. Such
        effects are left out and stay part of the house effects (see :meth:`effects_report`).
        """
        d, c = self.inputs, self.config
        out = []
        candidates = [("population", "population", d.populations, c.effect_pp),
                      ("mode", "mode", d.modes, c.effect_pp)]
        if c.pool_items:
            candidates.append(("item", "question_id", d.questions, c.item_pp))
        for name, column, levels, sd in candidates:
            if len(levels) < 2:
                continue
            known = d.polls[d.polls[column] != "unknown"]
            within = known.groupby("pollster")[column].nunique().max() > 1
            if within or len(d.pollsters) < 2:
                out.append((name, column, levels, sd))
        return out

    def effects_report(self) -> pd.DataFrame:
        """Which population/mode/item effects are estimated and which are absorbed."""
        d, c = self.inputs, self.config
        used = {name for name, *_ in self.identified_effects()}
        rows = []
        for name, levels in (("population", d.populations), ("mode", d.modes),
                             ("item", d.questions if c.pool_items else [])):
            if len(levels) < 2:
                status = "single level: no effect"
            elif name in used:
                status = f"estimated against reference {levels[0]!r}"
            else:
                status = "confounded with house effects (no pollster varies it): absorbed"
            rows.append({"effect": name, "levels": ", ".join(map(str, levels)),
                         "status": status})
        return pd.DataFrame(rows)

    def centered(self) -> bool:
        """Whether the random walk is centred.

        ``"auto"``: centred when there are at least :data:`CENTERED_MIN_POLLS_PER_KNOT` polls
        per knot (dense data, where the centred path mixes far better: on the 1,000-poll
        benchmark, 9.5 polls per knot, min bulk ESS 2,929 of 4,000 draws), non-centred
        otherwise (sparse data, where the centred form is a funnel between the random-walk
        scale and the path). Simulation-based calibration drew the line: at 1.2 polls per
        knot (12 polls, 10 knots) the centred walk's ``sigma_rw`` covered its 90% interval
        in only 72% of 100 simulations (rank chi-square p = 0.007), the non-centred walk in
        91%.
        """
        if self.config.parameterization != "auto":
            return self.config.parameterization == "centered"
        return len(self.inputs.polls) >= CENTERED_MIN_POLLS_PER_KNOT * len(self.inputs.knot_dates)

    def _random_walk(self, step_sd: pt.TensorVariable, n_series: int, n_free: int
                     ) -> pt.TensorVariable:
        # data-based centre of the starting level, as data: a compiled model can be re-used
        # on other data sets of the same design (with_data: see :meth:`observed_data`)
        start = pm.Data("start_level", self.start_level())
        level_sd = self.config.level_sd_logit
        if self.centered():
            return pm.GaussianRandomWalk(
                "eta", sigma=step_sd[None, :],
                init_dist=pm.Normal.dist(start[None, :], level_sd, shape=(n_series, n_free)),
                dims=("series", "category", "knot"),
            )
        model = pm.modelcontext(None)
        model.add_coord("knot_step", list(model.coords["knot"])[1:])  # the step into each knot
        init = pm.Normal("eta_init", start[None, :], level_sd, dims=("series", "category"))
        steps = pm.Normal("eta_steps_z", 0.0, 1.0, dims=("series", "category", "knot_step"))
        path = pt.concatenate(
            [init[..., None], init[..., None] + pt.cumsum(steps * step_sd[None, :, None],
                                                          axis=-1)], axis=-1)
        return pm.Deterministic("eta", path, dims=("series", "category", "knot"))

    def _house(self, model: pm.Model, pollster_idx: np.ndarray, n_free: int) -> pt.TensorVariable:
        d, c = self.inputs, self.config
        if len(d.pollsters) < 2 and c.election is None:
            return pt.zeros((len(d.polls), n_free))
        sigma_house = pm.HalfNormal("sigma_house", sigma=pp_to_logit(c.house_pp))
        if c.house_effects == "anchored" or c.election is not None:
            free = [p for p in d.pollsters if p not in set(c.anchor_pollsters)]
            model.add_coord("free_pollster", free)
            z = pm.Normal("house_free_z", 0.0, 1.0, dims=("category", "free_pollster"))
            raw = z * sigma_house
            cols = [free.index(p) if p in free else -1 for p in d.pollsters]
            padded = pt.concatenate([raw, pt.zeros((n_free, 1))], axis=1)
            house = pm.Deterministic("house", padded[:, cols], dims=("category", "pollster"))
        elif self.centered_house():
            # every pollster well polled: the data pin each effect down, and the centred form
            # mixes far better than the non-centred ridge between the scale and the effects
            house = pm.ZeroSumNormal("house", sigma=sigma_house, dims=("category", "pollster"))
        else:
            # non-centred: few or thin pollsters make the centred form a funnel
            z = pm.ZeroSumNormal("house_z", sigma=1.0, dims=("category", "pollster"))
            house = pm.Deterministic("house", z * sigma_house, dims=("category", "pollster"))
        # as data, like the field matrix: one compiled model serves every design of the same
        # shape (simulation studies; see :meth:`observed_data`)
        return house.T[pm.Data("pollster_index", pollster_idx)]

    def postprocess_posterior(self, idata: Any, rng: np.random.Generator) -> Any:
        """Kalman arm: draw the daily path for every posterior and prior draw, and replicate
        the polls around the posterior paths (:func:`~.paths.add_paths`)."""
        if not self.marginalised():
            return idata
        return add_paths(self, idata, rng)

    def predictive_settings(self) -> dict[str, Any]:
        """Predictive functions are compiled without numba: they are called a few hundred
        times, and numba's compilation costs more than it saves (measured on
        ``us_ukraine_support``: prior and posterior predictive draws 2.7 s instead of
        11.7 s). Kalman arm: PyMC's posterior-predictive draws would re-draw the path from
        its prior (the path is not a model variable), so :meth:`postprocess_posterior`
        replaces them and only a token number of them is made (16: with up to 4 chains, at
        least as many draws per chain as chains, the shape ArviZ expects)."""
        settings: dict[str, Any] = {"compile_kwargs": {"mode": "FAST_COMPILE"}}
        if self.marginalised():
            settings["max_draws"] = 16
        return settings

    def default_target_accept(self) -> float:
        """0.9 for the centred walk, 0.98 for the non-centred (sparse) walk; Kalman arm:
        0.9 with centred house effects (dense), 0.95 with non-centred ones (sparse).

        Measured on the France 2022 run-off (104 polls, 163 daily knots, non-centred; 4
        chains x 1,000 draws): target 0.9 gave 52 divergent transitions, 0.95 gave 14-29 and
        0.98 gave none (min bulk ESS 638, 30 s). Dense fits (centred) need no more than 0.9:
        0 divergences on the 1,000-poll benchmark. Kalman arm, 4 seeds x 4 chains x 1,000
        draws: the run-off (non-centred house effects) had 3, 0, 0, 0 divergences at 0.9
        and none at 0.95; 40 polls from 5 pollsters (one with a single poll) none at 0.9 with
        4 chains but 1 in a 2-chain fit, none at 0.95.
        """
        if self.marginalised():
            return 0.9 if self.centered_house() else 0.95
        return 0.9 if self.centered() else 0.98

    def default_link(self) -> str:
        """Kalman arm: ``"python"`` - nutpie calls PyTensor's disk-cached numba function
        instead of compiling the model again in every process. Measured on the 1,000-poll
        benchmark (4 chains x 1,000 draws, 2 cores): the whole fit 5.7 s instead of 8.3 s in
        a warm process and about 14 s in a fresh one (nutpie's native compilation 8-12 s
        against 0.8 s of sampling), with bit-identical draws. The binomial arm stays
        ``"native"``: its sampling dominates (us_ukraine_support's report took 66 s with the
        Python link against 42 s), as in every other model measured (the election report
        280 s against 227 s, the ANES report 87 s against 79 s)."""
        return "python" if self.marginalised() else "native"

    def centered_house(self) -> bool:
        """Whether zero-sum house effects are centred.

        ``"auto"``: centred when the walk is centred (or integrated out: the Kalman arm)
        and every pollster has at least
        :data:`CENTERED_HOUSE_MIN_POLLS` polls (each effect is then pinned down by its own
        polls); otherwise non-centred. On the 1,000-poll / 25-pollster benchmark the
        non-centred house effects were the slowest-mixing parameters (min bulk ESS 429 of
        4,000 draws, R-hat 1.016 on ``sigma_house``). Explicit ``parameterization`` values
        apply to house effects too.
        """
        if self.config.parameterization != "auto":
            return self.config.parameterization == "centered"
        per_pollster = self.inputs.polls["pollster"].value_counts()
        dense = int(per_pollster.min()) >= CENTERED_HOUSE_MIN_POLLS
        return dense and (self.marginalised() or self.centered())

    def _level_effects(self, name: str, values: pd.Series, levels: list[str], sd_pp: float,
                       n_free: int) -> pt.TensorVariable | float:
        """Effects of non-reference levels (the first, most common, level is the reference)."""
        if len(levels) < 2:
            return 0.0
        model = pm.modelcontext(None)
        model.add_coord(f"{name}_level", levels[1:])
        effect = pm.Normal(f"{name}_effect", 0.0, pp_to_logit(sd_pp),
                           dims=("category", f"{name}_level"))
        padded = pt.concatenate([pt.zeros((n_free, 1)), effect], axis=1)
        # as data: one compiled model serves every data set of the same design
        return padded.T[pm.Data(f"{name}_index", level_index(values, levels))]

    def _multinomial_likelihood(self, mu: pt.TensorVariable, tau: pt.TensorVariable) -> None:
        """Beta-binomial stick-breaking cells: overdispersion from poll-level error.

        The poll-level error of sd ``tau`` (logit scale; ``0.25 * tau`` in share units at 50%)
        enters as beta-binomial overdispersion with concentration
        ``phi = (0.5 / (0.25 * tau))^2 - 1``, so that a poll's share varies around the model
        with sd ``0.25 * tau`` beyond sampling error, without a latent parameter per poll.
        """
        cells = self.inputs.cells
        full = pt.concatenate([mu, pt.zeros((mu.shape[0], 1))], axis=1)
        probs = pt.special.softmax(full, axis=1)
        # the cells' layout as data too: the compiled graph (cached on disk by PyTensor) then
        # depends on the model's structure only, not on the polls
        cell_poll = pm.Data("cell_poll", cells["poll"].to_numpy().astype("int64"))
        cell_cat = pm.Data("cell_category", cells["category"].to_numpy().astype("int64"))
        p_cell = probs[cell_poll, cell_cat]
        used = (probs[cell_poll] * pm.Data("prev_mask", self.inputs.prev_mask)).sum(axis=1)
        q = pt.clip(p_cell / pt.clip(1.0 - used, _EPS, 1.0), _EPS, 1 - _EPS)
        tau_share = 0.25 * tau
        phi = pt.maximum((0.5 / tau_share) ** 2 - 1.0, 1.0)
        # counts as data: one compiled model can serve many data sets (SBC, batches)
        counts = pm.Data("y_count", cells["count"].to_numpy().astype("int64"), dims="cell")
        # stick-breaking trials (n minus the earlier categories' counts) are data-dependent too
        trials = pm.Data("y_trials", cells["trials"].to_numpy().astype("int64"), dims="cell")
        pm.BetaBinomial("y", alpha=q * phi, beta=(1 - q) * phi, n=trials,
                        observed=counts, dims="cell")

    def _normal_likelihood(self, mu: pt.TensorVariable, tau: pt.TensorVariable) -> None:
        cells, polls = self.inputs.cells, self.inputs.polls
        share0 = np.where(cells["category"] == 0, cells["share"], 1 - cells["share"])
        poll = cells["poll"].to_numpy()
        trials = polls["n_trials"].to_numpy()[poll]
        y = np.clip(share0, 0.5 / trials, 1 - 0.5 / trials)
        se2 = 1.0 / (trials * y * (1 - y))
        pm.Normal("y", mu=mu[poll, 0], sigma=pt.sqrt(se2 + tau**2),
                  observed=np.log(y / (1 - y)), dims="cell")

    def _election_anchor(self, eta: pt.TensorVariable) -> None:
        d = self.inputs
        date, result = self.config.election
        shares = np.array([result.get(r, np.nan) for r in d.responses], dtype=float)
        if np.isnan(shares).any():
            missing = [r for r, s in zip(d.responses, shares, strict=True) if np.isnan(s)]
            raise ModelInputError(f"election result lacks responses: {', '.join(missing)}")
        shares = shares / shares.sum()
        day = (pd.Timestamp(date) - d.start).days
        weights = interpolation_matrix(d.n_days, d.grid_days)[day]
        level = (eta[0] * weights[None, :]).sum(axis=-1)
        observed = np.log(shares[:-1] / shares[-1])
        pm.Normal("election_result", mu=level, sigma=0.005, observed=observed, dims="category")


def _kalman(self: PollAverage, *, sigma_rw_pp: float | None = None, tau_pp: float | None = None,
            sigma_house_pp: float | None = None, midpoint: bool = True):
    """Quick look: the exact Kalman smoother of this question family, in about a second.

    Two-category questions (the second response is the complement of the first). Scales
    are in percentage points at 50% (``sigma_rw_pp`` per month); those not given are
    estimated by maximum likelihood. Returns a
    :class:`~opinion.models.poll_average.kalman.KalmanResult` with ``trend()``,
    ``summary()``, ``plot_trend()`` and a notebook view; no MCMC (no R-hat or ESS): the
    full Bayesian model is ``.fit()``.

    Raises
    ------
    ModelInputError
        For a question with more than two responses, naming the full model's call, which
        handles any number of categories.
    """
    from opinion.models.poll_average.kalman import full_model_call, kalman_smooth

    responses = self.inputs.responses
    if len(responses) != 2:
        raise ModelInputError(
            f"the Kalman quick look smooths two-category questions; "
            f"{', '.join(self.inputs.questions)} has {len(responses)} responses "
            f"({', '.join(responses)}). Fit the full model, which handles any number of "
            f"categories: {full_model_call(self.config)}")

    def conv(v):
        return None if v is None else pp_to_logit(v)

    return kalman_smooth(self.inputs, self.config, sigma_rw=conv(sigma_rw_pp), tau=conv(tau_pp),
                         sigma_house=conv(sigma_house_pp), midpoint=midpoint,
                         observations=self.observations())


PollAverage.kalman = _kalman
