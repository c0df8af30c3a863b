"""The poll average against exact references, and its Kalman arm against its other arms.

Exact (default suite, no sampling):

1. The statsmodels Kalman smoother against dense Gaussian conditioning computed here in
   numpy: with the variances known, the posterior of a random walk observed with Gaussian
   noise follows from the joint covariance of the walk, the house effects and the
   observations (closed form, no recursion).
2. The Kalman arm's marginal likelihood (``likelihood="kalman"``: the daily path integrated
   out inside the PyMC model, a tridiagonal-precision Op) against the statsmodels Kalman
   filter's log-likelihood at fixed parameters (to 1e-8), and against a dense multivariate
   normal with an election anchor and with separate series per question.
3. Its path draws (forward filtering, backward sampling in precision form) against the
   statsmodels smoother: exact mean and variance, and Monte Carlo draws within their error.
4. The Op's gradient against finite differences, in Python and numba.

With sampling:

5. The fitted Kalman arm (the France 2022 run-off) against the smoother at its
   posterior-median variances, and its pollster with a single poll getting the widest house
   interval (default suite).
6. The Kalman arm against the same Gaussian model with the path sampled by NUTS, and
   against the binomial likelihood on a daily walk (slow): the same daily trend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
from scipy.special import expit, logit
from scipy.stats import multivariate_normal, norm

from opinion.errors import ModelInputError
from opinion.frames.pollframe import PollFrame
from opinion.models import PollAverage
from opinion.models.poll_average import paths
from opinion.models.poll_average.config import pp_to_logit
from opinion.models.poll_average.kalman import KalmanInputs, PollStateSpace
from opinion.models.poll_average.marginal import (
    ANCHOR_SD,
    DailyChain,
    marginal_design,
    marginal_logp,
    prior_precision,
)
from opinion.models.poll_average.simulate import simulate_polls
from opinion.models.poll_average.tridiagonal import (
    gaussian_chain_loglik,
    posterior_mean,
    posterior_variance,
)

LEVEL_SD = 1.5  # PollAverageConfig.level_sd_logit default


def _frame(rows: list[tuple[str, str, str, float, int]]) -> PollFrame:
    """Two-category polls (poll_id, pollster, end date, pct of "yes", n), fielded in one day."""
    records = []
    for poll_id, pollster, day, pct, n in rows:
        for response, value in (("yes", pct), ("no", 100 - pct)):
            records.append({"poll_id": poll_id, "pollster": pollster, "start_date": day,
                            "end_date": day, "population": "a", "n": n, "question_id": "q",
                            "response": response, "pct": value})
    return PollFrame.from_frame(pd.DataFrame(records))


def _dense_posterior(day, pollster_idx, y, obs_var, n_days, n_pollsters, start, sigma_rw,
                     sigma_house):
    """Posterior mean and sd of the daily latent by direct Gaussian conditioning.

    Latent ``eta_t = eta_0 + sum of t steps``: ``Cov(eta_s, eta_t) = LEVEL_SD^2 + min(s, t) q``
    with ``q = sigma_rw^2 / 30``; house effects zero-sum normal, ``Cov = s_h^2 (I - J/P)``;
    ``y_i = eta_{d_i} + house_{p_i} + e_i``, ``e_i ~ N(0, obs_var_i)``.
    """
    t = np.arange(n_days)
    c_eta = LEVEL_SD**2 + np.minimum.outer(t, t) * sigma_rw**2 / 30.0
    c_house = sigma_house**2 * (np.eye(n_pollsters) - 1.0 / n_pollsters)
    c_yy = (c_eta[np.ix_(day, day)] + c_house[np.ix_(pollster_idx, pollster_idx)]
            + np.diag(obs_var))
    c_ty = c_eta[:, day]
    gain = np.linalg.solve(c_yy, c_ty.T).T
    mean = start + gain @ (y - start)
    var = np.diag(c_eta) - np.einsum("ij,ij->i", gain, c_ty)
    return mean, np.sqrt(var)


@pytest.mark.parametrize("pollsters", [["A"] * 6, ["A", "B", "C", "A", "B", "C"]])
def test_kalman_equals_dense_gaussian_conditioning(pollsters):
    # Six polls over 40 days, two on the same day (day 17); one pollster, or three with
    # zero-sum house effects. Reference: dense conditioning above (independent of statsmodels).
    days = ["2022-03-01", "2022-03-05", "2022-03-18", "2022-03-18", "2022-03-30", "2022-04-09"]
    pcts = [52.0, 49.0, 55.0, 47.5, 51.0, 53.0]
    ns = [1000, 800, 1200, 600, 1500, 900]
    rows = [(f"p{i}", pollsters[i], days[i], pcts[i], ns[i]) for i in range(6)]
    model = PollAverage(_frame(rows), field_period=False)
    sigma_rw_pp, tau_pp, house_pp = 4.0, 1.5, 2.0
    kal = model.kalman(sigma_rw_pp=sigma_rw_pp, tau_pp=tau_pp, sigma_house_pp=house_pp,
                       midpoint=False)

    y_share = np.array(pcts) / 100
    y = logit(y_share)
    obs_var = 1.0 / (np.array(ns) * y_share * (1 - y_share)) + pp_to_logit(tau_pp) ** 2
    day = (pd.to_datetime(days) - pd.Timestamp(days[0])).days.to_numpy()
    names = sorted(set(pollsters))
    p_idx = np.array([names.index(p) for p in pollsters])
    start = logit(y_share.mean())
    mean, sd = _dense_posterior(day, p_idx, y, obs_var, day.max() + 1, len(names), start,
                                pp_to_logit(sigma_rw_pp), pp_to_logit(house_pp))
    np.testing.assert_allclose(kal.mean_logit, mean, rtol=0, atol=1e-8)
    np.testing.assert_allclose(kal.sd_logit, sd, rtol=0, atol=1e-8)


# ----------------------------------------------------------------- the quick look's tables
_QUICK_DAYS = ["2022-03-01", "2022-03-05", "2022-03-18", "2022-03-18", "2022-03-30",
               "2022-04-09"]
_QUICK_PCTS = [52.0, 49.0, 55.0, 47.5, 51.0, 53.0]
_QUICK_NS = [1000, 800, 1200, 600, 1500, 900]
_QUICK_POLLSTERS = ["A", "B", "C", "A", "B", "C"]
_QUICK_SCALES = {"sigma_rw_pp": 4.0, "tau_pp": 1.5, "sigma_house_pp": 2.0}


@pytest.fixture(scope="module")
def quick():
    """The quick look at fixed variances (six polls, three pollsters, 40 days), and its
    dense-conditioning reference: the joint posterior of every day and house effect."""
    rows = [(f"p{i}", _QUICK_POLLSTERS[i], _QUICK_DAYS[i], _QUICK_PCTS[i], _QUICK_NS[i])
            for i in range(6)]
    kal = PollAverage(_frame(rows), field_period=False).kalman(**_QUICK_SCALES, midpoint=False)
    y_share = np.array(_QUICK_PCTS) / 100
    y = logit(y_share)
    obs_var = (1.0 / (np.array(_QUICK_NS) * y_share * (1 - y_share))
               + pp_to_logit(_QUICK_SCALES["tau_pp"]) ** 2)
    day = (pd.to_datetime(_QUICK_DAYS) - pd.Timestamp(_QUICK_DAYS[0])).days.to_numpy()
    names = sorted(set(_QUICK_POLLSTERS))
    p_idx = np.array([names.index(p) for p in _QUICK_POLLSTERS])
    n_days, sigma_rw = day.max() + 1, pp_to_logit(_QUICK_SCALES["sigma_rw_pp"])
    sigma_h = pp_to_logit(_QUICK_SCALES["sigma_house_pp"])
    t = np.arange(n_days)
    c_eta = LEVEL_SD**2 + np.minimum.outer(t, t) * sigma_rw**2 / 30.0
    c_house = sigma_h**2 * (np.eye(len(names)) - 1.0 / len(names))
    c_yy = (c_eta[np.ix_(day, day)] + c_house[np.ix_(p_idx, p_idx)] + np.diag(obs_var))
    start = logit(y_share.mean())
    cross = np.vstack([c_eta[:, day], c_house[:, p_idx]])  # (days + pollsters) x polls
    gain = np.linalg.solve(c_yy, cross.T).T
    mean = np.r_[np.full(n_days, start), np.zeros(len(names))] + gain @ (y - start)
    prior = np.block([[c_eta, np.zeros((n_days, len(names)))],
                      [np.zeros((len(names), n_days)), c_house]])
    cov = prior - gain @ cross.T
    return kal, {"mean": mean, "cov": cov, "n_days": n_days, "pollsters": names}


def test_quick_look_trend_has_every_response_in_percent(quick) -> None:
    kal, _ = quick
    trend = kal.trend()
    assert list(trend.columns) == ["date", "response", "mean", "lower_90", "upper_90"]
    assert list(dict.fromkeys(trend["response"])) == ["yes", "no"]
    wide = trend.pivot(index="date", columns="response")
    np.testing.assert_allclose(wide["mean"]["yes"] + wide["mean"]["no"], 100, atol=1e-9)
    np.testing.assert_allclose(wide["lower_90"]["no"], 100 - wide["upper_90"]["yes"])
    assert ((trend["lower_90"] < trend["mean"]) & (trend["mean"] < trend["upper_90"])).all()
    # the quantiles of the logit normal, exactly
    z = norm.ppf(0.95)
    np.testing.assert_allclose(wide["upper_90"]["yes"],
                               100 * expit(kal.mean_logit + z * kal.sd_logit))
    assert list(kal.trend(0.8).columns[-2:]) == ["lower_80", "upper_80"]
    assert set(kal.trend(response="no")["response"]) == {"no"}
    with pytest.raises(ModelInputError, match=r"unknown response 'yess' \(did you mean 'yes'"):
        kal.trend(response="yess")


def test_quick_look_summary_known_answers(quick) -> None:
    kal, ref = quick
    summary = kal.summary()
    assert list(summary.columns) == ["mean", "lower_90", "upper_90"]
    assert "r_hat" not in summary and "maximum likelihood" in summary.attrs["note"]
    assert "no R-hat or ESS" in summary.attrs["note"]
    assert "PollAverage(polls, field_period=False).fit()" in summary.attrs["note"]
    last = kal.trend().query("date == date.max()").set_index("response")
    for resp in ("yes", "no"):
        row = summary.loc[f"latest share: {resp} (2022-04-09, %)"]
        np.testing.assert_allclose(row.to_numpy(),
                                   last.loc[resp, ["mean", "lower_90", "upper_90"]].to_numpy())
    # the fitted scales, given here, in pp at 50%: random walk per day, poll level, house
    assert summary.loc["random-walk sd per day (pp at 50%, given)", "mean"] == pytest.approx(
        4.0 / np.sqrt(30))
    assert summary.loc["poll-level error sd (pp at 50%, given)", "mean"] == pytest.approx(1.5)
    assert summary.loc["house-effect sd (pp at 50%, given)", "mean"] == pytest.approx(2.0)
    assert np.isnan(summary.loc["poll-level error sd (pp at 50%, given)", "lower_90"])


def test_quick_look_change_and_house_effects_match_dense_conditioning(quick) -> None:
    kal, ref = quick
    n = ref["n_days"]
    cov, mean = ref["cov"], ref["mean"]
    # the change over the last 30 days uses the joint covariance of the two days
    assert kal.change_days == 30
    np.testing.assert_allclose(kal.change_cov, cov[n - 1, n - 31], rtol=1e-6, atol=1e-10)
    draws = np.random.default_rng(5).multivariate_normal(
        mean[[n - 1, n - 31]], cov[np.ix_([n - 1, n - 31], [n - 1, n - 31])], 200_000)
    delta = 100 * (expit(draws[:, 0]) - expit(draws[:, 1]))
    change = kal.change().set_index("response")
    assert change.loc["yes", "mean"] == pytest.approx(delta.mean(), abs=0.02)
    assert change.loc["yes", "lower_90"] == pytest.approx(np.quantile(delta, 0.05), abs=0.05)
    assert change.loc["no", "upper_90"] == pytest.approx(-change.loc["yes", "lower_90"])
    # every pollster's house effect, the last one (zero-sum) included
    house = kal.house.set_index("pollster")
    np.testing.assert_allclose(house["mean_logit"], mean[n:], atol=1e-8)
    np.testing.assert_allclose(house["sd_logit"], np.sqrt(np.diag(cov)[n:]), atol=1e-8)
    table = kal.house_effects()
    assert list(table.columns) == ["pollster", "response", "mean", "lower_90", "upper_90"]
    assert len(table) == 6


def test_quick_look_plot_and_displays(quick) -> None:
    import matplotlib.pyplot as plt

    kal, _ = quick
    fig, ax = plt.subplots()
    assert kal.plot_trend(ax=ax) is ax
    assert len(ax.lines) == 2 and len(ax.collections) >= 2  # two lines, two bands (+ polls)
    plt.close(fig)
    own = kal.plot_trend(response="no")
    assert [line.get_label() for line in own.lines] == ["no"]
    plt.close(own.figure)
    text = repr(kal)
    assert text.count("\n") <= 4 and "2022-03-01..2022-04-09" in text and "6 polls" in text
    assert "yes 5" in text and "responses: yes, no" in text and "DatetimeIndex" not in text
    page = kal._repr_html_()
    assert "<table" in page and "lower_90" in page and "R-hat" in page


def test_quick_look_multi_category_question_names_the_full_model() -> None:
    from opinion import datasets

    france = datasets.load("france2022")
    with pytest.raises(ModelInputError) as err:
        PollAverage(france, questions="fr2022_round1").kalman()
    message = str(err.value)
    assert "13 responses" in message
    assert "PollAverage(polls, questions='fr2022_round1').fit()" in message


# ----------------------------------------------------------------- the Kalman arm, exactly
SIGMA_RW, TAU = 0.12, 0.05  # logit; sigma_rw per month


@pytest.fixture(scope="module")
def arm():
    """A Kalman-arm model (200 polls, 300 days, 6 pollsters), its design, and fixed house
    effects with the model's log-likelihood of the polls at them (python-mode compile)."""
    polls, _ = simulate_polls(200, 300, 6, seed=1)
    model = PollAverage(polls)
    assert model.likelihood == "kalman"  # "auto": two categories, large polls
    graph = model.build_model()
    house = np.random.default_rng(3).normal(0, 0.1, 6)
    house -= house.mean()
    point = graph.initial_point()
    point["sigma_rw_log__"] = np.log([SIGMA_RW])
    point["tau_log__"] = np.array(np.log(TAU))
    transform = graph.rvs_to_transforms[graph["house"]]
    point["house_zerosum__"] = transform.forward(pt.as_tensor(house[None, :])).eval()
    # Python (reference implementation of the Op) and numba (what nutpie samples)
    value = {mode: float(graph.compile_logp(vars=[graph["y"]], mode=mode)(point))
             for mode in ("FAST_COMPILE", "NUMBA")}
    implied = graph.compile_fn(graph.replace_rvs_by_values([graph["house"]])[0],
                               inputs=graph.value_vars, on_unused_input="ignore",
                               mode="FAST_COMPILE")(point)[0]
    return model, marginal_design(model), np.asarray(implied), value


