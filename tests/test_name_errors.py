"""Unknown names are refused with the valid ones listed and the closest suggested, as the
toolkit's own errors; results say which response their headline is about, and let the user
choose it.

Known answers: a one-letter typo of a question id, a setting, a response, a headline
quantity, a column or a model name is suggested back exactly; the synthetic posterior below
has 66% for "support" on every draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import opinion
from opinion.errors import (
    DataValidationError,
    ModelInputError,
    OpinionError,
    did_you_mean,
    unknown_name_message,
    unknown_names_message,
)
from opinion.models import PollAverage


def test_messages_list_the_valid_names_and_suggest_the_closest() -> None:
    assert did_you_mean("macon", ["le_pen", "macron"]) == " (did you mean 'macron'?)"
    assert did_you_mean("zzz", ["le_pen", "macron"]) == ""
    assert unknown_name_message("macon", ["le_pen", "macron"], "response") == (
        "unknown response 'macon' (did you mean 'macron'?); valid: le_pen, macron")
    assert unknown_names_message(["housepp", "zzz"], ["house_pp", "tau"], "setting(s)") == (
        "unknown setting(s): 'housepp' (did you mean 'house_pp'?), 'zzz'; valid: house_pp, tau")
    many = unknown_name_message("x", [f"q{i}" for i in range(40)])
    assert "q29, ... (40 in all)" in many and "q30" not in many


@pytest.fixture(scope="module")
def france():
    return opinion.datasets.load("france2022")


def test_unknown_question_id_and_setting(france) -> None:
    with pytest.raises(ModelInputError,
                       match=r"'fr2022_r2_macron_lepen' \(did you mean 'fr2022_r2_macron_le_pen'"
                             r".*valid: fr2022_r2_macron_le_pen, .*fr2022_round1"):
        PollAverage(france, questions="fr2022_r2_macron_lepen")
    with pytest.raises(ModelInputError, match=r"'housepp' \(did you mean 'house_pp'\?\).*"
                                              r"valid: questions, "):
        PollAverage(france, questions="fr2022_r2_macron_le_pen", housepp=1.0)
    with pytest.raises(ModelInputError, match=r"likelihood must be .* not 'kalmn' \(did you "
                                              r"mean 'kalman'\?\)"):
        PollAverage(france, questions="fr2022_r2_macron_le_pen", likelihood="kalmn")
    with pytest.raises(ModelInputError, match=r"did you mean 'Ipsos'"):
        PollAverage(france, questions="fr2022_r2_macron_le_pen", house_effects="anchored",
                    anchor_pollsters=["Ipsso"])


def test_unknown_column_and_model(france) -> None:
    with pytest.raises(DataValidationError, match=r"'questoin_id' \(did you mean "
                                                  r"'question_id'\?\)"):
        france.filter(questoin_id="fr2022_round1")
    from opinion.models.registry import known_models, results_class_for

    assert "poll_average" in known_models()
    with pytest.raises(ModelInputError, match=r"did you mean 'poll_average'"):
        results_class_for("pol_average")


def _results():
    """A poll average whose every draw has support at 66% (oppose is the reference)."""
    from opinion.models.poll_average.results import PollAverageResults

    chains, draws, knots = 2, 50, 5
    dims = ("chain", "draw")
    rng = np.random.default_rng(1)
    eta = np.full((chains, draws, 1, 1, knots), np.log(0.66 / 0.34))
    posterior = xr.Dataset({
        "eta": (dims + ("series", "category", "knot"), eta),
        "sigma_rw": (dims + ("category",), np.full((chains, draws, 1), 0.1)),
        "tau": (dims, np.full((chains, draws), 0.05)),
    })
    prior = xr.Dataset({"eta": (dims + ("series", "category", "knot"),
                                rng.normal(0, 1, (1, chains * draws, 1, 1, knots)).reshape(
                                    chains, draws, 1, 1, knots))})
    meta = {"diagnostics": {"max_rhat": 1.0, "min_ess_bulk": 1000.0, "min_ess_tail": 1000.0,
                            "divergences": 0, "draws": 100, "chains": 2,
                            "worst_parameter": "tau", "sampling_seconds": 1.0},
            "random_seed": 1, "responses": ["support", "oppose"], "pollsters": ["A"],
            "series": ["pooled"], "start": "2022-10-01", "end": "2022-10-05", "grid_days": 1,
            "config": {"likelihood": "binomial"}}
    tree = xr.DataTree.from_dict({"posterior": posterior, "prior": prior})
    return PollAverageResults(tree, meta)


def test_results_refuse_unknown_responses_and_quantities() -> None:
    fit = _results()
    with pytest.raises(ModelInputError, match=r"unknown response 'suport' \(did you mean "
                                              r"'support'\?\); valid: support, oppose"):
        fit.trend(response="suport")
    with pytest.raises(ModelInputError, match=r"did you mean 'oppose'"):
        fit.change("2022-10-01", response="opose")
    with pytest.raises(ModelInputError, match=r"unknown quantity 'latest share: suport' \(did "
                                              r"you mean 'latest share: support'"):
        fit.contraction("latest share: suport")
    with pytest.raises(OpinionError, match=r"posterior variable 'sigma_r' \(did you mean "
                                           r"'sigma_rw'"):
        fit.draws("sigma_r")


def test_headline_names_the_focus_and_the_user_can_change_it() -> None:
    fit = _results()
    assert fit.focus == "support"  # no saved focus: the first response
    assert "support: 66.0%" in repr(fit)
    fit.focus = "oppose"
    assert "oppose: 34.0%" in repr(fit) and fit.prob_majority() == 0.0
    with pytest.raises(ModelInputError, match=r"did you mean 'oppose'"):
        fit.focus = "opose"
    fit.focus = None
    assert fit.focus == "support"
    fit.meta["focus"] = "oppose"  # what the model chose at fit time
    assert fit.focus == "oppose"


def test_summary_names_its_interval_columns_and_keeps_diagnostics() -> None:
    summary = _results().summary(0.8)
    assert list(summary.columns) == ["mean", "lower_80", "upper_80", "r_hat", "ess_bulk",
                                     "ess_tail"]
    assert summary.loc["latest share: support (2022-10-05)", "mean"] == pytest.approx(66.0)


def test_default_focus_is_the_response_the_question_names_first(france) -> None:
    runoff = PollAverage(france, questions="fr2022_r2_macron_le_pen")
    assert runoff.inputs.responses[0] == "le_pen"  # first in the data
    assert runoff.default_focus() == "macron"  # "second-round voting intention, macron vs.."
    polls = opinion.datasets.load("us_ukraine_support")
    family = ["pew_support_amount", "gallup_help_ukraine_amount"]
    amount = PollAverage(polls, questions=family,
                         response_map={"right amount": "about the right amount"})
    assert amount.inputs.responses[0] == "about the right amount"
    assert amount.default_focus() == "too much"  # "too much / about right / not enough"
    listed = PollAverage(polls, questions=family, response_map={"right amount": "about the "
                                                                "right amount"},
                         responses=["not enough", "too much", "about the right amount",
                                    "not sure"])
    assert listed.default_focus() == "not enough"  # the user's own first
    assert listed.results_metadata()["focus"] == "not enough"


def test_frames_are_a_plain_dataframe_too() -> None:
    rows = pd.DataFrame({"poll_id": ["p1", "p1"], "pollster": ["A", "A"],
                         "start_date": ["2022-01-01"] * 2, "end_date": ["2022-01-02"] * 2,
                         "population": ["a", "a"], "n": [1000, 1000], "question_id": ["q", "q"],
                         "response": ["yes", "no"], "pct": [60, 40]})
    frame = opinion.read_polls(rows)
    with pytest.raises(DataValidationError, match="did you mean 'pollster'"):
        frame.filter(polster="A")
