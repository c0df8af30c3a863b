r"""Issue salience: where an issue ranks among voters' concerns, with probabilities.

The model
---------
Each issue :math:`k` has a latent salience :math:`\theta_{g,k,t}` for group :math:`g` (``all``,
``party:dem`` ...) at knot :math:`t`: its log-odds against an "other / none" category in
the *reference question* (default: the single-choice question with the most polls). Shares
on the reference scale are the Luce choice probabilities

.. math::

    s_{g,k,t} = \frac{e^{\theta_{g,k,t}}}{1 + \sum_j e^{\theta_{g,j,t}}}

(for a rating or multi-mention reference question: :math:`s = \operatorname{logit}^{-1}
\theta`). Ranks are ranks of :math:`\theta` within a group and date.

Structure
~~~~~~~~~
- :math:`\theta_{g,k,t} = \theta^{a}_{k} + \Delta_{g,k} + w_{k,t}`: the first group's level at
  the anchor knot (the knot with the most data), subgroup deviations
  :math:`\Delta_{g,k} = \sigma_g z_{g,k}` (zero for the first group: partial pooling of
  subgroups toward it; a subgroup missing from some polls is estimated from the polls that
  report it), and, with ``time="monthly"``, a random walk :math:`w` shared by the groups,
  with knots ``grid_days`` apart, zero at the anchor knot, step sd :math:`\sigma_{rw}` per
  month; a poll sees the walk linearly interpolated at its field midpoint.
  Two parameterisations of the walk (:meth:`IssueSalience.centered`): sparse fits sample
  :math:`\theta^{a}` and standardised increments; data-rich fits sample the first group's
  knot levels :math:`\theta_{1,k,t}` themselves as a Gaussian random walk from the first
  knot, :math:`\theta_{1,k,1} \sim N(0, \text{level\_sd\_logit})`, so that each level is
  pinned by its own polls (``theta_anchor`` is then the level at the anchor knot).
- Pollster effects :math:`h_{p,k}` (zero-sum over pollsters), only when some question is
  asked by two or more pollsters (otherwise they are not separable from question effects);
  always non-centred, :math:`h = \sigma_h z`.
- Question (wording/format) effects, zero for the reference question: an issue-by-question
  offset :math:`\delta_{q,k} = \sigma_\delta z_{q,k}` for every other question.

Likelihoods
~~~~~~~~~~~
Let :math:`\lambda_{b,k} = \theta_{g(b),k,t(b)} + h_{p(b),k}` for block :math:`b` (one poll x
question x group).

- **Single choice** ("which ONE issue"): Luce choice among the issues *the block reports*, plus a
  remainder that holds "other", don't know *and the issues not offered or not reported*:

  .. math::

      p_{b,k} = \frac{e^{\mu_{b,k}}}{e^{\gamma_q} + \sum_{j} e^{\mu_{b,j}}},\quad
      \mu_{b,k} = \lambda_{b,k} + \delta_{q,k},\quad
      p_{b,\text{rem}} = \frac{e^{\gamma_q} + \sum_{j \notin R_b} e^{\mu_{b,j}}}
                             {e^{\gamma_q} + \sum_{j} e^{\mu_{b,j}}}

  with :math:`\gamma_q` the question's "other" intercept (0 for the reference question). So an
  issue that is added to a later poll takes its share from the remainder, never from the other
  issues: option sets may differ between polls without biasing anyone. The reported counts
  :math:`c = \operatorname{round}(\text{share} \cdot N)` follow a Dirichlet-multinomial with
  concentration :math:`\phi` (exactly, as stick-breaking beta-binomials over the reported
  issues, the remainder implied).
- **Multi-mention** ("most important problem", several answers allowed; shares may sum above
  100%) and **rating** ("extremely important"): one (beta-)binomial per issue,

  .. math::

      \operatorname{logit} q_{b,k} = a_q + b_q \lambda_{b,k} + \delta_{q,k} + u_b,

  with a question intercept :math:`a_q` and slope :math:`b_q` (ratings compress differences
  in salience: expect :math:`b_q < 1`), and a block intercept :math:`u_b \sim N(0,
  \sigma_u)` shared by every issue of the block (the same respondents name or rate all
  issues: their answers are correlated). :math:`u_b` is used only for questions with two or
  more polls (with one poll it is the question intercept).

Non-sampling error: the concentration :math:`\phi_f = 0.16/e_f^2 - 1` per format makes a
reported share vary around the model by sd :math:`e_f` (share units, at a 20% share) beyond
sampling error. ``poll_error_pp=0`` switches it off (pure multinomial/binomial).
:math:`N = n / \text{deff}` is the effective sample size (see :mod:`.data`).

Large data (more than ``exact_max_cells`` reported shares, ``likelihood="auto"``) use each
cell's extended quasi-likelihood (Nelder and Pregibon 1987), the saddlepoint approximation of
the beta-binomial: :math:`\log L = -D/(2k) - \tfrac12 \log k`, with :math:`D` the binomial
deviance of the cell and :math:`k = 1 + (n-1)/(\alpha + \beta + 1)` the beta-binomial's
variance inflation. It is the binomial likelihood itself without non-sampling error and
costs no log-gamma functions (a 6,840-share fit: 0.40 ms per gradient against 1.44 ms exact).

Priors (pp at a 20% share; 1 logit = 16 pp)
-------------------------------------------
- :math:`\theta^{a}_k \sim N(0, \text{level\_sd\_logit})` (default 2; the first knot's level
  in the centred walk);
- :math:`\sigma_g \sim HN(\text{group\_pp})` (10 pp), :math:`\sigma_{rw} \sim
  HN(\text{rw\_pp\_per\_month})` (2 pp a month), :math:`\sigma_\delta \sim
  HN(\text{wording\_pp})` (4 pp), :math:`\sigma_h \sim HN(\text{house\_pp})` (1.5 pp),
  :math:`\sigma_u \sim HN(\text{poll\_intercept\_pp})` (3 pp), :math:`\log e_f \sim
  N(\log \text{poll\_error\_pp}, \text{poll\_error\_sd\_log})` (median 1.5 pp, 90%
  between 0.7 and 3.4 pp);
- :math:`\gamma_q \sim N(0, \text{other\_sd\_logit})` (1), :math:`a_q \sim N(0,
  \text{intercept\_sd\_logit})` (2), :math:`\log b_q \sim N(0, \text{slope\_sd})` (0.5).

Flat priors (``level_sd_logit=10, poll_error_pp=0``) on one single-choice poll give
shares equal to the poll's proportions and intervals close to per-category Wilson intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy.special import xlogy

from opinion.models.core.base import BayesianModel
from opinion.models.core.sampling import SamplerSettings
from opinion.models.salience.config import IssueSalienceConfig, pp_to_logit
from opinion.models.salience.inputs import SalienceData, prepare
from opinion.models.salience.results import IssueSalienceResults

_PHI_MAX = 1e7
#: posterior draws (evenly thinned) used for the posterior predictive check
PPC_DRAWS = 1000
_SCALED = ("multi_mention", "rating")


class IssueSalience(BayesianModel):
    """Hierarchical Bayesian model of issue salience and rank.

    Parameters
    ----------
    frame
        A :class:`~opinion.frames.PollFrame` (or a DataFrame in its layout, validated first)
        with single-choice, multi-mention and/or rating questions about issues (``response``
        = issue, ``pct`` = percent naming/rating it).
    config
        An :class:`IssueSalienceConfig` or a dict of its fields.
    **overrides
        Any field of :class:`IssueSalienceConfig`: ``questions=`` (the question_id(s) to
        model; default every salience-format question), groups, issue_aliases, deff,
        priors ...

    Examples
    --------
    >>> polls = opinion.datasets.load("us_issues_2022")                      # doctest: +SKIP
    >>> fit = IssueSalience(polls, groups=["all"]).fit(random_seed=1)        # doctest: +SKIP
    >>> fit.where_ranks("relations with russia")                             # doctest: +SKIP
    """

    name = "issue_salience"
    config_class = IssueSalienceConfig
    results_class = IssueSalienceResults
    inputs: SalienceData

    def prepare_inputs(self) -> SalienceData:
        return prepare(self.frame, self.config)

    # ------------------------------------------------------------------ protocol
    def observations(self) -> pd.DataFrame:
        d = self.inputs
        cells = d.cells.merge(d.blocks.reset_index(names="block"), on="block", how="left",
                              suffixes=("", "_block"))
        cells["issue"] = [d.issues[k] for k in cells["issue"]]
        return cells[["poll_id", "question_id", "group", "format", "pollster", "population",
                      "start_date", "end_date", "mid_date", "n", "n_base", "n_basis", "deff",
                      "deff_rule", "N", "issue", "share", "count", "trials"]]

    def results_metadata(self) -> dict[str, Any]:
        d = self.inputs
        return {
            "issues": d.issues,
            "groups": d.groups,
            "knots": [f"{t:%Y-%m-%d}" for t in d.knot_dates],
            "grid_days": d.grid_days,
            "time": d.time,
            "reference_question": d.reference_question,
            "reference_format": d.reference_format,
            "reference_date": f"{d.reference_date:%Y-%m-%d}",
            "questions": d.questions.to_dict(orient="list"),
            "pollsters": d.pollsters,
            "skipped_questions": d.skipped_questions,
            "likelihood": self.likelihood_kind(),
            "centered": self.centered(),
            "notes": d.notes,
        }

    def summary_var_names(self) -> list[str]:
        names = [name for name in ("theta", "sigma_group", "sigma_rw", "sigma_house",
                                   "sigma_wording", "sigma_poll", "poll_error", "other_intercept",
                                   "intercept", "log_slope")
                 if self._has(name)]
        return names

    def _has(self, name: str) -> bool:
        d = self.inputs
        q = d.questions
        nonref = q[~q["reference"]]
        return {
            "theta": True,
            "sigma_group": len(d.groups) > 1,
            "sigma_rw": len(d.knot_dates) > 1,
            "sigma_house": d.use_house,
            "sigma_wording": len(nonref) > 0,
            "sigma_poll": bool(q["poll_intercepts"].any()),
            "poll_error": self.config.poll_error_pp > 0,
            "other_intercept": bool((nonref["format"] == "single_choice").any()),
            "intercept": bool(nonref["format"].isin(_SCALED).any()),
            "log_slope": bool(nonref["format"].isin(_SCALED).any()),
        }[name]

    # ------------------------------------------------------------------ model
    def coords(self) -> dict[str, list]:
        d = self.inputs
        q = d.questions
        nonref = q[~q["reference"]]
        formats = [f for f in ("single_choice", "multi_mention", "rating")
                   if f in set(d.blocks["format"])]
        return {
            "group": d.groups,
            "subgroup": d.groups[1:],
            "issue": d.issues,
            "knot": [f"{t:%Y-%m-%d}" for t in d.knot_dates],
            "step": [f"{t:%Y-%m-%d}" for t in d.knot_dates[1:]],
            "pollster": d.pollsters,
            "other_question": list(nonref.loc[nonref["format"] == "single_choice",
                                              "question_id"]),
            "scaled_question": list(nonref.loc[nonref["format"].isin(_SCALED), "question_id"]),
            "wording_pair": [f"{qid}|{d.issues[k]}" for qid, k in self._wording_pairs()],
            "error_format": formats,
            "intercept_block": [f"{r.poll_id}|{r.question_id}|{r.group}"
                                for r in self._intercept_blocks().itertuples()],
        }

    def _wording_pairs(self) -> list[tuple[str, int]]:
        d = self.inputs
        ref = d.reference_question
        cells = d.cells.assign(question_id=d.blocks["question_id"].to_numpy()[d.cells["block"]])
        pairs = cells.loc[cells["question_id"] != ref, ["question_id", "issue"]]
        pairs = pairs.drop_duplicates().sort_values(["question_id", "issue"])
        return [(str(a), int(b)) for a, b in pairs.itertuples(index=False)]

    def _intercept_blocks(self) -> pd.DataFrame:
        d = self.inputs
        with_u = set(d.questions.loc[d.questions["poll_intercepts"], "question_id"])
        return d.blocks[d.blocks["question_id"].isin(with_u)]

    def predictive_settings(self) -> dict[str, Any]:
        """Predictive draws compiled with PyTensor's C VM instead of numba (about 3 s instead
        of 20-40 s of compilation for this graph), and a posterior predictive from at most
        :data:`PPC_DRAWS` evenly thinned draws (4,000 replications of 6,840 cells took about
        5 s; 1,000 are plenty for 90% predictive intervals)."""
        return {"compile_kwargs": {"mode": "CVM"}, "max_draws": PPC_DRAWS}

    def build_model(self) -> pm.Model:
        d, c = self.inputs, self.config
        coords = self.coords()
        n_groups, n_issues, n_knots = len(d.groups), len(d.issues), len(d.knot_dates)
        blocks = d.blocks
        with pm.Model(coords=coords) as model:
            theta = self._theta(n_groups, n_issues, n_knots)
            # (group, knot) x issue, so that each block's salience is one matrix product with
            # its design row (group one-hot x knot interpolation weights): dense products
            # are much cheaper to differentiate than gathers
            theta_flat = theta.transpose(0, 2, 1).reshape((n_groups * n_knots, n_issues))
            terms = [(self._design_theta(), theta_flat)]
            if d.use_house:
                sigma_house = pm.HalfNormal("sigma_house", pp_to_logit(c.house_pp))
                # always non-centred: pollster effects are small next to sampling error, so
                # even data-rich fits have a funnel at sigma_house -> 0 (measured: a chain
                # stuck at sigma_house = 0.002 with 103 divergences when centred; the same
                # speed either way on the 600-block benchmark)
                house_z = pm.ZeroSumNormal("house_z", sigma=1.0, dims=("issue", "pollster"))
                house = pm.Deterministic("house", sigma_house * house_z,
                                         dims=("issue", "pollster"))
                terms.append((_one_hot(blocks["pollster"], d.pollsters), house.T))
            errors = self._poll_errors(coords["error_format"])
            wording = (self._design_question(), self._wording(n_issues))
            single = np.flatnonzero(blocks["format"].to_numpy() == "single_choice")
            scaled = np.flatnonzero(blocks["format"].isin(_SCALED).to_numpy())
            if len(single):
                self._single_choice(terms, wording, single, errors)
            if len(scaled):
                self._scaled(terms, wording, scaled, errors)
        return model

    def centered(self) -> bool:
        """Centred random effects (data-rich fits) or non-centred (sparse fits).

        ``"auto"`` centres when there are at least ``centered_min_blocks`` blocks: with many
        polls each effect is pinned down by data and the non-centred form leaves a long
        ridge between a scale and its effects (measured: chains stuck at scales ten times
        the truth); with few polls the centred form has funnels instead.
        """
        p = self.config.parameterization
        return p == "centered" or (p == "auto"
                                   and len(self.inputs.blocks) >= self.config.centered_min_blocks)

    def default_target_accept(self) -> float:
        """0.8 for centred (data-rich) fits, 0.9 for non-centred (sparse) ones.

        Measured on ``benchmarks/salience.py`` (600 blocks, centred): target 0.9 took 26
        leapfrog steps per draw and 0.8 took 15, with no divergences either way and the same
        ESS per second of sampling; sparse fits keep the safer 0.9.
        """
        return 0.8 if self.centered() else 0.9

    def default_tune(self, sampler: str) -> int:
        """500 tuning steps for nutpie on centred (data-rich) fits, 1,000 otherwise.

        nutpie adapts its mass matrix from gradients as well as draws and settles quickly
        here: on ``benchmarks/salience.py`` the leapfrog steps per 100 warm-up draws fell from
        11,900 (draws 1-100) to 6,800 by draw 400 and 6,000 from draw 700 on, the same as in
        sampling. Half the warm-up saves a quarter of the sampling time.
        """
        return 500 if sampler == "nutpie" and self.centered() else SamplerSettings.tune

    def _effect(self, name: str, sigma: pt.TensorVariable, dims) -> pt.TensorVariable:
        """Normal(0, sigma) effects: ``{name}_c`` (centred) or ``sigma * {name}_z``."""
        if self.centered():
            return pm.Normal(f"{name}_c", 0.0, sigma, dims=dims)
        return sigma * pm.Normal(f"{name}_z", 0.0, 1.0, dims=dims)

    def _theta(self, n_groups: int, n_issues: int, n_knots: int) -> pt.TensorVariable:
        d, c = self.inputs, self.config
        if n_knots > 1 and self.centered():
            # data-rich: the knot levels themselves are the parameters (a Gaussian random
            # walk from the first knot), so each is pinned by its own polls; as increments
            # they were strongly anti-correlated (posterior condition number 830, 48 leapfrog
            # steps per draw on the 200-poll benchmark)
            walk = pm.GaussianRandomWalk(
                "theta_walk", mu=0.0, sigma=self._walk_step_sd(),
                init_dist=pm.Normal.dist(0.0, c.level_sd_logit), steps=n_knots - 1,
                dims=("issue", "knot"))
            pm.Deterministic("theta_anchor", walk[:, d.anchor_knot], dims="issue")
            theta = walk[None, :, :]
        else:
            level = pm.Normal("theta_anchor", 0.0, c.level_sd_logit, dims="issue")
            theta = level[None, :, None]
        if n_groups > 1:
            sigma_group = pm.HalfNormal("sigma_group", pp_to_logit(c.group_pp))
            dev = self._effect("group", sigma_group, ("subgroup", "issue"))
            dev = pt.concatenate([pt.zeros((1, n_issues)), dev], axis=0)
            theta = theta + dev[:, :, None]
        if n_knots > 1 and not self.centered():
            steps = self._effect("rw", self._walk_step_sd(), ("issue", "step"))
            path = pt.concatenate([pt.zeros((n_issues, 1)), pt.cumsum(steps, axis=1)],
                                  axis=1)
            path = path - path[:, d.anchor_knot][:, None]
            theta = theta + path[None, :, :]
        theta = pt.broadcast_to(theta, (n_groups, n_issues, n_knots))
        return pm.Deterministic("theta", theta, dims=("group", "issue", "knot"))

    def _walk_step_sd(self) -> pt.TensorVariable:
        """The walk's sd per knot step: ``sigma_rw`` (per month) scaled to ``grid_days``."""
        sigma_rw = pm.HalfNormal("sigma_rw", pp_to_logit(self.config.rw_pp_per_month))
        return sigma_rw * np.sqrt(self.inputs.grid_days / 30.0)

    def _wording(self, n_issues: int) -> pt.TensorVariable:
        """(questions x issues) wording offsets; row 0 of the index is the reference."""
        c = self.config
        pairs = self._wording_pairs()
        q_rows = self._question_rows()
        table = pt.zeros((len(q_rows), n_issues))
        if not pairs:
            return table
        rows = np.array([q_rows[q] for q, _ in pairs])
        cols = np.array([k for _, k in pairs])
        # zero-sum within each question: a common shift of all of a question's issues is its
        # intercept ('other' intercept / a_q), not a wording effect (removes a ridge)
        basis = zero_sum_basis(rows)
        if basis.shape[1] == 0:
            return table
        model = pm.modelcontext(None)
        model.add_coord("wording_free", np.arange(basis.shape[1]))
        sigma = pm.HalfNormal("sigma_wording", pp_to_logit(c.wording_pp))
        effect = pm.Deterministic("wording", pt.dot(basis, self._effect(
            "wording", sigma, "wording_free")), dims="wording_pair")
        return pt.set_subtensor(table[rows, cols], effect)

    def _poll_errors(self, formats: list[str]) -> tuple[pt.TensorVariable, dict] | None:
        """Dirichlet-multinomial concentration per format, and the format -> index map."""
        if self.config.poll_error_pp <= 0:
            return None
        err = pm.LogNormal("poll_error", np.log(self.config.poll_error_pp / 100.0),
                           self.config.poll_error_sd_log, dims="error_format")
        phi = pt.clip(0.16 / err ** 2 - 1.0, 1.0, _PHI_MAX)
        return phi, {f: i for i, f in enumerate(formats)}

    def _question_rows(self) -> dict[str, int]:
        """Row of each question in the wording table (0 = the reference question)."""
        d = self.inputs
        nonref = [q for q in d.questions["question_id"] if q != d.reference_question]
        return {d.reference_question: 0, **{q: i + 1 for i, q in enumerate(nonref)}}

    def _design_theta(self) -> np.ndarray:
        """Blocks x (group, knot): the block's group one-hot times its knot weights."""
        d = self.inputs
        group = _one_hot(d.blocks["group"], d.groups)
        return (group[:, :, None] * d.knot_weights[:, None, :]).reshape(len(d.blocks), -1)

    def _design_question(self) -> np.ndarray:
        """Blocks x questions one-hot (in wording-table order)."""
        rows = self._question_rows()
        order = sorted(rows, key=rows.get)
        return _one_hot(self.inputs.blocks["question_id"], order)

    @staticmethod
    def _linear(terms: list, rows: np.ndarray) -> pt.TensorVariable:
        out = None
        for design, value in terms:
            part = pt.dot(design[rows], value)
            out = part if out is None else out + part
        return out

    def _single_choice(self, terms: list, wording: tuple, rows: np.ndarray,
                       errors: tuple | None) -> None:
        d, c = self.inputs, self.config
        blocks = d.blocks.iloc[rows]
        mu = self._linear(terms, rows) + pt.dot(wording[0][rows], wording[1])
        others = [q for q in d.questions.loc[d.questions["format"] == "single_choice",
                                             "question_id"] if q != d.reference_question]
        if others:
            other = pm.Normal("other_intercept", 0.0, c.other_sd_logit, dims="other_question")
            padded = pt.concatenate([pt.zeros(1), other])
            idx = blocks["question_id"].map(
                {q: i + 1 for i, q in enumerate(others)}).fillna(0).astype(int).to_numpy()
            gamma = padded[idx]
        else:
            gamma = pt.zeros(len(rows))
        top = pt.maximum(mu.max(axis=1), gamma)
        e_mu = pt.exp(mu - top[:, None])
        e_other = pt.exp(gamma - top)
        reported = d.reported[rows]
        offered = d.offered[rows]
        e_offered = e_mu * offered  # issues not offered are not in the choice set
        total = e_offered.sum(axis=1) + e_other
        p = e_mu / total[:, None]
        p_rem = (e_other + (e_offered * (1.0 - reported)).sum(axis=1)) / total
        p_rep = p * reported
        after = p_rep.sum(axis=1)[:, None] - pt.cumsum(p_rep, axis=1)
        tail = p_rem[:, None] + after
        cells = d.cells[d.cells["format"] == "single_choice"]
        flat = self._flat_index(cells, rows)
        pc = pt.clip(p.ravel()[flat], 1e-12, 1.0)
        tc = pt.clip(tail.ravel()[flat], 1e-12, 1.0)
        # log p per cell from the block's log normaliser (one log per block, not per cell)
        log_p = ((mu - top[:, None]) - pt.log(total)[:, None]).ravel()[flat]
        phi = None if errors is None else errors[0][errors[1]["single_choice"]]
        self._likelihood("y_single", "single_cell", cells, pc, tc, phi,
                         pt.log(pc) - pt.log(tc), log_p=log_p)

    def _flat_index(self, cells: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """Position of each cell in the raveled (rows x issues) matrix."""
        local = {b: i for i, b in enumerate(rows)}
        return (cells["block"].map(local).to_numpy() * len(self.inputs.issues)
                + cells["issue"].to_numpy())

    def _scaled(self, terms: list, wording: tuple, rows: np.ndarray,
                errors: tuple | None) -> None:
        d, c = self.inputs, self.config
        blocks = d.blocks.iloc[rows]
        scaled_q = [q for q in d.questions.loc[d.questions["format"].isin(_SCALED),
                                               "question_id"] if q != d.reference_question]
        if scaled_q:
            a_free = pm.Normal("intercept", 0.0, c.intercept_sd_logit, dims="scaled_question")
            log_b = pm.Normal("log_slope", 0.0, c.slope_sd, dims="scaled_question")
            a_all = pt.concatenate([pt.zeros(1), a_free])
            b_all = pt.concatenate([pt.ones(1), pt.exp(log_b)])
            idx = blocks["question_id"].map(
                {q: i + 1 for i, q in enumerate(scaled_q)}).fillna(0).astype(int).to_numpy()
            a, b = a_all[idx], b_all[idx]
            centre = np.concatenate([[0.0], [self._slope_centre(q) for q in scaled_q]])[idx]
        else:
            a, b = pt.zeros(len(rows)), pt.ones(len(rows))
            centre = np.zeros(len(rows))
        # the slope pivots at the question's average salience (a constant), so that the
        # intercept and slope are not correlated
        eta = (a[:, None] + b[:, None] * (self._linear(terms, rows) - centre[:, None])
               + pt.dot(wording[0][rows], wording[1]))
        with_u = self._intercept_blocks()
        if len(with_u):
            # zero-sum within each question: the question's mean is its intercept a_q
            basis = zero_sum_basis(with_u["question_id"].to_numpy())
            pm.modelcontext(None).add_coord("intercept_free", np.arange(basis.shape[1]))
            sigma_u = pm.HalfNormal("sigma_poll", pp_to_logit(c.poll_intercept_pp))
            u = pt.dot(basis, self._effect("poll", sigma_u, "intercept_free"))
            padded = pt.concatenate([pt.zeros(1), u])
            pos = {b_: i + 1 for i, b_ in enumerate(with_u.index)}
            u_idx = np.array([pos.get(b_, 0) for b_ in blocks.index])
            eta = eta + padded[u_idx][:, None]
        cells = d.cells[d.cells["format"].isin(_SCALED)]
        eta_c = pt.clip(eta.ravel()[self._flat_index(cells, rows)], -30.0, 30.0)
        q = pm.math.invlogit(eta_c)
        phi = None
        if errors is not None:
            phi_all, index = errors
            phi = phi_all[cells["format"].map(index).to_numpy()]
        self._likelihood("y_scaled", "scaled_cell", cells, q, None, phi, eta_c)

    def initial_values(self, model: pm.Model | None = None, seed: int = 0
                       ) -> dict[str, np.ndarray]:
        """A data-based starting point for the sampler (constrained scale); every chain
        starts here without random jitter: random starts fall into poor local modes of this
        many-effect model (in a 50-poll simulation, three of four jittered chains stuck with
        log densities 250-450 below the fourth).

        Salience starts at the reference question's empirical log-odds against its
        remainder (first group, averaged over its polls; issues it lacks start at their
        mean); multi-mention/rating intercepts and slopes at a least-squares line of their
        empirical logits on that salience; scales at half their prior scale; every effect
        at a small seeded random value (a tenth of its starting scale: exactly zero would
        give zero gradients, which nutpie cannot use to initialise its mass matrix).
        Starting here, without nutpie's U(-1, 1) jitter, avoids the poor local modes that
        random starts fall into (a scale at ten times its truth, effects absorbing data).
        """
        d, c = self.inputs, self.config
        rng = np.random.default_rng(seed)
        model = self.build_model() if model is None else model
        shapes = {rv.name: tuple(int(x) for x in rv.shape.eval()) for rv in model.free_RVs}
        cells = self.observations()
        start = self._start_levels()
        out: dict[str, np.ndarray] = {"theta_anchor": start + rng.normal(0, 0.01, len(start))}
        if "theta_walk" in shapes:
            out["theta_walk"] = (start[:, None]
                                 + rng.normal(0, 0.01, shapes["theta_walk"]))
        scales = {"sigma_group": pp_to_logit(c.group_pp), "sigma_rw": pp_to_logit(
            c.rw_pp_per_month), "sigma_house": pp_to_logit(c.house_pp),
            "sigma_wording": pp_to_logit(c.wording_pp),
            "sigma_poll": pp_to_logit(c.poll_intercept_pp)}
        for name, scale in scales.items():
            out[name] = np.array(0.5 * scale)
        effect_scale = {"group": scales["sigma_group"], "rw": scales["sigma_rw"],
                        "wording": scales["sigma_wording"], "poll": scales["sigma_poll"],
                        "house": scales["sigma_house"]}
        for name, shape in shapes.items():
            base = name.rsplit("_", 1)[0]
            if name.endswith("_z"):
                out[name] = rng.normal(0, 0.1, shape)
            elif name.endswith("_c") or name == "house":
                out[name] = rng.normal(0, 0.05 * effect_scale.get(base, 0.1), shape)
            if name in ("house", "house_z"):
                out[name] = out[name] - out[name].mean(axis=-1, keepdims=True)
        if "poll_error" in shapes:
            out["poll_error"] = np.full(shapes["poll_error"], c.poll_error_pp / 100)
        if "other_intercept" in shapes:
            out["other_intercept"] = rng.normal(0, 0.01, shapes["other_intercept"])
        scaled = self.coords()["scaled_question"]
        if scaled:
            a0, b0 = [], []
            for q in scaled:
                sub = cells[(cells["question_id"] == q) & (cells["group"] == d.groups[0])]
                if sub.empty:
                    sub = cells[cells["question_id"] == q]
                y = np.log((sub["count"] + 0.5) / (sub["N"] - sub["count"] + 0.5)).to_numpy()
                x = start[[d.issues.index(i) for i in sub["issue"]]] - self._slope_centre(q)
                slope = 1.0
                if np.ptp(x) > 0 and len(set(sub["issue"])) >= 3:
                    slope = float(np.clip(np.polyfit(x, y, 1)[0], 0.2, 3.0))
                a0.append(float(np.mean(y - slope * x)))
                b0.append(np.log(slope))
            out["intercept"], out["log_slope"] = np.array(a0), np.array(b0)
        return {k: np.asarray(v, dtype=float) for k, v in out.items() if k in shapes}

    def _start_levels(self) -> np.ndarray:
        """Empirical salience of each issue in the reference question (first group)."""
        d = self.inputs
        cells = self.observations()
        ref = cells[(cells["question_id"] == d.reference_question)
                    & (cells["group"] == d.groups[0])]
        if ref.empty:
            ref = cells[cells["question_id"] == d.reference_question]
        if d.reference_format == "single_choice":
            rest = ref["N"] - ref.groupby(["poll_id", "group"])["count"].transform("sum")
        else:
            rest = ref["N"] - ref["count"]
        empirical = np.log((ref["count"] + 0.5) / (rest + 0.5))
        level = pd.Series(empirical.to_numpy(), index=ref["issue"].to_numpy()).groupby(
            level=0).mean()
        start = np.array([level.get(i, np.nan) for i in d.issues], dtype=float)
        start[np.isnan(start)] = np.nanmean(start) if np.isfinite(start).any() else -1.0
        return start

    def _slope_centre(self, question: str) -> float:
        """Pivot of a multi-mention/rating question's slope: mean start salience of its
        issues (a constant from the data)."""
        if not hasattr(self, "_centres"):
            start = self._start_levels()
            cells = self.inputs.cells.assign(
                question_id=self.inputs.blocks["question_id"].to_numpy()[self.inputs.cells["block"]])
            self._centres = {q: float(start[sorted(set(g["issue"]))].mean())
                             for q, g in cells.groupby("question_id")}
        return self._centres[question]

    def likelihood_kind(self) -> str:
        """``"exact"``, ``"quasi"`` or ``"normal"``: the cell likelihood this model uses
        (``likelihood="auto"``: exact up to ``exact_max_cells`` reported shares, quasi
        above)."""
        like = self.config.likelihood
        if like == "auto":
            return "exact" if len(self.inputs.cells) <= self.config.exact_max_cells else "quasi"
        return like

    def uses_exact_likelihood(self) -> bool:
        """Exact (beta-)binomial cells, or an approximation (see :meth:`likelihood_kind`)."""
        return self.likelihood_kind() == "exact"

    def _likelihood(self, name: str, dim: str, cells: pd.DataFrame, p: pt.TensorVariable,
                    rest: pt.TensorVariable, phi: pt.TensorVariable | None,
                    logit: pt.TensorVariable, log_p: pt.TensorVariable | None = None) -> None:
        """Cells with success weight ``p`` against ``rest`` (log-odds ``logit``; ``rest=None``:
        ``p`` is a probability, ``invlogit(logit)``, and ``rest = 1 - p``; ``log_p``: ``log(p)``
        computed more cheaply by the caller).

        Exact: Binomial(n, q) with ``q = p / (p + rest)``, or beta-binomial with ``alpha = phi
        p, beta = phi rest`` (a Dirichlet-multinomial stick), whose variance is the binomial
        one times ``k = 1 + (n - 1) / (phi (p + rest) + 1)``.

        Quasi (Nelder and Pregibon's extended quasi-likelihood, the saddlepoint approximation
        of an overdispersed binomial): ``log L = -D / (2 k) - log(k) / 2`` with the binomial
        deviance ``D / 2 = c log(c / (n q)) + (n - c) log((n - c) / (n (1 - q)))``. It is the
        binomial likelihood itself when ``k = 1`` (no non-sampling error), and matches the
        beta-binomial's mean and variance otherwise; it needs two softplus functions per cell
        instead of a dozen log-gamma functions. Replicated data are beta-binomial draws.

        Normal: the empirical logit ``y = log((c + 1/2) / (n - c + 1/2))`` is N(``logit``,
        ``k / (n q (1 - q))``) at the *model's* ``q``. Measured to be over-confident where
        counts are small (subgroup shares of 1-2%), so no longer the large-data default.
        """
        model = pm.modelcontext(None)
        model.add_coord(dim, np.arange(len(cells)))
        data = self._cell_data(name, cells)
        kind = self.likelihood_kind()
        logistic = rest is None  # multi-mention/rating: p = invlogit(logit), rest = 1 - p
        if logistic:
            rest = 1.0 - p
        trials = pm.Data(f"{name}_trials", data[f"{name}_trials"], dims=dim)
        if kind == "exact":
            counts = pm.Data(f"{name}_count", data[f"{name}_count"], dims=dim)
            if phi is None:
                pm.Binomial(name, n=trials, p=p / (p + rest), observed=counts, dims=dim)
            else:
                pm.BetaBinomial(name, alpha=phi * p, beta=phi * rest, n=trials,
                                observed=counts, dims=dim)
            return
        # alpha + beta of the beta-binomial (infinite: binomial)
        concentration = (pt.as_tensor(np.inf) if phi is None
                         else phi if logistic else phi * (p + rest))
        if kind == "quasi":
            counts = pm.Data(f"{name}_count", data[f"{name}_count"], dims=dim)
            saturated = pm.Data(f"{name}_saturated", data[f"{name}_saturated"], dims=dim)
            if logistic:
                log_q = -pt.softplus(-logit)
                log_not_q = log_q - logit
            else:
                log_total = pt.log(p + rest)
                log_q = (pt.log(p) if log_p is None else log_p) - log_total
                log_not_q = pt.log(rest) - log_total
            pm.CustomDist(name, log_q, log_not_q, concentration, trials, saturated,
                          logp=_quasi_logp, random=_beta_binomial_draws, observed=counts,
                          dims=dim)
            return
        observed = pm.Data(f"{name}_logit", data[f"{name}_logit"], dims=dim)
        q = p / (p + rest)
        var = 1.0 / (trials * q * (1.0 - q)) * (1.0 + (trials - 1.0) / (concentration + 1.0))
        pm.Normal(name, mu=logit, sigma=pt.sqrt(var), observed=observed, dims=dim)

    def _cell_data(self, name: str, cells: pd.DataFrame) -> dict[str, np.ndarray]:
        """The observed arrays of one likelihood (PyMC data containers, see
        :meth:`observed_data`)."""
        trials = cells["trials"].to_numpy().astype(float)
        counts = cells["count"].to_numpy().astype(float)
        kind = self.likelihood_kind()
        out = {f"{name}_trials": trials}
        if kind == "exact":
            out[f"{name}_trials"] = trials.astype("int64")
            out[f"{name}_count"] = counts.astype("int64")
        elif kind == "quasi":
            out[f"{name}_count"] = counts
            out[f"{name}_saturated"] = _saturated_loglik(counts, trials)
        else:
            out[f"{name}_logit"] = np.log((counts + 0.5) / (trials - counts + 0.5))
        return out

    def observed_data(self) -> dict[str, np.ndarray]:
        """Every observed array by data-container name.

        Two models with the same design (polls, questions, groups, reported issues, n) and
        different counts differ only in these arrays, so a compiled sampler can be reused
        with ``nutpie.CompiledModel.with_data(**model.observed_data())`` (simulation
        studies).
        """
        cells = self.inputs.cells
        out: dict[str, np.ndarray] = {}
        single = cells[cells["format"] == "single_choice"]
        scaled = cells[cells["format"].isin(_SCALED)]
        if len(single):
            out.update(self._cell_data("y_single", single))
        if len(scaled):
            out.update(self._cell_data("y_scaled", scaled))
        return out


def _saturated_loglik(counts: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """``c log(c / n) + (n - c) log((n - c) / n)``: the binomial log-likelihood at ``q = c /
    n`` (0 log 0 = 0), the constant that turns the log-likelihood into half a deviance."""
    n = np.maximum(trials, 1.0)
    return xlogy(counts, counts / n) + xlogy(trials - counts, (trials - counts) / n)


def _quasi_logp(value: pt.TensorVariable, log_q: pt.TensorVariable,
                log_not_q: pt.TensorVariable, concentration: pt.TensorVariable,
                trials: pt.TensorVariable, saturated: pt.TensorVariable) -> pt.TensorVariable:
    """Extended quasi-likelihood of counts ``value`` with success probability ``exp(log_q)``
    (see :meth:`IssueSalience._likelihood`)."""
    half_deviance = saturated - value * log_q - (trials - value) * log_not_q
    inflation = 1.0 + (trials - 1.0) / (concentration + 1.0)
    return -half_deviance / inflation - 0.5 * pt.log(inflation)


def _beta_binomial_draws(log_q: np.ndarray, log_not_q: np.ndarray, concentration: np.ndarray,
                         trials: np.ndarray, saturated: np.ndarray,
                         rng: np.random.Generator | None = None,
                         size: tuple[int, ...] | None = None) -> np.ndarray:
    """Replicated counts of the quasi cells: beta-binomial (binomial at infinite
    concentration) with the cells' trials."""
    rng = np.random.default_rng() if rng is None else rng
    q = np.exp(np.asarray(log_q, dtype=float))
    concentration = np.asarray(concentration, dtype=float)
    shape = np.broadcast_shapes(q.shape, concentration.shape, np.shape(trials)) if size is None \
        else tuple(size)
    q = np.broadcast_to(q, shape)
    if np.all(np.isinf(concentration)):
        prob = q
    else:
        a = np.broadcast_to(np.clip(concentration, 1e-9, 1e12), shape)
        prob = rng.beta(np.maximum(a * q, 1e-12), np.maximum(a * (1.0 - q), 1e-12))
    n = np.broadcast_to(np.asarray(trials), shape).astype("int64")
    return rng.binomial(n, prob).astype(float)


def _one_hot(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Rows x levels indicator matrix."""
    index = {v: i for i, v in enumerate(levels)}
    out = np.zeros((len(values), len(levels)))
    out[np.arange(len(values)), [index[v] for v in values]] = 1.0
    return out


def zero_sum_basis(labels: np.ndarray) -> np.ndarray:
    """Orthonormal basis of vectors that sum to zero within each label (block-diagonal).

    ``basis @ z`` with ``z ~ N(0, s^2 I)`` has the law of a zero-sum normal within each label
    (a label with one member gets 0). Columns: ``len(labels) - number of labels``.
    """
    labels = np.asarray(labels)
    columns = []
    for label in dict.fromkeys(labels.tolist()):
        members = np.flatnonzero(labels == label)
        m = len(members)
        if m < 2:
            continue
        # Helmert contrasts, normalised: orthonormal and orthogonal to the ones vector
        helmert = np.zeros((m, m - 1))
        for j in range(1, m):
            helmert[:j, j - 1] = 1.0
            helmert[j, j - 1] = -j
            helmert[:, j - 1] /= np.sqrt(j * (j + 1))
        block = np.zeros((len(labels), m - 1))
        block[members] = helmert
        columns.append(block)
    return np.hstack(columns) if columns else np.zeros((len(labels), 0))