def _statsmodels(model, design, house) -> PollStateSpace:
    """The statsmodels state space of the same polls with the house effects subtracted."""
    obs = design.observations
    offset = house[model._pollster_index()][obs.cell]
    inputs = KalmanInputs(day=obs.day, y=obs.y - offset, se2=obs.se2,
                          loadings=np.zeros((len(obs.y), 0)), effect_prior_cov=np.zeros((0, 0)),
                          house_block=slice(0, 0), effect_names=[],
                          n_days=model.inputs.n_days, start_level=design.start_level)
    return PollStateSpace(inputs, level_sd=design.level_sd)


def test_marginal_loglik_equals_statsmodels_kalman_filter(arm):
    model, design, house, value = arm
    assert abs(house.sum()) < 1e-12
    reference = _statsmodels(model, design, house).loglike(np.log([SIGMA_RW, TAU, 1.0]))
    print(f"\nlog-likelihood: PyMC graph {value['NUMBA']:.10f}, statsmodels {reference:.10f}")
    assert abs(value["FAST_COMPILE"] - reference) < 1e-8
    assert abs(value["NUMBA"] - reference) < 1e-8


def test_path_mean_and_variance_equal_statsmodels_smoother(arm):
    model, design, house, _ = arm
    smoothed = _statsmodels(model, design, house).smooth(np.log([SIGMA_RW, TAU, 1.0]))
    obs = design.observations
    d, e, c = prior_precision(np.array([SIGMA_RW**2 / 30]), design.start_level,
                              design.level_sd, design.chain)
    var = obs.se2 + TAU**2
    resid = obs.y - house[model._pollster_index()][obs.cell]
    np.add.at(d[:, 0], design.position, 1 / var)
    np.add.at(c[:, 0], design.position, resid / var)
    mean = posterior_mean(d, e, c)[:, 0]
    sd = np.sqrt(posterior_variance(d, e)[:, 0])
    ref_mean = smoothed.smoothed_state[0]
    ref_sd = np.sqrt(smoothed.smoothed_state_cov[0, 0])
    pp = 100 * np.abs(expit(mean) - expit(ref_mean)).max()
    print(f"\nsmoothed path: max |diff| {np.abs(mean - ref_mean).max():.2e} logit ({pp:.2e} pp)")
    np.testing.assert_allclose(mean, ref_mean, rtol=0, atol=1e-8)
    np.testing.assert_allclose(sd, ref_sd, rtol=0, atol=1e-8)
    assert pp < 0.02
    # forward filtering, backward sampling: 4,000 draws at these parameters
    import xarray as xr

    n = 4000
    dims = ("chain", "draw")
    dataset = xr.Dataset({
        "sigma_rw": (dims + ("category",), np.full((1, n, 1), SIGMA_RW)),
        "tau": (dims, np.full((1, n), TAU)),
        "house": (dims + ("category", "pollster"), np.broadcast_to(house, (1, n, 1, 6)))})
    draws, _ = paths.draw_paths(model, dataset, np.random.default_rng(5), conditional=True)
    z = (draws.mean(axis=0) - ref_mean) / (ref_sd / np.sqrt(n))
    ratio = draws.std(axis=0) / ref_sd
    assert np.abs(z).max() < 4.5, np.abs(z).max()
    assert 0.93 < ratio.min() and ratio.max() < 1.07, (ratio.min(), ratio.max())


