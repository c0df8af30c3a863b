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
- Pollster effects :math:`h_{p,k}` (zero-sum over pollsters), only when some question is
  asked by two or more pollsters (otherwise they are not separable from question effects).
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

Priors (pp at a 20% share; 1 logit = 16 pp)
-------------------------------------------
- :math:`\theta^{a}_k \sim N(0, \text{level\_sd\_logit})` (default 2);
- :math:`\sigma_g \sim HN(\text{group\_pp})` (10 pp), :math:`\sigma_{rw} \sim
  HN(\text{rw\_pp\_per\_month})` (2 pp a month), :math:`\sigma_\delta \sim
  HN(\text{wording\_pp})` (4 pp), :math:`\sigma_h \sim HN(\text{house\_pp})` (1.5 pp),
  :math:`\sigma_u \sim HN(\text{poll\_intercept\_pp})` (3 pp), :math:`e_f \sim
  HN(\text{poll\_error\_pp})` (1.5 pp);
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

from opinion.frames.pollframe import PollFrame
from opinion.models.base import BayesianModel
from opinion.models.salience.config import IssueSalienceConfig, pp_to_logit
from opinion.models.salience.data import SalienceData, prepare
from opinion.results.salience import IssueSalienceResults

_PHI_MAX = 1e7
_SCALED = ("multi_mention", "rating")


