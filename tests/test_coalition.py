"""CoalitionPressure: input errors, split-probability properties, one shared small fit.

Reference values: split probabilities of synthetic draws are checked against closed forms
(independent members: 1 - prod(1 - p_i)); pressure and scenarios are recomputed by hand from
the posterior draws and the election calendar (days counted with the standard library).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import opinion
from opinion.errors import ModelInputError
from opinion.models.coalition import CoalitionPressure
from opinion.models.coalition.inputs import default_members
from opinion.models.coalition.results import (
    CoalitionResults,
    split_curve_draws,
    split_probability_draws,
    threshold_logit,
)


def bundled_polls():
    return [opinion.datasets.load("ecfr_peace_justice_2022"),
            opinion.datasets.load("eurobarometer_support_2022")]


# ----------------------------------------------------------------------------- bad input
def test_unknown_country_code_is_a_clear_error():
    polls = pd.DataFrame({"country": ["XX"], "question_id": ["ecfr_peace_justice_camp"],
                          "response": ["peace"], "pct": [40]})
    with pytest.raises(ModelInputError, match="unknown country code 'XX'"):
        CoalitionPressure(polls)


def test_member_without_region_is_a_clear_error():
    members = default_members()
    members.loc[members["iso2"] == "EE", "region"] = None
    with pytest.raises(ModelInputError, match="'EE' has no region"):
        CoalitionPressure(bundled_polls(), members=members)


def test_election_outside_calendar_is_a_clear_error():
    elections = pd.DataFrame({"iso2": ["DE"], "date": ["2031-09-01"]})
    with pytest.raises(ModelInputError, match="DE on 2031-09-01 is outside the election"):
        CoalitionPressure(bundled_polls(), elections=elections)


def test_weights_not_summing_to_one_are_a_clear_error():
    weights = pd.Series(0.5, index=["DE", "FR", "IT"])
    with pytest.raises(ModelInputError, match="weights must sum to 1"):
        CoalitionPressure(bundled_polls(), weights=weights)
    with pytest.raises(ModelInputError, match="weights='gdp'"):
        CoalitionPressure(bundled_polls(), weights="gdp")


def test_default_calendar_days_to_next_election():
    model = CoalitionPressure(bundled_polls())
    d = model.inputs
    ee = d.members.index[d.members["iso2"] == "EE"][0]
    t = list(d.dates).index(pd.Timestamp("2023-01-01"))
    # Estonia votes on 2023-03-05: 63 days after 2023-01-01 (counted with datetime)
    assert d.days[ee, t] == (dt.date(2023, 3, 5) - dt.date(2023, 1, 1)).days
    it = d.members.index[d.members["iso2"] == "IT"][0]
    assert np.isinf(d.days[it]).all()  # Italy: no dated election in the calendar
    assert len(d.dates) == 26 and d.dates[0] == pd.Timestamp("2022-11-01")
    assert d.dates[-1] == pd.Timestamp("2024-12-01")
    assert abs(d.weights.sum() - 1) < 1e-12


# ----------------------------------------------------------------------------- properties
draws_strategy = arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 8)),
                        elements=st.floats(-4, 4, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(p=draws_strategy, th=st.floats(-2, 2))
def test_unanimity_never_decreases_as_members_are_added(p, th):
    curve = split_curve_draws(p, th, list(range(p.shape[1])))
    assert np.all(np.diff(curve) >= 0)
    for k in range(1, p.shape[1]):
        assert (split_probability_draws(p[:, :k], th)
                <= split_probability_draws(p[:, :k + 1], th))


@settings(max_examples=200, deadline=None)
@given(p=draws_strategy, th=st.floats(-2, 2), bump=st.floats(0, 3), data=st.data())
def test_unanimity_never_decreases_as_a_member_rises(p, th, bump, data):
    j = data.draw(st.integers(0, p.shape[1] - 1))
    q = p.copy()
    q[:, j] += bump
    assert split_probability_draws(q, th) >= split_probability_draws(p, th)


@settings(max_examples=200, deadline=None)
@given(p=draws_strategy, th=st.floats(-2, 2), share=st.floats(0.01, 0.99), data=st.data())
def test_qualified_majority_at_most_unanimity(p, th, share, data):
    w = np.asarray(data.draw(arrays(np.float64, p.shape[1], elements=st.floats(0.01, 1))))
    w = w / w.sum()
    qm = split_probability_draws(p, th, "qualified_majority", w, share)
    assert qm <= split_probability_draws(p, th, "unanimity")


def test_split_probability_closed_form_for_independent_members():
    # member i is above the threshold in a fraction p_i of draws, independently (a full
    # factorial design makes the empirical frequencies exact): P(any) = 1 - prod(1 - p_i)
    grid = np.array(np.meshgrid(np.arange(4), np.arange(5), np.arange(2), indexing="ij"))
    grid = grid.reshape(3, -1).T  # 40 draws
    above = np.column_stack([grid[:, 0] < 1, grid[:, 1] < 2, grid[:, 2] < 1])
    pressure = np.where(above, 1.0, -1.0)
    p = np.array([1 / 4, 2 / 5, 1 / 2])
    assert split_probability_draws(pressure, 0.0) == pytest.approx(1 - np.prod(1 - p))
    # qualified majority with weights (0.5, 0.3, 0.2) and blocking share 0.35: split when
    # member 0 is above, or members 1 and 2 together: 1/4 + 3/4 * 2/5 * 1/2
    qm = split_probability_draws(pressure, 0.0, "qualified_majority",
                                 np.array([0.5, 0.3, 0.2]), 0.35)
    assert qm == pytest.approx(1 / 4 + 3 / 4 * 2 / 5 * 1 / 2)
    assert threshold_logit(50) == 0.0


# ----------------------------------------------------------------------------- shared fit
@pytest.fixture(scope="session")
def small_fit(tmp_path_factory) -> CoalitionResults:
    model = CoalitionPressure(bundled_polls(), weights="aid")
    return model.fit(random_seed=11, draws=300, tune=400, chains=2, cores=1, sampler="nutpie",
                     cache=tmp_path_factory.mktemp("coalition_cache"), progressbar=False)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_unpolled_member_gets_its_regions_pooled_estimate(small_fit):
    post = small_fit.idata["posterior"]
    theta = post["theta"].stack(s=("chain", "draw"))
    region = small_fit.members.set_index("iso2")["region"]
    ce_mean = (post["mu"] + post["sigma_region"] * post["z_region"].sel(
        region="Central-Eastern")).stack(s=("chain", "draw"))
    pref = small_fit.preference().set_index("member")
    width = pref["upper"] - pref["lower"]
    polled_ce = [m for m in small_fit.polled if region[m] == "Central-Eastern"]
    for unpolled in ("HU", "AL", "ME", "MK"):
        assert unpolled not in small_fit.polled
        # E[theta_m | data] = E[region mean | data] when m has no poll (z_m keeps its prior)
        assert float(theta.sel(member=unpolled).mean()) == pytest.approx(
            float(ce_mean.mean()), abs=0.2)
        assert width[unpolled] > 1.3 * width[polled_ce].max()


def test_pressure_table_and_hand_computed_election_term(small_fit):
    table = small_fit.pressure()
    assert list(table.columns) == ["member", "date", "mean", "lower", "upper"]
    assert table["date"].nunique() == 26 and table["member"].nunique() == 30
    assert (table["lower"] <= table["mean"]).all() and (table["mean"] <= table["upper"]).all()
    post = small_fit.idata["posterior"]

    def flat(name):
        return np.asarray(post[name].values).reshape(-1, *post[name].shape[2:])

    ee = small_fit.iso2.index("EE")
    theta, sal = flat("theta")[:, ee], flat("salience")[:, ee] - flat("salience_mean")
    expected = (theta + flat("salience_effect") * sal
                + flat("election_effect") * np.exp(-63 / flat("decay_days")))
    row = table[(table["member"] == "EE") & (table["date"] == "2023-01-01")].iloc[0]
    assert row["mean"] == pytest.approx(expected.mean(), rel=1e-9)


def test_split_rules_scenarios_and_sensitivity(small_fit):
    u = small_fit.split_probability(50, "unanimity")
    qm = small_fit.split_probability(50, "qualified_majority")
    assert 0 <= qm <= u <= 1
    curve = small_fit.split_curve(50)
    assert (np.diff(curve["probability"]) >= 0).all()
    assert curve["probability"].iloc[-1] == pytest.approx(u)
    # a salience shock of +1 in Germany moves only Germany, by the mean salience effect
    gamma = float(small_fit.idata["posterior"]["salience_effect"].mean())
    sc = small_fit.scenario(salience_shock={"DE": 1.0})
    change = sc.pressure.groupby("member")["change"].agg(["min", "max"])
    assert change.loc["DE", "min"] == pytest.approx(gamma)
    assert change.drop("DE").abs().max().max() < 1e-12
    assert (sc.split["scenario"] >= sc.split["baseline"] - 1e-12).all()
    # removing Estonia's 2023 election drops its election term until its next one
    sc2 = small_fit.scenario(elections={"EE": None})
    ee = sc2.pressure[sc2.pressure["member"] == "EE"].set_index("date")
    assert ee.loc["2023-02-01", "change"] < 0
    sens = small_fit.sensitivity()
    th = sens[sens["assumption"] == "threshold (%)"]
    assert (np.diff(th["unanimity"]) <= 0).all()
    assert set(sens["assumption"]) == {"threshold (%)", "decay prior median (days)", "weights"}
    div = small_fit.divergence()
    assert list(div.columns) == ["date", "mean", "lower", "upper"] and (div["mean"] > 0).all()


def test_save_load_repr_and_plots(small_fit, tmp_path):
    small_fit.save(tmp_path / "fit")
    loaded = CoalitionResults.load(tmp_path / "fit")
    pd.testing.assert_frame_equal(loaded.pressure(), small_fit.pressure())
    html = loaded._repr_html_()
    assert "Coalition pressure" in html and "R-hat" in html
    assert small_fit.diagnostics.draws == 300
    ax = small_fit.plot_pressure()
    assert len(ax.figure.axes) == 30
    ax2 = small_fit.plot_split_curve()
    assert len(ax2.lines) == 1
    import matplotlib.pyplot as plt

    plt.close("all")