def _dense_loglik(y, offset, se2, tau, q, day, series, n_days, start, anchors=()):
    """log p(y | anchors) by dense Gaussian algebra (independent of the recursion)."""
    t = np.arange(n_days)
    block = LEVEL_SD**2 + np.minimum.outer(t, t) * q
    n_series = series.max() + 1
    cov = np.kron(np.eye(n_series), block)
    pos = series * n_days + day
    obs_cov = cov[np.ix_(pos, pos)] + np.diag(se2 + tau**2)
    if not anchors:
        return multivariate_normal(start + offset, obs_cov).logpdf(y)
    a_pos, a_y = anchors
    joint_cov = np.block([[obs_cov, cov[np.ix_(pos, [a_pos])]],
                          [cov[np.ix_([a_pos], pos)], cov[a_pos, a_pos] + ANCHOR_SD**2]])
    joint = multivariate_normal(np.r_[start + offset, start], joint_cov).logpdf(np.r_[y, a_y])
    return joint - multivariate_normal(start, cov[a_pos, a_pos] + ANCHOR_SD**2).logpdf(a_y)


@pytest.mark.parametrize("case", ["two series", "election anchor"])
def test_marginal_loglik_equals_dense_gaussian(case):
    rng = np.random.default_rng(11)
    n_days, n_obs, q, tau, start = 40, 25, 0.002, 0.06, 0.3
    series = (rng.integers(0, 2, n_obs) if case == "two series"
              else np.zeros(n_obs, dtype=int))
    chain = DailyChain.build(series.max() + 1, n_days)
    day = rng.integers(0, n_days, n_obs)
    se2, offset = rng.uniform(0.002, 0.01, n_obs), rng.normal(0, 0.05, n_obs)
    y = rng.normal(start, 0.2, n_obs)
    anchors = (33, 0.45) if case == "election anchor" else ()
    a_pos = np.array([anchors[0]]) if anchors else np.zeros(0, dtype=int)
    a_y = np.array([anchors[1]]) if anchors else np.zeros(0)
    value = marginal_logp(pt.as_tensor(y), offset, se2, series * n_days + day, tau, q, start,
                          LEVEL_SD, chain.rw_diag, chain.rw_off, chain.start, a_pos, a_y,
                          np.full(a_pos.shape, ANCHOR_SD**2)).eval()
    reference = _dense_loglik(y, offset, se2, tau, q, day, series, n_days, start, anchors)
    assert abs(value - reference) < 1e-8, value - reference


