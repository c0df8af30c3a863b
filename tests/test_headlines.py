"""Headlines in plain language, each percentage with its interval (issue 21, item 5).

The rules live in :func:`opinion.models.core.wording.headline_problems`; these tests pin
the rules down on examples and run them over every bundled report's headlines
(``reports/*.json``). The results' own ``headline()`` sentences are checked in each
model's API test, on the fitted fixtures there, and ``where_ranks`` in
``test_salience.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opinion.models.core.wording import (
    group_label,
    group_phrase,
    headline_problems,
    probability_phrase,
    probability_words,
)

REPORTS = Path(__file__).resolve().parents[1] / "reports"
REPORT_JSON = sorted(p for p in REPORTS.glob("*.json"))


def _headlines(path: Path) -> list[str]:
    data = json.loads(path.read_text("utf-8"))
    return [h["text"] for h in data.get("headlines", []) + data.get("not_headlines", [])]


def test_bundled_reports_exist() -> None:
    assert REPORT_JSON, f"no reports/*.json in {REPORTS}"


@pytest.mark.parametrize("path", REPORT_JSON, ids=lambda p: p.stem)
def test_bundled_report_headlines_are_plain_and_complete(path: Path) -> None:
    problems = {text[:80]: headline_problems(text) for text in _headlines(path)}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("text, problem", [
    ("Democrats: the war ranks 7th of 8 with probability 0.26 (party:dem).", "subgroup code"),
    ("the war ranks 7th; P(below abortion) > 0.99 (all).", "P(...) notation"),
    ("the war ranks 7th; probability 0.99 (all).", "'(all)'"),
    ("The opinion_only model scores -0.107 (90% interval -0.2 to -0.1).", "snake_case"),
    ("Inflation voters (31% of voters) went 71% (70-72%, 90% interval) Republican.",
     "'31%' without its interval"),
    ("Ipsos' 66% backing is in the same range.", "'66%' without its interval"),
    ("Model check: 96% of published shares fall inside their 90% intervals.",
     "'96%' without its interval"),
    ("Two-thirds (66.7%) is inside; a bare majority is not (z = 8.7 against 50%).",
     "'50%' without its interval"),
])
def test_problems_are_found(text: str, problem: str) -> None:
    assert any(problem in p for p in headline_problems(text)), headline_problems(text)


@pytest.mark.parametrize("text", [
    "34% (28%–40%, 90% interval) say too much",
    "rose from 10% (7%–15%, 90% interval) in March 2022 to 34% (28%–40%, 90% interval)",
    "Pure independents voted 40% Dole (27-52%, 90% interval) after calibrating to the "
    "official result (45.3% Dole in the official count).",
    "The sample expected 41.6% Dole (39.0-44.3%, 90% Wilson interval) against 45.3% counted.",
    "cover the observed share in 29 of 30 groups (97%).",
    "Model check: 22 of 23 published shares (96%) fall inside their 90% posterior "
    "predictive intervals.",
    "Probability that members holding at least 35% of allocated aid defect: 0.51 (90% "
    "interval 0.18 to 0.89).",
    "Other polls range from 37% to 75%.",
    "Baltic average minus France, -14 points (90% interval -28 to -1); the probability that "
    "Baltic publics lean less towards negotiating is 0.96.",
    "Ipsos/Reuters (Oct 4-5 2022, n = 1,005): 66.0% (62.3%–69.5%, 95% confidence interval).",
])
def test_plain_complete_headlines_pass(text: str) -> None:
    assert headline_problems(text) == []


def test_words_for_groups_and_probabilities() -> None:
    assert group_phrase("all") == "among all voters"
    assert group_phrase("all", "adults") == "among all adults"
    assert group_phrase("party:dem") == "among Democratic identifiers"
    assert group_phrase("party:rep") == "among Republican identifiers"
    assert group_phrase("party:ind") == "among independents"
    assert group_phrase("age:18-29") == "among voters with age 18-29"
    assert group_label("party:dem") == "Democratic identifiers"
    assert probability_words(0.996) == "above 0.99"
    assert probability_words(0.004) == "below 0.01"
    assert probability_words(0.5) == "0.50"
    assert probability_phrase(0.96, "the war ranks below crime") == (
        "the probability that the war ranks below crime is 0.96")
    for phrase in (group_phrase("party:dem"), probability_phrase(0.999, "it rose")):
        assert headline_problems(phrase) == []
