"""Tests for opinion.survey.intervals.

Reference values come from closed forms written out here (normal-approximation margins, the
Wilson score formula, Goodman's multinomial formula, pooled/unpooled two-sample z), from
scipy.stats.beta quantiles (Clopper-Pearson, Jeffreys) and from a seeded Monte-Carlo
multinomial simulation (lead variance) -- never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from opinion.errors import ModelInputError, OpinionError
from opinion.survey.intervals import (
    DifferenceTest,
    LeadTest,
    deff_from_moe,
    difference_test,
    effective_n,
    lead_moe,
    lead_test,
    margin_of_error,
    multinomial_ci,
    proportion_ci,
    z_value,
)

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975), to 16 digits


def wilson_by_hand(x: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval, textbook formula."""
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


# ----------------------------------------------------------------------------- margins


def test_moe_ipsos_n1005_is_3_09_points():
    # 1.96 * sqrt(0.25 / 1005) * 100 = 3.0913 points (the published "+/- 3.1")
    moe = margin_of_error(1005)
    assert isinstance(moe, float)
    assert moe == pytest.approx(Z95 * math.sqrt(0.25 / 1005) * 100, rel=1e-12)
    assert round(moe, 2) == 3.09


def test_moe_with_deff_and_level():
    # deff multiplies the variance; 90% level uses z = 1.644853626951...
    assert margin_of_error(1000, 0.3, deff=2.0) == pytest.approx(
        Z95 * math.sqrt(2.0 * 0.21 / 1000) * 100, rel=1e-12
    )
    assert margin_of_error(1000, level=0.90) == pytest.approx(
        1.6448536269514722 * math.sqrt(0.25 / 1000) * 100, rel=1e-12
    )
    assert z_value(0.95) == pytest.approx(Z95, rel=1e-14)


def test_moe_vectorised_numpy_and_pandas():
    n = np.array([100.0, 400.0, 1600.0])
    out = margin_of_error(n)
    assert isinstance(out, np.ndarray)
    # quadrupling n halves the margin
    np.testing.assert_allclose(out[:-1] / out[1:], [2.0, 2.0], rtol=1e-12)
    s = pd.Series([1000, 500], index=["poll_a", "poll_b"])
    out_s = margin_of_error(s, p=pd.Series([0.5, 0.2], index=s.index), deff=1.5)
    assert isinstance(out_s, pd.Series)
    assert list(out_s.index) == ["poll_a", "poll_b"]
    assert out_s["poll_b"] == pytest.approx(Z95 * math.sqrt(1.5 * 0.16 / 500) * 100)


def test_deff_round_trip_and_effective_n():
    for n, deff, p in [(1005, 1.0, 0.5), (1500, 1.8, 0.5), (800, 2.4, 0.3)]:
        moe = margin_of_error(n, p, deff=deff)
        assert deff_from_moe(n, moe, p) == pytest.approx(deff, rel=1e-12)
    # the design-doc formula at p = .5: deff = n (moe / 1.96)^2 / .25, moe as a fraction
    assert deff_from_moe(1000, 4.0) == pytest.approx(1000 * (0.04 / Z95) ** 2 / 0.25)
    assert effective_n(1200, 1.5) == pytest.approx(800.0)
    np.testing.assert_allclose(effective_n(np.array([100, 300]), 2.0), [50.0, 150.0])


# ----------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(("x", "n"), [(0, 20), (3, 20), (10, 20), (520, 1005), (1005, 1005)])
def test_wilson_matches_closed_form(x, n):
    lo, hi = proportion_ci(x / n, n, method="wilson")  # percent
    elo, ehi = wilson_by_hand(x, n)
    assert lo == pytest.approx(100 * max(elo, 0.0), abs=1e-10)
    assert hi == pytest.approx(100 * min(ehi, 1.0), abs=1e-10)
    # counts=True gives the same interval
    assert proportion_ci(x, n, counts=True) == pytest.approx((lo, hi), abs=1e-15)


