"""Recovery of poststratified estimates by VoteMRP on simulated weighted surveys (slow).

Truth: 20 seeded simulations from :func:`opinion.models.election.simulate_mrp.simulate_mrp`:
a fixed population table of 10 states x 4 age bands x 3 education levels x 4 issues (480
cells, issue distributions differing by state), a two-party multilevel logistic truth drawn
afresh for every seed (state sd 0.5, age 0.3, education 0.4, issue 0.8 on the log-odds scale),
and 1,500 respondents sampled with unequal inclusion (young and less educated people
under-represented, by a factor of up to about 6) and weighted by inverse propensity with
noise. The model is the MRP of the documentation: varying intercepts for the four variables,
Kish-rescaled weighted pseudo-likelihood, poststratified to the known population.

The design (population, sample size, levels) is the same for every seed, so one compiled
nutpie sampler serves all 20 fits (``compiled.with_data(**model.observed_data())``).
Checked: the true poststratified Republican share of every state, and of every level of
every variable (states, ages, education levels, issues), lies inside its 90% interval for at
least 85% of the cases across simulations; the coverage is printed (run with ``-s``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from opinion.models.election.mrp import VoteMRP
from opinion.models.election.mrp_results import VoteMRPResults
from opinion.models.election.simulate_mrp import simulate_mrp

pytestmark = pytest.mark.slow

SEEDS = range(1, 21)
GROUPS = ["state", "age", "educ", "issue"]


def _model(seed: int) -> tuple[VoteMRP, object]:
    sample, population, truth = simulate_mrp(seed, n=1500, states=10)
    return VoteMRP(sample, vote="vote", groups=GROUPS, population=population,
                   weight="weight"), truth


def fit_all() -> pd.DataFrame:
    import nutpie

    base, _ = _model(0)
    compiled = nutpie.compile_pymc_model(base.build_model())
    rows = []
    for seed in SEEDS:
        model, truth = _model(seed)
        assert model.inputs.levels == base.inputs.levels, seed  # same design: only data change
        trace = nutpie.sample(compiled.with_data(**model.observed_data()), draws=500,
                              tune=500, chains=4, cores=2, seed=seed, progress_bar=False,
                              target_accept=0.9)
        assert int(trace.sample_stats["diverging"].sum()) <= 10, seed
        fit = VoteMRPResults(trace, {**model.results_metadata(), "random_seed": seed})
        for by in GROUPS:
            est = fit.poststratify(by, 0.9).query("party == 'rep'")
            true = truth.shares.query("by == @by and party == 'rep'")
            rows.append(est.merge(true, on=["group", "party"]).assign(seed=seed))
    return pd.concat(rows, ignore_index=True)


def test_poststratified_estimates_cover_the_truth() -> None:
    start = time.perf_counter()
    est = fit_all()
    seconds = time.perf_counter() - start
    est["inside"] = (est["share"] >= est["lower"]) & (est["share"] <= est["upper"])
    by_variable = est.groupby("by")["inside"].mean()
    states = est[est["by"] == "state"]
    print(f"\nMRP recovery: {len(SEEDS)} simulations in {seconds:.0f} s; 90% interval "
          f"coverage: states {states['inside'].mean():.1%} ({len(states)} cases), all "
          f"levels {est['inside'].mean():.1%} ({len(est)}); by variable "
          f"{by_variable.round(3).to_dict()}; mean abs error (points) "
          f"{np.abs(est['mean'] - est['share']).mean():.2f}")
    assert states["inside"].mean() >= 0.85, states.groupby("seed")["inside"].mean()
    assert est["inside"].mean() >= 0.85, by_variable
