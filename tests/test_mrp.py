"""VoteMRP: multilevel regression and poststratification of vote on survey microdata.

Known answers used here:
- closed form: Kish's effective sample size of a two-valued weight vector; with one cell and
  no predictors the weighted pseudo-posterior of the vote share is (nearly) Beta(1 + n_eff
  x weighted share, 1 + n_eff x (1 - weighted share)) — checked on exact draws from the
  model's own log density (quadrature, no sampler);
- the model's weighted log density against a direct numpy softmax computation (3 parties);
- poststratification against an independent numpy/pandas computation on the posterior draws;
- accounting identities of the counterfactual (no shift -> the fitted vote exactly; moving
  priority between issues whose cells vote identically -> no change), on the fit and on
  hand-made draws;
- ANES 1996 (statsmodels' bundled subset): poststratified to the sample's own cells the Dole
  share is the sample's, and strong Republicans vote Dole more than strong Democrats.
One small fit (PyMC sampler, 2 chains x 1,000 draws, cores=2; its convergence is asserted)
is shared by the module; the ANES fit is a second one, in a slow test.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytensor
import pytest
import xarray as xr
from matplotlib.axes import Axes
from scipy import stats

from opinion.errors import ModelInputError
from opinion.frames.microdata import Microdata
from opinion.models.election.mrp import (
    VoteMRP,
    kish_effective_n,
    rescale_weights,
)
from opinion.models.election.mrp_results import VoteMRPResults, shift_cells
from opinion.models.election.results import IssueVoteResults
from opinion.models.election.simulate_mrp import simulate_mrp

# converges on both designs (R-hat <= 1.01, bulk/tail ESS >= 400, no divergences; asserted)
FIT = dict(draws=1000, tune=500, chains=2, cores=2, sampler="pymc", target_accept=0.95,
           progressbar=False)
GROUPS = ["state", "age", "educ", "issue"]
COUNTERFACTUAL_COLUMNS = ["quantity", "baseline", "counterfactual", "mean", "lower_90", "upper_90",
                          "p_increase"]


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame, object]:
    return simulate_mrp(5, n=800, states=6)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mrp-cache")


@pytest.fixture(scope="module")
def fitted(simulated, cache_dir) -> VoteMRPResults:
    sample, population, _ = simulated
    model = VoteMRP(sample, vote="vote", groups=GROUPS, population=population, weight="weight")
    return model.fit(random_seed=3, cache=cache_dir, **FIT)


@pytest.fixture(scope="module")
def anes(cache_dir) -> tuple[pd.DataFrame, VoteMRPResults]:
    import statsmodels.api as sm

    data = sm.datasets.anes96.load_pandas().data
    data = data.assign(vote=data["vote"].map({0.0: "Clinton", 1.0: "Dole"}))
    population = data.groupby(["PID", "educ", "selfLR"]).size().rename("n").reset_index()
    model = VoteMRP(data, vote="vote", groups=["PID", "educ"], covariates=["selfLR"],
                    population=population)
    return data, model.fit(random_seed=2, cache=cache_dir, **FIT)


# ---------------------------------------------------------------------- input errors
def _tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    sample = pd.DataFrame({"vote": ["a", "b", "a", "b", "a", "b"],
                           "state": ["S1", "S1", "S2", "S2", "New York", "New York"],
                           "age": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
                           "issue": ["x", "y", "x", "y", "y", "x"],
                           "ideo": [1.0, 2, 3, 4, 5, 6],
                           "wt": [1.0, 2, 1, 2, 1, 2]})
    population = pd.DataFrame({"state": ["S1", "S2", "New York"] * 2,
                               "age": [1, 1, 1, 2, 2, 2],
                               "issue": ["x"] * 6, "ideo": [3.0] * 6, "n": [10] * 6})
    return sample, population


@pytest.mark.parametrize("change, kwargs, expected", [
    ("none", dict(groups=["state", "nope"]), ["sample: missing column(s) ['nope']",
                                              "population table: missing column(s) ['nope']"]),
    ("none", dict(groups=["state"], covariates=["ideo2"], weight="w2"),
     ["missing column(s) ['ideo2', 'w2']"]),
    ("one party", dict(groups=["state"]), ["outcome 'vote' has 1 category ['a']: need at "
                                           "least 2"]),
    ("drop age", dict(groups=["state", "age"]),
     ["population table: missing column(s) ['age']"]),
    ("bad counts", dict(groups=["state"]),
     ["population table: 2 cell(s) with a missing or non-positive count in 'n' (rows [0, 1])"]),
    ("spelling", dict(groups=["state", "age"]),
     ["level(s) of 'state' spelled differently from the sample: 's1' (sample: 'S1'), "
      "'new-york' (sample: 'New York')"]),
    ("new level", dict(groups=["state"], allow_new_levels=False),
     ["level(s) of 'state' not in the sample: ['Texas']"]),
    ("none", dict(groups=["state"], issue="issue"),
     ["issue column 'issue' must be one of groups ['state']"]),
    ("none", dict(groups=["state"], reference="c"),
     ["reference party 'c' is not an outcome category (['a', 'b'])"]),
    ("none", dict(groups=["state"], covariates=["state2"]), ["not numeric"]),
])
def test_input_errors_list_every_problem(change, kwargs, expected) -> None:
    sample, population = _tiny()
    sample["state2"] = "x"
    population["state2"] = 1.0
    if change == "one party":
        sample["vote"] = "a"
    elif change == "drop age":
        population = population.drop(columns="age")
    elif change == "bad counts":
        population["n"] = [0.0, np.nan, 10.0, 10.0, 10.0, 10.0]
    elif change == "spelling":
        population["state"] = ["s1", "S2", "new-york"] * 2
    elif change == "new level":
        population["state"] = ["S1", "S2", "Texas"] * 2
    with pytest.raises(ModelInputError) as err:
        VoteMRP(sample, vote="vote", population=population, **kwargs)
    for text in expected:
        assert text in str(err.value)


def test_population_is_required_and_settings_checked() -> None:
    sample, population = _tiny()
    with pytest.raises(ModelInputError, match="population= is required"):
        VoteMRP(sample, vote="vote", groups=["state"])
    with pytest.raises(ModelInputError, match="group_sd_scale must be positive"):
        VoteMRP(sample, vote="vote", groups=["state"], population=population, group_sd_scale=0)
    with pytest.raises(ModelInputError, match="interaction"):
        VoteMRP(sample, vote="vote", groups=["state"], population=population,
                interactions=[("state", "age")])
    with pytest.raises(ModelInputError, match="calibrate_to must name exactly the parties"):
        VoteMRP(sample, vote="vote", groups=["state"], population=population,
                calibrate_to={"a": 50, "c": 50})


def test_new_levels_and_numeric_codes_are_matched_and_noted() -> None:
    sample, population = _tiny()
    population["state"] = ["S1", "S2", "Texas"] * 2
    model = VoteMRP(sample, vote="vote", groups=["state", "age"], population=population)
    assert model.inputs.levels["age"] == ["1", "2"]  # 1.0 in the sample, 1 in the population
    assert model.inputs.new_levels == {"state": ["Texas"]}
    assert any("Texas" in note for note in model.inputs.notes)


def test_missing_values_dropped_and_microdata_labels_used() -> None:
    sample, population = _tiny()
    codes = sample.assign(vote=sample["vote"].map({"a": 1, "b": 2}).astype(float))
    codes.loc[0, "vote"] = np.nan
    md = Microdata(codes, value_labels={"vote": {1: "Labour", 2: "Tory"}}, weight="wt")
    model = VoteMRP(md, vote="vote", groups=["state"], population=population)
    assert model.inputs.parties == ["Labour", "Tory"]
    assert model.config.weight == "wt"
    assert len(model.inputs.frame) == 5
    assert any("1 respondent(s)" in note for note in model.inputs.notes)
    unweighted = VoteMRP(md, vote="vote", groups=["state"], population=population, weight=False)
    assert np.allclose(unweighted.inputs.w, 1.0)


# ---------------------------------------------------------------------- weights & issue split
def test_kish_rescaling_gives_the_effective_n() -> None:
    w = np.array([1.0] * 60 + [4.0] * 40)
    n_eff = (60 + 160) ** 2 / (60 + 40 * 16)  # (sum w)^2 / sum w^2 = 69.14...
    assert kish_effective_n(w) == pytest.approx(n_eff)
    scaled = rescale_weights(w)
    assert scaled.sum() == pytest.approx(n_eff)
    assert scaled[-1] / scaled[0] == pytest.approx(4.0)
    assert rescale_weights(np.full(25, 3.0)) == pytest.approx(np.ones(25))
    sample, population = _tiny()
    model = VoteMRP(sample, vote="vote", groups=["state"], population=population, weight="wt")
    # weights 1, 2, 1, 2, 1, 2: (sum w)^2 / sum w^2 = 81 / 15
    assert model.inputs.w.sum() == pytest.approx(81 / 15)
    assert model.inputs.n_eff == pytest.approx(81 / 15)


def test_population_without_issue_is_split_by_weighted_issue_distribution() -> None:
    sample, population = _tiny()
    population = population.drop(columns="issue")
    population.loc[len(population)] = ["S9", 1, 3.0, 5]  # no respondents: overall split
    model = VoteMRP(sample, vote="vote", groups=["state", "age", "issue"], population=population,
                    weight="wt", issue="issue")
    cells = model.inputs.cells
    # S1 & age 1: one respondent (issue x) -> all of the cell's 10 to x
    s1 = cells[(cells["state"] == "S1") & (cells["age"] == "1")].set_index("issue")["count"]
    assert s1.to_dict() == {"x": 10.0, "y": 0.0}
    # S9 has no respondents: weighted overall split (x: weights 1+1+2=4 of 9)
    s9 = cells[cells["state"] == "S9"].set_index("issue")["count"]
    assert s9["x"] == pytest.approx(5 * 4 / 9)
    assert cells["count"].sum() == pytest.approx(population["n"].sum())
    assert any("no 'issue' column" in note for note in model.inputs.notes)


# ---------------------------------------------------------------------- closed forms (no sampler)
def _quadrature_results(model: VoteMRP, n_draws: int = 4000) -> VoteMRPResults:
    """Exact draws of the one-parameter model's posterior from its own log density."""
    pm_model = model.build_model()
    logp = pm_model.compile_logp()
    grid = np.linspace(-4, 4, 8001)
    dens = np.array([logp({"intercept": np.array([a])}) for a in grid])
    cdf = np.cumsum(np.exp(dens - dens.max()))
    cdf /= cdf[-1]
    u = (np.arange(n_draws) + 0.5) / n_draws
    draws = np.interp(u, cdf, grid)
    posterior = xr.Dataset({"intercept": (("chain", "draw", "contrast"),
                                          draws.reshape(1, -1, 1))},
                           coords={"contrast": model.inputs.parties[1:]})
    tree = xr.DataTree.from_dict({"posterior": posterior})
    return VoteMRPResults(tree, {**model.results_metadata(), "random_seed": 0})


