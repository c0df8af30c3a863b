"""IssueVote: P(vote | issue) from exit-poll tables, counterfactual salience, bad input.

Known answers used here:
- closed form: with ``overall="check"`` the posterior of each party's issue shares is exactly
  Dirichlet(prior + counts) (multinomial-Dirichlet conjugacy) and the vote keeps its
  Dirichlet prior, so P(vote | issue) can be simulated independently with numpy and compared
  with the MCMC fit;
- accounting identities of the counterfactual (no shift -> the fitted vote exactly; moving
  salience between issues whose voters split identically -> no change; the proportional
  elasticity equals (q_{p|j} - v_p) / (1 - w_j)), checked on hand-made posterior draws;
- simulation truth (tables generated from known shares).
Two small fits (PyMC sampler, 2 chains x 500 draws) are shared by the module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.axes import Axes

from opinion.errors import ModelInputError
from opinion.models.election import IssueVote
from opinion.models.election.results import IssueVoteResults

ISSUES = ["inflation", "abortion", "crime", "immigration"]
# true P(issue | party) (remainder = 'other') and vote; tables are generated from these
TRUE_S = {"dem": [0.18, 0.44, 0.10, 0.05], "rep": [0.44, 0.14, 0.12, 0.16]}
TRUE_V = {"rep": 0.515, "dem": 0.485}
N = 6000
FIT = dict(draws=500, tune=500, chains=2, cores=1, sampler="pymc", progressbar=False)


def _tables(seed: int = 11, n: int = N, deff: float = 2.0) -> pd.DataFrame:
    """Exit-poll style tables sampled (multinomial, effective n) from the truth above."""
    rng = np.random.default_rng(seed)
    rows = []
    overall = np.zeros(len(ISSUES) + 1)
    for party, shares in TRUE_S.items():
        p = np.array([*shares, 1 - sum(shares)])
        overall += TRUE_V[party] * p
        n_eff = round(n * TRUE_V[party] / deff)
        counts = rng.multinomial(n_eff, p)
        for issue, c in zip(ISSUES, counts, strict=False):
            rows.append(("party:" + party, issue, 100 * c / n_eff))
    counts = rng.multinomial(round(n / deff), overall)
    for issue, c in zip(ISSUES, counts, strict=False):
        rows.append(("all", issue, 100 * c / round(n / deff)))
    frame = pd.DataFrame(rows, columns=["subgroup", "response", "pct"])
    return frame.assign(poll_id="exit", n=n, question_id="mip")


def _true_q() -> dict[tuple[str, str], float]:
    out = {}
    for k, issue in enumerate(ISSUES):
        joint = {p: TRUE_V[p] * TRUE_S[p][k] for p in TRUE_S}
        total = sum(joint.values())
        for p in joint:
            out[(issue, p)] = 100 * joint[p] / total
    return out


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("election-cache")


@pytest.fixture(scope="module")
def fitted(cache_dir) -> IssueVoteResults:
    model = IssueVote(_tables(), vote={"rep": 51.5, "dem": 48.5},
                      extra_issues={"war": {"share": 0.02, "share_sd": 0.005,
                                            "split": {"rep": 0.4, "dem": 0.6},
                                            "split_sd": 0.05}})
    return model.fit(random_seed=5, cache=cache_dir, **FIT)


@pytest.fixture(scope="module")
def conjugate(cache_dir) -> tuple[IssueVote, IssueVoteResults]:
    model = IssueVote(_tables(seed=3, n=2000), vote={"rep": 51.5, "dem": 48.5},
                      overall="check", vote_sd_pp=2.0)
    return model, model.fit(random_seed=9, cache=cache_dir, **FIT)


# ----------------------------------------------------------------------------- fits


def test_conjugate_posterior_matches_closed_form(conjugate) -> None:
    model, fit = conjugate
    d = model.inputs
    rng = np.random.default_rng(0)
    m = 200_000
    # exact posterior: s_p ~ Dirichlet(1 + counts_p) over issues + other (last column is the
    # remainder = 'other' here), v ~ Dirichlet(a0 * vote)
    s_exact = {}
    for t, row in d.tables.iterrows():
        if row["party"] == "all":
            continue
        counts = d.counts[t]
        alpha = 1.0 + np.concatenate([counts[:len(d.issues)], counts[-1:]])
        s_exact[row["party"]] = rng.dirichlet(alpha, size=m)
    sd = 0.02
    a0 = 0.515 * 0.485 / sd ** 2 - 1
    v_exact = rng.dirichlet(a0 * d.vote, size=m)
    joint = np.stack([v_exact[:, k][:, None] * s_exact[p] for k, p in enumerate(d.parties)],
                     axis=1)
    q_exact = 100 * joint / joint.sum(axis=1, keepdims=True)
    got = fit.vote_by_issue(0.9)
    for k, issue in enumerate(fit.categories):
        for i, party in enumerate(d.parties):
            row = got[(got["issue"] == issue) & (got["party"] == party)].iloc[0]
            exact = q_exact[:, i, k]
            sd_q = exact.std()
            # MCMC with ~500+ effective draws: mean within 4 Monte Carlo SEs, quantiles
            # within 0.3 posterior sd
            assert abs(row["mean"] - exact.mean()) < 4 * sd_q / np.sqrt(400), (issue, party)
            assert abs(row["lower"] - np.quantile(exact, 0.05)) < 0.3 * sd_q
            assert abs(row["upper"] - np.quantile(exact, 0.95)) < 0.3 * sd_q
    # the vote keeps its prior (no overall table in the likelihood)
    vote = fit.vote(0.9)
    assert abs(vote.loc[vote["party"] == "rep", "mean"].iloc[0] - 51.5) < 0.4


def test_recovers_simulated_vote_by_issue(fitted) -> None:
    q = fitted.vote_by_issue(0.9)
    truth = _true_q()
    inside = [row.lower <= truth[(row.issue, row.party)] <= row.upper
              for row in q.itertuples() if (row.issue, row.party) in truth]
    assert len(inside) == 8
    assert sum(inside) >= 7  # 90% intervals: 8 cells (4 independent), allow one miss
    assert fitted.diagnostics.ok, fitted.diagnostics.status()
    check = fitted.overall_check()
    assert check["inside"].mean() >= 0.75


def test_no_shift_returns_the_fitted_vote_exactly(fitted) -> None:
    base, new = fitted.counterfactual_draws({})
    np.testing.assert_array_equal(base, new)
    np.testing.assert_allclose(base, fitted.vote_draws(), rtol=0, atol=1e-12)
    for shift in ({}, {"inflation": 0.0}, {"war": 0.0, "crime": 0.0}):
        out = fitted.counterfactual(shift)
        assert (out[["mean", "lower", "upper"]].to_numpy() == 0).all()
        np.testing.assert_allclose(out["counterfactual"], out["baseline"], atol=1e-12)
    vote = fitted.vote()
    out = fitted.counterfactual({})
    np.testing.assert_allclose(out["baseline"].iloc[:2], vote["mean"], atol=1e-10)


def test_counterfactual_matches_closed_form_elasticity(fitted) -> None:
    joint, cats, _ = fitted.joint_draws()
    w = joint.sum(axis=1)
    q = joint / w[:, None, :]
    v = joint.sum(axis=2)
    j = cats.index("abortion")
    delta = 0.03
    base, new = fitted.counterfactual_draws({"abortion": delta})
    expected = delta * (q[:, :, j] - v) / (1 - w[:, j])[:, None]
    np.testing.assert_allclose(new - base, expected, atol=1e-12)
    el = fitted.elasticities()
    row = el[(el["issue"] == "abortion") & (el["quantity"] == "dem")].iloc[0]
    assert row["mean"] == pytest.approx(100 * 0.01 * ((q[:, 1, j] - v[:, 1])
                                                      / (1 - w[:, j])).mean(), abs=1e-9)
    # abortion voters lean Democratic in the truth: a rise helps the Democrats
    assert row["lower"] > 0


def test_extra_issue_keeps_the_vote_and_uses_its_stated_split(fitted) -> None:
    joint, cats, info = fitted.joint_draws()
    assert cats[-2:] == ["war", "other"]
    np.testing.assert_allclose(joint.sum(axis=2), fitted.vote_draws(), atol=1e-12)
    q = fitted.vote_by_issue()
    war = q[(q["issue"] == "war") & (q["party"] == "dem")].iloc[0]
    assert war["mean"] == pytest.approx(60, abs=1.0)  # stated split 0.6, sd 0.05
    assert 52 < war["lower"] < 55 and 65 < war["upper"] < 68  # ~ +-1.645 sd
    assert info["clipped_draws"] == 0
    required = fitted.required_shift("war", change=1.0, quantity="dem")
    assert required["p_reachable"].iloc[0] > 0.9
    # dem gains (0.6 - 0.485) / (1 - 0.02) per point: ~8.5 points of salience for 1 point
    assert 6 < required["median"].iloc[0] < 12


def test_sensitivity_and_curve(fitted) -> None:
    sens = fitted.sensitivity({"war": 0.05}, splits={"even": {"rep": 0.5, "dem": 0.5}})
    assert {"source", "split", "mean", "lower", "upper"} <= set(sens.columns)
    prop = sens[(sens["source"] == "proportional") & (sens["split"] == "fitted")].iloc[0]
    direct = fitted.counterfactual({"war": 0.05}).iloc[-1]
    assert prop["mean"] == pytest.approx(direct["mean"])
    curve = fitted.shift_curve("war", [0.0, 0.05, 0.10])
    assert curve["mean"].iloc[0] == 0
    # linear in the shift
    assert curve["mean"].iloc[2] == pytest.approx(2 * curve["mean"].iloc[1], rel=1e-9)


def test_save_load_plots_and_html(fitted, tmp_path) -> None:
    path = fitted.save(tmp_path / "fit")
    again = IssueVoteResults.load(path)
    pd.testing.assert_frame_equal(again.vote_by_issue(), fitted.vote_by_issue())
    pd.testing.assert_frame_equal(again.counterfactual({"war": 0.04}),
                                  fitted.counterfactual({"war": 0.04}))
    assert isinstance(fitted.plot_vote_by_issue(), Axes)
    assert isinstance(fitted.plot_counterfactual(shifts=[0, 0.05]), Axes)
    text = fitted._repr_html_()
    assert "converged" in text and "inflation" in text
    assert "P(rep | inflation)" in fitted.summary().index


# ----------------------------------------------------------------------------- identities


def _hand_results(s: np.ndarray, v: np.ndarray, parties: list[str], cats: list[str]
                  ) -> IssueVoteResults:
    """Results object on hand-made draws (1 chain)."""
    post = xr.Dataset({
        "s": (("chain", "draw", "party", "category"), s[None]),
        "v": (("chain", "draw", "party"), v[None]),
    }, coords={"party": parties, "category": cats})
    idata = xr.DataTree.from_dict({"posterior": post})
    meta = {"parties": parties, "issues": cats[:-1], "categories": cats,
            "vote_published": list(v.mean(axis=0)), "random_seed": 1, "extra_issues": {},
            "diagnostics": {"max_rhat": 1.0, "min_ess_bulk": 1000, "min_ess_tail": 1000,
                            "divergences": 0, "draws": len(v), "chains": 1,
                            "worst_parameter": ""}}
    return IssueVoteResults(idata, meta)


def test_moving_salience_between_identically_split_issues_changes_nothing() -> None:
    rng = np.random.default_rng(4)
    draws = 300
    parties, cats = ["rep", "dem"], ["a", "b", "c", "other"]
    s = rng.dirichlet(np.ones(4) * 3, size=(draws, 2))
    # column b proportional to column a for both parties -> identical P(vote | issue)
    s[:, :, 1] = 0.5 * s[:, :, 0]
    s /= s.sum(axis=2, keepdims=True)
    v = rng.dirichlet([52, 48], size=draws)
    fit = _hand_results(s, v, parties, cats)
    q = fit.vote_by_issue()
    np.testing.assert_allclose(q[q["issue"] == "a"]["mean"].to_numpy(),
                               q[q["issue"] == "b"]["mean"].to_numpy())
    for delta in (0.02, -0.01):
        base, new = fit.counterfactual_draws({"a": delta}, source="b")
        np.testing.assert_allclose(new, base, atol=1e-12)
    # from a differently split issue it does change something
    base, new = fit.counterfactual_draws({"a": 0.02}, source="c")
    assert np.abs(new - base).max() > 1e-4
    # shares of both parties still sum to one
    np.testing.assert_allclose(new.sum(axis=1), 1.0, atol=1e-12)


# ----------------------------------------------------------------------------- bad input


def _good() -> pd.DataFrame:
    return _tables()


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.assign(pct=np.where(d["subgroup"] == "party:dem", d["pct"] * 1.5, d["pct"])),
     "sum to"),
    (lambda d: d[~((d["subgroup"] == "party:rep") & (d["response"] == "crime"))],
     "has no share for issue 'crime'"),
    (lambda d: d.assign(response=np.where((d["subgroup"] == "all")
                                          & (d["response"] == "immigration"),
                                          "Immigration.", d["response"])),
     "named two ways"),
    (lambda d: pd.concat([d, d[d["subgroup"] == "all"].assign(poll_id="other_wave")]),
     "more than one poll"),
    (lambda d: d[d["subgroup"] != "party:rep"], "do not match the parties"),
    (lambda d: d.assign(pct=d["pct"] / 100), "fractions"),
])
def test_bad_tables_raise_clear_errors(mutate, message) -> None:
    with pytest.raises(ModelInputError, match=message):
        IssueVote(mutate(_good()), vote={"rep": 51.5, "dem": 48.5})


def test_exhaustive_lists_must_sum_to_100() -> None:
    with pytest.raises(ModelInputError, match="not 100"):
        IssueVote(_good(), vote={"rep": 51.5, "dem": 48.5}, other="none")


def test_bad_vote_and_options() -> None:
    with pytest.raises(ModelInputError, match="vote= is required"):
        IssueVote(_good())
    with pytest.raises(ModelInputError, match="summing to 100"):
        IssueVote(_good(), vote={"rep": 0.515, "dem": 0.485})
    with pytest.raises(ModelInputError, match="deff"):
        IssueVote(_good(), vote={"rep": 51.5, "dem": 48.5}, deff=0.5)
    with pytest.raises(ModelInputError, match="share must be a proportion"):
        IssueVote(_good(), vote={"rep": 51.5, "dem": 48.5},
                  extra_issues={"war": {"share": 2, "split": {"rep": .5, "dem": .5}}})
    with pytest.raises(ModelInputError, match="already in the exit poll"):
        IssueVote(_good(), vote={"rep": 51.5, "dem": 48.5},
                  extra_issues={"crime": {"share": .02, "split": {"rep": .5, "dem": .5}}})


def test_missing_cell_can_be_inferred_when_asked() -> None:
    data = _good()
    data = data[~((data["subgroup"] == "party:rep") & (data["response"] == "crime"))]
    model = IssueVote(data, vote={"rep": 51.5, "dem": 48.5}, missing="infer")
    rep = list(model.inputs.tables["party"]).index("rep")
    crime = model.inputs.categories.index("crime")
    assert model.inputs.reported[rep, crime] == 0  # merged into rep's remainder
    assert any("party:rep / crime" in note for note in model.inputs.notes)


def test_vote_by_issue_crosstab_enters_as_counts() -> None:
    cross = pd.DataFrame({"issue": ["inflation", "inflation"], "party": ["rep", "dem"],
                          "pct": [71.0, 29.0], "n": [1000, 1000]})
    model = IssueVote(_good(), vote={"rep": 51.5, "dem": 48.5}, vote_by_issue=cross)
    ct = model.inputs.crosstab
    assert list(ct["count"]) == [355, 145]  # 1000 / deff 2 = 500 respondents, 71% / 29%
    # at the initial point (Dirichlet means: flat issue shares, vote = published) every
    # P(party | issue) equals the vote, so the crosstab term is scipy's multinomial there
    from scipy import stats

    pymc_model = model.build_model()
    term = pymc_model.compile_logp(vars=[pymc_model["y_crosstab"]])
    expected = stats.multinomial.logpmf([355, 145], 500, [0.515, 0.485])
    assert term(pymc_model.initial_point()) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ModelInputError, match="sum to"):
        IssueVote(_good(), vote={"rep": 51.5, "dem": 48.5},
                  vote_by_issue=cross.assign(pct=[71.0, 20.0]))


def test_infeasible_shifts_raise(fitted) -> None:
    with pytest.raises(ModelInputError, match="between 0 and 100"):
        fitted.counterfactual({"inflation": 0.9})  # 31% + 90 points > 100%
    with pytest.raises(ModelInputError, match="between 0 and 100"):
        fitted.counterfactual({"inflation": 0.2}, source="war")  # war has ~2%
    with pytest.raises(ModelInputError, match="between 0 and 100"):
        fitted.counterfactual({"war": -0.1})
    with pytest.raises(ModelInputError, match="proportions"):
        fitted.counterfactual({"war": 8})
    with pytest.raises(ModelInputError, match="unknown issue"):
        fitted.counterfactual({"war in Ukraine": 0.02})
    with pytest.raises(ModelInputError, match="sum to 1"):
        fitted.counterfactual({"war": 0.02}, source={"inflation": 0.5, "crime": 0.2})
