"""Parameter recovery of the poll average on data simulated from its own generative process.

``simulate_polls`` draws a daily logit random walk, zero-sum house effects, poll-level error
and beta-binomial sampling exactly as the model assumes; the truth is known, so calibrated
90% intervals should contain it about 90% of the time. Over 20 seeded data sets (80 polls
over 200 days from 6 pollsters) we require the true daily path inside the 90% band on at
least 85% of days (averaged over sets), and each true house effect inside its 90% interval
in at least 85% of (set x pollster) cases; then the same for a three-option question with an
explicit "not sure" on 6 sets. Coverage figures are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from opinion.models import PollAverage
from opinion.models.poll_average.simulate import simulate_polls

pytestmark = pytest.mark.slow

N_SETS = 20
N_SETS_MULTI = 6
DRAWS = 500
THREE = ["support", "oppose", "not sure"]


def _coverage(seed: int, categories: list[str] | None, cache) -> dict[str, float]:
    polls, truth = simulate_polls(80, 200, 6, seed=seed, categories=categories)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is recorded below, not warned
        fit = PollAverage(polls).fit(random_seed=seed, draws=DRAWS, tune=DRAWS, chains=2,
                                     cache=cache, progressbar=False)
    trend = fit.trend().merge(truth.trend, on=["date", "response"])
    inside = (trend["share"] >= trend["lower"]) & (trend["share"] <= trend["upper"])
    house = fit.house_effects().merge(truth.house, on=["pollster", "response"])
    if categories is None:  # two categories: the second is the mirror of the first
        house = house[house["response"] == "support"]
    h_inside = (house["effect"] >= house["lower"]) & (house["effect"] <= house["upper"])
    return {"seed": seed, "path": float(inside.mean()), "house": float(h_inside.mean()),
            "house_cases": len(house), "house_hits": int(h_inside.sum()),
            "mae_pp": float((trend["mean"] - trend["share"]).abs().mean()),
            "rhat": fit.diagnostics.max_rhat, "divergences": fit.diagnostics.divergences}


def _summarise(label: str, rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    print(f"\n{label}\n{table.round(3).to_string(index=False)}")
    print(f"mean path coverage {table['path'].mean():.3f}; house coverage "
          f"{table['house_hits'].sum() / table['house_cases'].sum():.3f} "
          f"({table['house_hits'].sum()}/{table['house_cases'].sum()}); "
          f"sets with R-hat > 1.01: {(table['rhat'] > 1.01).sum()}; "
          f"total divergences: {table['divergences'].sum()}")
    return table


@pytest.fixture(scope="module")
def binary(tmp_path_factory) -> pd.DataFrame:
    cache = tmp_path_factory.mktemp("cache")
    return _summarise("two categories, 80 polls / 200 days / 6 pollsters",
                      [_coverage(seed, None, cache) for seed in range(N_SETS)])


@pytest.fixture(scope="module")
def multi(tmp_path_factory) -> pd.DataFrame:
    cache = tmp_path_factory.mktemp("cache")
    return _summarise("three categories incl. 'not sure'",
                      [_coverage(100 + seed, THREE, cache) for seed in range(N_SETS_MULTI)])


def test_true_path_inside_90pct_band(binary):
    assert binary["path"].mean() >= 0.85


def test_true_house_effects_inside_90pct_intervals(binary):
    assert binary["house_hits"].sum() / binary["house_cases"].sum() >= 0.85


def test_three_category_coverage(multi):
    assert multi["path"].mean() >= 0.85
    assert multi["house_hits"].sum() / multi["house_cases"].sum() >= 0.85


def test_recovery_fits_converge(binary):
    # Individual sets may be borderline at 2 x 500 draws; most must converge cleanly.
    assert (binary["rhat"] <= 1.05).all()
    assert (binary["rhat"] <= 1.01).mean() >= 0.8
    assert np.isfinite(binary["mae_pp"]).all()