def test_gradient_matches_finite_differences():
    from pytensor.gradient import verify_grad

    rng = np.random.default_rng(2)
    chain = DailyChain.build(2, 20)
    q = 0.01
    d = chain.rw_diag / q + chain.start / LEVEL_SD**2
    e, c = -chain.rw_off / q, chain.start * 0.2 / LEVEL_SD**2
    pos = rng.integers(0, 40, 15)
    y, se2 = rng.normal(0.2, 0.2, 15), rng.uniform(0.002, 0.01, 15)
    offset = rng.normal(0, 0.05, 15)
    # the Op's own gradient (numba evaluates the same source: the fits use it)
    verify_grad(lambda a, b, cc, o, t: gaussian_chain_loglik(a, b, cc, y, se2, pos, o, t),
                [d, e, c, offset, np.asarray(0.07)], rng=rng, mode="FAST_COMPILE")


# ----------------------------------------------------------------- fitted
@pytest.fixture(scope="module")
def runoff_fit(tmp_path_factory):
    """The France 2022 run-off (104 polls, 7 pollsters; BVA published a single poll), fitted
    with the default (the Kalman arm) exactly as in test_poll_average_france.py: with the
    session's shared fit cache, whichever module runs second reads the first one's fit."""
    from opinion import datasets

    folder = tmp_path_factory.getbasetemp() / "shared-poll-average-fits"
    folder.mkdir(exist_ok=True)
    model = PollAverage(datasets.load("france2022"), questions="fr2022_r2_macron_le_pen")
    fit = model.fit(random_seed=2022, draws=1000, tune=1000, chains=4, cache=folder,
                    progressbar=False)
    return model, fit


