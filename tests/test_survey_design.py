"""opinion.survey.Design: closed forms, intervals, tests, poll frames, design errors.

Known answers: under simple random sampling with equal weights the design-based formulas
reduce to textbook ones (``se = s / sqrt(n)`` for a mean, ``p(1-p)/(n-1)`` for a proportion,
``(p_a + p_b - (p_a - p_b)^2)/(n-1)`` for a lead); Wilson intervals are checked against
statsmodels; R's survey package is the reference in ``test_survey_design_r.py``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from opinion.errors import DataValidationError, WeightingError
from opinion.survey.design import Design, poll_difference


def srs(n: int = 500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "x": rng.normal(50, 10, n),
        "vote": rng.choice(["A", "B", "C"], n, p=[0.45, 0.4, 0.15]),
        "sex": rng.choice(["F", "M"], n),
        "q": rng.choice([1, 2], n),
    })


def test_srs_mean_and_proportion_closed_forms() -> None:
    df = srs()
    d = Design(df)
    n = len(df)
    m = d.mean("x").iloc[0]
    assert m["estimate"] == pytest.approx(df.x.mean())
    assert m["se"] == pytest.approx(df.x.std(ddof=1) / np.sqrt(n))
    assert m["deff"] == pytest.approx(1.0)
    assert m["df"] == n - 1
    tot = d.total("x").iloc[0]
    assert tot["se"] == pytest.approx(n * df.x.std(ddof=1) / np.sqrt(n))
    top = d.topline("vote").set_index("value")
    for cat in "ABC":
        p = (df.vote == cat).mean()
        assert top.loc[cat, "estimate"] == pytest.approx(100 * p)  # percent
        assert top.loc[cat, "se"] == pytest.approx(100 * np.sqrt(p * (1 - p) / (n - 1)))
        assert top.loc[cat, "deff"] == pytest.approx(1.0)
        assert top.loc[cat, "n_eff"] == pytest.approx(n)
        assert top.loc[cat, "n_cell"] == (df.vote == cat).sum()
        # logit interval with t on n-1 df
        t = stats.t.ppf(0.975, n - 1)
        half = t * top.loc[cat, "se"] / 100 / (p * (1 - p))
        lo = 1 / (1 + np.exp(-(np.log(p / (1 - p)) - half)))
        assert top.loc[cat, "lower_95"] == pytest.approx(100 * lo)


def test_wilson_interval_equals_statsmodels_on_effective_n() -> None:
    df = srs()
    rng = np.random.default_rng(0)
    d = Design(df, weights=rng.uniform(0.3, 3, len(df)))
    top = d.topline("vote", ci="wilson")
    for _, r in top.iterrows():
        p, se = r["estimate"] / 100, r["se"] / 100  # percent and points back to 0-1
        n_eff = p * (1 - p) / se ** 2
        alpha = 2 * stats.norm.sf(stats.t.ppf(0.975, r["df"]))  # same quantile as t_df
        lo, hi = proportion_confint(p * n_eff, n_eff, alpha=alpha, method="wilson")
        assert r["lower_95"] == pytest.approx(100 * lo, rel=1e-10)
        assert r["upper_95"] == pytest.approx(100 * hi, rel=1e-10)
        assert r["lower_95"] < r["estimate"] < r["upper_95"]


def test_lead_closed_form_under_srs() -> None:
    df = srs()
    n = len(df)
    lead = Design(df).lead("vote", "A", "B").iloc[0]
    pa, pb = (df.vote == "A").mean(), (df.vote == "B").mean()
    assert lead["lead"] == pytest.approx(100 * (pa - pb))  # percentage points
    assert lead["se"] == pytest.approx(100 * np.sqrt((pa + pb - (pa - pb) ** 2) / (n - 1)))
    assert lead["moe"] == pytest.approx(stats.t.ppf(0.975, n - 1) * lead["se"])


def test_subgroup_estimates_are_domain_means() -> None:
    df = srs()
    rng = np.random.default_rng(1)
    w = rng.uniform(0.5, 2, len(df))
    d = Design(df, weights=w)
    by = d.mean("x", by="sex").set_index("sex")
    for g in ("F", "M"):
        m = df.sex == g
        assert by.loc[g, "estimate"] == pytest.approx(np.average(df.x[m], weights=w[m]))
        assert by.loc[g, "n"] == m.sum()
    top = d.topline("vote", by="sex")
    assert set(top["subgroup"]) == {"sex:F", "sex:M"}
    np.testing.assert_allclose(top.groupby("subgroup")["estimate"].sum(), 100.0)


def test_independent_subgroups_difference_under_srs() -> None:
    df = srs(4000)
    d = Design(df)
    diff = d.compare_subgroups("x", "sex", "F", "M").iloc[0]
    by = d.mean("x", by="sex").set_index("sex")
    assert diff["difference"] == pytest.approx(by.loc["F", "estimate"] - by.loc["M", "estimate"])
    # with-replacement SRS: domain means are nearly independent (covariance O(1/n^2))
    assert diff["se"] == pytest.approx(np.hypot(by.loc["F", "se"], by.loc["M", "se"]), rel=1e-3)


def test_poll_difference_of_independent_polls() -> None:
    a, b = Design(srs(seed=1)), Design(srs(seed=2))
    r = poll_difference(a, b, "vote", category="A").iloc[0]
    ta = a.topline("vote").set_index("value").loc["A"]
    tb = b.topline("vote").set_index("value").loc["A"]
    assert r["difference"] == pytest.approx(ta["estimate"] - tb["estimate"])
    assert r["se"] == pytest.approx(np.hypot(ta["se"], tb["se"]))
    z = r["difference"] / r["se"]
    assert r["p_value"] == pytest.approx(2 * stats.t.sf(abs(z), r["df"]))
    assert a.compare_to(b, "x").iloc[0]["difference"] == pytest.approx(
        a.mean("x").iloc[0]["estimate"] - b.mean("x").iloc[0]["estimate"])


def test_crosstab_col_percentages_and_rao_scott_attr() -> None:
    df = srs()
    d = Design(df, weights=np.random.default_rng(2).uniform(0.5, 2, len(df)))
    ct = d.crosstab("vote", "sex")
    np.testing.assert_allclose(ct.groupby("col")["estimate"].sum(), 100.0)
    assert ct.attrs["rao_scott"]["f"] == pytest.approx(d.chisq("vote", "sex").f)
    cell = d.crosstab("vote", "sex", percent="cell")
    assert cell["estimate"].sum() == pytest.approx(100.0)
    row = d.crosstab("vote", "sex", percent="row")
    np.testing.assert_allclose(row.groupby("row")["estimate"].sum(), 100.0)


def test_rao_scott_reduces_to_pearson_under_srs() -> None:
    df = srs(3000)
    rs = Design(df).chisq("vote", "sex")
    table = pd.crosstab(df.vote, df.sex).to_numpy()
    x2 = stats.chi2_contingency(table, correction=False)[0]
    assert rs.pearson == pytest.approx(x2)
    # design effects of an SRS are n/(n-1) times 1 up to sampling noise
    assert np.allclose(rs.deltas, 1.0, atol=0.1)


def test_microdata_object_labels_and_weight() -> None:
    df = srs()
    df["wt"] = np.random.default_rng(4).uniform(0.5, 2, len(df))
    md = SimpleNamespace(data=df, value_labels={"q": {1: "Yes", 2: "No"}},
                         variable_labels={"q": "Question"}, weight="wt")
    d = Design(md)
    np.testing.assert_allclose(d.weights, df.wt)
    top = d.topline("q").set_index("value")
    assert top.loc[1, "label"] == "Yes" and top.loc[2, "label"] == "No"
    assert top.loc[1, "estimate"] == pytest.approx(100 * np.average(df.q == 1, weights=df.wt))


def test_to_pollframe_rows() -> None:
    df = srs()
    d = Design(df, weights=np.random.default_rng(5).uniform(0.5, 2, len(df)))
    pf = d.to_pollframe("vote", poll_id="p1", pollster="Acme", start_date="2022-10-04",
                        end_date="2022-10-05", population="a", question_id="vote", by="sex",
                        mode="online")
    assert pf.is_valid, pf.rejects
    data = pf.data
    assert set(data["subgroup"]) == {"all", "sex:F", "sex:M"}
    assert (data["n"] == len(df)).all()
    np.testing.assert_allclose(data.groupby("subgroup")["pct"].sum(), 100.0)
    top = d.topline("vote").set_index("label")
    alls = data[data.subgroup == "all"].set_index("response")
    for lab in "ABC":
        assert alls.loc[lab, "pct"] == pytest.approx(top.loc[lab, "estimate"])
        assert alls.loc[lab, "deff"] == pytest.approx(top.loc[lab, "deff"])
        assert alls.loc[lab, "n_eff"] == pytest.approx(top.loc[lab, "n_eff"])
    assert (data["mode"] == "online").all()


def test_lonely_psu_fails_by_default() -> None:
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "h": ["a", "a", "a", "b", "b"],
                       "psu": [1, 2, 3, 4, 4]})
    d = Design(df, strata="h", clusters="psu")
    with pytest.raises(DataValidationError, match="stratum 'b' has only one PSU"):
        d.mean("y")
    ok = Design(df, strata="h", clusters="psu", lonely_psu="certainty").mean("y")
    # only stratum a contributes: PSU totals of influence values
    y = df.y.to_numpy()
    infl = (y - y.mean()) / len(y)
    z = infl[:3]
    assert ok["se"].iloc[0] == pytest.approx(np.sqrt(3 / 2 * np.sum((z - z.mean()) ** 2)))


def test_fpc_sampling_fraction_equals_population_size() -> None:
    df = srs(100)
    df["N"] = 1000.0
    df["f"] = 0.1
    by_size = Design(df, fpc="N").mean("x").iloc[0]
    by_frac = Design(df, fpc="f").mean("x").iloc[0]
    plain = Design(df).mean("x").iloc[0]
    assert by_size["se"] == pytest.approx(by_frac["se"])
    assert by_size["se"] == pytest.approx(plain["se"] * np.sqrt(0.9))


def test_design_input_errors() -> None:
    df = srs()
    with pytest.raises(DataValidationError, match="'stratum' is not in the data"):
        Design(df, strata="stratum")
    with pytest.raises(DataValidationError, match="DataFrame"):
        Design([1, 2, 3])
    df2 = df.assign(h=["a"] * 250 + [None] * 250)
    with pytest.raises(DataValidationError, match="missing"):
        Design(df2, strata="h")
    with pytest.raises(DataValidationError, match="not numeric"):
        Design(df).mean("vote")
    with pytest.raises(DataValidationError, match="category 'D'"):
        Design(df).lead("vote", "A", "D")
    with pytest.raises(DataValidationError, match="replicate_type"):
        Design(df, replicate_weights=np.ones((len(df), 3)))


def test_bootstrap_replicates_approximate_linearization() -> None:
    rng = np.random.default_rng(8)
    n_psu, m = 60, 20
    psu = np.repeat(np.arange(n_psu), m)
    u = rng.normal(0, 1, n_psu)[psu]
    df = pd.DataFrame({"psu": psu, "h": psu % 3, "y": u + rng.normal(0, 1, psu.size)})
    d = Design(df, strata="h", clusters="psu")
    lin_se = d.mean("y")["se"].iloc[0]
    boot = d.as_replicate("bootstrap", replicates=400, random_seed=1)
    again = d.as_replicate("bootstrap", replicates=400, random_seed=1)
    b_se = boot.mean("y")["se"].iloc[0]
    assert b_se == again.mean("y")["se"].iloc[0]
    # 400 replicates: the bootstrap SE is within ~10% of the linearisation SE
    assert b_se == pytest.approx(lin_se, rel=0.15)
    jkn = d.as_replicate("JKn").total("y")["se"].iloc[0]
    assert jkn == pytest.approx(d.total("y")["se"].iloc[0], rel=1e-10)  # exact for a total


def test_raking_residuals_equal_r_sweeps() -> None:
    """The coefficient-space raking residuals equal R's svyrecvar loop, written out here."""
    from opinion.survey.linearization import RakingRecord, residualize

    rng = np.random.default_rng(11)
    n = 300
    a, b = rng.integers(0, 3, n), rng.integers(0, 4, n)
    psw = rng.uniform(0.5, 3, n)
    x = rng.normal(size=(n, 2))
    rec = RakingRecord(codes=(a, b), n_groups=(3, 4), weights=(psw, psw))
    expected = x.copy()
    for _ in range(10):  # R: x <- x - psw * apply(x / psw, 2, ave, margin)
        for codes in (a, b):
            v = pd.DataFrame(expected / psw[:, None])
            expected = expected - psw[:, None] * v.groupby(codes).transform("mean").to_numpy()
    np.testing.assert_allclose(residualize(x, (rec,)), expected, rtol=1e-12, atol=1e-14)
    # different weights per margin take the direct loop
    rec2 = RakingRecord(codes=(a, b), n_groups=(3, 4), weights=(psw, psw * 1.0000001))
    assert np.allclose(residualize(x, (rec2,)), expected, rtol=1e-5)


