"""CLI commands ``weight`` and ``crosstab`` (opinion.cli.survey_commands).

Known answers: the weights written by ``weight`` equal ``Design.rake`` on the same inputs
(itself checked against R and weightipy), and ``crosstab`` prints the Rao-Scott statistics of
``Design.chisq``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from opinion.cli.survey_commands import register
from opinion.errors import OpinionError, WeightingError
from opinion.survey.design import Design

REF = Path(__file__).parent / "reference" / "r_survey"


@pytest.fixture()
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


def test_weight_writes_raked_weights(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "weighted.parquet"
    res = CliRunner().invoke(app, ["weight", str(REF / "sim_survey.csv"), "--targets",
                                   str(REF / "sim_targets.csv"), "--out", str(out),
                                   "--weight-var", "w"])
    assert res.exit_code == 0, res.output
    assert "kish_deff" in res.output and "asmd:age" in res.output
    got = pd.read_parquet(out)
    sim = pd.read_csv(REF / "sim_survey.csv")
    expected = Design(sim, weights="w").rake(pd.read_csv(REF / "sim_targets.csv"))
    np.testing.assert_allclose(got["raked_weight"], expected.weights, rtol=1e-9)
    r_w = pd.read_csv(REF / "weights_sim_rake.csv")["w"]
    np.testing.assert_allclose(got["raked_weight"], r_w, rtol=1e-6)
    assert len(got) == len(sim)


def test_weight_with_cap_to_csv(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    res = CliRunner().invoke(app, ["weight", str(REF / "sim_survey.csv"), "--targets",
                                   str(REF / "sim_targets.csv"), "--out", str(out),
                                   "--cap", "3", "--name", "wt"])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)["wt"]
    assert w.max() <= 3 * w.mean() * (1 + 1e-9)


def test_weight_bad_targets_is_opinion_error(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("variable,category,target\nsex,F,0.6\nsex,M,0.3\n")
    res = CliRunner().invoke(app, ["weight", str(REF / "sim_survey.csv"), "--targets",
                                   str(bad), "--out", str(tmp_path / "o.csv")])
    assert isinstance(res.exception, WeightingError)
    assert "'sex' sum to 0.9" in str(res.exception)
    res = CliRunner().invoke(app, ["weight", str(tmp_path / "nope.csv"), "--targets",
                                   str(bad), "--out", str(tmp_path / "o.txt")])
    assert isinstance(res.exception, OpinionError)


def test_crosstab_prints_table_and_rao_scott(app: typer.Typer) -> None:
    res = CliRunner().invoke(app, ["crosstab", str(REF / "sim_survey.csv"), "vote", "age",
                                   "--weight", "w", "--strata", "region", "--cluster", "psu"],
                             terminal_width=200)
    assert res.exit_code == 0, res.output
    sim = pd.read_csv(REF / "sim_survey.csv")
    rs = Design(sim, weights="w", strata="region", clusters="psu").chisq("vote", "age")
    assert f"Rao-Scott F = {rs.f:.3f}" in res.output
    assert "Undecided" in res.output and "65+" in res.output