def test_wilson_with_deff_uses_effective_n_and_count():
    # p = .52 of n = 1200 with deff 1.5 -> effective n = 800, effective count = 416
    lo, hi = proportion_ci(0.52, 1200, deff=1.5)
    assert (lo, hi) == pytest.approx([100 * b for b in wilson_by_hand(416, 800)], abs=1e-10)


@pytest.mark.parametrize("method", ["beta", "clopper_pearson"])
@pytest.mark.parametrize(("x", "n"), [(1, 30), (7, 30), (400, 1000)])
def test_clopper_pearson_matches_beta_quantiles(method, x, n):
    alpha = 0.05
    lo, hi = proportion_ci(x, n, counts=True, method=method)
    assert lo == pytest.approx(100 * stats.beta.ppf(alpha / 2, x, n - x + 1), rel=1e-9)
    assert hi == pytest.approx(100 * stats.beta.ppf(1 - alpha / 2, x + 1, n - x), rel=1e-9)


def test_clopper_pearson_boundaries():
    # x = 0: lower 0, upper = 1 - (alpha/2)^(1/n)
    lo, hi = proportion_ci(0, 25, counts=True, method="beta")
    assert lo == 0.0
    assert hi == pytest.approx(100 * (1 - 0.025 ** (1 / 25)), rel=1e-9)


def test_jeffreys_matches_beta_posterior_quantiles_and_boundary_rule():
    lo, hi = proportion_ci(7, 40, counts=True, method="jeffreys", level=0.9)
    assert lo == pytest.approx(100 * stats.beta.ppf(0.05, 7.5, 33.5), rel=1e-9)
    assert hi == pytest.approx(100 * stats.beta.ppf(0.95, 7.5, 33.5), rel=1e-9)
    lo0, hi0 = proportion_ci(0.0, 40, method="jeffreys")
    assert lo0 == 0.0  # Brown-Cai-DasGupta: lower bound 0 when x = 0
    assert hi0 == pytest.approx(100 * stats.beta.ppf(0.975, 0.5, 40.5), rel=1e-9)


def test_normal_and_agresti_coull_closed_forms():
    p, n = 0.3, 200
    lo, hi = proportion_ci(p, n, method="normal")
    half = Z95 * math.sqrt(p * (1 - p) / n)
    assert (lo, hi) == pytest.approx((100 * (p - half), 100 * (p + half)), abs=1e-10)
    # Agresti-Coull: n~ = n + z^2, p~ = (x + z^2/2) / n~
    nt = n + Z95**2
    pt = (p * n + Z95**2 / 2) / nt
    half = Z95 * math.sqrt(pt * (1 - pt) / nt)
    lo, hi = proportion_ci(p, n, method="agresti_coull")
    assert (lo, hi) == pytest.approx((100 * (pt - half), 100 * (pt + half)), abs=1e-10)


def test_proportion_ci_vectorised_returns_series():
    p = pd.Series([0.2, 0.5], index=["a", "b"])
    lo, hi = proportion_ci(p, 100)
    assert isinstance(lo, pd.Series) and list(lo.index) == ["a", "b"]
    assert (lo["b"], hi["b"]) == pytest.approx([100 * b for b in wilson_by_hand(50, 100)],
                                               abs=1e-10)


def test_multinomial_goodman_closed_form_and_shares():
    counts = pd.Series({"yes": 520, "no": 380, "dk": 105})
    out = multinomial_ci(counts)
    assert list(out.index) == ["yes", "no", "dk"]
    assert list(out.columns) == ["share", "lower_95", "upper_95"]  # percent
    # Goodman (1965): A = chi2_1 quantile at 1 - alpha/k;
    # bounds = (A + 2x -+ sqrt(A (A + 4 x (n - x) / n))) / (2 (n + A))
    n, k = counts.sum(), len(counts)
    A = stats.chi2.ppf(1 - 0.05 / k, 1)
    for name, x in counts.items():
        root = math.sqrt(A * (A + 4 * x * (n - x) / n))
        assert out.loc[name, "lower_95"] == pytest.approx(
            100 * (A + 2 * x - root) / (2 * (n + A)))
        assert out.loc[name, "upper_95"] == pytest.approx(
            100 * (A + 2 * x + root) / (2 * (n + A)))
        assert out.loc[name, "share"] == pytest.approx(100 * x / n)
    # shares + n give the same intervals as the counts
    from_shares = multinomial_ci(counts / n, n=n)
    pd.testing.assert_frame_equal(from_shares, out, rtol=1e-12)


