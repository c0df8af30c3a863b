"""``opinion.load_results(path)`` round-trips a saved fit of every model, and a results class
refuses a fit saved by another model.

Each model is fitted with prior draws in NUTS' place (``mocked_sampling``): storage is what
is tested here, so every hook of a real fit runs but no sampler. Known answer: the reloaded
object is the saved model's results class, with identical posterior values, metadata and
observations, and the same summary table. The same fits show that every model names every
dimension of its draws (no PyMC automatic ``..._dim_0``).
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
import pytest
from mocked_sampling import mocked_fit

import opinion
from opinion.errors import OpinionError
from opinion.models import CoalitionPressure, IssueSalience, IssueVote, PollAverage, VoteMRP
from opinion.models.election.simulate import draw_truth, simulate_exit_poll
from opinion.models.election.simulate_mrp import simulate_mrp


def _poll_average() -> PollAverage:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(12):
        day = pd.Timestamp("2022-03-01") + pd.Timedelta(days=3 * i)
        rows.append({"poll_id": f"p{i}", "pollster": "AB"[i % 2], "start_date": day,
                     "end_date": day + pd.Timedelta(days=2), "population": "a", "n": 1000,
                     "question_id": "q", "response": "yes",
                     "pct": round(100 * rng.binomial(1000, 0.55) / 1000, 1)})
    return PollAverage(opinion.read_polls(pd.DataFrame(rows)))


def _issue_salience() -> IssueSalience:
    rows = [{"poll_id": "exit_1", "pollster": "exit", "start_date": "2022-10-01",
             "end_date": "2022-10-03", "population": "a", "n": 1000, "question_id": "mii",
             "question_format": "single_choice", "subgroup": "all", "response": issue,
             "pct": pct}
            for issue, pct in [("inflation", 32), ("abortion", 27), ("crime", 11),
                               ("gun policy", 11), ("immigration", 10)]]
    return IssueSalience(opinion.read_polls(pd.DataFrame(rows)))


def _issue_vote() -> IssueVote:
    truth = draw_truth(np.random.default_rng(3))
    vote = truth.cells.sum(axis=(0, 1))[:2]
    return IssueVote(simulate_exit_poll(truth, 1),
                     vote={"rep": float(vote[0]), "dem": float(vote[1])})


def _vote_mrp() -> VoteMRP:
    sample, population, _ = simulate_mrp(5, n=400, states=4)
    return VoteMRP(sample, vote="vote", groups=["state", "age"], population=population,
                   weight="weight")


def _coalition_pressure() -> CoalitionPressure:
    panel, tables = opinion.datasets.coalition_inputs()
    return CoalitionPressure(panel, **tables)


MODELS = {"coalition_pressure": _coalition_pressure, "poll_average": _poll_average,
          "issue_salience": _issue_salience, "issue_vote": _issue_vote, "vote_mrp": _vote_mrp}
VARIANTS = {
    # the binomial arm's non-centred walk (sparse polls) and anchored house effects
    "poll_average_binomial_anchored": lambda: PollAverage(
        _poll_average().frame, likelihood="binomial", house_effects="anchored",
        anchor_pollsters=["A"]),
}
AUTO_DIM = re.compile(r"_dim_\d+$")


@functools.cache
def _fitted(name: str):
    """One mocked fit per model (shared by the tests of this module)."""
    model = {**MODELS, **VARIANTS}[name]()
    return mocked_fit(model, False, draws=40, tune=10, chains=2)


@pytest.mark.parametrize("name", sorted(MODELS) + sorted(VARIANTS))
def test_every_dimension_of_the_draws_is_named(name: str) -> None:
    tree = _fitted(name).idata
    auto = sorted({f"{group}: {var} {dim}" for group in ("posterior", "prior")
                   if group in tree.children
                   for var, da in tree[group].data_vars.items() for dim in da.dims
                   if AUTO_DIM.search(str(dim))})
    assert auto == [], "give these variables dims= (named coordinates): " + "; ".join(auto)
    assert "posterior" in tree.children and len(tree["posterior"].data_vars)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_load_results_round_trips(name: str, tmp_path) -> None:
    fitted = _fitted(name)
    folder = fitted.save(tmp_path / name)
    loaded = opinion.load_results(folder)
    assert type(loaded) is type(fitted)
    for var in fitted.idata["posterior"].data_vars:
        np.testing.assert_array_equal(loaded.idata["posterior"][var].values,
                                      fitted.idata["posterior"][var].values)
    assert loaded.meta == fitted.meta
    pd.testing.assert_frame_equal(loaded.summary(), fitted.summary())


def test_a_results_class_refuses_another_models_fit(tmp_path) -> None:
    from opinion.models import IssueVoteResults

    folder = mocked_fit(_poll_average(), False, draws=40, tune=10, chains=2).save(
        tmp_path / "poll_average")
    with pytest.raises(OpinionError, match="poll_average|PollAverage"):
        IssueVoteResults.load(folder)


@pytest.mark.parametrize("name", ["issue_salience", "issue_vote", "poll_average", "vote_mrp"])
def test_headline_names_the_focus_the_user_sets(name: str) -> None:
    """Each results object names what its headline is about; the user can choose it, and an
    unknown name is refused with the valid ones."""
    fitted = _fitted(name)
    choices = fitted.focus_choices()
    assert len(choices) >= 2
    chosen = choices[-1]
    fitted.focus = chosen
    try:
        assert chosen in fitted.headline() and chosen in repr(fitted)
        with pytest.raises(OpinionError, match=f"unknown {fitted.focus_label} .*valid: "):
            fitted.focus = chosen + "x"
        assert fitted.focus == chosen
    finally:
        fitted.focus = None
    assert fitted.focus == fitted.default_focus()
