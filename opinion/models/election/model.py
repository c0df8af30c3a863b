r"""The published tables of one exit poll as margins of latent cells (group x issue x vote).

The model
---------
Voters fall into cells :math:`(g, i, v)`: party-ID group :math:`g` (Democrats, independents or
something else, Republicans: groups that partition the voters), most important issue
:math:`i` (the listed issues and 'other') and vote :math:`v` (the listed parties and 'other':
minor parties, no answer). Every published share is a margin of the cell probabilities
:math:`\pi_{giv}`: the issue mix of each party-ID group :math:`P(i \mid g)`, the vote of each
group :math:`P(v \mid g)`, the vote of each issue's voters :math:`P(v \mid i)`, the issue mix
of each party's voters :math:`P(i \mid v)`, the overall issue shares, the party-ID
composition. A table that was not published (independents' issue mix, Republicans'
gun-policy share) is a margin like any other, only unobserved: it is estimated, never
guessed.

Cells from a latent disposition
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
Margins alone do not say how issue priority and vote go together *within* a party-ID group.
The cells are built from one latent left-right disposition :math:`x \sim N(0, 1)` (a
one-factor model, as for polychoric correlations), integrated on a grid of ``latent_nodes``
points:

.. math::
    \pi_{giv} = \int \phi(x)\, P(g \mid x)\, P(i \mid x)\, P(v \mid g, i, x)\, dx,

- party ID: ordered probit, :math:`P(g \le k \mid x) = \Phi\bigl((c_k - \lambda_g x) /
  \sqrt{1-\lambda_g^2}\bigr)`;
- issue: multinomial logit, :math:`P(i \mid x) \propto \exp(a_i + b_i x)` ('other' = 0);
- vote: with probability :math:`\omega_g` none of the listed parties; otherwise ordered probit,
  :math:`P(v \le k \mid x, i) = \Phi\bigl((\tau_k - \lambda_v x) / \sqrt{1-\lambda_v^2} -
  d_i\bigr)` with a *direct issue effect* :math:`d_i` (zero-sum over issues): voters who
  name issue :math:`i` vote further right (:math:`d_i > 0`) than their disposition alone
  implies.

Within a group the disposition still varies (independents include leaners), so issue and
vote are associated within groups through :math:`x`, and beyond it through :math:`d`. The
party-ID/vote table identifies their correlation :math:`\rho = \lambda_g \lambda_v`, not how
it is shared: ``loading_split`` :math:`s` sets :math:`\lambda_g = \rho^s`,
:math:`\lambda_v = \rho^{1-s}` (an assumption; show alternatives). The direct effects are
identified only by tables that cross issue and vote (vote by issue, issue mix of each party's
voters); without them they keep their prior.

Likelihood: one sample, several margins
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
All tables come from the same respondents, so their figures are modelled jointly: the vector
of published shares is multivariate normal with mean :math:`r(\pi)` and covariance

.. math::
    \Sigma = \tfrac{1}{n_\text{eff}} G\,\mathrm{diag}(\pi)\,G^\top
    + \mathrm{diag}\bigl(\tfrac{w^2}{12} + \sigma_\text{ns}^2\bigr),

the delta-method covariance of the shares of ONE multinomial sample of the cells (see
:mod:`opinion.models.election.latent`; different effective sizes overlap in their smaller
sample), plus uniform rounding error of width :math:`w` (1 point for whole percents: about
two-thirds of the sampling sd of a 30% share at n = 10,000) and non-sampling error
:math:`\sigma_\text{ns}` (overdispersion: weighting updates between tables, secondary
sources), with :math:`n_\text{eff} = n / \text{deff}`. The known vote of the listed parties
(the official count) enters as :math:`N(\text{share}, \text{vote\_sd})` on the listed
parties' shares of their own votes.

Priors (in the units stated): group cutpoints: the first Normal(0, 1.5), the gaps
HalfNormal(1.5) (a generative ordering),
:math:`\rho` Uniform(0.3, 0.98), issue intercepts Normal(0, ``issue_logit_sd``) and slopes
Normal(0, ``issue_slope_sd``) (log-odds), vote cutpoints Normal(0, 1.5), :math:`\omega_g`
Beta(``other_vote_prior``), :math:`d` ZeroSumNormal(``direct_sd``) (probit units of a voter's
own vote probability), :math:`\sigma_\text{ns}` HalfNormal(``nonsampling_sd_pp``) points.

Held-out tables
~~~~~~~~~~~~~~~
Tables named in ``holdout`` are left out of the likelihood; the results predict them from
the same joint normal, conditioned on the fitted figures (same respondents, correlated
sampling errors), for every posterior draw.

Counterfactuals (in the results, on the posterior draws)
-------------------------------------------------------
Accounting, not causal effects: "if the issue's voters grew by :math:`\delta`, taken from
other issues, and every issue's voters kept their current vote split" (``holding="issue"``),
or kept it within their party-ID group (``holding="group"``). With no shift the vote is the
fitted vote exactly. People whose priorities change may differ from those who already hold
them; nothing here estimates what a campaign on an issue would do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from opinion.errors import ModelInputError
from opinion.models.core.base import BayesianModel
from opinion.models.core.inputs import problems_message
from opinion.models.election.config import IssueVoteConfig, normalise_extra_issues
from opinion.models.election.inputs import IssueVoteData, prepare
from opinion.models.election.latent import (
    figure_moments,
    latent_grid,
    ordered_probs,
    overlap_matrix,
)
from opinion.models.election.results import IssueVoteResults

RHO_RANGE = (0.3, 0.98)
"""Prior range of the party-ID/vote correlation on the latent disposition."""
CUT_SD = 1.5
"""Sd of the group and vote cutpoints (latent sd units)."""


def _ordered_cuts(name: str, count: int, dims: str) -> pt.TensorVariable:
    """Increasing cutpoints as a first cut plus positive gaps (a generative prior: forward
    draws are ordered too, unlike an ordered transform)."""
    first = pm.Normal(f"{name}_first", 0.0, CUT_SD)
    if count == 1:
        return pm.Deterministic(name, first[None], dims=dims)
    model = pm.modelcontext(None)
    model.add_coord(f"{dims}_gap", list(model.coords[dims])[1:])  # the gap below each cut
    gaps = pm.HalfNormal(f"{name}_gap", CUT_SD, dims=f"{dims}_gap")
    return pm.Deterministic(name, pt.concatenate([first[None], first + pt.cumsum(gaps)]),
                            dims=dims)


class IssueVote(BayesianModel):
    """The published tables of one exit poll as margins of latent group x issue x vote cells.

    Parameters
    ----------
    frame
        A :class:`~opinion.frames.PollFrame` or DataFrame of the exit poll's published
        shares: the issue question (overall and by party ID), and optionally the vote
        question (by party ID ``party:X``, by issue ``issue:X``) and the party-ID question;
        ``pct`` in percent. Every row is one figure of ONE exit poll.
    config
        An :class:`IssueVoteConfig` or a dict of its fields.
    **overrides
        Any field of :class:`IssueVoteConfig`: ``vote=`` (the known vote of the listed
        parties, e.g. the official count), ``holdout=``, ``deff=``, ``extra_issues=`` ...

    Examples
    --------
    >>> model = IssueVote(tables, vote={"rep": 54227992, "dem": 51280463})  # doctest: +SKIP
    >>> fit = model.fit(random_seed=1)                                       # doctest: +SKIP
    >>> fit.vote_by_issue()                                                  # doctest: +SKIP
    """

    name = "issue_vote"
    config_class = IssueVoteConfig
    results_class = IssueVoteResults
    inputs: IssueVoteData

    def validate_frame(self, frame: Any) -> Any:
        """Exit-poll tables: a PollFrame, or a DataFrame with at least ``poll_id, n,
        question_id, subgroup, response, pct`` (checked by the model's own input rules)."""
        if not isinstance(frame, pd.DataFrame) and not hasattr(frame, "data"):
            raise ModelInputError("IssueVote needs a PollFrame or a pandas DataFrame of "
                                  f"exit-poll tables, not {type(frame).__name__}")
        return frame

    def prepare_inputs(self) -> IssueVoteData:
        inputs = prepare(self.frame, self.config)
        extra = normalise_extra_issues(self.config.extra_issues)
        problems = []
        clash = sorted(set(extra) & set(inputs.issues))
        if clash:
            problems.append(f"extra issue(s) {clash} are already in the exit poll's list; "
                            "shift them instead")
        for name, spec in extra.items():
            missing = set(inputs.listed_parties) - set(spec["split"])
            if missing:
                problems.append(f"extra issue {name!r}: split lacks part(ies) "
                                f"{sorted(missing)}")
        if not inputs.figures["fitted"].any():
            problems.append("every table is held out: nothing left to fit")
        if problems:
            raise ModelInputError(problems_message("IssueVote", problems))
        return inputs

    # ------------------------------------------------------------------ protocol
    def code_modules(self) -> list[str]:
        return ["opinion.models.election.inputs", "opinion.models.election.latent"]

    def observations(self) -> pd.DataFrame:
        """One row per published figure (held-out figures included, ``fitted`` False)."""
        return self.inputs.figures

    def results_metadata(self) -> dict[str, Any]:
        d = self.inputs
        return {
            "groups": d.groups,
            "issues": d.issues,
            "parties": d.parties,
            "vote_known": [float(x) for x in d.vote],
            "extra_issues": normalise_extra_issues(self.config.extra_issues),
            "notes": d.notes,
            "rho_range": list(RHO_RANGE),
            "cut_sd": CUT_SD,
        }

    def predictive_settings(self) -> dict[str, Any]:
        """The replicated figures of the checks are computed by the results (numpy, with
        rounding and conditioning); PyMC's own replicate is kept for a thinned 500 draws
        and compiled quickly."""
        return {"compile_kwargs": {"mode": "FAST_COMPILE"}, "max_draws": 500}

    def summary_var_names(self) -> list[str]:
        names = ["group_cut_first", "group_cut_gap", "rho", "issue_logit", "issue_slope",
                 "vote_cut_first", "vote_cut_gap", "other_vote", "direct", "nonsampling_pp"]
        if len(self.inputs.groups) < 3:
            names.remove("group_cut_gap")
        if len(self.inputs.listed_parties) < 3:
            names.remove("vote_cut_gap")
        return names

    def calibration_quantities(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """For SBC: rho, the non-sampling sd and each party's share among each issue's
        voters (from the cells)."""
        out = {k: np.asarray(values[k]) for k in ("rho", "nonsampling_pp") if k in values}
        cells = np.asarray(values["cells"])  # (group, issue, party, draws)
        joint = cells.sum(axis=0)
        q = joint / joint.sum(axis=1, keepdims=True)
        for k, issue in enumerate(self.inputs.issues):
            out[f"P({self.inputs.parties[0]} | {issue})"] = q[k, 0]
        return out

    # ------------------------------------------------------------------ model
    def coords(self) -> dict[str, list]:
        d = self.inputs
        fitted = d.figures[d.figures["fitted"]]
        return {"group": d.groups, "issue": d.issues, "party": d.parties,
                "listed_issue": d.listed_issues, "listed_party": d.listed_parties,
                "group_boundary": list(range(len(d.groups) - 1)),
                "vote_boundary": list(range(len(d.listed_parties) - 1)),
                "figure": list(fitted["label"]),
                "known_party": d.listed_parties[:-1]}

    def observed_data(self) -> dict[str, np.ndarray]:
        """The data containers of :meth:`build_model` (for ``nutpie``'s ``with_data``)."""
        d = self.inputs
        fitted = d.figures[d.figures["fitted"]]
        return {"published_share": fitted["pct"].to_numpy(float) / 100.0,
                "known_vote_share": d.vote[:-1].astype(float)}

    def build_model(self) -> pm.Model:
        d, c = self.inputs, self.config
        data = self.observed_data()
        with pm.Model(coords=self.coords()) as model:
            y = pm.Data("published_share", data["published_share"], dims="figure")
            known = pm.Data("known_vote_share", data["known_vote_share"], dims="known_party")
            cells = self._cells()
            fitted = d.figures[d.figures["fitted"]]
            rows = fitted["figure"].to_numpy()
            sigma = pm.HalfNormal("nonsampling_pp", c.nonsampling_sd_pp)
            extra = (fitted["rounding_pp"].to_numpy(float) / 100.0) ** 2 / 12.0 \
                + (sigma / 100.0) ** 2
            mean, cov = figure_moments(cells.reshape((-1,)), d.numerator[rows],
                                       d.denominator[rows],
                                       overlap_matrix(fitted["n_eff"].to_numpy(float)),
                                       extra, xp=pt)
            pm.MvNormal("published", mu=mean, cov=cov, observed=y, dims="figure")
            votes = cells.sum(axis=(0, 1))[:-1]
            listed = votes / votes.sum()
            pm.Normal("known_vote", mu=listed[:-1], sigma=c.vote_sd_pp / 100.0,
                      observed=known, dims="known_party")
        return model

    def _cells(self) -> pt.TensorVariable:
        """The latent cell probabilities (group, issue, party), a Deterministic."""
        d, c = self.inputs, self.config
        n_groups, n_parties = len(d.groups), len(d.listed_parties)
        x, w = latent_grid(c.latent_nodes)
        cut = _ordered_cuts("group_cut", n_groups - 1, "group_boundary")
        rho = pm.Uniform("rho", *RHO_RANGE)
        lam_g = pm.Deterministic("loading_group", rho ** c.loading_split)
        lam_v = pm.Deterministic("loading_vote", rho ** (1.0 - c.loading_split))
        a = pm.Normal("issue_logit", 0.0, c.issue_logit_sd, dims="listed_issue")
        b = pm.Normal("issue_slope", 0.0, c.issue_slope_sd, dims="listed_issue")
        tau = _ordered_cuts("vote_cut", n_parties - 1, "vote_boundary")
        other = pm.Beta("other_vote", *c.other_vote_prior, dims="group")
        direct = pm.ZeroSumNormal("direct", sigma=c.direct_sd, dims="issue")
        xs = pt.as_tensor(x)
        scale_g = pt.sqrt(1.0 - lam_g ** 2)
        p_group = ordered_probs(cut, lam_g * xs, scale_g, xp=pt)  # (nodes, groups)
        logits = pt.concatenate([a[None, :] + b[None, :] * xs[:, None],
                                 pt.zeros((len(x), 1))], axis=1)
        p_issue = pt.special.softmax(logits, axis=1)  # (nodes, issues)
        scale_v = pt.sqrt(1.0 - lam_v ** 2)
        location = lam_v * xs[:, None] + scale_v * direct[None, :]
        p_party = ordered_probs(tau, location, scale_v, xp=pt)  # (nodes, issues, parties)
        listed = (1.0 - other)[None, :, None, None] * p_party[:, None, :, :]
        none = pt.broadcast_to(other[None, :, None, None],
                               (len(x), n_groups, len(d.issues), 1))
        p_vote = pt.concatenate([listed, none], axis=3)  # (nodes, groups, issues, parties)
        joint = (pt.as_tensor(w)[:, None, None, None] * p_group[:, :, None, None]
                 * p_issue[:, None, :, None] * p_vote).sum(axis=0)
        return pm.Deterministic("cells", joint, dims=("group", "issue", "party"))
