"""Slow: coverage of IssueVote's 90% intervals on 20 simulated electorates.

Each simulation draws a known electorate from the model's own priors (flat Dirichlet issue
shares per party; the vote from its Dirichlet prior around a published figure), samples
exit-poll tables (multinomial on the effective n, overall table independent), fits, and
checks whether the true P(vote | issue) and the true counterfactual vote change (closed
form: delta (q_{p|j} - v_p) / (1 - w_j)) fall inside their 90% intervals. Acceptance: at
least 85% coverage over the 20 simulations.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from opinion.models.election import IssueVote

ISSUES = ["inflation", "abortion", "crime", "immigration"]
PARTIES = ["rep", "dem"]
N = 3000
SD = 0.01  # vote_sd_pp = 1


def _simulate(seed: int) -> tuple[pd.DataFrame, dict[str, float], dict]:
    rng = np.random.default_rng(seed)
    published = rng.uniform(0.44, 0.56)
    v_pub = np.array([published, 1 - published])
    a0 = v_pub.max() * (1 - v_pub.max()) / SD ** 2 - 1
    v = rng.dirichlet(a0 * v_pub)
    s = rng.dirichlet(np.ones(len(ISSUES) + 1), size=2)
    rows = []
    for k, party in enumerate(PARTIES):
        n_eff = round(N * v_pub[k])  # deff 1
        counts = rng.multinomial(n_eff, s[k])
        rows += [("party:" + party, i, 100 * c / n_eff) for i, c in zip(ISSUES, counts,
                                                                        strict=False)]
    w = v @ s
    counts = rng.multinomial(N, w)
    rows += [("all", i, 100 * c / N) for i, c in zip(ISSUES, counts, strict=False)]
    frame = pd.DataFrame(rows, columns=["subgroup", "response", "pct"]).assign(
        poll_id="sim", n=N, question_id="q")
    joint = v[:, None] * s
    q = joint / joint.sum(axis=0)
    j = 1  # shift abortion by +5 points, taken proportionally
    delta = 0.05
    change = delta * (q[:, j] - v) / (1 - w[j])
    truth = {"q": q, "change_margin": 100 * (change[0] - change[1]),
             "order": "rep first" if v_pub[0] >= v_pub[1] else "dem first"}
    return frame, {"rep": 100 * v_pub[0], "dem": 100 * v_pub[1]}, truth


@pytest.mark.slow
def test_coverage_of_vote_by_issue_and_counterfactual(tmp_path) -> None:
    cells, changes = [], []
    for seed in range(20):
        frame, vote, truth = _simulate(1000 + seed)
        model = IssueVote(frame, vote=vote, deff=1.0, vote_sd_pp=100 * SD)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit(random_seed=seed, draws=500, tune=500, chains=2, cores=1,
                            sampler="pymc", cache=tmp_path, progressbar=False)
        q = fit.vote_by_issue(0.9)
        for k, issue in enumerate([*ISSUES, "other"]):
            row = q[(q["issue"] == issue) & (q["party"] == "rep")].iloc[0]
            cells.append(row["lower"] <= 100 * truth["q"][0, k] <= row["upper"])
        cf = fit.counterfactual({"abortion": 0.05}).iloc[-1]
        # the margin is (larger published party - smaller): flip the truth to match
        sign = 1.0 if fit.margin_label == "margin (rep - dem)" else -1.0
        changes.append(cf["lower"] <= sign * truth["change_margin"] <= cf["upper"])
    cell_cov = float(np.mean(cells))
    change_cov = float(np.mean(changes))
    print(f"coverage: P(vote | issue) {cell_cov:.3f} over {len(cells)} cells; "
          f"counterfactual {change_cov:.3f} over {len(changes)} simulations")
    assert cell_cov >= 0.85
    assert change_cov >= 0.85
