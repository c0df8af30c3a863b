r"""Issue salience: where an issue ranks among voters' concerns, with probabilities.

The model
---------
Each issue :math:`k` has a latent salience :math:`\theta_{g,k,t}` for group :math:`g` (``all``,
``party:dem`` ...) at knot :math:`t`: its log-odds against an "other / none" category in
the *reference question* (default: the single-choice question with the most polls). Levels,
subgroup deviations and the path over time (random walk or mean-reverting AR(1), optional
group x time terms) are in :mod:`.latent`.

Single-choice questions are a nested logit (:mod:`.choice`): respondents choose among the
issues *listed* (``choice_set="offered"``, the default) plus "other"; related issues declared
in ``nests`` substitute for each other, so an option added to a list draws mostly from its
nest (with no nests: Luce's rule, IIA). With ``choice_set="all"`` every modelled issue is in
every choice set and the people who would choose an unlisted one answer "other".

Questions measure *constructs* (``constructs=``; default: one per format): "most important
problem facing the country" is not "the issue that mattered most to your vote". Each
non-reference construct is linked to the reference one by issue-specific offsets whose spread
is estimated (:mod:`.measurement`); ranks are claimed only among the issues measured on a
construct (:class:`~opinion.models.salience.results.IssueSalienceResults`).

Multi-mention ("most important problem", several answers allowed) and rating ("extremely
important") questions are one (beta-)binomial per issue with a question intercept and slope
on the construct's salience and a poll intercept shared by the issues one set of respondents
answered. Non-sampling error is Dirichlet-multinomial / beta-binomial overdispersion; the
effective sample size is ``n / deff`` (:mod:`.inputs`). Large data (more than
``exact_max_cells`` shares) use each cell's extended quasi-likelihood (:mod:`.likelihood`).

Priors (pp at a 20% share; 1 logit = 16 pp)
-------------------------------------------
Levels N(0, ``level_sd_logit`` = 2); subgroup deviations HN(``group_pp`` = 10 pp); monthly
change HN(``rw_pp_per_month`` = 2 pp); half-life (``walk="ar1"``) log-normal, median
``half_life_months`` = 6; group x time HN(``group_rw_pp_per_month`` = 1 pp); construct
offsets HN(``construct_pp`` = 8 pp); wording HN(``wording_pp`` = 4 pp); pollster effects
HN(``house_pp`` = 1.5 pp); poll intercepts HN(``poll_intercept_pp`` = 3 pp); non-sampling error
log-normal, median ``poll_error_pp`` = 1.5 pp; nest dissimilarity 0.05 + 0.95 Beta(1.5, 1.5);
"other" intercepts N(0, 1); rating/mention intercepts N(0, 2) and log-slopes N(0, 0.5).
:meth:`IssueSalienceResults.model_description` states what a fit used.

Flat priors (``level_sd_logit=10, poll_error_pp=0``) on one single-choice poll give
shares equal to the poll's proportions and intervals close to per-category Wilson intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from opinion.models.core.base import BayesianModel
from opinion.models.core.sampling import SamplerSettings
from opinion.models.salience.config import IssueSalienceConfig, pp_to_logit
from opinion.models.salience.inputs import SalienceData, prepare
from opinion.models.salience.latent import LatentSalience
from opinion.models.salience.likelihood import cell_data
from opinion.models.salience.measurement import SCALED, Measurement, one_hot, zero_sum_basis
from opinion.models.salience.results import IssueSalienceResults

__all__ = ["IssueSalience", "zero_sum_basis"]

#: posterior draws (evenly thinned) used for the posterior predictive check
PPC_DRAWS = 1000
_SCALES = {"sigma_group": "group_pp", "sigma_rw": "rw_pp_per_month", "sigma_house": "house_pp",
           "sigma_wording": "wording_pp", "sigma_poll": "poll_intercept_pp",
           "sigma_construct": "construct_pp", "sigma_group_rw": "group_rw_pp_per_month"}


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
        model; default every salience-format question), groups, issue_aliases, nests,
        constructs, deff, priors ...

    Examples
    --------
    >>> polls = opinion.datasets.load("us_issues_2022")                      # doctest: +SKIP
    >>> fit = IssueSalience(polls, groups=["all"]).fit(random_seed=1)        # doctest: +SKIP
    >>> fit.where_ranks("relations with russia", construct="rating")         # doctest: +SKIP
    """

    name = "issue_salience"
    config_class = IssueSalienceConfig
    results_class = IssueSalienceResults
    inputs: SalienceData

    def prepare_inputs(self) -> SalienceData:
        return prepare(self.frame, self.config)

    def code_modules(self) -> list[str]:
        return [f"opinion.models.salience.{m}" for m in
                ("inputs", "latent", "measurement", "choice", "likelihood")]

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
            "anchor_knot": d.anchor_knot,
            "reference_question": d.reference_question,
            "reference_format": d.reference_format,
            "reference_date": f"{d.reference_date:%Y-%m-%d}",
            "questions": d.questions.to_dict(orient="list"),
            "constructs": self.construct_table().to_dict(orient="records"),
            "reference_construct": d.reference_construct,
            "nests": {name: [d.issues[k] for k in np.flatnonzero(d.nest_of == i)]
                      for i, name in enumerate(d.nest_names)},
            "group_time": d.group_time,
            "slope_centres": self.slope_centres(),
            "anchor_issues": [d.issues[k] for k in d.anchor_issues()],
            "pollsters": d.pollsters,
            "use_house": d.use_house,
            "skipped_questions": d.skipped_questions,
            "likelihood": self.likelihood_kind(),
            "centered": self.centered(),
            "blocks": len(d.blocks),
            "cells": len(d.cells),
            "notes": d.notes,
        }

    def construct_table(self) -> pd.DataFrame:
        """One row per construct: reference?, primary question and format, questions,
        measured issues, issues shared with other constructs."""
        d = self.inputs
        rows = []
        for construct in d.constructs:
            questions = d.construct_questions(construct)
            fmt = d.questions.set_index("question_id").loc[questions[0], "format"]
            rows.append({"construct": construct,
                         "reference": construct == d.reference_construct,
                         "primary_question": questions[0], "primary_format": fmt,
                         "questions": questions,
                         "measured": [d.issues[k] for k in d.measured[construct]],
                         "shared": [d.issues[k] for k in d.shared(construct)]})
        return pd.DataFrame(rows)

    def summary_var_names(self) -> list[str]:
        names = ["theta", "sigma_group", "sigma_group_rw", "sigma_rw", "half_life",
                 "sigma_house", "sigma_construct", "construct_offset", "sigma_wording",
                 "sigma_poll", "poll_error", "other_intercept", "intercept", "log_slope",
                 "nest_lambda"]
        model = self.build_model()
        present = {v.name for v in model.free_RVs} | {v.name for v in model.deterministics}
        return [n for n in names if n in present]

    # ------------------------------------------------------------------ model
    def coords(self) -> dict[str, list]:
        d = self.inputs
        meas = self.measurement()
        formats = [f for f in ("single_choice", "multi_mention", "rating")
                   if f in set(d.blocks["format"])]
        return {
            "group": d.groups,
            "subgroup": d.groups[1:],
            "issue": d.issues,
            "knot": [f"{t:%Y-%m-%d}" for t in d.knot_dates],
            "step": [f"{t:%Y-%m-%d}" for t in d.knot_dates[1:]],
            "pollster": d.pollsters,
            "other_question": meas.other_questions(),
            "scaled_question": meas.scaled_questions(),
            "wording_pair": [f"{qid}|{d.issues[k]}" for qid, k in meas.wording_pairs()],
            "error_format": formats,
            "nest": d.nest_names,
        }

    def measurement(self) -> Measurement:
        return Measurement(self.inputs, self.config, self.centered(), self.likelihood_kind(),
                           self.slope_centres())

    def predictive_settings(self) -> dict[str, Any]:
        """Predictive draws compiled with PyTensor's C VM instead of numba (about 3 s instead
        of 20-40 s of compilation for this graph), and a posterior predictive from at most
        :data:`PPC_DRAWS` evenly thinned draws."""
        return {"compile_kwargs": {"mode": "CVM"}, "max_draws": PPC_DRAWS}

    def build_model(self) -> pm.Model:
        d = self.inputs
        meas = self.measurement()
        n_groups, n_issues, n_knots = len(d.groups), len(d.issues), len(d.knot_dates)
        with pm.Model(coords=self.coords()) as model:
            theta = LatentSalience(d, self.config, self.centered()).build()
            mean_level = theta[0, d.anchor_issues(), d.anchor_knot].mean()
            # (group, knot) x issue, so that each block's salience is one matrix product with
            # its design row (group one-hot x knot interpolation weights): dense products
            # are much cheaper to differentiate than gathers
            theta_flat = theta.transpose(0, 2, 1).reshape((n_groups * n_knots, n_issues))
            linear = pt.dot(self._design_theta(), theta_flat)
            house = meas.house()
            if house is not None:
                linear = linear + pt.dot(one_hot(d.blocks["pollster"], d.pollsters), house.T)
            construct, wording = meas.offsets()
            errors = meas.poll_errors(self.coords()["error_format"])
            lam = meas.nest_lambda()
            single = np.flatnonzero(d.blocks["format"].to_numpy() == "single_choice")
            scaled = np.flatnonzero(d.blocks["format"].isin(SCALED).to_numpy())
            if len(single):
                meas.single_choice(linear + construct + wording, single, errors, lam)
            if len(scaled):
                meas.scaled(linear, construct + wording, scaled, errors, mean_level)
        return model

    def _design_theta(self) -> np.ndarray:
        """Blocks x (group, knot): the block's group one-hot times its knot weights."""
        d = self.inputs
        group = one_hot(d.blocks["group"], d.groups)
        return (group[:, :, None] * d.knot_weights[:, None, :]).reshape(len(d.blocks), -1)

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

    # ------------------------------------------------------------------ start point
    def initial_values(self, model: pm.Model | None = None, seed: int = 0
                       ) -> dict[str, np.ndarray]:
        """A data-based starting point for the sampler (constrained scale); every chain
        starts here without random jitter: random starts fall into poor local modes of this
        many-effect model (in a 50-poll simulation, three of four jittered chains stuck with
        log densities 250-450 below the fourth).

        Salience starts at the reference question's empirical log-odds against its
        remainder (first group, averaged over its polls; issues it lacks start at their
        mean); multi-mention/rating intercepts and slopes at a least-squares line of their
        empirical logits on that salience; scales at half their prior scale; every other
        effect at a small seeded random value (exactly zero would give zero gradients, which
        nutpie cannot use to initialise its mass matrix).
        """
        c = self.config
        rng = np.random.default_rng(seed)
        model = self.build_model() if model is None else model
        kinds = {rv.name: type(rv.owner.op).__name__ for rv in model.free_RVs}
        shapes = {rv.name: tuple(int(x) for x in rv.shape.eval()) for rv in model.free_RVs}
        start = self._start_levels()
        n_issues = len(start)
        out: dict[str, np.ndarray] = {
            "theta_mean_z": np.array(start.mean() * np.sqrt(n_issues) / c.level_sd_logit),
            "theta_dev_z": (start - start.mean()) / c.level_sd_logit,
            "theta_level": start + rng.normal(0, 0.01, n_issues),
            "poll_error": np.full(shapes.get("poll_error", (0,)), c.poll_error_pp / 100),
            "nest_lambda_unit": np.full(shapes.get("nest_lambda_unit", (0,)), 0.5),
            "half_life": np.array(c.half_life_months),
        }
        if "theta_walk" in shapes:
            out["theta_walk"] = start[:, None] + rng.normal(0, 0.01, shapes["theta_walk"])
        for name, field in _SCALES.items():
            if name in shapes:
                out[name] = np.full(shapes[name], 0.5 * pp_to_logit(getattr(c, field)))
        for name, shape in shapes.items():
            if name in out:
                continue
            if name.endswith("_z"):
                out[name] = rng.normal(0, 0.1, shape)
            elif name.endswith("_c") or name == "other_intercept":
                out[name] = rng.normal(0, 0.01, shape)
            if "ZeroSum" in kinds[name] and name in out:
                out[name] = out[name] - out[name].mean(axis=-1, keepdims=True)
        out.update(self._scaled_start(start))
        return {k: np.asarray(v, dtype=float) for k, v in out.items() if k in shapes}

    def _scaled_start(self, start: np.ndarray) -> dict[str, np.ndarray]:
        """Intercepts and log-slopes of the scaled questions from a line through their
        empirical logits against the start salience."""
        d = self.inputs
        scaled = self.measurement().scaled_questions()
        if not scaled:
            return {}
        cells = self.observations()
        a0, b0 = [], []
        for q in scaled:
            sub = cells[(cells["question_id"] == q) & (cells["group"] == d.groups[0])]
            if sub.empty:
                sub = cells[cells["question_id"] == q]
            y = np.log((sub["count"] + 0.5) / (sub["N"] - sub["count"] + 0.5)).to_numpy()
            x = (start[[d.issues.index(i) for i in sub["issue"]]]
                 - start[d.anchor_issues()].mean() - self.slope_centres()[q])
            slope = 1.0
            if np.ptp(x) > 0 and len(set(sub["issue"])) >= 3:
                slope = float(np.clip(np.polyfit(x, y, 1)[0], 0.2, 3.0))
            a0.append(float(np.mean(y - slope * x)))
            b0.append(np.log(slope))
        return {"intercept": np.array(a0), "log_slope": np.array(b0)}

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

    def slope_centres(self) -> dict[str, float]:
        """Pivot of each scaled question's slope: the mean start salience of its issues
        minus that of the reference question's issues (constants from the data)."""
        if not hasattr(self, "_centres"):
            start = self._start_levels()
            d = self.inputs
            anchor = start[d.anchor_issues()].mean()
            cells = d.cells.assign(question_id=d.blocks["question_id"].to_numpy()[d.cells["block"]])
            self._centres = {str(q): float(start[sorted(set(g["issue"]))].mean() - anchor)
                             for q, g in cells.groupby("question_id")}
        return self._centres

    # ------------------------------------------------------------------ likelihood kind
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

    def observed_data(self) -> dict[str, np.ndarray]:
        """Every observed array by data-container name.

        Two models with the same design (polls, questions, groups, reported issues, n) and
        different counts differ only in these arrays, so a compiled sampler can be reused
        with ``nutpie.CompiledModel.with_data(**model.observed_data())`` (simulation
        studies).
        """
        cells = self.inputs.cells
        kind = self.likelihood_kind()
        out: dict[str, np.ndarray] = {}
        single = cells[cells["format"] == "single_choice"]
        scaled = cells[cells["format"].isin(SCALED)]
        if len(single):
            out.update(cell_data("y_single", single, kind))
        if len(scaled):
            out.update(cell_data("y_scaled", scaled, kind))
        return out