def test_fitted_kalman_arm_agrees_with_smoother_at_posterior_medians(runoff_fit):
    model, fit = runoff_fit
    assert model.likelihood == "kalman" and fit.meta["likelihood"] == "kalman"
    post = fit.idata["posterior"]
    med = {name: float(post[name].median()) for name in ("sigma_rw", "tau", "sigma_house")}
    kal = model.kalman(sigma_rw_pp=25 * med["sigma_rw"], tau_pp=25 * med["tau"],
                       sigma_house_pp=25 * med["sigma_house"])
    nuts = fit.trend(response=kal.response)  # the first response, as the smoother
    ref = kal.trend(response=kal.response)
    assert (nuts["date"].to_numpy() == ref["date"].to_numpy()).all()
    diff = (nuts["mean"] - ref["mean"]).abs()
    eta = post["eta"].values[..., 0, 0, :].reshape(-1, len(ref))
    ratio = eta.std(axis=0) / kal.sd_logit
    print(f"\nKalman arm vs smoother: max |diff| {diff.max():.3f} pp, mean {diff.mean():.3f} pp,"
          f" median sd ratio {np.median(ratio):.3f}; {fit.diagnostics.status()}")
    # the fit also averages over the variances' (and house effects') uncertainty, which
    # the smoother at fixed medians ignores: close, not identical, slightly wider
    assert diff.max() < 0.35, diff.max()
    assert diff.mean() < 0.12, diff.mean()
    assert 0.95 < np.median(ratio) < 1.2, np.median(ratio)


