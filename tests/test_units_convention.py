"""One unit convention for every share a user sees (issue 21, item 1; README "Units").

Walks the public API: ``opinion.survey``'s functions and classes, ``Microdata``, and the
results classes of the election (IssueVote, VoteMRP), salience and coalition models, each
fitted with prior draws in NUTS' place (``mocked_sampling``) so that no sampler runs. Every
public function or method whose return annotation is a DataFrame or Series is *discovered*
and must be called here (with its defaults, or with the arguments in ``CALLS``) or be listed
in ``NOT_CALLED`` with the reason; a new table method therefore fails this test until it is
looked at. Every table returned is checked for:

- no column named ``lower``, ``upper``, ``ci_lower``, ``ci_upper``, ``lo`` or ``hi``;
- every interval column reads ``lower_90``/``upper_95``... (optionally after a prefix:
  ``prior_lower_90``, ``poll_upper_90``, ``rank_lower_90``) and has its partner;

and the tables in ``SHARES`` (a hand list that must all be covered, so a share table cannot
be forgotten silently) have their share columns in [0, 100] on the percent scale: a known
66% topline reads 66, not 0.66; votes add up to 100. Probabilities of events stay on 0-1
(``PROBABILITIES``). The scalar helpers (``proportion_ci``, ``margin_of_error``,
``lead_test``, ``difference_test``) return percent and points.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mocked_sampling import mocked_fit

import opinion
import opinion.survey as survey
from opinion.errors import ModelInputError
from opinion.formatting import interval_columns
from opinion.frames import Microdata

LO, HI = interval_columns(0.9)  # the models' default level
LO95, HI95 = interval_columns(0.95)  # the survey functions' default level
BARE = {"lower", "upper", "ci_lower", "ci_upper", "lo", "hi"}
INTERVAL = re.compile(r"^(?:(?P<prefix>[a-z][a-z_]*)_)?(?P<side>lower|upper)_\d+(?:\.\d+)?$")


# ---------------------------------------------------------------------- table checks
def check_columns(table: pd.DataFrame | pd.Series, where: str) -> None:
    """No bare interval names; every interval column names its level and has its partner."""
    names = ([str(table.name)] if isinstance(table, pd.Series)
             else [str(c) for c in table.columns])
    names += [str(n) for n in table.index.names if n is not None]
    assert not BARE & set(names), f"{where}: bare interval column(s) {BARE & set(names)}"
    for name in names:
        if not {"lower", "upper"} & set(name.split("_")):
            continue
        assert INTERVAL.match(name), f"{where}: interval column {name!r} does not name its level"
        partner = (name.replace("lower", "upper") if "lower" in name
                   else name.replace("upper", "lower"))
        assert partner in names, f"{where}: {name!r} has no partner {partner!r}"


def check_percent(table: pd.DataFrame, columns: list[str], where: str) -> None:
    """Share columns in [0, 100] and on the percent scale: every estimate column (not an
    interval bound or a minimum, which may all be small) has a value above 1."""
    for col in columns:
        assert col in table.columns, f"{where}: no share column {col!r} ({list(table.columns)})"
        values = pd.to_numeric(table[col], errors="coerce").dropna().to_numpy(float)
        if not len(values):
            continue
        assert values.min() >= -1e-9 and values.max() <= 100 + 1e-9, \
            f"{where}: {col} outside 0-100: [{values.min()}, {values.max()}]"
        if not INTERVAL.match(col) and not col.endswith("_min"):
            assert values.max() > 1.0, \
                f"{where}: {col} all below 1: on the 0-1 scale, not percent"


def check_probability(table: pd.DataFrame, columns: list[str], where: str) -> None:
    for col in columns:
        values = table[col].dropna().to_numpy(float)
        assert ((values >= 0) & (values <= 1)).all(), f"{where}: {col} is not a 0-1 probability"


def tables_of(result: Any) -> list[pd.DataFrame | pd.Series]:
    """The tables in a method's result (``display_tables`` gives ``(caption, table)``)."""
    if isinstance(result, pd.DataFrame | pd.Series):
        return [result]
    if isinstance(result, list):
        return [t for _, t in result if isinstance(t, pd.DataFrame | pd.Series)]
    return []


