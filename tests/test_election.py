"""IssueVote: the published tables of one exit poll as margins of latent cells.

Known answers used here (no sampler in this file; the fitted checks are in
``test_election_recovery.py`` and ``test_election_2022.py``, marked slow):

- the covariance of the published figures (delta method on ONE multinomial sample seen
  through several margins) against a Monte Carlo of multinomial samples;
- the model's latent cells (PyTensor graph) against an independent numpy implementation
  (:func:`opinion.models.election.simulate.true_cells`, a 2,001-point grid);
- the model's log density of the published figures against scipy's multivariate normal;
- the held-out prediction against the textbook conditional normal;
- accounting identities of the counterfactuals (no shift -> the fitted vote exactly; moving
  voters between issues whose voters split identically -> no change; holding the split within
  groups equals holding it overall when every group splits alike; the proportional
  elasticity equals (q_{p|j} - v_p) / (1 - w_j)), on results built from known cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytensor
import pytest
import xarray as xr
from matplotlib.axes import Axes
from scipy import stats

from opinion.errors import ModelInputError
from opinion.models.election import IssueVote
from opinion.models.election.latent import figure_moments, overlap_matrix
from opinion.models.election.results import IssueVoteResults
from opinion.models.election.simulate import (
    ExitPollTruth,
    draw_truth,
    simulate_exit_poll,
    true_cells,
)

RAW_TRUTH = draw_truth(np.random.default_rng(3))


def _frame(seed: int = 1, **kwargs) -> pd.DataFrame:
    return simulate_exit_poll(RAW_TRUTH, seed, **kwargs)


def _vote(truth: ExitPollTruth = RAW_TRUTH) -> dict[str, float]:
    v = truth.cells.sum(axis=(0, 1))[:2]
    return {"rep": float(v[0]), "dem": float(v[1])}


def _model(**kwargs) -> IssueVote:
    return IssueVote(_frame(), vote=_vote(), **kwargs)


TRUTH = RAW_TRUTH.reordered(_model().inputs.issues)  # the model's issue order


# ----------------------------------------------------------------------------- inputs
def test_only_published_design_effects_override_the_configured_one() -> None:
    frame = _frame()
    assumed = frame.assign(deff=1.0, deff_source="assumed 1")
    figures = IssueVote(assumed, vote=_vote(), deff=2.5).inputs.figures
    assert (figures["deff"] == 2.5).all()
    assert np.allclose(figures["n_eff"], figures["n"] / 2.5)
    published = frame.assign(deff=3.0, deff_source="published")
    figures = IssueVote(published, vote=_vote(), deff=2.5).inputs.figures
    assert (figures["deff"] == 3.0).all()


def test_tables_are_read_as_margins_of_one_sample() -> None:
    model = _model(holdout=["vote_by_issue:crime"])
    d = model.inputs
    assert d.groups == ["rep", "ind", "dem"] and d.parties == ["rep", "dem", "other"]
    assert d.issues[-1] == "other" and set(d.issues[:-1]) == {"inflation", "abortion", "crime",
                                                              "immigration"}
    kinds = d.figures.groupby("table").size().to_dict()
    assert kinds == {"group_share": 3, "issue_by_group": 8, "issue_share": 4,
                     "vote_by_group": 4, "vote_by_issue": 8}
    held = d.figures[~d.figures["fitted"]]
    assert set(held["sub_level"]) == {"crime"} and len(held) == 2
    # a figure is a ratio of cell sums: numerator inside denominator
    assert ((d.numerator <= d.denominator).all())
    row = d.figures[(d.figures["table"] == "vote_by_group")
                    & (d.figures["sub_level"] == "ind") & (d.figures["resp_level"] == "dem")]
    j = int(row["figure"].iloc[0])
    truth = TRUTH.cells.ravel()
    ratio = d.numerator[j] @ truth / (d.denominator[j] @ truth)
    assert ratio == pytest.approx(TRUTH.cells[1, :, 1].sum() / TRUTH.cells[1].sum())
    assert (d.figures["n_eff"] == 5000).all() and (d.figures["rounding_pp"] == 1).all()


@pytest.mark.parametrize("mutate, message", [
    (lambda d: pd.concat([d, d.iloc[[0]].assign(poll_id="another_weighting")]),
     "more than once"),
    (lambda d: d.assign(pct=d["pct"] / 100), "fractions"),
    (lambda d: d.assign(pct=np.where((d["subgroup"] == "party:dem")
                                     & (d["question_id"] == "most_important_issue"),
                                     d["pct"] * 1.2, d["pct"])), "sum to"),
    (lambda d: d.assign(subgroup=np.where(d["subgroup"] == "party:rep", "region:south",
                                          d["subgroup"])), "neither 'all' nor prefixed"),
    (lambda d: d.assign(response=np.where((d["response"] == "immigration")
                                          & (d["subgroup"] == "all"), "Immigration.",
                                          d["response"])), "named two ways"),
    (lambda d: d.assign(n=np.nan), "without a sample size"),
])
def test_bad_tables_raise_clear_errors(mutate, message) -> None:
    with pytest.raises(ModelInputError, match=message):
        IssueVote(mutate(_frame()), vote=_vote())


def test_bad_settings_are_listed_at_once() -> None:
    with pytest.raises(ModelInputError, match="vote= is required"):
        IssueVote(_frame())
    with pytest.raises(ModelInputError) as err:
        IssueVote(_frame(), vote=_vote(), deff=0.5, holdout=["vote_by_state"],
                  loading_split=2)
    text = str(err.value)
    assert "deff" in text and "vote_by_state" in text and "loading_split" in text
    with pytest.raises(ModelInputError, match="every table is held out"):
        IssueVote(_frame(), vote=_vote(), holdout=[
            "group_share", "issue_share", "issue_by_group", "vote_by_group", "vote_by_issue"])
    with pytest.raises(ModelInputError, match="already in the exit poll"):
        _model(extra_issues={"crime": {"share": .02, "split": {"rep": .5, "dem": .5}}})


# ----------------------------------------------------------------------------- maths
def test_figure_covariance_matches_a_multinomial_monte_carlo() -> None:
    """Delta-method covariance of ratio figures of ONE sample vs 40,000 simulated samples."""
    d = _model().inputs
    p = TRUTH.cells.ravel()
    n = 5000
    rng = np.random.default_rng(0)
    counts = rng.multinomial(n, p, size=40_000)
    sims = (counts @ d.numerator.T) / (counts @ d.denominator.T)
    mean, cov = figure_moments(p, d.numerator, d.denominator,
                               overlap_matrix(np.full(len(d.figures), n)), 0.0)
    np.testing.assert_allclose(sims.mean(axis=0), mean, atol=3e-3)
    emp = np.cov(sims.T)
    sd = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(np.sqrt(np.diag(emp)), sd, rtol=0.06)
    corr_model = cov / np.outer(sd, sd)
    corr_emp = emp / np.outer(np.sqrt(np.diag(emp)), np.sqrt(np.diag(emp)))
    assert np.abs(corr_model - corr_emp).max() < 0.05
    # tables of the same respondents are strongly correlated: e.g. a group's vote and the
    # vote of the issue most of that group names
    assert np.abs(corr_model[np.triu_indices(len(mean), 1)]).max() > 0.5


def _point(truth: ExitPollTruth) -> dict[str, np.ndarray]:
    return {"group_cut": truth.group_cut, "rho": np.array(truth.rho),
            "issue_logit": truth.issue_logit, "issue_slope": truth.issue_slope,
            "vote_cut": truth.vote_cut, "other_vote": truth.other_vote,
            "direct": truth.direct}


def test_model_cells_match_an_independent_numpy_implementation() -> None:
    model = _model()
    graph = model.build_model()
    names = ["group_cut", "rho", "issue_logit", "issue_slope", "vote_cut", "other_vote",
             "direct"]
    fn = pytensor.function([graph[n] for n in names], graph["cells"], on_unused_input="ignore")
    cells = fn(*[_point(TRUTH)[n] for n in names])
    np.testing.assert_allclose(cells.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(cells, TRUTH.cells, atol=2e-6)
    # the truth's cells depend on the split of the loadings; the model's default is 0.5
    other = ExitPollTruth(**{**_point(TRUTH), "rho": TRUTH.rho, "loading_split": 0.9})
    assert np.abs(other.cells - TRUTH.cells).max() > 1e-3


def test_published_figures_log_density_is_scipys_multivariate_normal() -> None:
    model = _model(holdout=["vote_by_issue:crime"])
    graph = model.build_model()
    names = ["group_cut", "rho", "issue_logit", "issue_slope", "vote_cut", "other_vote",
             "direct", "nonsampling_pp"]
    import pymc as pm

    logp = pm.logp(graph["published"], graph["published_share"])
    fn = pytensor.function([graph[n] for n in names], logp, on_unused_input="ignore")
    point = {**_point(TRUTH), "nonsampling_pp": np.array(0.7)}
    got = fn(*[point[n] for n in names])
    d = model.inputs
    fitted = d.figures[d.figures["fitted"]]
    rows = fitted["figure"].to_numpy()
    extra = (1 / 100) ** 2 / 12 + (0.7 / 100) ** 2
    mean, cov = figure_moments(TRUTH.cells.ravel(), d.numerator[rows], d.denominator[rows],
                               overlap_matrix(fitted["n_eff"].to_numpy()), extra)
    expected = stats.multivariate_normal(mean, cov).logpdf(fitted["pct"].to_numpy() / 100)
    assert got == pytest.approx(expected, rel=1e-8)


def test_observed_data_are_containers_for_sbc() -> None:
    from opinion.calibration import observed_containers

    graph = _model().build_model()
    assert observed_containers(graph) == {"published": "published_share",
                                          "known_vote": "known_vote_share"}


# ----------------------------------------------------------------------------- results
def _results(model: IssueVote, truth: ExitPollTruth = TRUTH, draws: int = 400,
             spread: float = 0.02, seed: int = 0) -> IssueVoteResults:
    """Results on hand-made draws: the true cells perturbed (Dirichlet), one chain."""
    rng = np.random.default_rng(seed)
    flat = (rng.dirichlet(truth.cells.ravel() / spread ** 2, size=draws) if spread
            else np.tile(truth.cells.ravel(), (draws, 1)))
    cells = flat.reshape(draws, *truth.cells.shape)
    sigma = np.abs(rng.normal(0, 0.3, draws))

    def group(c: np.ndarray, s: np.ndarray) -> xr.Dataset:
        return xr.Dataset({"cells": (("chain", "draw", "group", "issue", "party"), c[None]),
                           "nonsampling_pp": (("chain", "draw"), s[None]),
                           "rho": (("chain", "draw"), rng.uniform(0.9, 0.95, (1, draws))),
                           "direct": (("chain", "draw", "issue"),
                                      rng.normal(0, 1, (1, draws, c.shape[2])))})

    prior_cells = rng.dirichlet(np.ones(truth.cells.size), size=draws).reshape(cells.shape)
    tree = xr.DataTree.from_dict({"posterior": group(cells, sigma),
                                  "prior": group(prior_cells, np.abs(rng.normal(0, 1, draws)))})
    from opinion.models.core.hashing import frame_to_records

    meta = {**model.results_metadata(), "config": model.config.to_dict(), "random_seed": 7,
            "data": frame_to_records(model.observations()),
            "diagnostics": {"max_rhat": 1.0, "min_ess_bulk": 1000.0, "min_ess_tail": 1000.0,
                            "divergences": 0, "draws": draws, "chains": 1,
                            "worst_parameter": ""},
            "settings": {"sampler": "nutpie", "chains": 1, "draws": draws, "tune": 0,
                         "target_accept": 0.9}}
    return IssueVoteResults(tree, meta)


@pytest.fixture(scope="module")
def fitted() -> IssueVoteResults:
    return _results(_model(holdout=["vote_by_issue:crime"]))


def test_tables_of_the_results_are_margins_of_the_cells(fitted) -> None:
    q = fitted.vote_by_issue()
    truth = TRUTH.vote_by_issue()
    merged = q.merge(truth, on=["issue", "party"])
    assert (merged["mean"] - merged["share"]).abs().max() < 1.0
    groups = fitted.table("issue_by_group")
    ind = groups[groups["subgroup"] == "ind"].set_index("response")["mean"]
    true_ind = 100 * TRUTH.cells[1].sum(axis=1) / TRUTH.cells[1].sum()
    np.testing.assert_allclose(ind.to_numpy(), true_ind, atol=1.0)  # never published
    assert set(fitted.table("vote_share")["response"]) == {"rep", "dem", "other"}
    with pytest.raises(ModelInputError, match="unknown table"):
        fitted.table("vote_by_vote")


def test_heldout_prediction_is_the_conditional_normal(fitted) -> None:
    check = fitted.heldout_check()
    assert set(check["subgroup"]) == {"crime"} and len(check) == 2
    # independent computation for one draw: condition the joint normal by hand
    figs = fitted.figures()
    held, fit = figs[~figs["fitted"]], figs[figs["fitted"]]
    both = pd.concat([held, fit])
    p = fitted.cells()[0].ravel()
    s = fitted.draws("nonsampling_pp")[0]
    mean, cov = fitted._moments(p, s, both)
    h = len(held)
    gain = cov[:h, h:] @ np.linalg.inv(cov[h:, h:])
    cond = mean[:h] + gain @ (fit["pct"].to_numpy() / 100 - mean[h:])
    cond_cov = cov[:h, :h] - gain @ cov[h:, :h]
    # the conditional mean moves towards what the fitted figures say, and it is narrower
    assert np.all(np.diag(cond_cov) < np.diag(cov[:h, :h]))
    assert abs(cond[0] - mean[0]) > 0  # correlated with the fitted tables
    summary = fitted.heldout_summary(party="rep")
    assert summary["figures"] == 1 and summary["inside"] in (0, 1)
    assert summary["mae"] == pytest.approx(abs(check.loc[check["response"] == "rep",
                                                         "error"].iloc[0]))


def test_predictive_checks_are_on_the_published_scale(fitted) -> None:
    ppc = fitted.posterior_predictive_check()
    assert ppc["table"].iloc[-1] == "known_vote"
    published = ppc[ppc["table"] != "known_vote"]
    assert (published[["lower_90", "upper_90"]] % 1 == 0).all().all()  # rounded as published
    assert published["lower_90"].between(0, 100).all()
    assert published["inside"].mean() > 0.8
    prior = fitted.prior_predictive_check()
    assert len(prior) == len(fitted.figures()) + 1
    width = (prior["upper_90"] - prior["lower_90"]).iloc[:-1]
    assert (width > (published["upper_90"] - published["lower_90"]).max()).mean() > 0.8


def test_no_shift_returns_the_fitted_vote_exactly(fitted) -> None:
    for holding in ("issue", "group"):
        base, new = fitted.counterfactual_draws({}, holding=holding)
        np.testing.assert_array_equal(base, new)
        np.testing.assert_allclose(base, fitted.vote_draws(), atol=1e-12)
        out = fitted.counterfactual({"crime": 0.0}, holding=holding)
        assert (out[["mean", "lower_90", "upper_90"]].to_numpy() == 0).all()
        assert "Accounting, not a causal effect" in out.attrs["held_fixed"]


def test_counterfactual_matches_closed_form_elasticity(fitted) -> None:
    joint, cats, _ = fitted.joint_draws()
    w = joint.sum(axis=1)
    q = joint / w[:, None, :]
    v = joint.sum(axis=2)
    j = cats.index("abortion")
    base, new = fitted.counterfactual_draws({"abortion": 0.03})
    np.testing.assert_allclose(new - base, 0.03 * (q[:, :, j] - v) / (1 - w[:, j])[:, None],
                               atol=1e-12)
    el = fitted.elasticities()
    row = el[(el["issue"] == "abortion") & (el["quantity"] == "rep")].iloc[0]
    assert row["mean"] == pytest.approx(100 * 0.01 * ((q[:, 0, j] - v[:, 0])
                                                      / (1 - w[:, j])).mean(), abs=1e-9)


def test_holding_within_groups_equals_holding_overall_when_groups_split_alike() -> None:
    """With the same vote split in every group for each issue, and the same issue mix,
    the two accountings agree; with partisan splits they differ."""
    t = TRUTH
    alike = t.cells.sum(axis=0, keepdims=True) / 3 * np.ones((3, 1, 1))
    model = _model()
    fit = _results(model, ExitPollTruth(**{**_point(t), "rho": t.rho, "cells": alike}),
                   spread=0)
    _, a = fit.counterfactual_draws({"crime": 0.04}, holding="issue")
    _, b = fit.counterfactual_draws({"crime": 0.04}, holding="group")
    np.testing.assert_allclose(a, b, atol=1e-9)
    partisan = _results(model)
    _, a = partisan.counterfactual_draws({"crime": 0.04}, holding="issue")
    _, b = partisan.counterfactual_draws({"crime": 0.04}, holding="group")
    assert np.abs(a - b).max() > 1e-3


def test_moving_voters_between_identically_split_issues_changes_nothing() -> None:
    cells = TRUTH.cells.copy()
    inflation, abortion = TRUTH.issues.index("inflation"), TRUTH.issues.index("abortion")
    cells[:, abortion, :] = cells[:, inflation, :] * 0.5  # they split like inflation voters
    cells /= cells.sum()
    fit = _results(_model(), ExitPollTruth(**{**_point(TRUTH), "rho": TRUTH.rho,
                                              "cells": cells}), spread=0)
    for holding in ("issue", "group"):
        base, new = fit.counterfactual_draws({"inflation": 0.02}, source="abortion",
                                             holding=holding)
        np.testing.assert_allclose(new, base, atol=1e-9)
        base, new = fit.counterfactual_draws({"inflation": 0.02}, source="crime",
                                             holding=holding)
        assert np.abs(new - base).max() > 1e-4


def test_extra_issue_keeps_the_vote_and_uses_its_stated_split() -> None:
    fit = _results(_model(extra_issues={"war": {"share": 0.02, "share_sd": 0.005,
                                                "split": {"rep": 0.4, "dem": 0.6},
                                                "split_sd": 0.05}}))
    joint, cats, info = fit.joint_draws()
    assert cats[-2:] == ["war", "other"] and info["clipped_draws"] < 40
    np.testing.assert_allclose(joint.sum(axis=2), fit.vote_draws(), atol=1e-12)
    war = fit.vote_by_issue().query("issue == 'war' and party == 'dem'").iloc[0]
    assert war["mean"] == pytest.approx(60, abs=1.0)
    sens = fit.sensitivity({"war": 0.05}, splits={"even": {"rep": 0.5, "dem": 0.5}})
    prop = sens.query("source == 'proportional' and split == 'fitted'").iloc[0]
    assert prop["mean"] == pytest.approx(fit.counterfactual({"war": 0.05}).iloc[-1]["mean"])
    need = fit.required_shift("war", change=1.0, quantity="dem")
    assert need["p_reachable"].iloc[0] > 0.9
    with pytest.raises(ModelInputError, match="no group split"):
        fit.counterfactual({"war": 0.02}, holding="group")


def test_infeasible_shifts_raise(fitted) -> None:
    with pytest.raises(ModelInputError, match="between 0 and 100"):
        fitted.counterfactual({"inflation": 0.95})
    with pytest.raises(ModelInputError, match="proportions"):
        fitted.counterfactual({"crime": 8})
    with pytest.raises(ModelInputError, match="unknown issue"):
        fitted.counterfactual({"war in Ukraine": 0.02})
    with pytest.raises(ModelInputError, match="sum to 1"):
        fitted.counterfactual({"crime": 0.02}, source={"inflation": 0.5, "abortion": 0.2})


def test_methodology_is_generated_from_the_configuration() -> None:
    a = _results(_model()).methodology()
    b = _results(_model(deff=3.5, loading_split=0.8,
                        holdout=["vote_by_issue"])).methodology()
    assert any("deff 2," in p for p in a) and any("deff 3.5," in p for p in b)
    assert any("loading_split = 0.8" in p for p in b)
    assert any("Held out and predicted" in p and "vote_by_issue (8 figures)" in p for p in b)
    assert any("Held out and predicted" in p and ": none." in p for p in a)


def test_contraction_save_load_plots_and_html(fitted, tmp_path) -> None:
    table = fitted.contraction_table()
    assert (table["contraction"] > 0.9).all()  # tight draws against a flat Dirichlet prior
    again = IssueVoteResults.load(fitted.save(tmp_path / "fit"))
    pd.testing.assert_frame_equal(again.vote_by_issue(), fitted.vote_by_issue())
    pd.testing.assert_frame_equal(again.heldout_check(), fitted.heldout_check())
    assert isinstance(fitted.plot_vote_by_issue(), Axes)
    assert isinstance(fitted.plot_counterfactual(shifts=[0, 0.05]), Axes)
    assert "Held-out figures" in fitted._repr_html_()
    from opinion.models.core.wording import headline_problems

    assert headline_problems(fitted.headline()) == [], fitted.headline()


def test_true_cells_integrate_correctly() -> None:
    cells = true_cells(TRUTH, nodes=4001)
    np.testing.assert_allclose(cells, TRUTH.cells, atol=1e-9)
    assert cells.sum() == pytest.approx(1.0)