def test_one_cell_matches_the_weighted_beta_posterior() -> None:
    rng = np.random.default_rng(4)
    n = 400
    weight = rng.lognormal(0, 0.5, n)
    vote = np.where(rng.random(n) < 0.35 + 0.1 * (weight > 1), "rep", "dem")
    sample = pd.DataFrame({"vote": vote, "w": weight})
    population = pd.DataFrame({"n": [1000]})
    # intercept_sd 1.7 makes the logistic-normal prior close to uniform on the share
    model = VoteMRP(sample, vote="vote", population=population, weight="w", intercept_sd=1.7)
    fit = _quadrature_results(model)
    share = float(np.average(vote == "rep", weights=weight))
    n_eff = kish_effective_n(weight)
    beta = stats.beta(1 + n_eff * share, 1 + n_eff * (1 - share))
    row = fit.vote().set_index("party").loc["rep"]
    # stated tolerance: 0.3 points on the mean and on the 90% bounds (prior difference)
    assert row["mean"] == pytest.approx(100 * beta.mean(), abs=0.3)
    assert row["lower_90"] == pytest.approx(100 * beta.ppf(0.05), abs=0.3)
    assert row["upper_90"] == pytest.approx(100 * beta.ppf(0.95), abs=0.3)


def test_multinomial_weighted_logp_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    n = 60
    sample = pd.DataFrame({"vote": rng.choice(["a", "b", "c"], n),
                           "g": rng.choice(["u", "v", "w"], n),
                           "x": rng.normal(size=n), "wt": rng.uniform(0.5, 2, n)})
    population = pd.DataFrame({"g": ["u", "v", "w"], "x": [0.0, 0.0, 0.0], "n": [1, 1, 1]})
    model = VoteMRP(sample, vote="vote", groups=["g"], covariates=["x"], population=population,
                    weight="wt", reference="b")
    assert model.inputs.parties == ["b", "a", "c"]
    pm_model = model.build_model()
    z = rng.normal(size=(2, 3))
    point = {"intercept": np.array([0.3, -0.2]), "sd_g": np.array([0.5, 0.8]),
             "z_g": z - z.mean(axis=1, keepdims=True), "slope": np.array([[0.7, -0.4]])}
    free = {v.name for v in pm_model.free_RVs}
    assert free == set(point)
    rvs = sorted(pm_model.free_RVs, key=lambda v: v.name)
    potential = pytensor.function(rvs, pm_model.potentials[0], on_unused_input="ignore")(
        *[point[v.name] for v in rvs])
    d = model.inputs
    eta = (point["intercept"] + point["sd_g"] * point["z_g"].T[d.idx["g"]]
           + d.X @ point["slope"])
    full = np.column_stack([np.zeros(n), eta])
    logp = full - np.log(np.exp(full).sum(axis=1, keepdims=True))
    expected = np.sum(d.w * logp[np.arange(n), d.y])
    assert float(potential) == pytest.approx(expected, rel=1e-10)
    assert d.X[:, 0].std(ddof=1) == pytest.approx(1.0)


