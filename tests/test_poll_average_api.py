"""The poll average's results API: named summaries, consistency identities, caching, save/load.

The API tests run with sampling mocked as pymc-marketing's tests do: ``pymc.sample`` is
replaced by draws from the prior, so the whole public ``fit()`` (model build, prior and
posterior predictive, the Kalman arm's path draws, diagnostics, caching) and the results
code run without compiling a sampler. Known answers here are identities of the model (house
effects sum to zero; the trend is the softmax of the latent path; P(majority) is the share
of draws above 50%) and exact round-trips; they hold for any draws. One binary fit (the
default for two categories is the Kalman arm) and one three-category fit (the binomial arm)
are shared by the module. Recovering the simulation truth needs real sampling: that test
fits for real, asserts convergence and is slow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from mocked_sampling import mocked_fit

import opinion
from opinion.errors import ModelInputError, OpinionError
from opinion.models import PollAverage
from opinion.models.poll_average.results import PollAverageResults

TRUE_SHARE = 0.58
HOUSE_PP = {"Alpha": 3.0, "Beta": -3.0, "Gamma": 0.0}


def _polls(seed: int = 7) -> opinion.PollFrame:
    """40 polls of a flat 58% truth from three pollsters with house effects of +3/-3/0 pp."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2023-01-01")
    for i in range(40):
        pollster = list(HOUSE_PP)[i % 3]
        share = TRUE_SHARE + HOUSE_PP[pollster] / 100
        n = 1500
        pct = 100 * rng.binomial(n, share) / n
        day = start + pd.Timedelta(days=int(i * 3))
        rows.append({"poll_id": f"p{i}", "pollster": pollster, "start_date": day,
                     "end_date": day + pd.Timedelta(days=2), "population": "a", "n": n,
                     "question_id": "q", "response": "yes", "pct": round(pct, 1)})
    return opinion.read_polls(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fit-cache")


@pytest.fixture(scope="module")
def fitted(cache_dir) -> tuple[PollAverage, PollAverageResults]:
    model = PollAverage(_polls())
    return model, mocked_fit(model, cache_dir, draws=500, tune=500, chains=2)


@pytest.mark.slow
def test_recovers_flat_truth_and_house_effects(tmp_path) -> None:
    """A real fit (the default Kalman arm, 4 chains x 1,000 draws): converged, and the truth
    (a flat 58%, house effects +3/-3/0 pp) inside its 90% intervals."""
    fit = PollAverage(_polls()).fit(random_seed=3, draws=1000, tune=1000, chains=4,
                                    cache=tmp_path, progressbar=False)
    assert fit.diagnostics.max_rhat <= 1.01 and fit.diagnostics.divergences == 0, \
        fit.diagnostics.status()
    latest = fit.latest(0.9)
    yes = latest[latest["response"] == "yes"].iloc[0]
    assert yes["lower_90"] < 100 * TRUE_SHARE < yes["upper_90"]
    assert abs(yes["mean"] - 100 * TRUE_SHARE) < 1.5
    house = fit.house_effects(0.9).query("response == 'yes'").set_index("pollster")
    for pollster, truth in HOUSE_PP.items():
        assert house.loc[pollster, "lower_90"] - 0.5 < truth < house.loc[pollster, "upper_90"] + 0.5


def test_house_effects_sum_to_zero_on_the_logit_scale(fitted) -> None:
    _, fit = fitted
    house = fit.idata["posterior"]["house"].values  # chain, draw, category, pollster
    assert np.abs(house.sum(axis=-1)).max() < 1e-8


def test_trend_is_softmax_of_latent_path(fitted) -> None:
    _, fit = fitted
    eta = fit._posterior("eta")[:, 0, 0, :]  # draws, knots (binary: one free category)
    from opinion.models.core.timegrid import interpolation_matrix

    daily = eta @ interpolation_matrix(len(fit.dates), fit.grid_days).T
    expected = 100 / (1 + np.exp(-daily))
    trend = fit.trend(0.9)
    yes = trend[trend["response"] == "yes"]
    np.testing.assert_allclose(yes["mean"].to_numpy(), expected.mean(axis=0), rtol=1e-10)
    no = trend[trend["response"] != "yes"]
    np.testing.assert_allclose(yes["mean"].to_numpy() + no["mean"].to_numpy(), 100, rtol=1e-10)
    assert list(trend.columns) == ["date", "response", "mean", "lower_90", "upper_90"]
    assert (trend["lower_90"] <= trend["mean"]).all() and (trend["mean"] <= trend["upper_90"]).all()


def test_probabilities_match_draws(fitted) -> None:
    _, fit = fitted
    draws = fit.daily_shares()[:, 0, -1, 0]
    assert fit.prob_majority("yes") == pytest.approx((draws > 50).mean())
    change = fit.change("2023-01-01", None, response="yes").iloc[0]
    delta = fit.daily_shares()[:, 0, -1, 0] - fit.daily_shares()[:, 0, 0, 0]
    assert change["p_increase"] == pytest.approx((delta > 0).mean())
    assert change["mean"] == pytest.approx(delta.mean())


def test_summary_names_parameters(fitted) -> None:
    _, fit = fitted
    summary = fit.summary()
    names = list(summary.index)
    assert "house effect of Alpha: yes (pp)" in names
    assert any(n.startswith("random-walk sd per month") for n in names)
    assert not any("[" in n for n in names)  # never "h[3]"
    assert {"mean", "lower_90", "upper_90"} <= set(summary.columns)  # summary: core table


def test_diagnostics_are_surfaced(fitted) -> None:
    _, fit = fitted
    d = fit.diagnostics
    assert d.chains == 2 and d.draws == 500
    assert np.isfinite(d.max_rhat) and d.min_ess_bulk > 0
    assert d.status().startswith(("converged", "NOT converged"))
    table = fit.convergence()
    assert {"ess_bulk", "ess_tail", "r_hat"} <= set(table.columns)


def test_predictive_checks(fitted) -> None:
    _, fit = fitted
    ppc = fit.posterior_predictive_check(0.9)
    assert len(ppc) == 40
    assert 0.75 <= ppc["inside"].mean() <= 1.0
    prior = fit.prior_predictive_check(0.9)
    # the priors alone allow a wide range of poll results around the data's average
    row = prior.iloc[0]
    assert row["lower_90"] < 45 and row["upper_90"] > 70


def test_cache_hit_returns_same_numbers_without_sampling(fitted, cache_dir, monkeypatch) -> None:
    model, fit = fitted
    import pymc

    def boom(*args, **kwargs):
        raise AssertionError("sampled again despite a cached fit")

    monkeypatch.setattr(pymc, "sample", boom)
    again = model.fit(random_seed=3, draws=500, tune=500, chains=2, cache=cache_dir,
                      progressbar=False)
    pd.testing.assert_frame_equal(again.trend(), fit.trend())


def test_save_load_roundtrip(fitted, tmp_path) -> None:
    _, fit = fitted
    folder = fit.save(tmp_path / "fit")
    assert (folder / "posterior.nc").is_file() and (folder / "meta.json").is_file()
    loaded = PollAverageResults.load(folder)
    pd.testing.assert_frame_equal(loaded.trend(), fit.trend())
    pd.testing.assert_frame_equal(loaded.house_effects(), fit.house_effects())
    assert loaded.diagnostics == fit.diagnostics


def test_plots_return_axes(fitted) -> None:
    import matplotlib.pyplot as plt

    _, fit = fitted
    ax = fit.plot_trend()
    assert isinstance(ax, Axes) and len(ax.lines) >= 2
    _, given = plt.subplots()
    assert fit.plot_house_effects(ax=given) is given
    plt.close("all")


def test_repr_and_html(fitted) -> None:
    _, fit = fitted
    assert "PollAverageResults" in repr(fit) and "0x" not in repr(fit)
    html = fit._repr_html_()
    assert "<table" in html and "House effects" in html
    from opinion.models.core.wording import headline_problems

    assert headline_problems(fit.headline()) == [], fit.headline()


def test_unknown_response_and_date_are_clear_errors(fitted) -> None:
    _, fit = fitted
    with pytest.raises(OpinionError, match="unknown response"):
        fit.prob_majority("maybe")
    with pytest.raises(OpinionError, match="outside the trend"):
        fit.change("1999-01-01")


def test_auto_likelihood_rule() -> None:
    """``"auto"``: the Kalman arm for two categories on a daily grid with large enough polls;
    the binomial arm otherwise; explicit choices are kept or refused with a clear error."""
    from opinion.models.poll_average.simulate import simulate_polls

    polls = _polls()
    assert PollAverage(polls).likelihood == "kalman"
    assert PollAverage(polls).inputs.grid_days == 1
    assert PollAverage(polls, grid_days=7).likelihood == "binomial"
    assert PollAverage(polls, likelihood="binomial").likelihood == "binomial"
    small, _ = simulate_polls(10, 60, 2, seed=1, n=30)  # ~15 answers on each side
    assert PollAverage(small).likelihood == "binomial"
    three, _ = simulate_polls(10, 60, 2, seed=1, categories=["a", "b", "c"])
    assert PollAverage(three).likelihood == "binomial"
    with pytest.raises(ModelInputError, match="two-category"):
        PollAverage(three, likelihood="kalman")
    with pytest.raises(ModelInputError, match="grid_days"):
        PollAverage(polls, likelihood="kalman", grid_days=7)


def test_methodology_states_the_arm_and_why(fitted) -> None:
    _, fit = fitted
    text = " ".join(fit.methodology())
    assert "integrated out of the likelihood exactly by a Kalman filter" in text
    assert "Chosen automatically because the polls have two response categories" in text
    assert "Gaussian" in text and "beta-binomial" not in text


@pytest.fixture(scope="module")
def mocked_three(cache_dir):
    """A three-category poll average (binomial arm) "fitted" with mocked sampling."""
    from opinion.models.poll_average.simulate import simulate_polls

    polls, _ = simulate_polls(30, 90, 3, seed=2, categories=["yes", "no", "not sure"])
    model = PollAverage(polls)
    return model, mocked_fit(model, False, draws=50, chains=2)


def test_three_categories_results_api_with_mocked_sampling(mocked_three) -> None:
    model, fit = mocked_three
    assert model.likelihood == "binomial" and fit.meta["likelihood"] == "binomial"
    trend = fit.trend()
    assert set(trend["response"]) == {"yes", "no", "not sure"}
    totals = trend.groupby("date")["mean"].sum()
    np.testing.assert_allclose(totals, 100, rtol=1e-10)  # shares of one softmax
    house = fit.house_effects()
    assert len(house) == 3 * 3 and np.isfinite(house["mean"]).all()
    ppc = fit.posterior_predictive_check()
    assert len(ppc) == len(fit.observations())
    assert set(ppc["response"]) == {"yes", "no"}  # "not sure" is implied by the others
    assert ((ppc["lower_90"] >= 0) & (ppc["upper_90"] <= 100)).all()
    names = list(fit.summary().index)
    assert "house effect of P01: not sure (pp)" in names
    text = " ".join(fit.methodology())
    assert "stick-breaking beta-binomials" in text and "Chosen automatically" in text


def test_config_validation() -> None:
    polls = _polls()
    with pytest.raises(ModelInputError, match="anchor_pollsters"):
        PollAverage(polls, house_effects="anchored")
    with pytest.raises(ModelInputError, match="grid_days"):
        PollAverage(polls, grid_days=0)
    with pytest.raises(ModelInputError, match="unknown question_id.*'nope'.*valid"):
        PollAverage(polls, questions=["nope"])
