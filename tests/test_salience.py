"""Issue-salience model: data checks, likelihood, single-poll agreement, results API.

Reference values:
- the likelihood of a single-choice block is compared with ``scipy.stats.multinomial`` on
  Luce probabilities computed by hand, and on nested-logit probabilities computed by an
  independent loop over nests (the GEV formula P(nest) x P(issue | nest));
- a single poll under flat priors is compared with the closed-form posterior (a flat prior on
  log-odds is the Dirichlet(0, ..., 0) prior, so share k is Beta(c_k, N - c_k): mean c_k / N)
  and with the frequentist baseline (Wilson = Goodman at alpha = K (1 - level));
- the mixed fit is checked against the simulation truth it was generated from (a two-sided
  binomial test of its 90% intervals' coverage) and against direct numpy computations on its
  own posterior draws;
- API tests of constructs and methodology run on prior draws (no sampling).

One fit is compiled by default (a single poll under flat priors); the mixed-format fit
(session-scoped) runs in the slow suite, and the API tests use its model's prior draws.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

from opinion.errors import DataValidationError, ModelInputError, OpinionError
from opinion.formatting import ordinal
from opinion.frames.pollframe import PollFrame
from opinion.models.core.names import near_duplicate_issues
from opinion.models.core.wording import headline_problems
from opinion.models.salience import IssueSalience, IssueSalienceConfig, poll_baseline
from opinion.models.salience.choice import nested_log_probs, nested_shares
from opinion.models.salience.inputs import knot_weights_at
from opinion.models.salience.latent import ar1_bridge
from opinion.models.salience.likelihood import (
    beta_binomial_draws,
    quasi_logp,
    saturated_loglik,
)
from opinion.models.salience.model import zero_sum_basis
from opinion.models.salience.results import IssueSalienceResults, rank_draws
from opinion.models.salience.simulate import QuestionSpec, simulate_salience

TODAY = pd.Timestamp("2030-01-01").date()


def frame(rows: list[tuple], **extra) -> pd.DataFrame:
    """Long poll rows: (poll_id, question_id, format, subgroup, response, pct, n)."""
    out = pd.DataFrame(rows, columns=["poll_id", "question_id", "question_format", "subgroup",
                                      "response", "pct", "n"])
    out["pollster"] = out["poll_id"].str.split("_").str[0]
    out["start_date"] = "2022-10-01"
    out["end_date"] = "2022-10-03"
    out["population"] = "rv"
    for key, value in extra.items():
        out[key] = value
    return out


def polls_of(rows: list[tuple], **extra) -> PollFrame:
    return PollFrame.from_frame(frame(rows, **extra).astype(str), today=TODAY)


SINGLE = [("exit_1", "mii", "single_choice", "all", issue, pct, 1000)
          for issue, pct in [("inflation", 32), ("abortion", 27), ("crime", 11),
                             ("gun policy", 11), ("immigration", 10)]]


# ----------------------------------------------------------------------------- bad input


def test_fractions_in_one_poll_and_percent_in_another() -> None:
    """A poll given as fractions (0.32 for 32%) next to polls in percent is refused with the
    poll named and the reason: never modelled as shares below 1%, never dropped silently
    (the reader rejects such rows; a frame carrying rejects of the modelled questions is
    refused, and rows that arrive as fractions anyway are caught by the model's own check)."""
    rows = SINGLE + [("ipsos_2", "mii", "single_choice", "all", i, p / 100, 1000)
                     for _, _, _, _, i, p, _ in SINGLE]
    with pytest.raises(ModelInputError, match=r"(?s)(?=.*ipsos_2)(?=.*fraction)") as err:
        IssueSalience(polls_of(rows))
    assert "exit_1" not in str(err.value)  # only the offending poll is named
    with pytest.raises(OpinionError, match=r"(?s)ipsos_2|fraction"):
        IssueSalience(frame(rows))  # a DataFrame: refused as a whole


def test_all_fractions() -> None:
    """Every share at most 1: the whole file is fractions; refused with the reason."""
    rows = [r[:5] + (r[5] / 100, r[6]) for r in SINGLE]
    with pytest.raises(ModelInputError, match=r"(?s)(?=.*exit_1)(?=.*fraction)"):
        IssueSalience(polls_of(rows))


def test_frame_with_rejected_rows_is_refused_with_rows_and_reasons() -> None:
    """Rows of a modelled question that validation set aside stop the model, which names
    the row, the poll and the reason; the valid rows alone are modelled only when the user
    passes them alone; rejects of questions not modelled do not matter."""
    rows = SINGLE + [("cbs_2", "mii", "single_choice", "all", "crime", 150, 1000)]
    polls = polls_of(rows)
    assert len(polls.rejects) == 1
    with pytest.raises(ModelInputError) as err:
        IssueSalience(polls)
    message = str(err.value)
    assert "row(s) 5 (poll cbs_2)" in message and "pct outside 0-100" in message
    assert "PollFrame(polls.data)" in message
    assert IssueSalience(PollFrame(polls.data)).inputs.issues  # the valid rows, explicitly
    other = polls_of(SINGLE + [("cbs_2", "rate", "rating", "all", "crime", 150, 1000)])
    assert IssueSalience(other, questions=["mii"]).inputs.issues


def test_issue_spelled_two_ways_and_aliases() -> None:
    rows = [("gallup_1", "rate", "rating", "all", "Economy", 49, 900),
            ("gallup_1", "rate", "rating", "all", "crime", 40, 900),
            ("ipsos_2", "rate", "rating", "all", "the economy", 45, 900),
            ("ipsos_2", "rate", "rating", "all", "crime", 38, 900)]
    with pytest.raises(ModelInputError) as err:
        IssueSalience(polls_of(rows))
    message = str(err.value)
    assert "'Economy'" in message and "'the economy'" in message
    assert "issue_aliases" in message and "gallup_1" in message
    model = IssueSalience(polls_of(rows), issue_aliases={"the economy": "Economy"})
    assert model.inputs.issues == ["Economy", "crime"]
    assert len(model.inputs.cells) == 4


def test_typo_is_a_near_duplicate() -> None:
    assert near_duplicate_issues(["immigration", "imigration", "crime"]) == [
        ["imigration", "immigration"]]
    assert near_duplicate_issues(["gun policy", "climate change", "crime"]) == []
    assert near_duplicate_issues(["The Economy!", "economy"]) == [["The Economy!", "economy"]]


def test_poll_without_n() -> None:
    rows = frame(SINGLE + [("cbs_2", "mii", "single_choice", "all", "crime", 12, 1)])
    rows.loc[rows["poll_id"] == "cbs_2", "n"] = np.nan
    with pytest.raises(DataValidationError, match="1 of .* rows fail validation.*n"):
        IssueSalience(rows)  # a DataFrame goes through the frame layer first
    pf = PollFrame.from_frame(rows.astype(str).replace({"nan": None}), today=TODAY)
    assert len(pf.rejects) == 1  # validation set the row aside ...
    with pytest.raises(ModelInputError, match="cbs_2"):  # ... and the model says so
        IssueSalience(pf)


def test_subgroup_missing_from_some_polls() -> None:
    rows = SINGLE + [(p, q, f, g, i, v, n) for p, q, f, g, i, v, n in [
        ("exit_1", "mii", "single_choice", "party:dem", "abortion", 43, 1000),
        ("exit_1", "mii", "single_choice", "party:dem", "inflation", 18, 1000),
        ("nbc_2", "mii", "single_choice", "all", "inflation", 30, 800),
        ("nbc_2", "mii", "single_choice", "all", "abortion", 25, 800)]]
    model = IssueSalience(polls_of(rows))
    blocks = model.inputs.blocks
    assert model.inputs.groups == ["all", "party:dem"]
    assert set(blocks.loc[blocks["group"] == "party:dem", "poll_id"]) == {"exit_1"}
    # a subgroup without published size: 1/3 of n, noted; the "all" rows keep n
    dem = blocks[blocks["group"] == "party:dem"].iloc[0]
    assert dem["N"] == round(1000 / 3) and "not published" in dem["n_basis"]
    assert any("subgroup sizes not published" in note for note in model.inputs.notes)
    with pytest.raises(ModelInputError, match="party:rep"):
        IssueSalience(polls_of(rows), groups=["all", "party:rep"])


def test_other_input_errors() -> None:
    over = [r[:5] + (r[5] + 5, r[6]) for r in SINGLE]  # 116%
    with pytest.raises(DataValidationError, match="rows fail validation"):
        IssueSalience(frame(over))  # a DataFrame: PollFrame validation rejects it
    with pytest.raises(ModelInputError, match=r"5 row\(s\) .*rejected.*sum"):
        IssueSalience(polls_of(over))
    with pytest.raises(ModelInputError, match="unknown question_id.*nope"):
        IssueSalience(polls_of(SINGLE), questions=["nope"])
    no_format = frame(SINGLE).drop(columns="question_format")
    with pytest.raises(ModelInputError, match="question_formats"):
        IssueSalience(no_format)
    assert IssueSalience(no_format, question_formats={"mii": "single_choice"}).inputs.issues
    with pytest.raises(ModelInputError, match="at least two issues"):
        IssueSalience(polls_of(SINGLE[:1]))
    with pytest.raises(ModelInputError, match="offered"):
        IssueSalience(polls_of(SINGLE), offered={"mii": ["war"]})


def test_design_effects() -> None:
    pf = polls_of(SINGLE, population="v")  # an exit poll without published deff
    assert set(IssueSalience(pf).inputs.blocks["N"]) == {500}  # exit_poll_deff = 2
    assert set(IssueSalience(pf, exit_poll_deff=1.25).inputs.blocks["N"]) == {800}
    assert set(IssueSalience(pf, deff={"exit_1": 4}).inputs.blocks["N"]) == {250}
    rows = frame(SINGLE)
    rows["deff"] = 1.6  # published: used as is
    assert set(IssueSalience(rows).inputs.blocks["N"]) == {625}


def test_helpers_closed_forms() -> None:
    basis = zero_sum_basis(np.array(["a", "a", "a", "b", "b", "c"]))
    assert basis.shape == (6, 3)  # 6 members - 3 labels
    np.testing.assert_allclose(basis.T @ basis, np.eye(3), atol=1e-12)  # orthonormal
    np.testing.assert_allclose(basis[:3].sum(axis=0), 0, atol=1e-12)  # zero-sum per label
    np.testing.assert_allclose(basis[3:5].sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(basis[5], 0)  # a label with one member gets 0
    # linear interpolation between knots 30 days apart: day 45 is halfway between 1 and 2
    w = knot_weights_at(np.array([0.0, 45.0, 60.0]), 4, 30)
    np.testing.assert_allclose(w, [[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 1, 0]])
    assert [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
    np.testing.assert_array_equal(rank_draws(np.array([[0.1, 2.0, -1.0]])), [[2, 1, 3]])


def _y_logp(model: IssueSalience, theta: np.ndarray, names=("y_single",), **fixed):
    """Log-likelihood of the observed cells at a given salience ``theta`` (issues) and other
    fixed values (``pm.do`` replaces the deterministic salience by a constant)."""
    import pymc as pm

    pm_model = model.build_model()
    do = {"theta": np.asarray(theta, dtype=float)[None, :, None], **fixed}
    fixed_model = pm.do(pm_model, do)
    logp = fixed_model.compile_logp(vars=[fixed_model[n] for n in names], jacobian=False,
                                    mode="CVM")
    return logp(fixed_model.initial_point())


def _nested_by_hand(theta: np.ndarray, offered: list[int], nests: list[list[int]],
                    lam: list[float]) -> np.ndarray:
    """Nested-logit probabilities of the offered issues and 'other' (utility 0), computed
    nest by nest: P(k) = P(nest of k) P(k | nest) (McFadden's GEV form)."""
    groups = [([k for k in nest if k in offered], lm) for nest, lm in zip(nests, lam,
                                                                         strict=True)]
    nested = {k for nest in nests for k in nest}
    groups += [([k], 1.0) for k in offered if k not in nested]
    groups = [(members, lm) for members, lm in groups if members]
    inclusive = [lm * np.log(sum(np.exp(theta[k] / lm) for k in members))
                 for members, lm in groups]
    denominator = 1.0 + sum(np.exp(v) for v in inclusive)
    probs = {}
    for (members, lm), v in zip(groups, inclusive, strict=True):
        within = np.array([np.exp(theta[k] / lm) for k in members])
        for k, w in zip(members, within / within.sum(), strict=True):
            probs[k] = np.exp(v) / denominator * w
    return np.array([probs[k] for k in offered] + [1.0 / denominator])


TWO_LISTS = ([("a_1", "mii", "single_choice", "all", i, p, 1000)
              for i, p in [("inflation", 30), ("abortion", 25), ("crime", 10)]]
             + [("a_2", "mii", "single_choice", "all", i, p, 800)
                for i, p in [("inflation", 28), ("abortion", 20), ("crime", 9), ("war", 6)]])
THETA = np.array([0.9, 0.7, -0.3, -1.1])  # inflation, abortion, crime, war


def _expected_logpmf(model: IssueSalience, probs_of) -> float:
    cells = model.observations()
    total = 0.0
    for poll, block in cells.groupby("poll_id", sort=False):
        counts = block["count"].to_numpy()
        n = int(block["N"].iloc[0])
        probs = probs_of(poll, len(counts))
        total += stats.multinomial.logpmf(np.append(counts, n - counts.sum()), n, probs)
    return total


def test_single_choice_likelihood_is_luce_multinomial() -> None:
    """Luce choice among the offered issues: an issue that is not offered (added later) is
    not in the denominator, an offered-but-unreported issue sits in the remainder; with
    ``choice_set="all"`` every issue is offered."""
    for options, war_offered_in_a1 in (({"offered": {"a_1": ["inflation", "abortion", "crime",
                                                             "war"]}}, True),
                                       ({}, False), ({"choice_set": "all"}, True)):
        model = IssueSalience(polls_of(TWO_LISTS), poll_error_pp=0, likelihood="exact",
                              **options)

        def probs(poll, n_reported, war=war_offered_in_a1):
            offered = 4 if (poll == "a_2" or war) else 3
            weights = np.exp(THETA[:offered])
            p = weights / (1 + weights.sum())
            return np.append(p[:n_reported], 1 - p[:n_reported].sum())

        assert _y_logp(model, THETA) == pytest.approx(_expected_logpmf(model, probs),
                                                      rel=1e-9)


def test_single_choice_likelihood_is_nested_multinomial() -> None:
    """With a nest (inflation, war) and dissimilarity 0.35, the model's likelihood of both
    polls (war listed only in the second) equals the multinomial on nested-logit
    probabilities computed nest by nest; with dissimilarity 1 it is Luce's rule again."""
    model = IssueSalience(polls_of(TWO_LISTS), poll_error_pp=0, likelihood="exact",
                          nests={"prices and war": ["inflation", "war"]})
    for lam in (0.35, 1.0):
        def probs(poll, n_reported, lam=lam):
            offered = [0, 1, 2, 3] if poll == "a_2" else [0, 1, 2]
            p = _nested_by_hand(THETA, offered, [[0, 3]], [lam])
            return np.append(p[:n_reported], 1 - p[:n_reported].sum())

        value = _y_logp(model, THETA, nest_lambda=np.array([lam]))
        assert value == pytest.approx(_expected_logpmf(model, probs), rel=1e-9)


def test_nested_logit_twins_and_limits() -> None:
    """The PyTensor and NumPy nested logits agree with the loop over nests; lambda = 1 is
    Luce; near lambda = 0 a nest mate added to the list leaves the nest's share unchanged
    (the newcomer draws only from its nest), where Luce's rule takes from everyone."""
    import pytensor
    import pytensor.tensor as pt

    rng = np.random.default_rng(4)
    theta = rng.normal(-0.5, 0.8, 5)
    nest_of = np.array([0, 0, -1, 1, 1])
    offered = np.array([[1, 1, 1, 1, 1], [1, 0, 1, 1, 0], [0, 1, 1, 0, 1]], float)
    lam = np.array([0.3, 0.8])
    p_np, other_np = nested_shares(np.tile(theta, (3, 1)), 0.0, offered, nest_of, lam)
    mu, lam_t = pt.matrix("mu"), pt.vector("lam")
    log_p, log_o = nested_log_probs(mu, pt.zeros(3), offered, nest_of, lam_t)
    f = pytensor.function([mu, lam_t], [log_p, log_o])
    lp, lo = f(np.tile(theta, (3, 1)), lam)
    for b in range(3):
        listed = list(np.flatnonzero(offered[b]))
        hand = _nested_by_hand(theta, listed, [[0, 1], [3, 4]], list(lam))
        np.testing.assert_allclose(p_np[b, listed], hand[:-1], rtol=1e-12)
        np.testing.assert_allclose(np.exp(lp[b, listed]), hand[:-1], rtol=1e-12)
        assert other_np[b] == pytest.approx(hand[-1]) and np.exp(lo[b]) == pytest.approx(
            hand[-1])
    luce, _ = nested_shares(theta, 0.0, np.ones(5), nest_of, np.ones(2))
    np.testing.assert_allclose(luce, np.exp(theta) / (1 + np.exp(theta).sum()), rtol=1e-12)
    # an option added to a list: issue 1, as attractive as issue 0, joins issue 0's nest
    twin = theta.copy()
    twin[1] = twin[0]
    before, _ = nested_shares(twin, 0.0, [1, 0, 1, 1, 1], nest_of, np.array([0.05, 1.0]))
    after, _ = nested_shares(twin, 0.0, np.ones(5), nest_of, np.array([0.05, 1.0]))
    assert after[0] + after[1] == pytest.approx(before[0], rel=0.05)
    assert after[1] == pytest.approx(after[0])
    np.testing.assert_allclose(after[2:], before[2:], rtol=0.05)
    iia_before, _ = nested_shares(twin, 0.0, [1, 0, 1, 1, 1], nest_of, np.ones(2))
    iia_after, _ = nested_shares(twin, 0.0, np.ones(5), nest_of, np.ones(2))
    ratio = iia_after[[0, 2, 3, 4]] / iia_before[[0, 2, 3, 4]]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)  # IIA: every share scaled alike
    assert ratio[0] < 1 and after[0] / before[0] < 0.6  # nested: it loses half to its twin


def test_quasi_likelihood_is_the_binomial_without_poll_error() -> None:
    """With no non-sampling error the extended quasi-likelihood is the exact (multinomial)
    likelihood up to a constant: differences between two parameter values agree to 1e-9."""
    rows = SINGLE + [("rate_1", "imp", "rating", "all", i, p, 900)
                     for i, p in [("inflation", 49), ("abortion", 42), ("crime", 40),
                                  ("gun policy", 38), ("immigration", 37)]]
    values = []
    for like in ("exact", "quasi"):
        model = IssueSalience(polls_of(rows), poll_error_pp=0, likelihood=like,
                              constructs={"imp": "single_choice"})
        out = [_y_logp(model, np.array(theta), names=("y_single", "y_scaled"))
               for theta in ([0.9, 0.7, -0.3, -0.2, -0.4], [0.5, 0.9, -0.6, -0.1, 0.0])]
        values.append(out[1] - out[0])
    assert values[1] == pytest.approx(values[0], rel=1e-9, abs=1e-9)


def test_quasi_likelihood_approximates_the_beta_binomial() -> None:
    """With non-sampling error (concentration phi) the quasi-likelihood of one cell, as a
    function of q, is close to the beta-binomial's (scipy): its curvature (the information)
    within 5%, the maximum within 2% of a posterior sd of q; its replicated counts have the
    beta-binomial's variance. The saturated term computed in the graph is scipy's."""
    n, c, phi = 800, 96, 1599.0
    grid = np.linspace(0.09, 0.15, 601)
    quasi = quasi_logp(np.full(grid.shape, float(c)), np.log(grid), np.log1p(-grid), phi,
                       float(n)).eval()
    exact = stats.betabinom.logpmf(c, n, phi * grid, phi * (1 - grid))
    curv = [np.gradient(np.gradient(f, grid), grid)[300] for f in (quasi, exact)]
    assert curv[0] == pytest.approx(curv[1], rel=0.05)
    sd = 1 / np.sqrt(-curv[1])
    assert grid[np.argmax(quasi)] == pytest.approx(grid[np.argmax(exact)], abs=0.02 * sd)
    # without overdispersion the quasi-likelihood is the binomial log-likelihood minus its
    # value at q = c / n (the saturated term, now computed from the counts in the graph)
    counts, trials, q = np.array([96.0, 0.0]), np.array([800.0, 50.0]), np.array([0.12, 0.3])
    no_error = quasi_logp(counts, np.log(q), np.log1p(-q), np.inf, trials).eval()
    expected = (stats.binom.logpmf(counts, trials, q)
                - stats.binom.logpmf(counts, trials, counts / trials))
    np.testing.assert_allclose(no_error, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(saturated_loglik(counts, trials),
                               stats.binom.logpmf(counts, trials, counts / trials)
                               - np.array([math.log(math.comb(800, 96)), 0.0]), rtol=1e-9)
    draws = beta_binomial_draws(np.full(20000, np.log(0.12)), np.full(20000, np.log(0.88)),
                                np.array(phi), np.full(20000, n), rng=np.random.default_rng(1))
    expected_var = n * 0.12 * 0.88 * (1 + (n - 1) / (phi + 1))
    assert draws.var() == pytest.approx(expected_var, rel=0.05)
    assert draws.mean() == pytest.approx(n * 0.12, rel=0.01)


def test_parameterisation_and_sampler_defaults_follow_the_data() -> None:
    """Sparse data: increments of the walk (mean over issues + zero-sum part), target_accept
    0.9, 1,000 tuning steps, exact likelihood. Data-rich (>= 40 blocks): knot levels as a
    Gaussian random walk, 0.8, 500 tuning steps for nutpie (1,000 for PyMC's sampler); above
    1,500 shares the quasi likelihood. Pollster effects are non-centred either way."""
    sparse_polls, _ = simulate_salience(
        [QuestionSpec("mii", "single_choice", polls=6, pollsters=("A", "B"))], seed=3,
        days=90)
    rich_polls, _ = simulate_salience(
        [QuestionSpec("mii", "single_choice", polls=60, pollsters=("A", "B"))], seed=3,
        days=90, issues=[f"issue {k:02d}" for k in range(30)])
    sparse, rich = IssueSalience(sparse_polls), IssueSalience(rich_polls)
    assert not sparse.centered() and rich.centered()
    assert (sparse.default_target_accept(), sparse.default_tune("nutpie")) == (0.9, 1000)
    assert (rich.default_target_accept(), rich.default_tune("nutpie")) == (0.8, 500)
    assert rich.default_tune("pymc") == 1000
    assert sparse.likelihood_kind() == "exact" and rich.likelihood_kind() == "quasi"
    free = {rv.name for rv in rich.build_model().free_RVs}
    assert {"theta_walk", "house_z"} <= free and "theta_anchor" not in free
    free = {rv.name for rv in sparse.build_model().free_RVs}
    # sparse: levels and steps as a mean over issues plus a zero-sum part
    assert {"theta_mean_z", "theta_dev_z", "rw_mean_z", "rw_dev_z", "house_z"} <= free
    assert "theta_walk" not in free


# ----------------------------------------------------------------------------- one poll


@pytest.fixture(scope="session")
def single_fit() -> tuple[IssueSalience, IssueSalienceResults]:
    model = IssueSalience(polls_of(SINGLE), level_sd_logit=10.0, poll_error_pp=0)
    return model, model.fit(random_seed=11, draws=1500, tune=700, chains=4, cache=False,
                            progressbar=False)


def test_single_poll_flat_priors_match_the_poll(single_fit) -> None:
    model, fit = single_fit
    assert fit.diagnostics.ok, fit.diagnostics.status()
    counts = model.observations().set_index("issue")["count"]
    n = 1000
    shares = fit.shares(0.9).set_index("issue")
    # closed form: Beta(c, N - c) (flat prior on log-odds = Dirichlet(0,...,0) prior);
    # tolerance 0.3 pp covers Monte Carlo error (sd of a share ~1.5 pp / sqrt(ESS > 1000))
    for issue, c in counts.items():
        assert shares.loc[issue, "mean"] == pytest.approx(100 * c / n, abs=0.3)
        lo, hi = stats.beta.ppf([0.05, 0.95], c, n - c)
        assert shares.loc[issue, "lower_90"] == pytest.approx(100 * lo, abs=0.3)
        assert shares.loc[issue, "upper_90"] == pytest.approx(100 * hi, abs=0.3)
    # the baseline (Goodman at alpha = K (1 - level) = Wilson per share): within 0.5 pp
    base = fit.baseline(0.9, simultaneous=False).set_index("issue")
    full = np.append(counts.to_numpy(), n - counts.sum())
    ci = multinomial_proportions_confint(full, alpha=0.1 * len(full), method="goodman")
    wilson = np.array(proportion_confint(counts.to_numpy(), n, alpha=0.1, method="wilson")).T
    np.testing.assert_allclose(ci[:-1], wilson, atol=1e-9)  # the identity used above
    np.testing.assert_allclose(base[["lower_90", "upper_90"]].to_numpy(), 100 * wilson, atol=1e-9)
    for issue in counts.index:
        assert shares.loc[issue, "lower_90"] == pytest.approx(base.loc[issue, "lower_90"], abs=0.5)
        assert shares.loc[issue, "upper_90"] == pytest.approx(base.loc[issue, "upper_90"], abs=0.5)
    # simultaneous Goodman intervals are wider than per-share ones
    simultaneous = fit.baseline(0.9).set_index("issue")
    assert (simultaneous["upper_90"] - simultaneous["lower_90"]
            > base["upper_90"] - base["lower_90"]).all()


# ----------------------------------------------------------------------------- mixed formats

QUESTIONS = [
    QuestionSpec("mii", "single_choice", polls=5, n=1000, pollsters=("A", "B")),
    QuestionSpec("mii_short", "single_choice", polls=3, n=1000, pollsters=("C",), offered=4,
                 other=0.4, wording_sd=0.15),
    QuestionSpec("mip", "multi_mention", polls=3, n=1000, pollsters=("A",), intercept=-0.6,
                 slope=0.8, wording_sd=0.15),
    QuestionSpec("rate", "rating", polls=2, n=900, pollsters=("B",), intercept=0.2,
                 slope=0.4, wording_sd=0.15),
]
LEVELS = np.array([-0.2, -0.5, -0.9, -1.0, -1.6, -2.6])


def mixed_data():
    polls, truth = simulate_salience(QUESTIONS, seed=3, levels=LEVELS,
                                     groups=("all", "party:dem"), subgroup_rate=0.6,
                                     days=120, house_sd=0.05)
    # group x time terms are tested apart (test_ar1_and_group_time_pieces)
    return IssueSalience(polls, group_time="off"), truth


@pytest.fixture(scope="session")
def mixed() -> tuple[IssueSalience, IssueSalienceResults, object]:
    """The full posterior (slow tests): 2,000 draws per chain, because the scales of one
    subgroup's and three pollsters' effects mix slowly (bulk ESS 330-610 per 4,000 draws in
    six seeds)."""
    model, truth = mixed_data()
    fit = model.fit(random_seed=5, draws=2000, tune=1000, chains=4, cache=False,
                    progressbar=False)
    return model, fit, truth


@pytest.fixture(scope="session")
def mixed_api() -> tuple[IssueSalience, IssueSalienceResults]:
    """The same model's results object on prior draws (no sampling): the API and
    consistency tests check computations on whatever draws they get."""
    model, _ = mixed_data()
    return model, prior_results(model, draws=400)


@pytest.mark.slow
def test_mixed_fit_recovers_truth(mixed) -> None:
    model, fit, truth = mixed
    assert model.inputs.time == "monthly" and len(model.inputs.knot_dates) == 5
    assert not model.uses_exact_likelihood() or len(model.inputs.cells) <= 1500
    assert fit.diagnostics.ok, fit.diagnostics.status()
    # coverage of the 90% intervals at every knot: a two-sided binomial test (intervals far
    # too wide fail as surely as intervals too narrow)
    est = pd.concat([fit.shares(0.9, date=f"{knot:%Y-%m-%d}").merge(
        truth.shares(knot), on=["issue", "group"]) for knot in fit.knots])
    inside = (est["share"] >= est["lower_90"]) & (est["share"] <= est["upper_90"])
    test = stats.binomtest(int(inside.sum()), len(inside), 0.9)
    print(f"\nmixed fit: {inside.mean():.1%} of {len(inside)} true shares inside the 90% "
          f"intervals (two-sided binomial p = {test.pvalue:.3f})")
    assert test.pvalue > 0.01, est
    # the clearly separated top and bottom issues are ranked right with high probability
    summary = fit.rank_summary(group="all").set_index("issue")
    assert summary.loc["issue a", "p_top"] > 0.9
    assert summary.loc["issue f", "modal_rank"] == 6
    assert summary.loc["issue f", "p_modal"] > 0.99
    # the rating slope (truth 0.4) is recovered
    table = fit.summary()
    row = table.loc["slope of rate on salience"]
    assert row["lower_90"] < 0.4 < row["upper_90"]


def test_rank_tables_are_consistent(mixed_api) -> None:
    _, fit = mixed_api
    ranks = fit.ranks()
    k = len(fit.issues)
    assert len(ranks) == k * k * len(fit.groups)
    by_issue = ranks.groupby(["group", "issue"])["probability"].sum()
    by_rank = ranks.groupby(["group", "rank"])["probability"].sum()
    np.testing.assert_allclose(by_issue, 1.0)  # each issue has some rank
    np.testing.assert_allclose(by_rank, 1.0)  # each rank is held by one issue
    pair = fit.pairwise(group="all")
    np.testing.assert_allclose(pair + pair.T, np.where(np.eye(k), np.nan, 1.0))
    # independent computation from the draws
    theta = fit.theta_at()[:, 0]
    a, b = fit.issues.index("issue b"), fit.issues.index("issue c")
    assert pair.loc["issue b", "issue c"] == pytest.approx((theta[:, a] > theta[:, b]).mean())
    assert fit.prob_above("issue b", "issue c") == pair.loc["issue b", "issue c"]


def test_where_ranks_sentence(mixed_api) -> None:
    """The sentence compares an issue with the most salient other issue (probability of
    ranking below it), or the top issue with the runner-up (above); probabilities recomputed
    from the draws; the group and the probabilities are said in words."""
    _, fit = mixed_api
    summary = fit.rank_summary(group="all").set_index("issue")  # by expected rank
    theta = fit.theta_at()[:, 0]
    for issue in fit.issues:
        line = fit.where_ranks(issue, group="all")
        row = summary.loc[issue]
        assert line.startswith(f"{issue} ranks {ordinal(int(row['modal_rank']))} of 6 with "
                               f"probability {row['p_modal']:.2f}")
        best = summary.index[summary.index != issue][0]
        above = (theta[:, fit.issues.index(issue)] > theta[:, fit.issues.index(best)]).mean()
        top = row["mean_rank"] <= summary.drop(index=issue)["mean_rank"].min()
        p = above if top else 1 - above
        shown = "above 0.99" if p > 0.99 else "below 0.01" if p < 0.01 else f"{p:.2f}"
        assert (f"the probability that it ranks {'above' if top else 'below'} {best} is "
                f"{shown}") in line, line
        assert line.endswith("(among all voters)") and headline_problems(line) == [], line
    assert sum("ranks above " in fit.where_ranks(i, group="all") for i in fit.issues) == 1
    line = fit.where_ranks("issue b", group="party:dem")
    assert line.endswith("(among Democratic identifiers)") and "party:" not in line
    assert headline_problems(fit.headline()) == [], fit.headline()
    with pytest.raises(OpinionError, match="unknown issue"):
        fit.where_ranks("the war")
    line = fit.where_ranks("issue d", group="all")
    assert fit.where_ranks("ISSUE D", group="all") == line  # case-insensitive


def test_contrasts_and_shares(mixed_api) -> None:
    _, fit = mixed_api
    table = fit.contrasts("all", "party:dem")
    draws = fit.share_draws()
    for r in table.itertuples():
        k = fit.issues.index(r.issue)
        diff = draws[:, 0, k] - draws[:, 1, k]
        assert r.difference == pytest.approx(diff.mean())
        assert r.p_higher == pytest.approx((diff > 0).mean())
        assert r.difference == pytest.approx(r.share_a - r.share_b)
    trend = fit.shares(date="all")
    assert trend["date"].nunique() == len(fit.knots)
    assert list(fit.shares().columns) == ["issue", "group", "date", "mean", "lower_90", "upper_90"]
    assert list(fit.ranks().columns) == ["issue", "group", "rank", "probability"]


@pytest.mark.slow
def test_baseline_and_pooling(mixed) -> None:
    model, fit, _ = mixed
    base = poll_baseline(model.observations(), level=0.9)
    block = model.observations().query("poll_id == 'mii_000' and group == 'all'")
    counts = np.append(block["count"], block["N"].iloc[0] - block["count"].sum())
    ci = multinomial_proportions_confint(counts, alpha=0.1, method="goodman")
    mine = base.query("poll_id == 'mii_000' and group == 'all'")
    np.testing.assert_allclose(mine[["lower_90", "upper_90"]].to_numpy(), 100 * ci[:-1], atol=1e-9)
    compare = fit.compare_baseline(0.9)
    assert set(compare["poll_id"]) == {f"mii_{i:03d}" for i in range(5)}
    # pooling five polls (and the other formats) narrows each poll's own interval
    assert compare["width_ratio"].median() < 0.8
    check = fit.posterior_predictive_check()
    assert check["inside"].mean() > 0.8


def test_save_load_display_and_plots(mixed_api, tmp_path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    _, fit = mixed_api
    fit.save(tmp_path / "fit")
    again = IssueSalienceResults.load(tmp_path / "fit")
    pd.testing.assert_frame_equal(again.shares(), fit.shares())
    assert again.where_ranks("issue c") == fit.where_ranks("issue c")
    html = fit._repr_html_()
    assert "Issue salience" in html and "<script" not in html
    assert fit.diagnostics.status() in repr(fit)
    ax = fit.plot_ranks(group="all")
    assert isinstance(ax, Axes)
    assert ax.collections[0].get_array().size == 36  # 6 issues x 6 ranks
    assert isinstance(fit.plot_shares(), Axes)
    assert isinstance(fit.plot_baseline(), Axes)
    plt.close("all")
    assert {"house", "theta"} <= set(fit.idata["posterior"].data_vars)


# ----------------------------------------------------------------------------- API on prior draws


def prior_results(model: IssueSalience, draws: int = 200) -> IssueSalienceResults:
    """The model's results object on prior draws (no sampling): for API and text tests."""
    import pymc as pm
    import xarray as xr

    from opinion.models.core.sampling import SamplerSettings

    with model.build_model():
        prior = pm.sample_prior_predictive(draws, random_seed=1,
                                           compile_kwargs={"mode": "CVM"})
    tree = xr.DataTree()
    tree["posterior"] = prior["prior"]
    tree["prior"] = prior["prior"]
    stats_ = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((1, draws), bool))},
                        coords={"chain": [0], "draw": np.arange(draws)})
    tree["sample_stats"] = stats_
    return model.results_from_idata(tree, settings=SamplerSettings(draws=draws, chains=1),
                                    random_seed=1)


CONSTRUCT_ROWS = (SINGLE
                  + [("gallup_1", "mip", "multi_mention", "all", i, p, 1000)
                     for i, p in [("inflation", 17), ("government", 22), ("immigration", 8)]]
                  + [("gallup_2", "imp", "rating", "all", i, p, 900)
                     for i, p in [("abortion", 42), ("crime", 40), ("war", 31)]])


def test_constructs_keep_ranks_among_measured_issues() -> None:
    """Formats are constructs by default: 'government' (open-ended problem only) is never
    ranked on the exit-poll scale, and asking for it says where it is measured; questions
    declared one construct share its ranks."""
    model = IssueSalience(polls_of(CONSTRUCT_ROWS))
    table = model.construct_table().set_index("construct")
    assert list(table.index) == ["single_choice", "multi_mention", "rating"]
    assert table.loc["multi_mention", "measured"] == ["inflation", "immigration", "government"]
    assert table.loc["multi_mention", "shared"] == ["inflation", "immigration"]
    fit = prior_results(model)
    assert fit.construct_issues() == ["inflation", "abortion", "crime", "gun policy",
                                      "immigration"]
    assert set(fit.shares()["issue"]) == set(fit.construct_issues())
    with pytest.raises(OpinionError, match="not measured on construct 'single_choice'.*"
                                           "multi_mention"):
        fit.where_ranks("government")
    assert fit.where_ranks("government", construct="multi_mention").startswith("government")
    assert len(fit.ranks(construct="rating")) == 9
    joined = IssueSalience(polls_of(CONSTRUCT_ROWS), constructs={"imp": "single_choice"})
    measured = joined.construct_table().set_index("construct").loc["single_choice", "measured"]
    assert "war" in measured and "government" not in measured
    # 'government' is measured on no reference question: in the default choice set it takes
    # its reference salience from the open-ended question itself (an offset there would not
    # be identified); when unlisted issues answer 'other' it competes in the exit poll's
    # remainder and gets a free offset, read back here
    fit = prior_results(joined)
    assert np.all(fit.offset_draws("mip", "government") == 0)
    fit = prior_results(IssueSalience(polls_of(CONSTRUCT_ROWS), choice_set="all",
                                      constructs={"imp": "single_choice"}))
    offset = fit.offset_draws("mip", "government")
    table = fit.idata["posterior"]["construct_offset"].sel(other_construct="multi_mention",
                                                            issue="government").values.ravel()
    np.testing.assert_allclose(offset, table)
    # prior draws in place of a posterior: nothing contracted
    assert abs(fit.contraction(lambda r: r.offset_draws("mip", "government"))) < 1e-9


def test_methodology_text_follows_the_configuration() -> None:
    """The methodology is generated from the fit's metadata: changing the configuration
    changes the text (nests, choice set, walk, constructs, priors)."""
    from opinion.models.salience.describe import describe

    dated = frame(CONSTRUCT_ROWS)
    dated.loc[dated["poll_id"] == "gallup_1", ["start_date", "end_date"]] = ["2022-06-01",
                                                                             "2022-06-05"]
    polls = PollFrame.from_frame(dated.astype(str), today=TODAY)

    def text(**options):
        model = IssueSalience(polls, **options)
        meta = {**model.results_metadata(), "config": model.config.to_dict()}
        return " ".join(describe(meta))

    base = text()
    assert "Luce's choice rule" in base and "random walk" in base
    assert "choice_set='offered'" in base and "HalfNormal(8 pp)" in base
    nested = text(nests={"prices": ["inflation", "crime"]}, nest_lambda_prior=(8, 3))
    assert "nested logit" in nested and "prices: inflation and crime" in nested
    assert "Beta(8, 3)" in nested
    assert "answered as 'other'" in text(choice_set="all")
    ar1 = text(walk="ar1", half_life_months=3)
    assert "mean-reverting AR(1)" in ar1 and "median 3 months" in ar1
    assert "reference construct 'single_choice'" in base
    assert "construct offsets HalfNormal(12 pp)" in text(construct_pp=12)


def test_observed_data_are_containers_for_sbc() -> None:
    """Every observed variable reads a data container (generic SBC swaps them), and
    ``observed_data`` names exactly those containers."""
    from opinion.calibration import observed_containers

    for like in ("exact", "quasi", "normal"):
        model = IssueSalience(polls_of(CONSTRUCT_ROWS), likelihood=like)
        containers = observed_containers(model.build_model())
        assert set(containers) == {"y_single", "y_scaled"}
        assert set(containers.values()) <= set(model.observed_data())


def test_ar1_and_group_time_pieces() -> None:
    """The AR(1) bridge reproduces the recursion outward from the anchor knot (x_anchor =
    z_anchor / sqrt(1 - rho^2), x_t = rho x_(t-1) + z_t after it, x_t = rho x_(t+1) + z_t
    before it) as x_t - x_anchor; as rho -> 1 it is the random walk anchored there; group x
    time terms switch on only when a subgroup is polled a grid step apart."""
    import pytensor.tensor as pt

    rho, anchor, z = 0.7, 2, np.random.default_rng(2).normal(size=6)
    x = np.zeros(6)
    x[anchor] = z[anchor] / np.sqrt(1 - rho ** 2)
    for t in range(anchor + 1, 6):
        x[t] = rho * x[t - 1] + z[t]
    for t in range(anchor - 1, -1, -1):
        x[t] = rho * x[t + 1] + z[t]
    bridge = ar1_bridge(pt.as_tensor(rho), 6, anchor).eval()
    np.testing.assert_allclose(bridge @ z, x - x[anchor], rtol=1e-12, atol=1e-12)
    walk = ar1_bridge(pt.as_tensor(1 - 1e-12), 6, anchor).eval() @ z
    expected = np.concatenate([np.cumsum(z[:anchor][::-1])[::-1], [0.0],
                               np.cumsum(z[anchor + 1:])])
    np.testing.assert_allclose(walk, expected, atol=1e-5)
    questions = [QuestionSpec("mii", "single_choice", polls=8, n=800)]
    polls, _ = simulate_salience(questions, seed=1, groups=("all", "party:dem"), days=150)
    assert IssueSalience(polls).inputs.group_time
    assert not IssueSalience(polls, group_time="off").inputs.group_time
    static, _ = simulate_salience(questions, seed=1, groups=("all", "party:dem"), days=20)
    assert not IssueSalience(static).inputs.group_time
    free = {rv.name for rv in IssueSalience(polls, walk="ar1").build_model().free_RVs}
    assert {"half_life", "ar_mean_z", "ar_dev_z", "sigma_group_rw"} <= free


def test_simulator_lists_an_added_option_only_later() -> None:
    questions = [QuestionSpec("mii", "single_choice", polls=12, n=800,
                              added=(("issue f", 10),))]
    polls, truth = simulate_salience(questions, seed=2, days=20,
                                     nests={"n": ("issue e", "issue f")}, lam={"n": 0.2})
    data = polls.data
    has_f = data.groupby("poll_id").apply(lambda d: "issue f" in set(d["response"]))
    starts = data.groupby("poll_id")["start_date"].first()
    late = (starts - pd.Timestamp("2022-01-01")).dt.days >= 10  # the simulator's start
    assert (has_f == late).all() and late.any() and (~late).any()
    shares = truth.shares(truth.knots[0]).set_index("issue")["share"]
    assert shares.sum() < 100


def test_nest_and_construct_input_errors() -> None:
    with pytest.raises(ModelInputError, match="at least two issues"):
        IssueSalienceConfig(nests={"x": ["inflation"]})
    with pytest.raises(ModelInputError, match="in two nests"):
        IssueSalienceConfig(nests={"x": ["a", "b"], "y": ["b", "c"]})
    with pytest.raises(ModelInputError, match="nest_lambda_prior"):
        IssueSalienceConfig(nest_lambda_prior=(0, 1))
    with pytest.raises(ModelInputError, match="not modelled"):
        IssueSalience(polls_of(SINGLE), nests={"x": ["inflation", "war"]})
    with pytest.raises(ModelInputError, match="constructs= names"):
        IssueSalience(polls_of(SINGLE), constructs={"nope": "vote"})
    assert IssueSalienceConfig().choice_set == "offered"