# ---------------------------------------------------------------------- counterfactual function
def test_shift_cells_identities_on_fixed_draws() -> None:
    rng = np.random.default_rng(0)
    mass = rng.uniform(1, 5, (6, 3))
    probs = rng.dirichlet([2, 2], size=(50, 6, 3))
    probs[:, :, 1] = probs[:, :, 0]  # issues 0 and 1 vote identically in every cell
    base, new = shift_cells(mass, probs, {0: 0.0})
    assert np.array_equal(base, new)
    base, new = shift_cells(mass, probs, {1: 0.1}, np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(new, base, atol=1e-14)
    # by hand: proportional, two cells, one draw
    m = np.array([[3.0, 1.0, 0.0], [1.0, 1.0, 2.0]])
    p = np.zeros((1, 2, 3, 2))
    p[..., 1] = [[[0.2, 0.6, 0.9], [0.1, 0.5, 0.7]]]
    p[..., 0] = 1 - p[..., 1]
    _, cf = shift_cells(m, p, {2: 0.25})
    # cell 1 (total 4): issue 2 +1 voter, issues 0/1 give 0.75/0.25; cell 2 (total 4): +1,
    # issues 0/1 give 0.5 each; change in P(party 1) = sum / 8
    change = (1 * 0.9 - 0.75 * 0.2 - 0.25 * 0.6) + (1 * 0.7 - 0.5 * 0.1 - 0.5 * 0.5)
    base1 = (3 * 0.2 + 1 * 0.6 + 1 * 0.1 + 1 * 0.5 + 2 * 0.7) / 8
    assert cf[0, 1] == pytest.approx(base1 + change / 8)
    with pytest.raises(ModelInputError, match="outside 0-100% in 1 of 2 cell"):
        shift_cells(m, p, {1: 0.5}, np.array([1.0, 0.0, 0.0]), issues=["a", "b", "c"])


# ---------------------------------------------------------------------- fitted (simulated)
def _numpy_poststratify(fit: VoteMRPResults, population: pd.DataFrame, by: str
                        ) -> pd.DataFrame:
    post = fit.idata["posterior"]
    flat = {name: post[name].stack(sample=("chain", "draw")).transpose("sample", ...).values
            for name in post.data_vars}
    eta = np.repeat(flat["intercept"][:, 0][:, None], len(population), axis=1)
    for g in GROUPS:
        levels = list(post[f"{g}_level"].values)
        codes = population[g].map({lv: i for i, lv in enumerate(levels)}).to_numpy()
        eta = eta + flat[f"z_{g}"][:, 0, codes] * flat[f"sd_{g}"][:, 0][:, None]
    p_rep = 1 / (1 + np.exp(-eta))
    rows = []
    for level, cells in population.groupby(by, sort=False):
        n = cells["n"].to_numpy()
        share = 100 * (p_rep[:, cells.index] * n).sum(axis=1) / n.sum()
        rows.append({"group": level, "mean": share.mean(), "lower_90": np.quantile(share, 0.05),
                     "upper_90": np.quantile(share, 0.95)})
    return pd.DataFrame(rows)


def test_poststratification_matches_independent_numpy(fitted, simulated) -> None:
    _, population, _ = simulated
    for by in ("state", "age", "issue"):
        mine = fitted.poststratify(by).query("party == 'rep'").set_index("group")
        independent = _numpy_poststratify(fitted, population, by).set_index("group")
        pd.testing.assert_frame_equal(mine.loc[independent.index, ["mean", "lower_90", "upper_90"]],
                                      independent, check_exact=False, rtol=1e-10)
    overall = fitted.poststratify().query("party == 'rep'")
    assert overall["group"].tolist() == ["all"]
    by_state = fitted.poststratify("state").query("party == 'rep'")
    assert list(by_state.columns) == ["group", "party", "mean", "lower_90", "upper_90"]


def test_fit_is_close_to_the_simulated_truth(fitted, simulated) -> None:
    _, _, truth = simulated
    est = fitted.poststratify("state").merge(truth.shares.query("by == 'state'"),
                                             on=["group", "party"])
    inside = (est["share"] >= est["lower_90"] - 2) & (est["share"] <= est["upper_90"] + 2)
    assert inside.mean() >= 0.8, est
    assert fitted.diagnostics.divergences <= 5


def test_new_level_gets_a_group_level_draw(fitted, simulated) -> None:
    sample, population, _ = simulated
    extra = population[population["state"] == "S01"].assign(state="S99")
    model = VoteMRP(sample, vote="vote", groups=GROUPS, population=pd.concat([population, extra]),
                    weight="weight")
    assert model.inputs.new_levels == {"state": ["S99"]}
    wider = VoteMRPResults(fitted.idata, {**fitted.meta, **model.results_metadata()})
    effects = wider.group_effects("state")
    np.testing.assert_array_equal(effects, wider.group_effects("state"))  # repeatable
    scale = fitted._posterior("sd_state")[:, 0] * np.sqrt(1 + 1 / 6)  # 6 sample states
    standardised = effects[:, -1, 0] / scale
    assert abs(standardised.mean()) < 0.15 and standardised.std() == pytest.approx(1, abs=0.1)
    states = wider.poststratify("state").query("party == 'rep'").set_index("group")
    seen = fitted.poststratify("state").query("party == 'rep'").set_index("group")
    pd.testing.assert_frame_equal(states.loc[seen.index], seen)
    width = states["upper_90"] - states["lower_90"]
    assert width["S99"] > width.drop("S99").max()


def test_zero_shift_returns_the_fitted_vote_exactly(fitted) -> None:
    base, new = fitted.counterfactual_draws({"economy": 0.0})
    assert np.array_equal(base, new)
    assert np.array_equal(base, fitted.vote_draws())
    frame = fitted.counterfactual({"economy": 0.0})
    assert (frame[["mean", "lower_90", "upper_90"]].to_numpy() == 0).all()
    shifted = fitted.counterfactual({"war in Ukraine": 0.05})
    vote = fitted.vote().set_index("party")["mean"]
    assert shifted.set_index("quantity")["baseline"][vote.index].to_numpy() == \
        pytest.approx(vote.to_numpy())


def test_counterfactual_is_one_implementation_for_both_models(fitted) -> None:
    """IssueVote and VoteMRP share the accounting (impact.VoteImpactResults): the same
    methods, hence the same columns and the same statement of what is held fixed."""
    from opinion.models.election.impact import VoteImpactResults

    for name in ("counterfactual", "shift_curve", "required_shift", "vote",
                 "plot_counterfactual", "plot_vote_by_issue"):
        assert getattr(VoteMRPResults, name) is getattr(VoteImpactResults, name)
        assert getattr(IssueVoteResults, name) is getattr(VoteImpactResults, name)
    out = fitted.counterfactual({"war in Ukraine": 0.08}, source="proportional")
    assert list(out.columns) == COUNTERFACTUAL_COLUMNS
    assert out.attrs["held_fixed"].startswith("Accounting, not a causal effect")
    assert list(fitted.vote_by_issue().columns) == ["issue", "party", "mean", "lower_90",
                                                    "upper_90"]


def test_shift_between_identically_voting_issues_changes_nothing(fitted) -> None:
    tree = fitted.idata.copy()
    post = tree["posterior"].to_dataset()
    z = post["z_issue"].copy()
    z.loc[{"issue_level": "abortion"}] = z.sel(issue_level="economy").values  # (no longer
    # sums to zero: irrelevant to the accounting identity)
    tree["posterior"] = xr.DataTree(post.assign(z_issue=z))
    same = VoteMRPResults(tree, fitted.meta)
    base, new = same.counterfactual_draws({"abortion": 0.05}, source="economy")
    np.testing.assert_allclose(new, base, atol=1e-12)
    _, moved = fitted.counterfactual_draws({"abortion": 0.05}, source="economy")
    assert np.abs(moved - base).max() > 1e-4  # the fitted issues do differ


def test_infeasible_shift_is_refused(fitted) -> None:
    with pytest.raises(ModelInputError, match=r"outside 0-100% in \d+ of 72 cell"):
        fitted.counterfactual({"war in Ukraine": 0.95})
    with pytest.raises(ModelInputError, match="unknown issue 'crime'"):
        fitted.counterfactual({"crime": 0.05})
    with pytest.raises(ModelInputError, match="split='fitted'"):
        fitted.counterfactual({"economy": 0.05}, split={"dem": 0.5, "rep": 0.5})


def test_vote_by_issue_averages_to_the_overall_vote(fitted) -> None:
    q = fitted.vote_by_issue().query("party == 'rep'").set_index("issue")["mean"]
    shares = fitted.issue_shares().set_index("issue")["share"]
    overall = fitted.vote().set_index("party").loc["rep", "mean"]
    assert (q * shares[q.index]).sum() / 100 == pytest.approx(overall)


def test_summary_plots_html_and_save_load(fitted, tmp_path) -> None:
    summary = fitted.summary()
    assert "sd of state intercepts" in summary.index
    assert "baseline log-odds of rep vs dem" in summary.index
    assert not summary.index.str.contains(r"\[\d").any()
    assert fitted.headline().startswith("Poststratified vote: ")
    from opinion.models.core.wording import headline_problems

    assert headline_problems(fitted.headline()) == [], fitted.headline()
    assert isinstance(fitted.plot_vote_by_issue(), Axes)
    assert isinstance(fitted.plot_counterfactual(), Axes)
    hostile = VoteMRPResults(fitted.idata, {**fitted.meta,
                                            "parties": ["<b>dem</b>", "rep"]})
    page = hostile._repr_html_()
    assert "&lt;b&gt;dem" in page and "<b>dem" not in page
    folder = fitted.save(tmp_path / "fit")
    assert sorted(p.name for p in folder.iterdir()) == ["entry.json", "meta.json",
                                                        "posterior.nc"]
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["population"]["columns"] == ["state", "age", "educ", "issue", "count"]
    loaded = VoteMRPResults.load(folder)
    pd.testing.assert_frame_equal(loaded.poststratify("state"), fitted.poststratify("state"))
    pd.testing.assert_frame_equal(loaded.counterfactual({"economy": 0.05}),
                                  fitted.counterfactual({"economy": 0.05}))


# ---------------------------------------------------------------------- ANES 1996 smoke
def test_the_shared_fit_converges(fitted) -> None:
    assert fitted.diagnostics.ok, fitted.diagnostics


@pytest.mark.slow
def test_anes96_smoke(anes) -> None:
    data, fit = anes
    assert fit.diagnostics.ok, fit.diagnostics
    dole = fit.vote().set_index("party").loc["Dole"]
    assert dole["mean"] == pytest.approx(100 * (data["vote"] == "Dole").mean(), abs=2)
    effects = fit.group_effects("PID")[:, :, 0]
    strong_rep = fit.levels["PID"].index("6")
    strong_dem = fit.levels["PID"].index("0")
    assert (effects[:, strong_rep] > effects[:, strong_dem]).mean() > 0.99
    by_pid = fit.poststratify("PID").query("party == 'Dole'").set_index("group")["mean"]
    assert by_pid["6"] > by_pid["0"]
    summary = fit.summary()
    assert {"sd of PID intercepts", "sd of educ intercepts", "slope of selfLR"} <= set(
        summary.index)
    assert summary.loc["slope of selfLR", "lower_90"] > 0  # right-leaning -> Dole
    with pytest.raises(ModelInputError, match="no issue column"):
        fit.vote_by_issue()


# ---------------------------------------------------------------------- predictive checks
PPC_COLUMNS = ["variable", "level", "party", "respondents", "observed", "lower_90", "upper_90",
               "mid_p", "inside"]


def test_posterior_predictive_check_covers_the_weighted_sample(fitted, simulated) -> None:
    sample, _, _ = simulated
    ppc = fitted.posterior_predictive_check()
    assert list(ppc.columns) == PPC_COLUMNS
    assert list(dict.fromkeys(ppc["variable"])) == ["all", *GROUPS]
    assert len(ppc) == 2 * (1 + 6 + 4 + 3 + 4)  # two parties x (overall + every level)
    assert ppc["inside"].mean() >= 0.7, ppc
    overall = ppc[(ppc["variable"] == "all") & (ppc["party"] == "rep")].iloc[0]
    weighted = 100 * np.average(sample["vote"] == "rep", weights=sample["weight"])
    assert overall["observed"] == pytest.approx(weighted)
    assert overall["lower_90"] <= weighted <= overall["upper_90"]
    pd.testing.assert_frame_equal(ppc, fitted.posterior_predictive_check())  # seeded
    by_state = fitted.posterior_predictive_check(by="state", level=0.5, draws=100)
    assert set(by_state["variable"]) == {"state"}
    assert "lower_50" in by_state  # the interval columns name their level
    assert ((by_state["upper_50"] - by_state["lower_50"]).mean()
            < (ppc["upper_90"] - ppc["lower_90"]).mean())
    with pytest.raises(ModelInputError, match="not a group variable"):
        fitted.posterior_predictive_check(by="ideology")


def test_posterior_predictive_check_matches_independent_numpy(fitted, simulated) -> None:
    import zlib

    sample, _, _ = simulated
    post = fitted.idata["posterior"]
    flat = {name: post[name].stack(sample=("chain", "draw")).transpose("sample", ...).values
            for name in post.data_vars}
    eta = np.repeat(flat["intercept"][:, 0][:, None], len(sample), axis=1)
    for g in GROUPS:
        codes = sample[g].map({lv: i for i, lv in enumerate(post[f"{g}_level"].values)})
        eta = eta + flat[f"z_{g}"][:, 0, codes.to_numpy()] * flat[f"sd_{g}"][:, 0][:, None]
    p_dem = 1 / (1 + np.exp(eta))
    # the documented seed: one uniform per (posterior draw, respondent); rep when u > P(dem)
    u = np.random.default_rng([3, zlib.crc32(b"posterior_predictive")]).random(p_dem.shape)
    rep = u > p_dem
    state = sample["state"].to_numpy() == "S03"
    w = sample["weight"].to_numpy() * state
    share = 100 * (rep * w).sum(axis=1) / w.sum()
    row = fitted.posterior_predictive_check(by="state").set_index(["level", "party"]).loc[
        ("S03", "rep")]
    assert row["observed"] == pytest.approx(100 * np.average(sample["vote"][state] == "rep",
                                                             weights=w[state]), rel=1e-12)
    assert row["lower_90"] == pytest.approx(np.quantile(share, 0.05), rel=1e-10)
    assert row["upper_90"] == pytest.approx(np.quantile(share, 0.95), rel=1e-10)


def test_prior_predictive_check_matches_direct_simulation_of_the_priors(fitted,
                                                                         simulated) -> None:
    """Known answer: the default priors (intercept N(0, 1.5), group sds half-t(3, 1.5),
    zero-sum standard normal level effects) simulated directly in numpy and poststratified to
    the same population give a 90% range of about 21% to 79% for rep (by symmetry for dem):
    averaging the logistic over cells with larger effects pulls the overall share to 50%."""
    _, population, _ = simulated
    check = fitted.prior_predictive_check()
    assert list(check.columns) == ["group", "party", "lower_90", "median", "upper_90"]
    n_prior = fitted.idata["prior"]["intercept"].shape[1]
    assert n_prior == 500
    rng = np.random.default_rng(0)
    m = 40_000
    eta = rng.normal(0, 1.5, m)[:, None] + np.zeros((m, len(population)))
    for g in GROUPS:
        levels = sorted(population[g].unique())
        sd = np.abs(rng.standard_t(3, m)) * 1.5
        z = rng.normal(size=(m, len(levels)))
        z -= z.mean(axis=1, keepdims=True)  # ZeroSumNormal(1): iid normals, centred
        codes = population[g].map({lv: i for i, lv in enumerate(levels)}).to_numpy()
        eta += sd[:, None] * z[:, codes]
    n = population["n"].to_numpy()
    share = 100 * (n / (1 + np.exp(-eta))).sum(axis=1) / n.sum()
    qs = [0.05, 0.5, 0.95]
    reference = np.quantile(share, qs)
    # Monte Carlo tolerance: spread of the same quantiles from 500-draw subsets, times 4
    subsets = np.array([np.quantile(rng.choice(share, n_prior, replace=False), qs)
                        for _ in range(300)])
    tolerance = 4 * subsets.std(axis=0)
    rep = check.set_index("party").loc["rep", ["lower_90", "median", "upper_90"]].to_numpy(float)
    np.testing.assert_array_less(np.abs(rep - reference), tolerance)
    assert reference[0] < 25 and reference[2] > 75  # the stated width of the defaults
    assert rep[0] < 25 and rep[2] > 75
    dem = check.set_index("party").loc["dem"]
    assert dem["lower_90"] == pytest.approx(100 - rep[2]) and dem["upper_90"] == pytest.approx(
        100 - rep[0])


def test_model_is_split_into_modules_and_hashes_them() -> None:
    from opinion.models.election import mrp_config, mrp_inputs

    sample, population = _tiny()
    model = VoteMRP(sample, vote="vote", groups=["state"], population=population)
    assert set(model.code_modules()) == {"opinion.models.election.mrp_inputs"}
    assert type(model.config) is mrp_config.VoteMRPConfig
    assert type(model.inputs) is mrp_inputs.MRPData
    assert kish_effective_n is mrp_inputs.kish_effective_n


def test_posterior_predictive_redraws_three_parties_with_known_probabilities() -> None:
    """Known answer without a sampler: with every effect and slope 0 and intercepts log 2,
    log 3 each respondent votes b, a, c with probabilities 1/6, 2/6, 3/6, so the redrawn
    unweighted share of a party has mean 100 p and sd 100 sqrt(p (1 - p) / n)."""
    from opinion.models.core.hashing import frame_to_records

    rng = np.random.default_rng(2)
    n, draws = 300, 4000
    sample = pd.DataFrame({"vote": rng.choice(["a", "b", "c"], n), "g": rng.choice(["u", "v"], n),
                           "x": rng.normal(size=n)})
    population = pd.DataFrame({"g": ["u", "v"], "x": [0.0, 0.0], "n": [1, 1]})
    model = VoteMRP(sample, vote="vote", groups=["g"], covariates=["x"], population=population,
                    reference="b")
    dims = ("chain", "draw")
    post = xr.Dataset({
        "intercept": (dims + ("contrast",), np.tile(np.log([2.0, 3.0]), (1, draws, 1))),
        "sd_g": (dims + ("contrast",), np.ones((1, draws, 2))),
        "z_g": (dims + ("contrast", "g_level"), np.zeros((1, draws, 2, 2))),
        "slope": (dims + ("covariate", "contrast"), np.zeros((1, draws, 1, 2)))})
    meta = {**model.results_metadata(), "random_seed": 0, "config": model.config_dict(),
            "data": frame_to_records(model.observations())}
    fit = VoteMRPResults(xr.DataTree.from_dict({"posterior": post}), meta)
    ppc = fit.posterior_predictive_check(level=0.5).query("variable == 'all'").set_index("party")
    for party, p in {"b": 1 / 6, "a": 2 / 6, "c": 3 / 6}.items():
        observed = 100 * (sample["vote"] == party).mean()
        assert ppc.loc[party, "observed"] == pytest.approx(observed)
        sd = 100 * np.sqrt(p * (1 - p) / n)
        # the 50% interval of a near-normal share: mean -/+ 0.674 sd (Monte Carlo: 4,000 draws)
        assert (ppc.loc[party, "lower_50"] + ppc.loc[party, "upper_50"]) / 2 == pytest.approx(
            100 * p, abs=0.2 * sd)
        assert ppc.loc[party, "upper_50"] - ppc.loc[party, "lower_50"] == pytest.approx(
            2 * 0.674 * sd, rel=0.15)


# ---------------------------------------------------------------------- interactions, calibration
def _prior_results(model: VoteMRP, draws: int = 200, seed: int = 0) -> VoteMRPResults:
    """Results whose 'posterior' are prior draws of the model (no sampler)."""
    import pymc as pm

    with model.build_model():
        prior = pm.sample_prior_predictive(draws, random_seed=seed)
    tree = xr.DataTree.from_dict({"posterior": prior["prior"].to_dataset(),
                                  "prior": prior["prior"].to_dataset()})
    return VoteMRPResults(tree, {**model.results_metadata(), "random_seed": seed,
                                 "config": model.config.to_dict()})


def test_issue_by_group_interaction_enters_every_cell(simulated) -> None:
    """Cell log-odds with an issue x state interaction against a direct numpy sum of the
    effects, on prior draws (combinations of the population absent from the sample get
    fresh draws from the interaction's distribution)."""
    sample, population, _ = simulated
    model = VoteMRP(sample, vote="vote", groups=GROUPS, population=population,
                    interactions=[("issue", "state")])
    assert "issue:state" in model.inputs.levels
    assert model.inputs.levels["issue:state"][0] == "abortion | S01"
    fit = _prior_results(model)
    eta = fit._cell_logits("posterior")  # (draws, base cells, issues, contrasts)
    post = fit.idata["posterior"]
    b, i = 7, 2
    base = fit.base.iloc[b]
    issue = fit.issues[i]
    expected = post["intercept"].values[0, :, 0].copy()
    for g in GROUPS:
        level = issue if g == "issue" else base[g]
        k = list(post[f"{g}_level"].values).index(level)
        expected += post[f"z_{g}"].values[0, :, 0, k] * post[f"sd_{g}"].values[0, :, 0]
    combo = f"{issue} | {base['state']}"
    k = list(post["issue:state_level"].values).index(combo)
    expected += (post["z_issue:state"].values[0, :, 0, k]
                 * post["sd_issue:state"].values[0, :, 0])
    np.testing.assert_allclose(eta[:, b, i, 0], expected, rtol=1e-12)
    # the within-cell counterfactual now uses each cell's own issue x state vote
    assert "Accounting, not a causal effect" in fit.counterfactual({"abortion": 0.02}).attrs[
        "held_fixed"]


def test_calibration_matches_the_known_result_exactly(fitted) -> None:
    target = {"dem": 48.0, "rep": 52.0}
    meta = {**fitted.meta, "config": {**fitted.meta["config"], "calibrate_to": target}}
    calibrated = VoteMRPResults(fitted.idata, meta)
    vote = calibrated.vote().set_index("party")
    assert vote.loc["rep", "mean"] == pytest.approx(52.0, abs=1e-6)
    assert vote.loc["rep", "upper_90"] - vote.loc["rep", "lower_90"] < 1e-6
    shift = calibrated.calibration_shift()
    raw = fitted.vote().set_index("party").loc["rep", "mean"]
    assert (shift["mean"].iloc[0] > 0) == (raw < 52.0)  # shifted towards rep if it was short
    # differences between cells keep their log-odds size
    before = fitted._cell_logits("posterior")
    probs = calibrated.cell_probabilities()
    after = np.log(probs[..., 1] / probs[..., 0])
    diff = after - before[..., 0]
    np.testing.assert_allclose(diff, np.broadcast_to(diff[:, :1, :1], diff.shape), atol=1e-9)
    uncertain = VoteMRPResults(fitted.idata, {**meta, "config": {
        **meta["config"], "calibrate_sd_pp": 1.0}})
    spread = uncertain.vote().set_index("party").loc["rep"]
    assert 2.0 < spread["upper_90"] - spread["lower_90"] < 4.5  # ~ 2 x 1.645 x 1 point
    with pytest.raises(ModelInputError, match="no calibrate_to"):
        fitted.calibration_shift()


def test_held_out_respondents_leave_the_fit_and_are_predicted(fitted, simulated) -> None:
    sample, population, _ = simulated
    model = VoteMRP(sample, vote="vote", groups=GROUPS, population=population,
                    weight="weight", holdout_fraction=0.25, holdout_seed=4)
    frame = model.inputs.frame
    assert frame["heldout"].sum() == 200 and len(model.inputs.y) == 600
    assert model.inputs.w.sum() == pytest.approx(
        kish_effective_n(frame.loc[~frame["heldout"], "weight"].to_numpy()))
    assert any("held out" in note for note in model.inputs.notes)
    from opinion.models.core.hashing import frame_to_records

    meta = {**fitted.meta, **model.results_metadata(),
            "data": frame_to_records(model.observations())}
    held = VoteMRPResults(fitted.idata, meta)
    check = held.heldout_check(by="state")
    assert check["respondents"].sum() == 2 * 200  # two parties x every held-out respondent
    assert check["inside"].mean() > 0.6
    ppc = held.posterior_predictive_check(by=[("state", "age")])
    assert set(ppc["variable"]) == {"state x age"} and len(ppc) <= 2 * 6 * 4
    with pytest.raises(ModelInputError, match="no respondents were held out"):
        fitted.heldout_check()


def test_unweighted_fits_have_observed_votes_for_sbc(simulated) -> None:
    from opinion.batch import BatchError
    from opinion.calibration import observed_containers

    sample, population, _ = simulated
    plain = VoteMRP(sample, vote="vote", groups=["state", "issue"], population=population,
                    weight=False)
    assert observed_containers(plain.build_model()) == {"vote": "y"}
    weighted = VoteMRP(sample, vote="vote", groups=["state", "issue"], population=population,
                       weight="weight")
    with pytest.raises(BatchError, match="Potential"):
        observed_containers(weighted.build_model())


def test_prior_allows_strong_level_effects_on_the_probability_scale(simulated) -> None:
    """The half-t(3, 1.5) group-sd prior: a 7-level group like party ID may put its levels
    from under 5% to over 95% (what the ±3-logit effects of real party ID need)."""
    sample, population, _ = simulated
    model = VoteMRP(sample, vote="vote", groups=["state", "issue"], population=population)
    fit = _prior_results(model, draws=400)
    by_state = fit.prior_predictive_check(by="state")
    assert list(by_state["group"].unique()) == fit.all_levels("state")
    rep = by_state[by_state["party"] == "rep"]
    assert (rep["lower_90"] < 10).all() and (rep["upper_90"] > 90).all()
