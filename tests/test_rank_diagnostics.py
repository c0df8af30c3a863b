"""The vectorised R-hat / ESS agree with ArviZ's own per-quantity implementation.

ArviZ (``arviz.rhat``, ``arviz.ess(method="bulk" | "tail")``) is the independent reference:
the same statistics computed one quantity at a time. Agreement is to rounding on draws built
to reach every branch: autocorrelated and anticorrelated chains, ties, constants (overall and
within chains), a stuck chain, a 0/1 indicator, a NaN draw, one chain, odd draw counts and
the 4-draw minimum.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from opinion.models.core.diagnostics import convergence_table, draw_diagnostics
from opinion.models.core.rank_diagnostics import rank_diagnostics


def awkward_draws(chains: int, draws: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((chains, draws, 10))
    x[:, :, 1] = x[:, :, 1].cumsum(axis=1)  # random walk: tiny ESS
    x[:, :, 2] = np.round(x[:, :, 2])  # ties
    x[:, :, 3] = 1.0  # constant
    x[0, :, 4] += 3.0  # one chain stuck elsewhere
    x[:, :, 5] = (x[:, :, 5] > 1).astype(float)  # an indicator
    x[0, 0, 6] = np.nan
    x[:, :, 7] = np.arange(chains)[:, None]  # constant within chains
    noise = rng.standard_normal((chains, draws))
    ar = np.zeros((chains, draws))
    for t in range(1, draws):
        ar[:, t] = -0.7 * ar[:, t - 1] + noise[:, t]  # anticorrelated: ESS above the draws
    x[:, :, 8] = ar
    return x


def arviz_reference(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import arviz as az

    ds = xr.Dataset({"a": xr.DataArray(x, dims=("chain", "draw", "element"))})
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return (az.rhat(ds)["a"].values, az.ess(ds, method="bulk")["a"].values,
                az.ess(ds, method="tail")["a"].values)


@pytest.mark.parametrize("chains,draws", [(4, 1000), (2, 301), (1, 200), (4, 7), (3, 5),
                                          (4, 4)])
def test_agrees_with_arviz(chains, draws):
    x = awkward_draws(chains, draws)
    ours = rank_diagnostics(x)
    theirs = arviz_reference(x)
    for name, a, b in zip(("r_hat", "ess_bulk", "ess_tail"), ours, theirs, strict=True):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=name)
        np.testing.assert_allclose(a, b, rtol=1e-10, equal_nan=True, err_msg=name)


def test_values_that_matter_are_what_they_should_be():
    x = awkward_draws(4, 1000)
    rhat, bulk, _ = rank_diagnostics(x)
    assert rhat[4] > 1.1  # the stuck chain is caught
    assert bulk[1] < 100 < 3000 < bulk[0]  # a random walk vs independent draws
    assert bulk[8] > 4000  # anticorrelated draws are worth more than their number
    assert np.isnan(rhat[6]) and np.isnan(rank_diagnostics(x[:1])[0]).all()
    assert rhat[7] == np.inf  # constant within chains, as ArviZ (the verdict skips it)


def test_blocks_give_the_same_answer(monkeypatch):
    from opinion.models.core import rank_diagnostics as module

    x = awkward_draws(4, 200)
    whole = rank_diagnostics(x)
    monkeypatch.setattr(module, "BLOCK_VALUES", 1000)  # one quantity per block
    for a, b in zip(whole, rank_diagnostics(x), strict=True):
        np.testing.assert_array_equal(a, b)


def test_table_and_single_quantity_use_the_same_numbers():
    x = awkward_draws(4, 300)[:, :, [0, 1, 2, 4, 8]]
    posterior = xr.Dataset({"theta": xr.DataArray(
        x, dims=("chain", "draw", "k"), coords={"k": list("abcde")})})
    tree = xr.DataTree.from_dict({"posterior": posterior})
    table = convergence_table(tree)
    assert list(table.index) == [f"theta[{k}]" for k in "abcde"]
    theirs = arviz_reference(x)
    np.testing.assert_allclose(table["r_hat"], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(table["ess_bulk"], theirs[1], rtol=1e-10)
    np.testing.assert_allclose(table["ess_tail"], theirs[2], rtol=1e-10)
    one = draw_diagnostics(x[:, :, 1].ravel(), chains=4)
    np.testing.assert_allclose(one, table.iloc[1][["r_hat", "ess_bulk", "ess_tail"]],
                               rtol=1e-12)


def test_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="chain, draw, quantity"):
        rank_diagnostics(np.zeros((4, 100)))


def test_fast_ranks_equal_scipys_average_ranks_with_and_without_ties():
    """Known answer: ``scipy.stats.rankdata(method="average")`` on every row."""
    from scipy import stats

    from opinion.models.core.rank_diagnostics import _ranks

    rng = np.random.default_rng(11)
    flat = rng.normal(size=(6, 501))
    flat[1] = np.round(flat[1], 1)        # many ties
    flat[3, :50] = flat[3, 50]            # one long tie
    flat[4] = 2.5                         # constant row
    np.testing.assert_array_equal(_ranks(flat),
                                  stats.rankdata(flat, method="average", axis=1))