def test_multinomial_rejects_shares_not_summing_to_one():
    with pytest.raises(ModelInputError, match="sum to 1"):
        multinomial_ci([0.5, 0.3], n=1000)
    with pytest.raises(ModelInputError, match="unknown multinomial"):
        multinomial_ci([5, 6], method="bogus")


# ----------------------------------------------------------------------------- lead


def test_lead_moe_closed_form():
    p1, p2, n = 0.48, 0.45, 1000
    expected = Z95 * math.sqrt((p1 + p2 - (p1 - p2) ** 2) / n) * 100
    assert lead_moe(p1, p2, n) == pytest.approx(expected, rel=1e-12)
    # with deff the variance scales by deff
    assert lead_moe(p1, p2, n, deff=2.0) == pytest.approx(expected * math.sqrt(2.0), rel=1e-12)
    # two-way race (p1 + p2 = 1): the lead's margin is exactly twice the share's margin
    assert lead_moe(0.5, 0.5, 1005) == pytest.approx(2 * margin_of_error(1005), rel=1e-12)


def test_lead_se_matches_monte_carlo_multinomial():
    # 200,000 multinomial polls of n = 800 with shares (.44, .41, .15); sd of the lead
    rng = np.random.default_rng(20240601)
    p, n = np.array([0.44, 0.41, 0.15]), 800
    draws = rng.multinomial(n, p, size=200_000) / n
    sd_mc = np.std(draws[:, 0] - draws[:, 1])
    res = lead_test(0.44, 0.41, n)
    # Monte-Carlo sd has relative s.e. ~ 1/sqrt(2 * 200000) = 0.16%; allow 1%
    assert res.se == pytest.approx(100 * sd_mc, rel=0.01)  # points
    assert lead_moe(0.44, 0.41, n) == pytest.approx(Z95 * sd_mc * 100, rel=0.01)


def test_lead_test_fields():
    res = lead_test(0.48, 0.45, 1000)
    assert isinstance(res, LeadTest)
    se = math.sqrt((0.93 - 0.03**2) / 1000)
    assert res.estimate == pytest.approx(3.0)  # percentage points
    assert res.se == pytest.approx(100 * se)
    assert res.statistic == pytest.approx(0.03 / se) and res.z == res.statistic
    assert res.pvalue == pytest.approx(2 * stats.norm.sf(0.03 / se))
    assert (res.lower, res.upper) == pytest.approx(
        (100 * (0.03 - Z95 * se), 100 * (0.03 + Z95 * se)))
    frame = res.to_frame()
    assert frame.shape == (1, 7)
    assert {"lower_95", "upper_95"} <= set(frame.columns) and "lower" not in frame.columns
    with pytest.raises(ModelInputError, match="must not exceed 1"):
        lead_test(0.6, 0.5, 1000)


# ----------------------------------------------------------------------------- two polls


def test_difference_wald_is_unpooled_z():
    p1, n1, p2, n2 = 0.52, 1000, 0.47, 1200
    res = difference_test(p1, n1, p2, n2, method="wald")
    assert isinstance(res, DifferenceTest)
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    assert res.diff == pytest.approx(5.0)  # percentage points
    assert res.statistic == pytest.approx(0.05 / se, rel=1e-9)
    assert res.pvalue == pytest.approx(2 * stats.norm.sf(0.05 / se), rel=1e-9)
    assert (res.lower, res.upper) == pytest.approx(
        (100 * (0.05 - Z95 * se), 100 * (0.05 + Z95 * se)), rel=1e-9)
    assert list(res.to_frame().columns[1:3]) == ["lower_95", "upper_95"]


def test_difference_score_is_pooled_z():
    p1, n1, p2, n2 = 0.52, 1000, 0.47, 1200
    res = difference_test(p1, n1, p2, n2, method="score", correction=False)
    pool = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    assert res.statistic == pytest.approx(z, rel=1e-6)
    assert res.lower < res.diff < res.upper