def test_single_poll_pollster_gets_the_widest_house_interval(runoff_fit):
    _, fit = runoff_fit
    counts = fit.observations().groupby("pollster")["poll_id"].nunique()
    assert counts["BVA"] == 1
    house = fit.house_effects().query("response == 'macron'").set_index("pollster")
    width = house["upper_90"] - house["lower_90"]
    print(f"\n90% house-interval widths (pp): {width.round(2).to_dict()}")
    assert np.isfinite(width).all()
    others = width.drop("BVA")
    assert width["BVA"] > others.max(), width
    assert width["BVA"] > 1.5 * others[counts[others.index] >= 8].median(), width


# ----------------------------------------------------------------- the arms agree (slow)
@pytest.mark.slow
def test_kalman_arm_agrees_with_sampled_path_and_binomial_daily_fits(tmp_path):
    """One data set, three fits of the same daily trend (polls on their end dates):

    - Kalman arm (path integrated out) and the same Gaussian model with the path sampled by
      NUTS (``likelihood="normal"``, daily grid): the same posterior by two algorithms, so
      they differ by Monte Carlo error only;
    - the binomial (beta-binomial) likelihood on a daily walk: the exact likelihood the
      Gaussian arms approximate; n = 1,000 polls near 50%, so within half a point.
    """
    polls, _ = simulate_polls(150, 200, 5, seed=8)
    common = {"field_period": False}
    settings = {"random_seed": 4, "draws": 1000, "tune": 1000, "chains": 4, "cache": tmp_path,
                "progressbar": False}
    kalman = PollAverage(polls, **common).fit(**settings)
    sampled = PollAverage(polls, likelihood="normal", grid_days=1, **common).fit(**settings)
    binomial = PollAverage(polls, likelihood="binomial", grid_days=1, **common).fit(**settings)
    ref = kalman.trend(response="support")
    rows = {}
    for name, fit in (("normal (path sampled)", sampled), ("binomial daily", binomial)):
        other = fit.trend(response="support")
        diff = (ref["mean"] - other["mean"]).abs()
        sd_ratio = ((ref["upper_90"] - ref["lower_90"]) / (other["upper_90"] - other["lower_90"]))
        house = (kalman.house_effects().set_index(["pollster", "response"])["mean"]
                 - fit.house_effects().set_index(["pollster", "response"])["mean"]).abs()
        rows[name] = {"max_diff_pp": diff.max(), "mean_diff_pp": diff.mean(),
                      "width_ratio": float(np.median(sd_ratio)), "house_diff_pp": house.max(),
                      "status": fit.diagnostics.status()}
    print(f"\nKalman arm ({kalman.diagnostics.status()}) against:\n"
          f"{pd.DataFrame(rows).T.to_string()}")
    assert kalman.diagnostics.ok and sampled.diagnostics.ok
    checked = ["normal (path sampled)"] + (["binomial daily"] if binomial.diagnostics.ok
                                           else [])
    for name in checked:
        row = rows[name]
        assert row["max_diff_pp"] < 0.5, (name, row)
        assert 0.9 < row["width_ratio"] < 1.1, (name, row)
        assert row["house_diff_pp"] < 0.3, (name, row)
    assert rows["normal (path sampled)"]["mean_diff_pp"] < 0.1
    if not binomial.diagnostics.ok:
        # Known and open: the reference arm (binomial likelihood, daily walk sampled by NUTS)
        # does not converge at this density (measured: R-hat 1.53 on sigma_house, bulk ESS
        # 7), so it cannot judge the Kalman arm; the exact comparison above passed.
        pytest.xfail("binomial daily reference fit not converged: "
                     + binomial.diagnostics.status())
