"""Recovery of poststratified estimates by VoteMRP on simulated weighted surveys (slow).

Truth: 12 seeded simulations from :func:`opinion.models.election.simulate_mrp.simulate_mrp`:
a fixed population table of 10 states x 4 age bands x 3 education levels x 4 issues (480
cells, issue distributions differing by state), a two-party multilevel logistic truth drawn
afresh for every seed (state sd 0.5, age 0.3, education 0.4, issue 0.8 and an issue x state
interaction of sd 0.4 on the log-odds scale), and 1,500 respondents sampled with unequal
inclusion (young and less educated people under-represented, by a factor of up to about 6)
and weighted by inverse propensity with noise. The model is the MRP of the documentation:
varying intercepts for the four variables and the issue x state interaction, Kish-rescaled
weighted pseudo-likelihood, poststratified to the known population.

The design (population, sample size, levels) is the same for every seed, so one compiled
nutpie sampler serves all 12 fits (``compiled.with_data(**model.observed_data())``).
Checked, two-sided: the true poststratified Republican share of every level of every variable
(states, ages, education levels, issues) and of every issue within every state lies inside
its 90% interval for 80-97% of the cases; every fit converges (no divergent
transitions beyond 1 per 1,000 draws; R-hat <= 1.01 and bulk ESS >= 400 for the poststratified
shares of every state and issue). Coverage, times and the worst parameter R-hat are printed
(run with ``-s``): measured 88.0% coverage of 1,220 cases over 20 simulations, estimand R-hat
<= 1.009, 1 divergence in 40,000 draws, single interaction effects up to R-hat 1.03.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from opinion.models.core.diagnostics import diagnose, draw_diagnostics
from opinion.models.election.mrp import VoteMRP
from opinion.models.election.mrp_results import VoteMRPResults
from opinion.models.election.simulate_mrp import simulate_mrp

pytestmark = pytest.mark.slow

SEEDS = range(1, 13)
GROUPS = ["state", "age", "educ", "issue"]
INTERACTION_SD = 0.4


def _model(seed: int) -> tuple[VoteMRP, object]:
    sample, population, truth = simulate_mrp(seed, n=1500, states=10,
                                             interaction_sd=INTERACTION_SD)
    return VoteMRP(sample, vote="vote", groups=GROUPS, population=population,
                   weight="weight", interactions=[("issue", "state")]), truth


def _issue_within_state(fit: VoteMRPResults, truth: object) -> pd.DataFrame:
    est = fit.poststratify(["state", "issue"], 0.9).query("party == 'rep'")
    cells = truth.cells
    share = (cells["p_rep"] * cells["n"]).groupby([cells["state"], cells["issue"]]).sum() \
        / cells["n"].groupby([cells["state"], cells["issue"]]).sum()
    true = (100 * share).rename("share").reset_index()
    true["group"] = true["state"] + " / " + true["issue"]
    return est.merge(true[["group", "share"]], on="group").assign(by="state x issue")


def _estimand_diagnostics(fit: VoteMRPResults) -> dict[str, float]:
    """Worst R-hat and bulk ESS of the poststratified Republican share of every state and
    issue (the quantities the test checks)."""
    probs = fit.cell_probabilities()[..., 1]
    worst_rhat, worst_ess = 0.0, np.inf
    for by in ("state", "issue"):
        labels = fit.cells[by].to_numpy().reshape(fit.mass.shape)
        for level in np.unique(labels):
            mass = np.where(labels == level, fit.mass, 0.0)
            share = np.einsum("dbi,bi->d", probs, mass) / mass.sum()
            rhat, ess, _ = draw_diagnostics(share, fit.n_chains)
            worst_rhat, worst_ess = max(worst_rhat, rhat), min(worst_ess, ess)
    return {"estimand_rhat": worst_rhat, "estimand_ess": worst_ess}


def fit_all() -> tuple[pd.DataFrame, list[dict]]:
    import nutpie

    base, _ = _model(0)
    compiled = nutpie.compile_pymc_model(base.build_model())
    rows, diags = [], []
    for seed in SEEDS:
        model, truth = _model(seed)
        assert model.inputs.levels == base.inputs.levels, seed  # same design: only data change
        trace = nutpie.sample(compiled.with_data(**model.observed_data()), draws=500,
                              tune=1500, chains=4, cores=2, seed=seed, progress_bar=False,
                              target_accept=0.98)
        diag, _ = diagnose(trace, model.summary_var_names())
        fit = VoteMRPResults(trace, {**model.results_metadata(), "random_seed": seed})
        diags.append({"seed": seed, **diag.to_dict(), **_estimand_diagnostics(fit)})
        for by in GROUPS:
            est = fit.poststratify(by, 0.9).query("party == 'rep'")
            true = truth.shares.query("by == @by and party == 'rep'")
            rows.append(est.merge(true, on=["group", "party"]).assign(seed=seed))
        rows.append(_issue_within_state(fit, truth).assign(seed=seed))
    return pd.concat(rows, ignore_index=True), diags


def test_poststratified_estimates_cover_the_truth() -> None:
    start = time.perf_counter()
    est, diags = fit_all()
    seconds = time.perf_counter() - start
    est["inside"] = (est["share"] >= est["lower_90"]) & (est["share"] <= est["upper_90"])
    by_variable = est.groupby("by")["inside"].mean()
    worst = max(diags, key=lambda d: d["max_rhat"])
    print(f"\nMRP recovery: {len(SEEDS)} simulations in {seconds:.0f} s; 90% interval "
          f"coverage: all {est['inside'].mean():.1%} ({len(est)} cases); by variable "
          f"{by_variable.round(3).to_dict()}; mean abs error (points) "
          f"{np.abs(est['mean'] - est['share']).mean():.2f}; worst R-hat "
          f"{worst['max_rhat']:.3f} (seed {worst['seed']}), divergences "
          f"{sum(d['divergences'] for d in diags)}, min bulk ESS "
          f"{min(d['min_ess_bulk'] for d in diags):.0f}; poststratified shares: worst R-hat "
          f"{max(d['estimand_rhat'] for d in diags):.3f}, min bulk ESS "
          f"{min(d['estimand_ess'] for d in diags):.0f}")
    for d in diags:
        # every fit: at most 1 divergent transition per 1,000 draws, and the quantities
        # checked have converged (single level effects of the 40-combination interaction,
        # whose sd can be near zero, reach R-hat ~1.03: printed above, not asserted)
        assert d["divergences"] <= 2, d
        assert d["estimand_rhat"] <= 1.01 and d["estimand_ess"] >= 400, d
    assert 0.80 <= est["inside"].mean() <= 0.97, by_variable
    for by, coverage in by_variable.items():
        assert 0.75 <= coverage <= 0.99, (by, coverage)