class IssueSalience(BayesianModel):
    """Hierarchical Bayesian model of issue salience and rank.

    Parameters
    ----------
    polls
        A :class:`~opinion.frames.PollFrame` (or a DataFrame with its columns) with
        single-choice, multi-mention and/or rating questions about issues (``response`` =
        issue, ``pct`` = percent naming/rating it).
    questions
        The question_id(s) to model (default: every salience-format question).
    **config
        Any field of :class:`IssueSalienceConfig` (groups, issue_aliases, deff, priors ...).

    Examples
    --------
    >>> polls = opinion.datasets.load("us_issues_2022")                      # doctest: +SKIP
    >>> fit = IssueSalience(polls, groups=["all"]).fit(random_seed=1)        # doctest: +SKIP
    >>> fit.where_ranks("relations with russia")                             # doctest: +SKIP
    """

    name = "issue_salience"
    results_class = IssueSalienceResults

    def __init__(self, polls: PollFrame | pd.DataFrame,
                 questions: str | list[str] | None = None, **config: Any) -> None:
        if isinstance(questions, str):
            questions = [questions]
        for key in ("groups", "issues", "non_issues"):
            if config.get(key) is not None:
                config[key] = tuple(config[key])
        self.config = IssueSalienceConfig(
            questions=tuple(questions) if questions else None, **config)
        self.polls = polls
        self.data: SalienceData = prepare(polls, self.config)

    # ------------------------------------------------------------------ protocol
    def config_dict(self) -> dict[str, Any]:
        return self.config.to_dict()

    def data_frame(self) -> pd.DataFrame:
        d = self.data
        cells = d.cells.merge(d.blocks.reset_index(names="block"), on="block", how="left",
                              suffixes=("", "_block"))
        cells["issue"] = [d.issues[k] for k in cells["issue"]]
        return cells[["poll_id", "question_id", "group", "format", "pollster", "population",
                      "start_date", "end_date", "mid_date", "n", "n_base", "n_basis", "deff",
                      "deff_rule", "N", "issue", "share", "count", "trials"]]

    def results_metadata(self) -> dict[str, Any]:
        d = self.data
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
            "notes": d.notes,
        }

    def summary_var_names(self) -> list[str]:
        names = [name for name in ("theta", "sigma_group", "sigma_rw", "sigma_house",
                                   "sigma_wording", "sigma_poll", "poll_error", "other_intercept",
                                   "intercept", "log_slope")
                 if self._has(name)]
        return names

    def _has(self, name: str) -> bool:
        d = self.data
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
        d = self.data
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
        d = self.data
        ref = d.reference_question
        cells = d.cells.assign(question_id=d.blocks["question_id"].to_numpy()[d.cells["block"]])
        pairs = cells.loc[cells["question_id"] != ref, ["question_id", "issue"]]
        pairs = pairs.drop_duplicates().sort_values(["question_id", "issue"])
        return [(str(a), int(b)) for a, b in pairs.itertuples(index=False)]

    def _intercept_blocks(self) -> pd.DataFrame:
        d = self.data
        with_u = set(d.questions.loc[d.questions["poll_intercepts"], "question_id"])
        return d.blocks[d.blocks["question_id"].isin(with_u)]

    def build_model(self) -> pm.Model:
        d, c = self.data, self.config
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

    def _theta(self, n_groups: int, n_issues: int, n_knots: int) -> pt.TensorVariable:
        d, c = self.data, self.config
        level = pm.Normal("theta_anchor", 0.0, c.level_sd_logit, dims="issue")
        theta = level[None, :, None]
        if n_groups > 1:
            sigma_group = pm.HalfNormal("sigma_group", pp_to_logit(c.group_pp))
            group_z = pm.Normal("group_z", 0.0, 1.0, dims=("subgroup", "issue"))
            dev = pt.concatenate([pt.zeros((1, n_issues)), sigma_group * group_z], axis=0)
            theta = theta + dev[:, :, None]
        if n_knots > 1:
            sigma_rw = pm.HalfNormal("sigma_rw", pp_to_logit(c.rw_pp_per_month))
            step_sd = sigma_rw * np.sqrt(d.grid_days / 30.0)
            rw_z = pm.Normal("rw_z", 0.0, 1.0, dims=("issue", "step"))
            path = pt.concatenate([pt.zeros((n_issues, 1)), pt.cumsum(rw_z * step_sd, axis=1)],
                                  axis=1)
            path = path - path[:, d.anchor_knot][:, None]
            theta = theta + path[None, :, :]
        theta = pt.broadcast_to(theta, (n_groups, n_issues, n_knots))
        return pm.Deterministic("theta", theta, dims=("group", "issue", "knot"))

    def _wording(self, n_issues: int) -> pt.TensorVariable:
        """(questions x issues) wording offsets; row 0 of the index is the reference."""
        d, c = self.data, self.config
        pairs = self._wording_pairs()
        q_rows = self._question_rows()
        table = pt.zeros((len(q_rows), n_issues))
        if not pairs:
            return table
        sigma = pm.HalfNormal("sigma_wording", pp_to_logit(c.wording_pp))
        z = pm.Normal("wording_z", 0.0, 1.0, dims="wording_pair")
        rows = np.array([q_rows[q] for q, _ in pairs])
        cols = np.array([k for _, k in pairs])
        # centred within each question: a common shift of all of a question's issues is its
        # intercept ('other' intercept / a_q), not a wording effect (removes a ridge)
        members = (rows[:, None] == rows[None, :]).astype(float)
        centre = members / members.sum(axis=1, keepdims=True)
        effect = sigma * (z - pt.dot(centre, z))
        return pt.set_subtensor(table[rows, cols], effect)

    def _poll_errors(self, formats: list[str]) -> tuple[pt.TensorVariable, dict] | None:
        """Dirichlet-multinomial concentration per format, and the format -> index map."""
        if self.config.poll_error_pp <= 0:
            return None
        err = pm.HalfNormal("poll_error", self.config.poll_error_pp / 100.0, dims="error_format")
        phi = pt.clip(0.16 / err ** 2 - 1.0, 1.0, _PHI_MAX)
        return phi, {f: i for i, f in enumerate(formats)}

    def _question_rows(self) -> dict[str, int]:
        """Row of each question in the wording table (0 = the reference question)."""
        d = self.data
        nonref = [q for q in d.questions["question_id"] if q != d.reference_question]
        return {d.reference_question: 0, **{q: i + 1 for i, q in enumerate(nonref)}}

    def _design_theta(self) -> np.ndarray:
        """Blocks x (group, knot): the block's group one-hot times its knot weights."""
        d = self.data
        group = _one_hot(d.blocks["group"], d.groups)
        return (group[:, :, None] * d.knot_weights[:, None, :]).reshape(len(d.blocks), -1)

    def _design_question(self) -> np.ndarray:
        """Blocks x questions one-hot (in wording-table order)."""
        rows = self._question_rows()
        order = sorted(rows, key=rows.get)
        return _one_hot(self.data.blocks["question_id"], order)

    @staticmethod
    def _linear(terms: list, rows: np.ndarray) -> pt.TensorVariable:
        out = None
        for design, value in terms:
            part = pt.dot(design[rows], value)
            out = part if out is None else out + part
        return out

    def _single_choice(self, terms: list, wording: tuple, rows: np.ndarray,
                       errors: tuple | None) -> None:
        d, c = self.data, self.config
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
        total = e_mu.sum(axis=1) + e_other
        reported = d.reported[rows]
        p = e_mu / total[:, None]
        p_rem = (e_other + (e_mu * (1.0 - reported)).sum(axis=1)) / total
        p_rep = p * reported
        after = p_rep.sum(axis=1)[:, None] - pt.cumsum(p_rep, axis=1)
        tail = p_rem[:, None] + after
        cells = d.cells[d.cells["format"] == "single_choice"]
        flat = self._flat_index(cells, rows)
        pc = pt.clip(p.ravel()[flat], 1e-12, 1.0)
        tc = pt.clip(tail.ravel()[flat], 1e-12, 1.0)
        phi = None if errors is None else errors[0][errors[1]["single_choice"]]
        self._likelihood("y_single", "single_cell", cells, pc, tc, phi)

    def _flat_index(self, cells: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """Position of each cell in the raveled (rows x issues) matrix."""
        local = {b: i for i, b in enumerate(rows)}
        return (cells["block"].map(local).to_numpy() * len(self.data.issues)
                + cells["issue"].to_numpy())

    def _scaled(self, terms: list, wording: tuple, rows: np.ndarray,
                errors: tuple | None) -> None:
        d, c = self.data, self.config
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
        else:
            a, b = pt.zeros(len(rows)), pt.ones(len(rows))
        eta = (a[:, None] + b[:, None] * self._linear(terms, rows)
               + pt.dot(wording[0][rows], wording[1]))
        with_u = self._intercept_blocks()
        if len(with_u):
            sigma_u = pm.HalfNormal("sigma_poll", pp_to_logit(c.poll_intercept_pp))
            u_z = pm.Normal("poll_z", 0.0, 1.0, dims="intercept_block")
            padded = pt.concatenate([pt.zeros(1), sigma_u * u_z])
            pos = {b_: i + 1 for i, b_ in enumerate(with_u.index)}
            u_idx = np.array([pos.get(b_, 0) for b_ in blocks.index])
            eta = eta + padded[u_idx][:, None]
        cells = d.cells[d.cells["format"].isin(_SCALED)]
        eta_c = pt.clip(eta.ravel()[self._flat_index(cells, rows)], -25.0, 25.0)
        q = pm.math.invlogit(eta_c)
        phi = None
        if errors is not None:
            phi_all, index = errors
            phi = phi_all[cells["format"].map(index).to_numpy()]
        self._likelihood("y_scaled", "scaled_cell", cells, q, 1.0 - q, phi)

    def uses_exact_likelihood(self) -> bool:
        """Exact (beta-)binomial cells, or the Gaussian empirical-logit approximation."""
        like = self.config.likelihood
        return like == "exact" or (like == "auto"
                                   and len(self.data.cells) <= self.config.exact_max_cells)

    def _likelihood(self, name: str, dim: str, cells: pd.DataFrame, p: pt.TensorVariable,
                    rest: pt.TensorVariable, phi: pt.TensorVariable | None) -> None:
        """Cells with success weight ``p`` against ``rest`` (probability ``p / (p + rest)``).

        Exact: Binomial, or beta-binomial with ``alpha = phi p, beta = phi rest`` (the
        Dirichlet-multinomial stick). Approximate: the empirical logit
        ``log((c + 1/2) / (n - c + 1/2))`` is normal with mean ``log(p / rest)`` and variance
        ``(n + phi') / (n q (1 - q) (1 + phi'))``, ``phi' = phi (p + rest)`` (the same mean and
        variance as the exact cell, to first order).
        """
        model = pm.modelcontext(None)
        model.add_coord(dim, np.arange(len(cells)))
        trials = cells["trials"].to_numpy()
        counts = cells["count"].to_numpy()
        if self.uses_exact_likelihood():
            if phi is None:
                pm.Binomial(name, n=trials, p=p / (p + rest), observed=counts, dims=dim)
            else:
                pm.BetaBinomial(name, alpha=phi * p, beta=phi * rest, n=trials,
                                observed=counts, dims=dim)
            return
        observed = np.log((counts + 0.5) / (trials - counts + 0.5))
        q = p / (p + rest)
        var = 1.0 / (trials * q * (1.0 - q))
        if phi is not None:
            phi_cell = phi * (p + rest)
            var = var * (trials + phi_cell) / (1.0 + phi_cell)
        pm.Normal(name, mu=pt.log(p) - pt.log(rest), sigma=pt.sqrt(var), observed=observed,
                  dims=dim)


def _one_hot(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Rows x levels indicator matrix."""
    index = {v: i for i, v in enumerate(levels)}
    out = np.zeros((len(values), len(levels)))
    out[np.arange(len(values)), [index[v] for v in values]] = 1.0
    return out