def table_methods(cls: type) -> list[str]:
    """Public methods of ``cls`` annotated to return a DataFrame or Series (discovered)."""
    out = []
    for name, fn in inspect.getmembers(cls, inspect.isfunction):
        annotation = str(inspect.signature(fn).return_annotation)
        if not name.startswith("_") and ("DataFrame" in annotation or "Series" in annotation):
            out.append(name)
    return out


def table_functions(module: Any) -> list[str]:
    """Public functions of ``module.__all__`` annotated to return a DataFrame or Series."""
    out = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            annotation = str(inspect.signature(obj).return_annotation)
            if "DataFrame" in annotation or "Series" in annotation:
                out.append(name)
    return out


# Shares that must be covered: (owner, method) -> share columns (percent). The walk fails when
# one of these was not called and checked.
SHARES: dict[tuple[str, str], list[str]] = {
    ("survey", "multinomial_ci"): ["share", LO95, HI95],
    ("survey", "poll_difference"): ["estimate_1", "estimate_2"],
    ("Design", "topline"): ["estimate", LO95, HI95],
    ("Design", "crosstab"): ["estimate", LO95, HI95],
    ("Design", "lead"): ["p_a", "p_b"],
    ("Design", "compare_subgroups"): ["estimate_a", "estimate_b"],
    ("Design", "compare_to"): ["estimate_1", "estimate_2"],
    ("Microdata", "topline"): ["pct"],
    ("IssueVoteResults", "vote"): ["mean", LO, HI],
    ("IssueVoteResults", "vote_by_issue"): ["mean", LO, HI],
    ("IssueVoteResults", "table"): ["mean", LO, HI],
    ("IssueVoteResults", "issue_shares"): ["mean", LO, HI],
    ("IssueVoteResults", "salience"): ["mean", LO, HI],
    ("IssueVoteResults", "posterior_predictive_check"): ["published", "mean", LO, HI],
    ("IssueVoteResults", "prior_predictive_check"): ["published", "mean", LO, HI],
    ("IssueVoteResults", "heldout_check"): ["published", "mean", LO, HI],
    ("IssueVoteResults", "counterfactual"): ["baseline", "counterfactual"],
    ("VoteMRPResults", "vote"): ["mean", LO, HI],
    ("VoteMRPResults", "poststratify"): ["mean", LO, HI],
    ("VoteMRPResults", "posterior_predictive_check"): ["observed", LO, HI],
    ("VoteMRPResults", "prior_predictive_check"): [LO, "median", HI],
    ("VoteMRPResults", "counterfactual"): ["baseline", "counterfactual"],
    ("VoteMRPResults", "vote_by_issue"): ["mean", LO, HI],
    ("VoteMRPResults", "issue_shares"): ["share"],
    ("IssueSalienceResults", "shares"): ["mean", LO, HI],
    ("IssueSalienceResults", "baseline"): ["share", LO, HI],
    ("IssueSalienceResults", "compare_baseline"): [
        "poll_share", f"poll_{LO}", f"poll_{HI}", "model_mean", f"model_{LO}", f"model_{HI}"],
    ("IssueSalienceResults", "contrasts"): ["share_a", "share_b"],
    ("IssueSalienceResults", "posterior_predictive_check"): ["observed", LO, HI],
    ("IssueSalienceResults", "prior_predictive_check"): [
        "observed_min", "observed_max", LO, "median", HI],
    ("CoalitionResults", "opinion"): ["mean", LO, HI],
    ("CoalitionResults", "salience"): ["mean", LO, HI],
}
PROBABILITIES: dict[tuple[str, str], list[str]] = {
    ("IssueVoteResults", "counterfactual"): ["p_increase"],
    ("IssueSalienceResults", "rank_summary"): ["p_modal", "p_top"],
    ("IssueSalienceResults", "ranks"): ["probability"],
    ("CoalitionResults", "event_probability"): ["mean", LO, HI],
    ("CoalitionResults", "split_curve"): ["mean", LO, HI],
}
NOT_CALLED = {
    "data": "deprecated alias of observations()",
    "derived_tables": "storage helper: returns whatever its compute function makes",
    "backtest": "refits the event model (NUTS); its tables are checked in test_coalition",
    "backtest_predictions": "refits the event model (see backtest)",
    "backtest_summary": "refits the event model (see backtest)",
    "holdout": "refits the measurement model (NUTS); built with interval_columns",
    "sensitivity@CoalitionResults": "refits the event model under each assumption",
    "with_weights_column": "the respondent data with a weight column: no estimates",
    "labelled": "one variable's labelled values: no estimates",
}


