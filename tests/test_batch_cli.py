"""`opinion batch` / `opinion sbc` bad input: one-line errors and exit code 2 (no cluster)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from opinion.models.poll_average.simulate import simulate_polls

RAW_COLUMNS = ["poll_id", "pollster", "start_date", "end_date", "population", "mode", "n",
               "question_id", "response", "pct"]


def _app():
    import importlib

    cli = importlib.import_module("opinion.cli.app")
    names = {c.name for c in cli.app.registered_commands}
    if "batch" not in names:  # until the lead wires batch_commands into app.py
        from opinion.cli import batch_commands

        batch_commands.register(cli.app)
    return cli


def run_cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = _app().main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_spec(folder: Path, fits: list[dict]) -> Path:
    polls, _ = simulate_polls(10, 30, 2, seed=3)
    polls.data[RAW_COLUMNS].to_csv(folder / "polls.csv", index=False)
    spec = folder / "spec.json"
    spec.write_text(json.dumps(fits))
    return spec


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    for needle in needles:
        assert needle in lines[0], err


def test_unreachable_scheduler(tmp_path, capsys):
    spec = write_spec(tmp_path, [{"model": "poll_average", "data": "polls.csv"}])
    start = time.monotonic()
    code, _, err = run_cli(capsys, ["batch", str(spec), "--scheduler", "tcp://127.0.0.1:9",
                                    "--cache", str(tmp_path / "c")])
    _one_line_error(code, err, "cannot reach the Dask scheduler", "127.0.0.1:9")
    assert time.monotonic() - start < 30


def test_unknown_model(tmp_path, capsys):
    spec = write_spec(tmp_path, [{"model": "no_such_model", "data": "polls.csv"}])
    code, _, err = run_cli(capsys, ["batch", str(spec), "--cache", str(tmp_path / "c")])
    _one_line_error(code, err, "unknown model 'no_such_model'", "poll_average")
    code, _, err = run_cli(capsys, ["sbc", "no_such_model", "--n", "2"])
    _one_line_error(code, err, "unknown model 'no_such_model'")
    code, _, err = run_cli(capsys, ["sbc", "poll_average", "--config", "{oops"])
    _one_line_error(code, err, "--config is not valid JSON")
    code, _, err = run_cli(capsys, ["sbc", "poll_average", "--config", '{"colour": 1}'])
    _one_line_error(code, err, "colour")


def test_unwritable_cache(tmp_path, capsys):
    spec = write_spec(tmp_path, [{"model": "poll_average", "data": "polls.csv"}])
    (tmp_path / "file").write_text("x")
    code, _, err = run_cli(capsys, ["batch", str(spec), "--cache", str(tmp_path / "file" / "c")])
    _one_line_error(code, err, "not writable", "file")


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[]", "non-empty list"),
    ('[{"model": "poll_average"}]', "exactly one of 'dataset' or 'data'"),
    ('[{"model": "poll_average", "dataset": "x", "colour": 1}]', "unknown keys colour"),
    ('[{"model": "poll_average", "dataset": "no_such_dataset"}]', "no_such_dataset"),
])
def test_bad_spec_files(tmp_path, capsys, content, message):
    spec = tmp_path / "spec.json"
    spec.write_text(content)
    code, _, err = run_cli(capsys, ["batch", str(spec), "--cache", str(tmp_path / "c")])
    _one_line_error(code, err, message)


def test_missing_spec_file(tmp_path, capsys):
    code, _, err = run_cli(capsys, ["batch", str(tmp_path / "none.json")])
    _one_line_error(code, err, "does not exist")
