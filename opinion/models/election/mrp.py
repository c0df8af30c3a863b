r"""Multilevel regression and poststratification (MRP) of vote choice on survey microdata.

The model
---------
Respondents :math:`n = 1..N` choose one of :math:`K \ge 2` parties; party :math:`r` (the
``reference``, default: the first in sorted order) is the baseline. For every other party
:math:`k` (a *contrast*, "k vs r") the log-odds of choosing :math:`k` rather than :math:`r` are

.. math:: \eta_{n,k} = \alpha_k + \sum_g \sigma_{g,k}\, z_{g,k}[\ell_g(n)]
          + \sum_c \beta_{c,k}\, x_{n,c},
          \qquad P(y_n = k) = \frac{e^{\eta_{n,k}}}{\sum_{m} e^{\eta_{n,m}}},
          \quad \eta_{n,r} = 0,

with varying intercepts for every grouping variable :math:`g` (``groups``: state, age band,
education, party ID, issue priority ...; :math:`\ell_g(n)` is respondent :math:`n`'s level)
and fixed slopes for numeric ``covariates`` :math:`x` (ideology ...), standardised with the
sample's (unweighted) mean and standard deviation. With two parties this is a multilevel
logistic regression; with more it is a multinomial (softmax) regression with separate varying
intercepts per non-reference party.

Interactions
~~~~~~~~~~~~
``interactions=(("issue", "party_id"),)`` adds a varying effect for every combination of the
two columns' levels seen in the sample (zero-sum over the combinations, its own sd): the vote
of an issue's voters may then differ by party ID beyond the two main effects, which is what
"who do abortion voters vote for, within each party" needs. Combinations of the population
without respondents take a draw from the interaction's distribution.

Priors, in understandable units
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
- :math:`\alpha_k \sim N(0, \text{intercept\_sd})`, default 1.5 on the log-odds scale: the
  odds of party :math:`k` over the reference at the average level of every group and the
  mean of every covariate lie between 1/20 and 20 with 95% prior probability.
- Varying effects, non-centred and zero-sum: :math:`a_{g,k} = \sigma_{g,k} z_{g,k}` with
  :math:`z_{g,k}` standard normal over the levels *constrained to sum to zero*
  (``pm.ZeroSumNormal``; :math:`\alpha` is then the log-odds of the average level), and
  :math:`\sigma_{g,k} \sim \text{half-}t_{\nu}(0, s)` with ``group_sd_df`` :math:`\nu = 3` and
  ``group_sd_scale`` :math:`s = 1.5` logits (``interaction_sd_scale`` 1.0 for interactions).
  The predictors users pass are often strong: party identification moves the two-party vote
  from about 3% to 97% (level effects of :math:`\pm 3` logits, an sd near 2.5). A half-normal
  with scale log 2 (the previous default) puts 0.1% prior mass above an sd of 2.2 and shrinks
  such effects; the half-t(3, 1.5) puts about 24% there and has a heavy tail, so the data decide.
  ``results.prior_predictive_check(by=...)`` shows the vote shares per level the prior allows
  on the probability scale.
- Slopes :math:`\beta_{c,k} \sim N(0, \log F_s)` with ``slope_odds_factor`` :math:`F_s = 4`:
  one standard deviation of a covariate multiplies the odds by between 1/4 and 4 with 68%
  prior probability (1/16 to 16 with 95%).

Likelihood
~~~~~~~~~~
Unweighted fits use the categorical likelihood with the votes as data (``pm.Data``), so
generic simulation-based calibration (``opinion.calibration.sbc(model)``) works. Weighted fits
use the pseudo-likelihood below, a ``pm.Potential``: PyMC cannot simulate data from a
Potential, so SBC refuses them (fit the same design unweighted to calibrate the sampler and
the code; the weighting only rescales each respondent's log-likelihood).

Survey weights (a pseudo-likelihood)
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
Each respondent's log-likelihood is multiplied by a weight :math:`\tilde w_n` (``pm.Potential``),
with the survey weights rescaled to sum to Kish's effective sample size

.. math:: \tilde w_n = w_n \frac{n_{\text{eff}}}{\sum_m w_m},\qquad
          n_{\text{eff}} = \frac{(\sum_m w_m)^2}{\sum_m w_m^2}
          = \frac{N}{\text{deff}_{\text{Kish}}}.

This is an approximation, not a full design-based analysis: it accounts for the loss of
information from unequal weights only (not clustering or stratification), the weighted
"posterior" is not a true posterior, and its intervals are approximate (usually somewhat too
wide where the weights are unrelated to the outcome and possibly too narrow under strong
clustering). When the weighting variables are themselves among the ``groups`` (the usual MRP
advice), the weights matter little and ``weight=None`` is a defensible choice.

Calibration to a known result
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
With ``calibrate_to={party: share}`` (an official result) the poststratified vote is shifted
to it per draw: one shift :math:`\delta_{k}` of each party's log-odds, the same in every
cell, solved so that the poststratified shares equal the target exactly (a "logit shift";
with ``calibrate_sd_pp`` the target is drawn per draw from its uncertainty). Differences
between cells keep their modelled size; ``results.calibration_shift()`` reports the shift and
its interval (a large shift says the sample, or the population table as a picture of the
voters, is far from the result).

Poststratification
------------------
The ``population`` table has one row per cell (the group columns, the covariate columns and a
count column ``count``). For every posterior draw the model's vote probabilities are computed in
every cell and averaged with the cell counts as weights: the overall vote, or the vote within
any column (``results.poststratify(by="state")``).

- *Levels not in the sample.* A population level never seen in the sample (a state with no
  respondents) gets a fresh draw from the group-level distribution, :math:`\sigma_{g,k}
  \sqrt{1 + 1/L_g}\, z^{\text{new}}`, :math:`z^{\text{new}} \sim N(0, 1)` per posterior draw
  (seeded from the fit's seed, so repeatable; :math:`L_g` sample levels, the factor because
  the sample levels' effects are centred on their own mean): its estimate is the average
  plus the full between-level spread.
  Levels that look like a sample level spelled differently (case, spaces, hyphens, ``1`` vs
  ``1.0``) are refused instead.
- *Population tables without the issue column.* Census tables do not record issue priority.
  Each cell is then split by the survey-weighted distribution of issue priority among sample
  respondents in the same levels of all other group columns, falling back to the overall
  weighted distribution for cells with no respondents. This assumes the sample's issue
  priorities within a cell represent the population's.

Predictive checks
-----------------
PyMC records no predictive group for the weighted pseudo-likelihood; the results compute the
checks from the stored draws (numpy, seeded by the fit's seed, so repeated calls agree):

- ``results.prior_predictive_check(by=None)``: the poststratified vote implied by the priors
  alone (the ``prior`` group: every free parameter drawn from its prior, cell probabilities and
  poststratification exactly as for the posterior), overall or by level of a population
  column. With the default priors and two parties the overall 90% range is about 21% to 79%
  on the simulated design of the tests (four groups, 288 cells): the :math:`N(0, 1.5)`
  intercept dominates, and averaging the logistic over many cells with large effects pulls
  the share towards 50%; by level the range is wider, which is what lets party-ID levels sit
  near 3% or 97%.
- ``results.posterior_predictive_check(by=...)``: for every level of every group variable (and
  overall), or every crossed cell of two variables (``by=[("a", "b")]``), the *weighted*
  observed vote share of the sample against the interval of the same weighted share when
  every respondent's vote is redrawn from their fitted probabilities, one redraw per
  posterior draw. For single variables coverage near 100% is normal and says little (every
  level has its own intercept, fitted to these very data); crossed cells without their own
  interaction say more.
- ``results.heldout_check(by=...)``: with ``holdout_fraction`` some respondents are left out
  of the fit at random; their observed shares are compared with predictive intervals of the
  same shares (their votes redrawn from the fitted model). This cannot over-cover by
  construction: coverage near ``level`` means calibrated predictions.

Counterfactual issue priority
-----------------------------
``results.counterfactual(shift={"war in Ukraine": 0.08})`` works as for the aggregate model
(:mod:`opinion.models.election.model`) but inside every population cell: the cell's issue
shares move by :math:`\delta` into the named issue, taken from the other issues in proportion
to their share in the cell (``source="proportional"``) or from named sources, every respondent
keeps the modelled vote probabilities of their (new) cell, and the result is poststratified
again. No shift gives the fitted vote exactly; moving priority between two issues whose cells
vote identically changes nothing. As for the aggregate model, this is an accounting of issue
voting, not a causal estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from opinion.errors import ModelInputError
from opinion.frames import Microdata
from opinion.models.core.base import BayesianModel
from opinion.models.core.inputs import as_table
from opinion.models.election.mrp_config import VoteMRPConfig
from opinion.models.election.mrp_inputs import (
    MRPData,
    as_levels,
    interaction_name,
    kish_effective_n,
    prepare_mrp,
    rescale_weights,
)
from opinion.models.election.mrp_results import VoteMRPResults

__all__ = ["MRPData", "VoteMRP", "VoteMRPConfig", "as_levels", "kish_effective_n",
           "prepare_mrp", "rescale_weights"]


class VoteMRP(BayesianModel):
    """Multilevel regression of vote choice on survey microdata, poststratified (MRP).

    Parameters
    ----------
    frame
        Respondents: a :class:`~opinion.frames.Microdata` (value labels are used as levels;
        its default weight is used unless ``weight`` is given; ``weight=False`` for none) or a
        DataFrame (validated as microdata first).
    config
        A :class:`VoteMRPConfig` or a dict of its fields.
    **overrides
        Fields of :class:`VoteMRPConfig` and the ``population`` table:

    vote
        Outcome column (two categories: logistic; more: multinomial with a reference party).
    groups
        Columns with varying intercepts (state, age band, education, party ID, issue ...).
    covariates
        Numeric columns with fixed slopes (standardised internally).
    population
        Poststratification table: one row per cell with every group column (the issue column
        is optional), every covariate and the ``count`` column.
    weight
        Survey weight column (default: the Microdata's weight, else none).
    issue
        The issue-priority group used by counterfactuals (default: ``"issue"`` when it is one
        of ``groups``, else none).
    count, reference, intercept_sd, group_sd_scale, group_sd_df, interactions,
    interaction_sd_scale, slope_odds_factor, allow_new_levels, calibrate_to, calibrate_sd_pp,
    holdout_fraction, holdout_seed
        Other fields of :class:`VoteMRPConfig`.

    Examples
    --------
    >>> model = VoteMRP(survey, vote="vote", groups=["state", "age", "issue"],
    ...                 covariates=["ideology"], population=census, weight="wt")  # doctest: +SKIP
    >>> fit = model.fit(random_seed=1, cores=2)                                    # doctest: +SKIP
    >>> fit.poststratify(by="state")                                               # doctest: +SKIP
    >>> fit.counterfactual(shift={"war in Ukraine": 0.08})                        # doctest: +SKIP
    """

    name = "vote_mrp"
    config_class = VoteMRPConfig
    results_class = VoteMRPResults
    table_arguments = ("population",)
    inputs: MRPData

    def validate_frame(self, frame: Any) -> Microdata:
        if isinstance(frame, Microdata):
            return frame
        if isinstance(frame, pd.DataFrame):
            return Microdata.from_frame(frame)
        raise ModelInputError("VoteMRP needs a Microdata object or a pandas DataFrame of "
                              f"respondents, not {type(frame).__name__}")

    def transport_frame(self) -> pd.DataFrame:
        """The respondents with value labels applied (levels travel as their labels)."""
        frame = self.frame.data.copy()
        for column in frame.columns:
            if self.frame.value_labels.get(column):
                frame[column] = self.frame.labelled(column).astype(object)
        return frame

    @classmethod
    def frame_from_transport(cls, table: pd.DataFrame) -> Microdata:
        return Microdata.from_frame(table)

    def prepare_inputs(self) -> MRPData:
        population = self.tables.get("population")
        if population is None:
            raise ModelInputError("population= is required: a DataFrame with one row per "
                                  "poststratification cell and a count column")
        if self.config.weight is True:
            raise ModelInputError("weight=True is ambiguous: name the weight column")
        if self.config.weight is None and self.frame.weight:
            self.config = self.config.replace(weight=self.frame.weight)
        elif self.config.weight is False:
            self.config = self.config.replace(weight=None)
        inputs = prepare_mrp(self.frame, as_table(population, "population", self.name),
                             self.config)
        target = self.config.calibrate_to
        if target is not None and set(map(str, target)) != set(inputs.parties):
            raise ModelInputError(f"calibrate_to must name exactly the parties "
                                  f"{inputs.parties} (got {sorted(map(str, target))})")
        return inputs

    # ------------------------------------------------------------------ protocol
    def code_modules(self) -> list[str]:
        return ["opinion.models.election.mrp_inputs"]

    def observations(self) -> pd.DataFrame:
        """One row per respondent: vote, group levels, covariates, ``weight`` (raw) and
        ``weight_scaled`` (Kish-rescaled); stored with the results (``meta["data"]``), where
        the posterior predictive check redraws every respondent's vote."""
        return self.inputs.frame

    def results_metadata(self) -> dict[str, Any]:
        d, c = self.inputs, self.config
        return {
            "parties": d.parties,
            "groups": list(c.groups),
            "covariates": list(c.covariates),
            "issue": c.issue,
            "levels": d.levels,
            "new_levels": d.new_levels,
            "cov_mean": d.cov_mean,
            "cov_sd": d.cov_sd,
            "base_cols": d.base_cols,
            "interactions": [list(p) for p in c.interactions],
            "weighted": self.weighted(),
            "population": d.cells.to_dict(orient="split", index=False),
            "n": len(d.frame),
            "n_heldout": int(d.frame["heldout"].sum()),
            "n_eff": d.n_eff,
            "weight": c.weight,
            "notes": d.notes,
        }

    def summary_var_names(self) -> list[str]:
        names = ["intercept", *(f"sd_{g}" for g in self.effects())]
        names += ["slope"] if self.config.covariates else []
        return names + [f"z_{g}" for g in self.effects()]

    def predictive_settings(self) -> dict[str, Any]:
        """The checks redraw respondents' votes in the results (numpy, weighted shares): the
        replicated votes PyMC keeps for unweighted fits are thinned to 200 draws."""
        return {"max_draws": 200}

    def quiet_messages(self) -> tuple[str, ...]:
        """A weighted fit's likelihood is a ``pm.Potential``, so PyMC notes (rightly) that
        predictive sampling ignores it: the fit keeps the ``prior`` group (draws of every
        free parameter) but no predictive group of votes. The checks are computed by the
        results object instead (``prior_predictive_check`` from the prior draws,
        ``posterior_predictive_check`` by redrawing respondents' votes)."""
        return ("The effect of Potentials",) if self.weighted() else ()

    # ------------------------------------------------------------------ model
    def effects(self) -> list[str]:
        """The varying effects: every group, then every interaction (``a:b``)."""
        return [*self.config.groups,
                *(interaction_name(a, b) for a, b in self.config.interactions)]

    def weighted(self) -> bool:
        """True when the likelihood is the weighted pseudo-likelihood (a Potential)."""
        return self.config.weight is not None and not np.allclose(self.inputs.w, 1.0)

    def coords(self) -> dict[str, list]:
        d = self.inputs
        coords: dict[str, list] = {"party": d.parties, "contrast": d.parties[1:],
                                   "obs": list(range(len(d.y)))}
        for g in self.effects():
            coords[f"{g}_level"] = d.levels[g]
        if self.config.covariates:
            coords["covariate"] = list(self.config.covariates)
        return coords

    def observed_data(self) -> dict[str, np.ndarray]:
        """The data variables of :meth:`build_model` (for ``nutpie``'s ``with_data``)."""
        d = self.inputs
        out = {"y": d.y, "w": d.w}
        out.update({f"idx_{g}": d.idx[g] for g in self.effects()})
        if self.config.covariates:
            out["X"] = d.X
        return out

    def build_model(self) -> pm.Model:
        d, c = self.inputs, self.config
        data = self.observed_data()
        interactions = {interaction_name(a, b) for a, b in c.interactions}
        with pm.Model(coords=self.coords()) as model:
            y = pm.Data("y", data["y"], dims="obs")
            w = pm.Data("w", data["w"], dims="obs")
            intercept = pm.Normal("intercept", 0.0, c.intercept_sd, dims="contrast")
            eta = pt.zeros((y.shape[0], len(d.parties) - 1)) + intercept[None, :]
            for g in self.effects():
                index = pm.Data(f"idx_{g}", data[f"idx_{g}"], dims="obs")
                scale = c.interaction_sd_scale if g in interactions else c.group_sd_scale
                sd = pm.HalfStudentT(f"sd_{g}", nu=c.group_sd_df, sigma=scale,
                                     dims="contrast")
                # zero-sum over the levels (last axis): the intercept is the average level
                z = pm.ZeroSumNormal(f"z_{g}", sigma=1.0, dims=("contrast", f"{g}_level"))
                eta = eta + (z * sd[:, None]).T[index]
            if c.covariates:
                X = pm.Data("X", data["X"], dims=("obs", "covariate"))
                slope = pm.Normal("slope", 0.0, np.log(c.slope_odds_factor),
                                  dims=("covariate", "contrast"))
                eta = eta + pt.dot(X, slope)
            full = pt.concatenate([pt.zeros((eta.shape[0], 1)), eta], axis=1)
            if self.weighted():
                logp = full - pt.logsumexp(full, axis=1, keepdims=True)
                loglik = logp[pt.arange(y.shape[0]), y]
                pm.Potential("weighted_loglik", pt.sum(w * loglik))
            else:
                pm.Categorical("vote", logit_p=full, observed=y, dims="obs")
        return model
