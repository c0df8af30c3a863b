"""Weighting: raking against weightipy, bad input, bounds, diagnostics, immutability.

Reference values: weightipy (an independent raking implementation, run here on the same
inputs), closed forms (Kish's deff, post-stratification ratios) and the definitions of the
margins themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import weightipy as wp

from opinion.errors import ConvergenceError, OpinionError, WeightingError
from opinion.survey.design import Design

TARGETS_PCT = {
    "age": {"18-29": 20, "30-44": 25, "45-64": 33, "65+": 22},
    "sex": {"F": 51, "M": 49},
    "educ": {"hs": 37, "some": 28, "ba": 35},
}


def sample(n: int = 4000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.choice(["18-29", "30-44", "45-64", "65+"], n, p=[0.1, 0.2, 0.35, 0.35])
    sex = np.where(rng.random(n) < 0.55 + 0.1 * (age == "65+"), "F", "M")
    educ = rng.choice(["hs", "some", "ba"], n, p=[0.2, 0.3, 0.5])
    vote = np.where(rng.random(n) < 0.45 + 0.1 * (sex == "F"), "A", "B")
    return pd.DataFrame({"age": age, "sex": sex, "educ": educ, "vote": vote,
                         "w0": rng.uniform(0.5, 2.0, n)})


def test_raking_matches_weightipy() -> None:
    df = sample()
    scheme = wp.scheme_from_dict(TARGETS_PCT, rim_params={"convcrit": 1e-14,
                                                          "max_iterations": 5000})
    theirs = wp.weight(df[["age", "sex", "educ"]], scheme).to_numpy()
    ours = Design(df).rake(TARGETS_PCT, kind="percent", total=len(df), tol=1e-14)
    np.testing.assert_allclose(ours.weights.to_numpy(), theirs, rtol=1e-8, atol=0)


def test_raked_margins_hit_targets_and_proportions_scale_to_total() -> None:
    df = sample()
    d = Design(df, weights="w0")
    props = {v: {k: p / 100 for k, p in dist.items()} for v, dist in TARGETS_PCT.items()}
    r = d.rake(props)
    w = r.weights.to_numpy()
    assert w.sum() == pytest.approx(df["w0"].sum(), rel=1e-12)  # default total: sum of weights
    for var, dist in props.items():
        shares = pd.Series(w).groupby(df[var].to_numpy()).sum() / w.sum()
        for cat, p in dist.items():
            assert shares[cat] == pytest.approx(p, abs=1e-9)


def test_weighting_returns_new_object() -> None:
    df = sample()
    before = df.copy()
    d = Design(df, weights="w0")
    w_before = d.weights.to_numpy().copy()
    r = d.rake(TARGETS_PCT, kind="percent")
    p = d.poststratify("sex", {"F": 0.51, "M": 0.49})
    t = r.trim(upper=1.5)
    assert r is not d and p is not d and t is not r
    np.testing.assert_array_equal(d.weights.to_numpy(), w_before)
    pd.testing.assert_frame_equal(df, before)
    assert d.steps == () and [s.method for s in t.steps] == ["rake", "trim"]


def test_poststratification_is_cell_ratio() -> None:
    df = sample()
    d = Design(df, weights="w0").poststratify(["sex", "educ"], {
        ("F", "hs"): 0.2, ("F", "some"): 0.15, ("F", "ba"): 0.16,
        ("M", "hs"): 0.17, ("M", "some"): 0.13, ("M", "ba"): 0.19,
    }, total=1000)
    w = d.weights.to_numpy()
    for _, g in df.groupby(["sex", "educ"]):
        ratio = w[g.index] / df.loc[g.index, "w0"].to_numpy()
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)  # one factor per cell
    assert w.sum() == pytest.approx(1000)
    assert w[(df.sex == "F") & (df.educ == "hs")].sum() == pytest.approx(200)


def test_targets_from_long_table_and_value_labels() -> None:
    df = pd.DataFrame({"sex": [1, 2, 2, 1, 2, 1, 1, 2], "x": np.arange(8.0)})
    labels = {"sex": {1: "Male", 2: "Female"}}
    table = pd.DataFrame({"variable": ["sex", "sex"], "category": ["Male", "Female"],
                          "target": [0.4, 0.6]})
    d = Design(df, value_labels=labels).rake(table)
    w = d.weights.to_numpy()
    assert w[df.sex == 1].sum() / w.sum() == pytest.approx(0.4)
    # codes given as text match numeric codes too
    d2 = Design(df).rake({"sex": {"1": 0.4, "2.0": 0.6}})
    np.testing.assert_allclose(d2.weights, w)


# ------------------------------------------------------------------ bad input
def test_proportions_not_summing_to_one() -> None:
    with pytest.raises(WeightingError, match=r"'educ' sum to 0\.9"):
        Design(sample()).rake({"sex": {"F": 0.5, "M": 0.5},
                               "educ": {"hs": 0.3, "some": 0.3, "ba": 0.3}})


def test_target_category_absent_from_data() -> None:
    with pytest.raises(WeightingError, match=r"'Other'.*'sex'.*does not occur"):
        Design(sample()).rake({"sex": {"F": 0.5, "M": 0.4, "Other": 0.1}})


def test_data_category_without_target() -> None:
    with pytest.raises(WeightingError, match=r"'some' of variable 'educ'.*no target"):
        Design(sample()).rake({"educ": {"hs": 0.5, "ba": 0.5}})


def test_empty_cell_in_poststratification() -> None:
    df = sample()
    df = df[~((df.sex == "M") & (df.educ == "hs"))].reset_index(drop=True)
    cells = {(s, e): 1 / 6 for s in ("F", "M") for e in ("hs", "some", "ba")}
    with pytest.raises(WeightingError, match=r"empty cell.*sex x educ.*\('M', 'hs'\)"):
        Design(df).poststratify(["sex", "educ"], cells)


def test_zero_target_for_existing_respondents() -> None:
    with pytest.raises(WeightingError, match=r"'M' of variable 'sex' has a zero target"):
        Design(sample()).rake({"sex": {"F": 1.0, "M": 0.0}})


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_zero_negative_or_missing_weights(bad: float) -> None:
    df = sample()
    df.loc[17, "w0"] = bad
    with pytest.raises(WeightingError, match=r"w0.*row 17"):
        Design(df, weights="w0")


def test_missing_values_in_weighting_variable() -> None:
    df = sample()
    df.loc[[3, 9], "age"] = None
    with pytest.raises(WeightingError, match=r"'age' has 2 missing value\(s\) \(rows 3, 9\)"):
        Design(df).rake({"age": {k: v / 100 for k, v in TARGETS_PCT["age"].items()}})


def test_raking_that_cannot_converge() -> None:
    # every man is 65+: 49% men but 22% aged 65+ cannot both hold
    df = sample()
    df.loc[df.sex == "M", "age"] = "65+"
    with pytest.raises(ConvergenceError, match=r"did not converge.*category '.*' of variable"):
        Design(df).rake(TARGETS_PCT, kind="percent", max_iter=50)


def test_count_targets_with_different_totals() -> None:
    with pytest.raises(WeightingError, match=r"disagree.*'sex'.*'educ'"):
        Design(sample()).rake({"sex": {"F": 510, "M": 490},
                               "educ": {"hs": 370, "some": 280, "ba": 300}})


def test_missing_weighting_column_and_bad_layout() -> None:
    with pytest.raises(WeightingError, match="'region' is not a column"):
        Design(sample()).rake({"region": {"N": 1.0}})
    with pytest.raises(WeightingError, match="variable, category, target"):
        Design(sample()).rake(pd.DataFrame({"var": ["sex"], "cat": ["F"], "t": [1]}))
    assert issubclass(ConvergenceError, OpinionError)


# ------------------------------------------------------------------ bounds and trimming
def test_cap_inside_raking_holds_margins_and_bound() -> None:
    df = sample()
    d = Design(df)
    free = d.rake(TARGETS_PCT, kind="percent")
    assert free.weights.max() / free.weights.mean() > 2.1
    capped = d.rake(TARGETS_PCT, kind="percent", cap=2.1)
    w = capped.weights.to_numpy()
    assert w.max() <= 2.1 * w.mean() * (1 + 1e-9)
    for var, dist in TARGETS_PCT.items():
        shares = pd.Series(w).groupby(df[var].to_numpy()).sum() / w.sum() * 100
        for cat, p in dist.items():
            assert shares[cat] == pytest.approx(p, abs=1e-6)


def test_trim_then_rerake() -> None:
    df = sample()
    r = Design(df).rake(TARGETS_PCT, kind="percent")
    t = r.trim(upper=2.1, rerake=True)
    w = t.weights.to_numpy()
    assert w.max() <= 2.1 * w.mean() * (1 + 1e-9)
    shares = pd.Series(w).groupby(df["age"].to_numpy()).sum() / w.sum() * 100
    assert shares["65+"] == pytest.approx(22, abs=1e-6)


def test_impossible_cap_raises_convergence_error() -> None:
    with pytest.raises(ConvergenceError, match="bounded"):
        Design(sample()).rake(TARGETS_PCT, kind="percent", cap=1.05, max_iter=100)


def test_trim_keeps_total_and_redistributes_equally() -> None:
    w0 = np.array([1.0, 1.0, 1.0, 1.0, 6.0])
    d = Design(pd.DataFrame({"x": np.arange(5.0)}), weights=w0).trim(upper=4, relative=False)
    # 2 trimmed off the big weight, shared by the four others: R trimWeights
    np.testing.assert_allclose(d.weights, [1.5, 1.5, 1.5, 1.5, 4.0])


# ------------------------------------------------------------------ diagnostics
def test_diagnostics_kish_and_asmd() -> None:
    df = sample()
    d = Design(df, weights="w0")
    r = d.rake(TARGETS_PCT, kind="percent")
    diag = r.diagnostics()
    for col, w in (("before", df["w0"].to_numpy()), ("after", r.weights.to_numpy())):
        kish = len(w) * np.sum(w**2) / np.sum(w) ** 2
        assert diag.loc["kish_deff", col] == pytest.approx(kish)
        assert diag.loc["effective_n", col] == pytest.approx(np.sum(w) ** 2 / np.sum(w**2))
        assert diag.loc["n", col] == len(w)
        assert diag.loc["sum_weights", col] == pytest.approx(w.sum())
        assert diag.loc["max", col] == pytest.approx(w.max())
        assert diag.loc["p50", col] == pytest.approx(np.median(w))
    # ASMD of age before: sample shares vs targets, standardised by the target sd
    p = pd.Series(df["w0"].to_numpy()).groupby(df["age"].to_numpy()).sum()
    p = p / p.sum()
    t = pd.Series(TARGETS_PCT["age"]) / 100
    expected = np.mean(np.abs(p[t.index] - t) / np.sqrt(t * (1 - t)))
    assert diag.loc["asmd:age", "before"] == pytest.approx(expected)
    for var in TARGETS_PCT:
        assert diag.loc[f"asmd:{var}", "after"] < 1e-8
    assert diag.loc["asmd:age", "before"] > 0.1