# ---------------------------------------------------------------------- fixtures
def _respondents() -> pd.DataFrame:
    """100 respondents, 66 of whom say yes: every unweighted topline of q reads 66%."""
    rng = np.random.default_rng(21)
    return pd.DataFrame({
        "q": ["yes"] * 66 + ["no"] * 34,
        "sex": rng.permutation(["f"] * 50 + ["m"] * 50),
        "x": rng.normal(10, 2, 100),
        "w": np.ones(100),
    })


@pytest.fixture(scope="module")
def design() -> survey.Design:
    return survey.Design(_respondents())


def _issue_vote():
    from opinion.models import IssueVote
    from opinion.models.election.simulate import draw_truth, simulate_exit_poll

    truth = draw_truth(np.random.default_rng(3))
    vote = truth.cells.sum(axis=(0, 1))[:2]
    return IssueVote(simulate_exit_poll(truth, 1),
                     vote={"rep": float(vote[0]), "dem": float(vote[1])})


def _vote_mrp():
    from opinion.models import VoteMRP
    from opinion.models.election.simulate_mrp import simulate_mrp

    sample, population, _ = simulate_mrp(5, n=400, states=4)
    return VoteMRP(sample, vote="vote", groups=["state", "issue"], population=population,
                   weight="weight", issue="issue")


def _issue_salience():
    from opinion.models import IssueSalience
    from opinion.models.salience.simulate import QuestionSpec, simulate_salience

    questions = [QuestionSpec("mii", "single_choice", polls=4, n=1000, pollsters=("A", "B")),
                 QuestionSpec("mip", "multi_mention", polls=2, n=1000, pollsters=("A",),
                              intercept=-0.6, slope=0.8)]
    polls, _ = simulate_salience(questions, seed=3, groups=("all", "party:dem"),
                                 subgroup_rate=1.0, days=90)
    return IssueSalience(polls, group_time="off")


def _coalition():
    from opinion.models import CoalitionPressure

    panel, tables = opinion.datasets.coalition_inputs()
    return CoalitionPressure(panel, **tables)


MODELS = {"IssueVoteResults": _issue_vote, "VoteMRPResults": _vote_mrp,
          "IssueSalienceResults": _issue_salience, "CoalitionResults": _coalition}


@pytest.fixture(scope="module", params=sorted(MODELS))
def fitted(request) -> tuple[str, Any]:
    fit = mocked_fit(MODELS[request.param](), False, draws=30, tune=10, chains=2)
    assert type(fit).__name__ == request.param
    return request.param, fit


