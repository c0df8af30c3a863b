"""CoalitionPressure: the split, scores and baselines against closed forms; the event model's
measurement-error approximation against numerical integration; the results API on a fit
whose sampling is patched (prior draws stand in for the posterior, so no sampler runs).

Reference values: split probabilities against brute-force enumeration of every subset of
members (independent Bernoulli defections); Brier and log scores and both baselines by
hand; the probit approximation of E[logistic(a + b x)], x ~ N(m, s^2), against Gauss-Hermite
quadrature (scipy); derived tables recomputed by hand from the stored draws.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import opinion
from opinion.models.coalition import CoalitionPressure, split
from opinion.models.coalition.backtest import baselines, default_origins, scores, variants
from opinion.models.coalition.results import CoalitionResults

LOAD = opinion.datasets.load


# ----------------------------------------------------------------------------- the split
def brute_force_blocking(q: np.ndarray, w: np.ndarray, share: float) -> float:
    total = 0.0
    for pattern in itertools.product([0, 1], repeat=len(q)):
        x = np.array(pattern)
        prob = np.prod(np.where(x == 1, q, 1 - q))
        total += prob * (w @ x >= share - 1e-12)
    return total


def test_blocking_share_matches_enumeration():
    rng = np.random.default_rng(3)
    for _ in range(20):
        m = rng.integers(2, 8)
        q = rng.random(m)
        w = rng.integers(1, 20, m).astype(float)
        w /= w.sum()
        # weights on the 1/2000 grid are exact (the function rounds to that grid)
        w = np.round(w * 2000) / 2000
        w[-1] = 1 - w[:-1].sum()
        share = float(rng.choice([0.2, 0.35, 0.5]))
        got = split.blocking((1 - q)[None, :], w, share)[0]
        assert got == pytest.approx(brute_force_blocking(q, w, share), abs=1e-9)


def test_any_defection_closed_form_and_windows():
    p = np.array([[[0.1, 0.2], [0.0, 0.5]]])  # one draw, two members, two months
    quiet = split.no_event(p, np.array([0, 1]))
    assert quiet[0] == pytest.approx([0.9 * 0.8, 1.0 * 0.5])
    assert split.any_defection(quiet)[0] == pytest.approx(1 - 0.72 * 0.5)
    assert split.any_defection(quiet, np.array([0]))[0] == pytest.approx(0.28)


probabilities = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 12)),
                       elements=st.floats(0, 1))


@settings(max_examples=100, deadline=None)
@given(quiet=probabilities, data=st.data())
def test_split_curve_rises_with_members_and_ends_at_the_whole_coalition(quiet, data):
    orders = np.array([data.draw(st.permutations(range(quiet.shape[1])))
                       for _ in range(3)])
    curve = split.curve(quiet, orders)
    assert np.all(np.diff(curve, axis=1) >= -1e-12)
    assert curve[:, -1] == pytest.approx(split.any_defection(quiet))


@settings(max_examples=100, deadline=None)
@given(quiet=probabilities, share=st.floats(0.05, 1.0))
def test_blocking_is_at_most_any_defection(quiet, share):
    w = np.ones(quiet.shape[1]) / quiet.shape[1]
    assert np.all(split.blocking(quiet, w, share) <= split.any_defection(quiet) + 1e-9)


# ----------------------------------------------------------------------------- scores
def test_scores_and_baselines_by_hand():
    p, y = np.array([0.1, 0.5, 0.9]), np.array([0.0, 1.0, 1.0])
    s = scores(p, y)
    assert s["brier"] == pytest.approx((0.01 + 0.25 + 0.01) / 3)
    assert s["log_score"] == pytest.approx((np.log(0.9) + np.log(0.5) + np.log(0.9)) / 3)
    assert s["n_events"] == 2 and s["n_cells"] == 3
    y = np.zeros((2, 10))
    y[0, [1, 3]] = 1  # member 0: 2 events in 4 months before the origin
    base = baselines(y, origin=4)
    rate = (2 + 0.5) / (8 + 1)
    assert base["base_rate"] == pytest.approx([rate, rate])
    assert base["country_history"] == pytest.approx([(2 + 24 * rate) / 28, 24 * rate / 28])


def test_default_origins_and_variants():
    months = pd.date_range("2022-01-01", "2026-06-01", freq="MS")
    end = months.get_loc(pd.Timestamp("2025-12-01"))
    assert default_origins(months, end, 6) == ["2023-01", "2023-07", "2024-01", "2024-07",
                                                "2025-01", "2025-07"]
    v = variants(("history", "opinion"))
    assert v == {"model": ("history", "opinion"), "opinion_only": ("opinion",),
                 "without_history": ("opinion",), "without_opinion": ("history",)}


def test_probit_approximation_of_the_measurement_error_integral():
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    for a, b, m, s in [(-4.0, 1.0, 0.5, 0.6), (-2.0, -1.5, 0.0, 1.0), (-5.0, 2.0, 1.0, 0.3)]:
        exact = np.sum(weights / (1 + np.exp(-(a + b * (m + s * nodes))))) / np.sqrt(2 * np.pi)
        approx = 1 / (1 + np.exp(-(a + b * m) / np.sqrt(1 + np.pi / 8 * b**2 * s**2)))
        assert approx == pytest.approx(exact, rel=0.08, abs=2e-3)


# ----------------------------------------------------------------------------- fake fit
class _PriorAsPosterior:
    """Stands in for nutpie: prior draws of the model, shaped as 2 chains."""

    def __init__(self, model, var_names=None):
        self.model = model

    def sample(self, data=None, *, draws, chains, **_):
        import pymc as pm

        with self.model:
            prior = pm.sample_prior_predictive(draws * chains, random_seed=5)["prior"]
        ds = prior.to_dataset() if hasattr(prior, "to_dataset") else prior
        ds = xr.Dataset({k: (("chain", "draw", *v.dims[2:]),
                             v.values.reshape(chains, draws, *v.shape[2:]))
                         for k, v in ds.data_vars.items()})
        tree = xr.DataTree()
        tree["posterior"] = xr.DataTree(ds)
        tree["sample_stats"] = xr.DataTree(xr.Dataset(
            {"diverging": (("chain", "draw"), np.zeros((chains, draws), bool))}))
        return tree


def _fake_event_model(arrays, inputs, config):
    """Never cached: the compiled-model cache of :mod:`.refits` stays untouched."""
    from opinion.models.coalition.events import build_event_model

    return _PriorAsPosterior(build_event_model(arrays, inputs, config))


def _fake_sample_model(model, settings, seed, progressbar):
    draws = _PriorAsPosterior(model.build_model()).sample(draws=settings.draws,
                                                          chains=settings.chains)
    import pymc as pm

    with model.build_model():
        prior = pm.sample_prior_predictive(settings.prior_draws, random_seed=6)
    draws["prior"] = prior["prior"]
    idata = model.postprocess_posterior(draws, np.random.default_rng(seed))
    return idata, 0.0


@pytest.fixture(scope="module")
def fake_fit(tmp_path_factory) -> CoalitionResults:
    from unittest import mock

    tables = {"members": LOAD("nato_members_2022"), "events": LOAD("coalition_events"),
              "salience": LOAD("europe_salience_panel"), "polls": LOAD("us_ukraine_support"),
              "elections": LOAD("nato_elections_2022_2024"),
              "government_changes": LOAD("government_changes"),
              "aid": LOAD("kiel_aid_by_period")}
    model = CoalitionPressure(LOAD("europe_ukraine_panel"), **tables)
    with mock.patch("opinion.models.core.base.sample_model", _fake_sample_model), \
            mock.patch("opinion.models.coalition.model.compiled_event_model", _fake_event_model):
        return model.fit(random_seed=3, draws=40, chains=2, tune=10, cache=False,
                         progressbar=False)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_tables_have_the_promised_columns(fake_fit):
    opinion_table = fake_fit.opinion()
    assert list(opinion_table.columns[:5]) == ["member", "date", "mean", "lower_90", "upper_90"]
    assert opinion_table["member"].nunique() == 30
    assert (opinion_table["lower_90"] <= opinion_table["upper_90"]).all()
    unsurveyed = set(opinion_table.loc[~opinion_table["surveyed"], "member"])
    assert {"AL", "ME", "MK", "TR"} <= unsurveyed and "US" not in unsurveyed
    for table in (fake_fit.pressure(), fake_fit.event_probability()):
        assert list(table.columns[:5]) == ["member", "date", "mean", "lower_90", "upper_90"]
    events = fake_fit.event_probability()
    observed = events[events["date"] <= fake_fit.months[fake_fit.end]]
    assert observed["event"].sum() == 26 and events["event"].isna().sum() == 30 * 6


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_event_probability_recomputed_by_hand(fake_fit):
    r, i, t = fake_fit, fake_fit.iso2.index("HU"), fake_fit.end - 3
    a = r.arrays
    on = a["terms_on"]
    eta = (r.draws("event_base") + on[0] * r.draws("history")[:, i]
           + on[1] * r.draws("beta_opinion") * (r.latent_draws("opinion")[:, i, t]
                                                 - a["opinion_center"])
           + on[2] * r.draws("beta_salience") * (r.latent_draws("salience")[:, i, t]
                                                  - a["salience_center"])
           + on[3] * r.draws("beta_election") * np.exp(-a["election_months"][i, t]
                                                        / r.draws("decay_months"))
           + on[4] * r.draws("beta_change") * a["change_recent"][i, t])
    by_hand = 1 / (1 + np.exp(-eta))
    table = r.event_probability().set_index(["member", "date"])
    assert table.loc[("HU", r.months[t]), "mean"] == pytest.approx(by_hand.mean(), rel=1e-6)
    p = r.probability_draws()
    window = r.window()
    expected = 1 - np.prod(1 - p[:, :, window], axis=(1, 2))
    assert r.split_probability() == pytest.approx(expected.mean())
    assert r.split_curve(order="risk")["mean"].iloc[-1] == pytest.approx(expected.mean())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_windows_members_and_rules(fake_fit):
    with pytest.raises(opinion.errors.ModelInputError, match="unknown member"):
        fake_fit.split_probability(members=["XX"])
    with pytest.raises(opinion.errors.ModelInputError, match="not within the grid"):
        fake_fit.split_probability(window=("2030-01", "2030-06"))
    with pytest.raises(opinion.errors.ModelInputError, match="rule must be"):
        fake_fit.split_probability(rule="majority")
    past = fake_fit.split_probability(window=("2024-01", "2024-06"))
    one = fake_fit.split_probability(window=("2024-01", "2024-06"), members=["HU"])
    assert 0 <= one <= past <= 1
    assert 0 <= fake_fit.split_probability(rule="blocking") <= fake_fit.split_probability()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_checks_summary_description_and_save_load(fake_fit, tmp_path):
    ppc = fake_fit.posterior_predictive_check()
    assert set(ppc["kind"]) == {"survey cell (%)", "event-months"}
    assert ppc["lower_90"].le(ppc["upper_90"]).all()
    assert len(fake_fit.prior_predictive_check()) == len(ppc)
    summary = fake_fit.summary()
    assert "effect of opinion (per log-odds unit)" in summary.index
    text = " ".join(fake_fit.methodology())
    assert "item x country bias" in text and "measurement-error" in text
    assert set(fake_fit.effects()["term"]) == {"opinion", "salience", "election", "change"}
    fake_fit.save(tmp_path / "fit")
    loaded = opinion.load_results(tmp_path / "fit")
    pd.testing.assert_frame_equal(loaded.opinion(), fake_fit.opinion())
    assert "Event-model effects" in loaded._repr_html_()
    from opinion.models.core.wording import headline_problems

    assert headline_problems(fake_fit.headline()) == [], fake_fit.headline()
    rebuilt = CoalitionPressure.from_results(loaded, effect_sd=2.0)
    assert rebuilt.config.effect_sd == 2.0
    assert len(rebuilt.observations()) == len(fake_fit.observations())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_plots_return_axes(fake_fit):
    import matplotlib.pyplot as plt

    assert len(fake_fit.plot_opinion().figure.axes) >= 30
    assert fake_fit.plot_heatmap().get_title(loc="left").startswith("Which publics")
    assert len(fake_fit.plot_split_curve().lines) == 1
    plt.close("all")