# ---------------------------------------------------------------- issue 16: alignment etc.
def test_weights_series_is_aligned_by_index() -> None:
    df = pd.DataFrame({"y": [1.0, 0.0, 0.0, 0.0]}, index=[10, 11, 12, 13])
    w = pd.Series([3.0, 1.0, 1.0, 1.0], index=[10, 11, 12, 13])
    shuffled = df.iloc[[3, 2, 1, 0]]  # rows reordered, weights not
    got = Design(shuffled, weights=w).mean("y")["estimate"].iloc[0]
    assert got == pytest.approx(3 / 6)  # respondent 10 keeps weight 3 (by position: 1/6)
    by_position = Design(shuffled, weights=w.to_numpy()).mean("y")["estimate"].iloc[0]
    assert by_position == pytest.approx(np.average(shuffled["y"], weights=w.to_numpy()))


@pytest.mark.parametrize("index", [[10, 11, 12, 99], [10, 10, 11, 12], [0, 1, 2]])
def test_weights_series_with_another_index_is_refused(index) -> None:
    df = pd.DataFrame({"y": [1.0, 0.0, 0.0, 1.0]}, index=[10, 11, 12, 13])
    w = pd.Series(np.ones(len(index)), index=index)
    with pytest.raises(WeightingError):
        Design(df, weights=w)


