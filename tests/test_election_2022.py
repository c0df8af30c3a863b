"""Slow: the 2022 exit poll's vote-by-issue table, left out and predicted (real data).

Run as the analysis ``analyses/election_impact_2022.py`` runs it (same tables, same choice of
one figure per cell, same official vote, same sampler settings and seed, so a shared fit
cache serves both). Published figures (dataset ``exit_poll_2022``, sources in its
datapackage): Republican share among inflation voters 71 (RNS, 2022-11-09; CNN's overnight
table had 72), abortion voters 23 (Bloomberg, 2022-11-09), immigration voters 69 (Reuters),
crime voters 58 (CNN via National Review).

Checked:

- vote-by-issue table held out: the 90% predictive intervals contain the published
  Republican share of inflation, abortion and immigration voters, with a mean absolute error
  of at most 3 points. The issue mix of Democratic House voters (44% abortion) stays in the
  fit; it is the same crosstab in column percentages, so abortion is not independent;
- every table crossing issue and vote held out: the intervals still contain all four
  published Republican shares (the margins alone cannot pin the within-group association
  down; the error is printed, not bounded);
- every fit converges (R-hat <= 1.01, bulk and tail ESS >= 400, no divergences).
"""

from __future__ import annotations

import pandas as pd
import pytest

import opinion
from opinion.models.election import IssueVote

pytestmark = pytest.mark.slow

SEED = 20221108
SAMPLING = dict(draws=1000, tune=1000, chains=4)
PRIORITY = ["nep_nbc_final_2022-11-08", "nep_2022-11-08_nbc_final", "nep_2022-11-08_rns_1109",
            "nep_2022-11-08_cnn_1109", "nep_2022-11-08_bloomberg_1109",
            "nep_2022-11-08_reuters", "nep_2022-11-08_nbc_mtp", "nep_2022-11-08_usatoday"]
PUBLISHED_REP = {"inflation": 71, "abortion": 23, "immigration": 69, "crime": 58}


def _model(holdout: list[str]) -> IssueVote:
    issues = opinion.datasets.load("us_issues_2022").data
    tables = pd.concat([issues[issues["question_id"] == "exit_most_important_issue"],
                        opinion.datasets.load("exit_poll_2022").data], ignore_index=True)
    house = opinion.datasets.load("us_house_vote_2022")
    clerk = house[(house["basis"] == "clerk") & (house["party"] != "total")]
    vote = dict(zip(clerk["party"], clerk["votes"].astype(float), strict=True))
    return IssueVote(tables, vote=vote, poll_priority=PRIORITY, holdout=holdout)


def _check(holdout: list[str]) -> pd.DataFrame:
    fit = _model(holdout).fit(random_seed=SEED, **SAMPLING)
    assert fit.diagnostics.ok, fit.diagnostics.status()
    check = fit.heldout_check(0.9)
    rep = check[(check["table"] == "vote_by_issue") & (check["response"] == "rep")]
    return rep.set_index("subgroup")


def test_held_out_vote_by_issue_is_predicted_within_three_points() -> None:
    rep = _check(["vote_by_issue"])
    assert rep["published"].to_dict() == {k: float(v) for k, v in PUBLISHED_REP.items()
                                          if k in rep.index}
    focus = rep.loc[["inflation", "abortion", "immigration"]]
    print("\nvote_by_issue held out:\n" + focus[["published", "mean", "lower_90", "upper_90",
                                                 "inside"]].to_string())
    assert focus["inside"].all()
    assert focus["error"].abs().mean() <= 3.0


def test_with_no_issue_by_vote_table_the_intervals_still_cover() -> None:
    rep = _check(["vote_by_issue", "issue_by_vote"])
    focus = rep.loc[["inflation", "abortion", "immigration"]]
    print(f"\nno issue x vote table: MAE {focus['error'].abs().mean():.1f} points\n"
          + rep[["published", "mean", "lower_90", "upper_90", "inside"]].to_string())
    assert rep["inside"].all()