# ---------------------------------------------------------------------- calls
def _model_calls(fit: Any) -> dict[str, Callable[[], Any]]:
    """Methods that need arguments, with arguments that exercise their share tables."""
    calls: dict[str, Callable[[], Any]] = {}
    if hasattr(fit, "counterfactual"):
        issue = fit.issues[0]
        calls["counterfactual"] = lambda: fit.counterfactual({issue: 0.01})
        calls["shift_curve"] = lambda: fit.shift_curve(issue, [0.0, 0.01])
        calls["required_shift"] = lambda: fit.required_shift(issue)
    if hasattr(fit, "table"):
        calls["table"] = lambda: fit.table("issue_by_group")
    if hasattr(fit, "poststratify"):
        calls["poststratify"] = lambda: fit.poststratify("state")
    if type(fit).__name__ == "VoteMRPResults":
        # fitted without held-out respondents or calibrate_to: those tables refuse here
        # (their columns are checked on fits that have them in test_mrp)
        calls["heldout_check"] = refuses(fit.heldout_check)
        calls["calibration_shift"] = refuses(fit.calibration_shift)
    if hasattr(fit, "contrasts"):
        calls["contrasts"] = lambda: fit.contrasts("all", "party:dem")
    return calls


def refuses(call: Callable[[], Any]) -> Callable[[], None]:
    """A call this fixture cannot make (the fit lacks what it needs): it must refuse."""
    def run() -> None:
        with pytest.raises(ModelInputError):
            call()
    return run


