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


# ---------------------------------------------------------------- user mistakes (issue 16)
def _main(*argv: str) -> tuple[int, str]:
    import contextlib
    import io

    from opinion.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


def test_weight_never_overwrites_a_data_column(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    args = ["weight", str(REF / "sim_survey.csv"), "--targets", str(REF / "sim_targets.csv"),
            "--out", str(out), "--name", "sex"]
    res = CliRunner().invoke(app, args)
    assert isinstance(res.exception, OpinionError)
    assert "'sex' is already a column" in str(res.exception)
    assert not out.exists()
    code, err = _main(*args)
    assert code == 2 and err.count("\n") == 1 and "already a column" in err


def test_weight_unwritable_out_is_refused_before_the_work(tmp_path: Path) -> None:
    (tmp_path / "a_file").write_text("x")
    code, err = _main("weight", str(REF / "sim_survey.csv"), "--targets",
                      str(REF / "sim_targets.csv"), "--out",
                      str(tmp_path / "a_file" / "w.csv"))
    assert code == 2 and err.startswith("error:") and "cannot write" in err
    assert err.count("\n") == 1


def test_weight_csv_output_neutralises_formulas(app: typer.Typer, tmp_path: Path) -> None:
    survey = pd.read_csv(REF / "sim_survey.csv")
    survey["comment"] = ["=1+1", "+cmd", "@x", "-2", "plain"] * (len(survey) // 5) + \
        ["ok"] * (len(survey) % 5)
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    out = tmp_path / "w.csv"
    res = CliRunner().invoke(app, ["weight", str(path), "--targets",
                                   str(REF / "sim_targets.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out, dtype={"comment": str}, keep_default_na=False)
    assert written["comment"].tolist()[:5] == ["'=1+1", "'+cmd", "'@x", "-2", "plain"]


def test_crosstab_of_a_variable_with_itself_is_an_error(tmp_path: Path) -> None:
    code, err = _main("crosstab", str(REF / "sim_survey.csv"), "vote", "vote")
    assert code == 2 and "both 'vote'" in err and err.count("\n") == 1
    sim = pd.read_csv(REF / "sim_survey.csv")
    with pytest.raises(OpinionError, match="both 'vote'"):
        Design(sim).crosstab("vote", "vote")
    with pytest.raises(OpinionError, match="both 'vote'"):
        Design(sim).chisq("vote", "vote")
