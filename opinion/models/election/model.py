r"""From issue salience to votes: P(vote | issue) from exit-poll tables, by Bayes' rule.

The model
---------
Parties :math:`p` (the groups of the exit poll's tables, e.g. Democratic and Republican
voters) and issue categories :math:`i` (the listed issues plus "other", the remainder of a
single-choice "which ONE issue mattered most" question).

- :math:`s_{p,\cdot} = P(\text{issue} \mid \text{party } p) \sim
  \operatorname{Dirichlet}(\alpha \mathbf 1)` (``prior_concentration`` :math:`\alpha = 1`:
  flat over the simplex).
- :math:`v = P(\text{party}) \sim \operatorname{Dirichlet}(a_0 \hat v)`, centred on the
  published vote :math:`\hat v` with standard deviation ``vote_sd_pp`` at the largest share:
  :math:`a_0 = \hat v_{max}(1-\hat v_{max}) / \text{sd}^2 - 1`.
- Bayes' rule gives the joint :math:`\pi_{p,i} = s_{p,i} v_p`, the salience
  :math:`w_i = \sum_p \pi_{p,i}` and the vote among each issue's voters

  .. math:: q_{p \mid i} = P(\text{party } p \mid \text{issue } i) =
            \frac{s_{p,i} v_p}{\sum_{r} s_{r,i} v_r}.

Likelihood
~~~~~~~~~~
Each table's reported shares are multinomial counts :math:`c = \operatorname{round}(\text{share}
\times N)` over its reported issues plus a remainder (issues it does not report merge into
the remainder, so a cell that was not published is simply not observed), with :math:`N =
n_{\text{base}} / \text{deff}`:

- party tables: probabilities :math:`s_{p,\cdot}`;
- the overall table (``overall="likelihood"``): :math:`w = \sum_p v_p s_{p,\cdot}` — the
  consistency identity of the published figures, which also identifies cells a party table
  does not report (``missing="infer"``);
- a published vote-by-issue crosstab (``vote_by_issue=``): for each issue, counts over parties
  with probabilities :math:`q_{\cdot \mid i}` on :math:`N_i = n_i / \text{deff}`.

Design effect
~~~~~~~~~~~~~
Exit polls are cluster samples of polling places (plus phone samples of early and absentee
voters) weighted to the count; their design effects are not published and are well above 1.
The default ``deff=2`` is a cautious assumption, not a published figure; the effective
sample size of a party table is ``n x vote share / deff``.

Counterfactuals (in the results, vectorised over posterior draws, no re-fit)
--------------------------------------------------------------------------
Shifting the salience of issue :math:`j` by :math:`\delta` (a share of all voters) moves
:math:`\delta` voters to :math:`j` from source issues :math:`k` (weights :math:`r_k`,
default proportional to their current salience). Every issue's voters keep their vote split,
the voters who newly name :math:`j` vote like its current voters (or by a stated prior
``split=``), so the vote of party :math:`p` changes by

.. math:: \Delta v_p = \delta \Bigl(q_{p \mid j} - \sum_{k} r_k q_{p \mid k}\Bigr)
          \;\overset{\text{proportional}}{=}\; \delta \frac{q_{p \mid j} - v_p}{1 - w_j}.

With no shift the counterfactual vote is the fitted vote exactly, and moving salience between
two issues whose voters split identically changes nothing. This is an accounting of "issue
voting" (salience moves votes only through the issue's current vote split), not a causal
estimate: people whose priorities change may differ from those who already hold them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from opinion.errors import ModelInputError
from opinion.models.core.base import BayesianModel
from opinion.models.core.inputs import as_table, problems_message
from opinion.models.election.config import IssueVoteConfig, normalise_extra_issues
from opinion.models.election.inputs import IssueVoteData, prepare
from opinion.models.election.results import IssueVoteResults

_P_MIN = 1e-12


class IssueVote(BayesianModel):
    """Bayesian issue-vote model for aggregate exit-poll tables.

    Parameters
    ----------
    frame
        A :class:`~opinion.frames.PollFrame` or DataFrame (validated first) with the
        single-choice issue question: an ``all`` table and one table per party (subgroups
        ``party:dem`` ... or ``vote:dem`` ...), ``pct`` in percent.
    config
        An :class:`IssueVoteConfig` or a dict of its fields.
    **overrides
        Any field of :class:`IssueVoteConfig`: ``vote=`` (the overall vote ``{party:
        percent}``, e.g. ``{"rep": 51.5, "dem": 48.5}``), deff, missing, extra_issues ...;
        and the table ``vote_by_issue=`` (optional published crosstab of vote by issue:
        DataFrame ``issue, party, pct`` (percent of the issue's voters), optionally ``n``).

    Examples
    --------
    >>> model = IssueVote(polls, vote={"rep": 51.5, "dem": 48.5}, deff=2.0)    # doctest: +SKIP
    >>> fit = model.fit(random_seed=1)                                          # doctest: +SKIP
    >>> fit.counterfactual(shift={"war in Ukraine": 0.08})                      # doctest: +SKIP
    """

    name = "issue_vote"
    config_class = IssueVoteConfig
    results_class = IssueVoteResults
    table_arguments = ("vote_by_issue",)
    inputs: IssueVoteData

    def validate_frame(self, frame: Any) -> Any:
        """Exit-poll tables: a PollFrame, or a DataFrame with at least ``poll_id, n,
        question_id, subgroup, response, pct`` (checked by the model's own input rules)."""
        if not isinstance(frame, pd.DataFrame) and not hasattr(frame, "data"):
            raise ModelInputError("IssueVote needs a PollFrame or a pandas DataFrame of "
                                  f"exit-poll tables, not {type(frame).__name__}")
        return frame

    def prepare_inputs(self) -> IssueVoteData:
        crosstab = self.tables.get("vote_by_issue")
        if crosstab is not None:
            crosstab = as_table(crosstab, "vote_by_issue", self.name)
        inputs = prepare(self.frame, self.config, crosstab)
        extra = normalise_extra_issues(self.config.extra_issues)
        problems = []
        clash = sorted(set(extra) & set(inputs.categories))
        if clash:
            problems.append(f"extra issue(s) {clash} are already in the exit poll's list; "
                            "shift them instead")
        if extra and "other" not in inputs.categories:
            problems.append("extra_issues are carved out of the 'other' remainder: they need "
                            "other='remainder'")
        for name, spec in extra.items():
            missing = set(inputs.parties) - set(spec["split"])
            if missing:
                problems.append(f"extra issue {name!r}: split lacks part(ies) "
                                f"{sorted(missing)}")
        if problems:
            raise ModelInputError(problems_message("IssueVote", problems))
        return inputs

    # ------------------------------------------------------------------ protocol
    def code_modules(self) -> list[str]:
        return ["opinion.models.election.inputs"]

    def observations(self) -> pd.DataFrame:
        d = self.inputs
        cells = d.cells.merge(d.tables[["table", "poll_id", "n", "n_base", "n_basis", "deff",
                                        "N"]], on="table", how="left")
        if d.crosstab is not None:
            extra = d.crosstab.assign(table=-1, group="vote_by_issue", poll_id="", n=np.nan,
                                      n_base=np.nan, n_basis="vote_by_issue", deff=np.nan)
            cells = pd.concat([cells, extra[cells.columns]], ignore_index=True)
        return cells

    def results_metadata(self) -> dict[str, Any]:
        d = self.inputs
        return {
            "parties": d.parties,
            "issues": d.issues,
            "categories": d.categories,
            "vote_published": [float(x) for x in d.vote],
            "tables": d.tables.to_dict(orient="list"),
            "extra_issues": normalise_extra_issues(self.config.extra_issues),
            "notes": d.notes,
        }

    def summary_var_names(self) -> list[str]:
        return ["s", "v"]

    # ------------------------------------------------------------------ model
    def coords(self) -> dict[str, list]:
        d = self.inputs
        coords = {"party": d.parties, "category": d.categories,
                  "table": list(d.tables["group"]),
                  "outcome": [*d.categories, "(not reported)"]}
        if d.crosstab is not None:
            coords["crosstab_issue"] = list(dict.fromkeys(d.crosstab["issue"]))
        return coords

    def _used_tables(self) -> np.ndarray:
        tables = self.inputs.tables
        if self.config.overall == "likelihood":
            return np.arange(len(tables))
        return np.flatnonzero(tables["party"].to_numpy() != "all")

    def build_model(self) -> pm.Model:
        d, c = self.inputs, self.config
        n_cat = len(d.categories)
        vote = d.vote
        sd = c.vote_sd_pp / 100.0
        top = float(vote.max())
        a0 = max(top * (1 - top) / sd ** 2 - 1.0, 2.0)
        with pm.Model(coords=self.coords()) as model:
            s = pm.Dirichlet("s", a=np.full((len(d.parties), n_cat), c.prior_concentration),
                             dims=("party", "category"))
            # data as pm.Data (shared variables, not constants): identical graphs across data
            # sets reuse PyTensor's compiled C code (much faster repeated fits)
            vote_alpha = pm.Data("vote_alpha", a0 * vote, dims="party")
            v = pm.Dirichlet("v", a=vote_alpha, dims="party")
            joint = pm.Deterministic("joint", v[:, None] * s, dims=("party", "category"))
            salience = pm.Deterministic("salience", joint.sum(axis=0), dims="category")
            pm.Deterministic("vote_given_issue", joint / salience[None, :],
                             dims=("party", "category"))
            party_index = {p: k for k, p in enumerate(d.parties)}
            rows = []
            for party in d.tables["party"]:
                rows.append(salience if party == "all" else s[party_index[party]])
            theta = pt.stack(rows)  # tables x categories
            used = self._used_tables()
            model.add_coord("used_table", [d.tables["group"].iloc[t] for t in used])
            reported = pm.Data("reported", d.reported[used], dims=("used_table", "outcome"))
            th = theta[used]
            shown = th * reported[:, :n_cat]
            rest = (th * (1.0 - reported[:, :n_cat])).sum(axis=1, keepdims=True)
            probs = pt.clip(pt.concatenate([shown, rest], axis=1), _P_MIN, 1.0)
            probs = probs / probs.sum(axis=1, keepdims=True)
            counts = d.counts[used].astype(int)
            totals = pm.Data("table_n", counts.sum(axis=1), dims="used_table")
            pm.Multinomial("y_tables", n=totals, p=probs, observed=counts,
                           dims=("used_table", "outcome"))
            if d.crosstab is not None:
                issues = list(dict.fromkeys(d.crosstab["issue"]))
                cols = [d.categories.index(i) for i in issues]
                wide = d.crosstab.pivot(index="issue", columns="party", values="count")
                wide = wide.loc[issues, d.parties].to_numpy().astype(int)
                q = joint[:, cols] / salience[cols][None, :]
                q = pt.clip(q.T, _P_MIN, 1.0)
                pm.Multinomial("y_crosstab", n=wide.sum(axis=1), p=q / q.sum(axis=1,
                                                                             keepdims=True),
                               observed=wide, dims=("crosstab_issue", "party"))
        return model