def _walk(owner: str, cls: type, calls: dict[str, Callable[[], Any]], instance: Any) -> None:
    """Call every discovered table method of ``cls`` on ``instance`` and check its tables;
    every share table of ``owner`` in ``SHARES`` must have been among them."""
    checked: set[str] = set()
    for name in table_methods(cls):
        if name in NOT_CALLED or f"{name}@{owner}" in NOT_CALLED:
            continue
        if name in calls:
            result = calls[name]()
        else:
            fn = getattr(instance, name)
            required = [p for p in inspect.signature(fn).parameters.values()
                        if p.default is inspect.Parameter.empty
                        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            assert not required, (f"{owner}.{name} needs arguments: add it to the calls of "
                                  "this test (or to NOT_CALLED with the reason)")
            result = fn()
        for table in tables_of(result):
            where = f"{owner}.{name}"
            check_columns(table, where)
            if (owner, name) in SHARES:
                check_percent(table, SHARES[owner, name], where)
            if (owner, name) in PROBABILITIES:
                check_probability(table, PROBABILITIES[owner, name], where)
        if result is not None:
            checked.add(name)
    missing = {name for (who, name) in SHARES if who == owner} - checked
    assert not missing, f"{owner}: share tables never checked: {sorted(missing)}"


# ---------------------------------------------------------------------- survey
def test_survey_tables_are_percent_with_level_named_intervals(design) -> None:
    other = survey.Design(_respondents().assign(q=["yes"] * 50 + ["no"] * 50))
    calls = {
        "topline": lambda: design.topline("q"),
        "crosstab": lambda: design.crosstab("q", "sex"),
        "lead": lambda: design.lead("q", "yes", "no"),
        "compare_subgroups": lambda: design.compare_subgroups("q", "sex", "f", "m",
                                                              category="yes"),
        "compare_to": lambda: design.compare_to(other, "q", category="yes"),
        "mean": lambda: design.mean("x"),
        "total": lambda: design.total("q"),
    }
    _walk("Design", survey.Design, calls, design)
    top = design.topline("q").set_index("label")
    assert top.loc["yes", "estimate"] == pytest.approx(66.0)  # a 66% topline reads 66
    assert top.loc["yes", LO95] < 66 < top.loc["yes", HI95]
    assert 4 < top.loc["yes", "se"] < 5  # points: sqrt(.66 .34 / 99) = 4.76
    lead = design.lead("q", "yes", "no").iloc[0]
    assert lead["lead"] == pytest.approx(32.0)  # points
    diff = design.compare_to(other, "q", category="yes").iloc[0]
    assert diff["difference"] == pytest.approx(16.0)
    assert design.topline("q", level=0.9).filter(like="_90").shape[1] == 2

    functions = {
        "multinomial_ci": lambda: survey.multinomial_ci(pd.Series({"yes": 66, "no": 34})),
        "poll_difference": lambda: survey.poll_difference(design, other, "q", category="yes"),
        "weights_summary": lambda: survey.weights_summary(np.ones(10)),  # weights, not shares
    }
    discovered = table_functions(survey)
    missing = set(discovered) - set(functions)
    assert not missing, f"opinion.survey table functions not walked here: {missing}"
    for name in discovered:
        for table in tables_of(functions[name]()):
            check_columns(table, f"survey.{name}")
            if ("survey", name) in SHARES:
                check_percent(table, SHARES["survey", name], f"survey.{name}")
    assert {name for (who, name) in SHARES if who == "survey"} <= set(discovered)
    assert survey.multinomial_ci(pd.Series({"yes": 66, "no": 34})).loc["yes", "share"] == \
        pytest.approx(66.0)

    for cls, instance in ((survey.LeadTest, survey.lead_test(0.48, 0.45, 1000)),
                          (survey.DifferenceTest, survey.difference_test(0.66, 1005, 0.48,
                                                                         1068)),
                          (survey.RaoScott, design.chisq("q", "sex"))):
        _walk(cls.__name__, cls, {}, instance)


def test_microdata_topline_is_percent() -> None:
    md = Microdata.from_frame(_respondents().drop(columns="w"))
    _walk("Microdata", Microdata, {"topline": lambda: md.topline("q")}, md)
    assert md.topline("q").set_index("response").loc["yes", "pct"] == pytest.approx(66.0)


def test_scalar_helpers_return_percent_and_points() -> None:
    lo, hi = survey.proportion_ci(0.66, 1005)
    assert 60 < lo < 66 < hi < 72  # percent, at the documented 95%
    lo90, hi90 = survey.proportion_ci(0.66, 1005, level=0.9)
    assert lo < lo90 < hi90 < hi
    assert survey.margin_of_error(1005) == pytest.approx(3.09, abs=0.01)  # points
    assert survey.lead_moe(0.5, 0.5, 1005) == pytest.approx(6.18, abs=0.01)
    lead = survey.lead_test(0.48, 0.45, 1000)
    assert lead.estimate == pytest.approx(3.0) and lead.lower < 3.0 < lead.upper < 10
    diff = survey.difference_test(0.66, 1005, 0.48, 1068)
    assert diff.diff == pytest.approx(18.0) and 10 < diff.lower < 18 < diff.upper < 26
    assert list(diff.to_frame().columns[:3]) == ["diff", LO95, HI95]


# ---------------------------------------------------------------------- models
def test_model_tables_are_percent_with_level_named_intervals(fitted) -> None:
    owner, fit = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # prior draws: empty slices etc.
        _walk(owner, type(fit), _model_calls(fit), fit)
    if hasattr(fit, "vote"):
        assert fit.vote()["mean"].sum() == pytest.approx(100.0)  # percent of all voters
    contraction = fit.contraction_table()
    assert {"prior_lower_90", "prior_upper_90"} <= set(contraction.columns) or \
        contraction.empty


def test_the_hand_list_names_walked_tables() -> None:
    """Every entry of the hand lists belongs to an owner the walks visit and names one of its
    discovered table methods (a renamed method cannot drop out of the checks silently)."""
    owners = {"survey": survey, "Design": survey.Design, "Microdata": Microdata}
    from opinion import models

    owners.update({name: getattr(models, name) for name in MODELS})
    for owner, name in [*SHARES, *PROBABILITIES]:
        assert owner in owners, f"{owner} is not walked by this test"
        found = (table_functions(survey) if owner == "survey"
                 else table_methods(owners[owner]))
        assert name in found, f"{owner}.{name} is not a table method of {owner}"
        assert name not in NOT_CALLED and f"{name}@{owner}" not in NOT_CALLED