def test_difference_uses_effective_sample_sizes():
    # deff 2 on 1000 and deff 1.5 on 1200 == plain test on 500 and 800
    a = difference_test(0.52, 1000, 0.47, 1200, deff1=2.0, deff2=1.5)
    b = difference_test(0.52, 500, 0.47, 800)
    assert (a.n1_eff, a.n2_eff) == (500.0, 800.0)
    assert a.statistic == pytest.approx(b.statistic)
    assert (a.lower, a.upper) == pytest.approx((b.lower, b.upper))
    d = a.to_dict()
    assert set(d) >= {"diff", "lower", "upper", "statistic", "pvalue"}


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: margin_of_error(0), "n must be"),
        (lambda: margin_of_error(-5), "n must be"),
        (lambda: margin_of_error(1000, 52), "proportion in \\[0, 1\\]"),
        (lambda: margin_of_error(1000, -0.1), "proportion"),
        (lambda: margin_of_error(1000, deff=0), "deff must be"),
        (lambda: margin_of_error(1000, level=95), "level"),
        (lambda: margin_of_error(np.array([100, np.nan])), "NaN"),
        (lambda: proportion_ci(0.5, 100, method="laplace"), "unknown interval method"),
        (lambda: proportion_ci(120, 100, counts=True), "between 0 and n"),
        (lambda: proportion_ci(1.2, 100), "proportion"),
        (lambda: deff_from_moe(1000, 3.0, p=1.0), "strictly between"),
        (lambda: difference_test(0.5, 100, 0.4, 0), "n2 must be"),
        (lambda: difference_test(0.5, 100, 0.4, 100, method="nope"), "unknown difference"),
        (lambda: margin_of_error("many"), "numeric"),
    ],
)
def test_bad_inputs_raise_opinion_errors(call, match):
    with pytest.raises(ModelInputError, match=match) as info:
        call()
    assert isinstance(info.value, OpinionError)


# ----------------------------------------------------------------------------- properties

METHODS = ["wilson", "jeffreys", "agresti_coull", "beta", "normal"]
probs = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
sizes = st.integers(min_value=1, max_value=100_000)
deffs = st.floats(min_value=1.0, max_value=5.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(p=probs, n=sizes, deff=deffs, method=st.sampled_from(METHODS))
def test_property_interval_contains_estimate(p, n, deff, method):
    lo, hi = proportion_ci(p, n, deff=deff, method=method)  # percent
    assert 0.0 <= lo <= 100 * p + 1e-10
    assert 100 * p - 1e-10 <= hi <= 100.0


@settings(max_examples=150, deadline=None)
@given(
    p=probs,
    n=sizes,
    d1=deffs,
    extra=st.floats(min_value=0.01, max_value=3.0),
    method=st.sampled_from(METHODS),
)
def test_property_wider_with_larger_deff(p, n, d1, extra, method):
    lo1, hi1 = proportion_ci(p, n, deff=d1, method=method)
    lo2, hi2 = proportion_ci(p, n, deff=d1 + extra, method=method)
    assert hi2 - lo2 >= hi1 - lo1 - 1e-10
    assert margin_of_error(n, p, deff=d1 + extra) >= margin_of_error(n, p, deff=d1)


@settings(max_examples=150, deadline=None)
@given(
    p=probs,
    n=sizes,
    levels=st.lists(st.floats(min_value=0.5, max_value=0.999), min_size=2, max_size=2),
    method=st.sampled_from(METHODS),
)
def test_property_nested_in_level(p, n, levels, method):
    low_level, high_level = sorted(levels)
    lo1, hi1 = proportion_ci(p, n, level=low_level, method=method)
    lo2, hi2 = proportion_ci(p, n, level=high_level, method=method)
    assert lo2 <= lo1 + 1e-10
    assert hi2 >= hi1 - 1e-10
    assert lead_moe(p / 2, p / 3, n, level=high_level) >= lead_moe(
        p / 2, p / 3, n, level=low_level
    )