def test_with_weights_column_never_overwrites_silently() -> None:
    df = srs(50)
    d = Design(df)
    with pytest.raises(DataValidationError, match="already has a column 'sex'"):
        d.with_weights_column("sex")
    assert (d.with_weights_column("sex", replace=True)["sex"] == 1.0).all()
    assert "weight" in d.with_weights_column().columns


def test_deff_from_moe_is_one_function() -> None:
    from opinion.frames.effective_n import deff_from_moe as frames_version
    from opinion.survey import deff_from_moe

    assert deff_from_moe is frames_version
    out = deff_from_moe(pd.Series([1000.0, 1000.0]), pd.Series([3.1, np.nan]))
    assert np.isnan(out.iloc[1]) and out.iloc[0] == pytest.approx(1000 * (0.031 / 1.959964) ** 2
                                                                  / 0.25, rel=1e-6)


def test_weights_summary_effective_n_with_zero_weights() -> None:
    from opinion.survey import weights_summary

    s = weights_summary(np.array([1.0, 2.0, 0.0]))
    assert s["effective_n"] == pytest.approx(9 / 5)
    assert s["kish_deff"] == pytest.approx(2 * 5 / 9)


def test_design_problems_are_collected_in_one_toolkit_error() -> None:
    df = srs(20)
    with pytest.raises(DataValidationError) as info:
        Design(df, strata="nope", clusters="psu", fpc="vote", lonely_psu="ignore")
    message = str(info.value)
    for fragment in ("'nope' is not in the data", "'psu' is not in the data",
                     "fpc column 'vote' has non-numeric", "lonely_psu"):
        assert fragment in message, message


def test_non_numeric_targets_and_bad_codes_are_weighting_errors() -> None:
    from opinion.survey import rake_weights

    d = Design(srs(40))
    with pytest.raises(WeightingError, match="target of 'F' is not a number"):
        d.poststratify("sex", {"F": "half", "M": 0.5})
    with pytest.raises(WeightingError, match="target of 'x' is not a number"):
        d.calibrate(totals={"x": "lots"}, population=100)
    with pytest.raises(WeightingError, match="integers in 0..1"):
        rake_weights(np.ones(3), [np.array([0, 1, 5])], [np.array([1.0, 2.0])])
