"""The ``opinion`` command line, end to end, in-process through ``opinion.cli.main``.

Exit codes: 0 ok, 1 validation failed, 2 user error (one line on stderr, no traceback). The
expected rows of the bad file are listed, with the reason for each, in ``tests/conftest.py``.
One test runs the console entry point in a subprocess.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import typer
from rich.console import Console

from opinion.cli import app, datasets_commands, main

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_line_error(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error:")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# ---------------------------------------------------------------- datasets
def test_datasets_list(capsys, monkeypatch) -> None:
    monkeypatch.setattr(datasets_commands, "console", Console(width=300))
    code, out, _ = _run(capsys, "datasets", "list")
    assert code == 0
    names = sorted(p.parent.name for p in (ROOT / "datasets").glob("*/datapackage.json"))
    assert names, "no bundled datasets found"
    for name in names:
        assert name in out


def test_datasets_show(capsys, monkeypatch) -> None:
    monkeypatch.setattr(datasets_commands, "console", Console(width=300))
    code, out, _ = _run(capsys, "datasets", "show", "us_ukraine_support", "--rows", "3")
    assert code == 0
    # the checksum printed is the file's SHA-256, computed here independently
    digest = hashlib.sha256((ROOT / "datasets/us_ukraine_support/data.csv").read_bytes())
    assert f"sha256: {digest.hexdigest()} (verified)" in out
    assert "US opinion on aiding and arming Ukraine" in out
    assert "valid, 0 rejected" in out


def _table_lines(out: str) -> tuple[list[str], str]:
    """The printed table (its header line and rows) and the 'columns not shown' line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("first ", "all rows")))
    end = next((i for i in range(start + 1, len(lines))
                if "columns not shown" in lines[i]), len(lines))
    return lines[start + 1:end], (lines[end] if end < len(lines) else "")


def test_datasets_show_fits_a_wide_dataset_to_80_columns(capsys, monkeypatch) -> None:
    """A 25-column dataset on an 80-column terminal: no line of the table is wrapped or
    longer than the terminal, and the columns left out are named with how to see them."""
    from opinion import datasets

    monkeypatch.setattr(datasets_commands, "console", Console(width=300))
    monkeypatch.setenv("COLUMNS", "80")
    frame = datasets.load("us_ukraine_support").data
    assert frame.shape[1] == 25
    code, out, err = _run(capsys, "datasets", "show", "us_ukraine_support", "--rows", "4")
    assert code == 0, err
    table, left_out = _table_lines(out)
    assert len(table) == 1 + 4  # header and four rows, none wrapped
    assert all(len(line) <= 80 for line in table), table
    shown = table[0].split()
    assert shown == [str(c) for c in frame.columns[:len(shown)]] and len(shown) >= 3
    hidden = [str(c) for c in frame.columns[len(shown):]]
    assert left_out.startswith(f"{len(hidden)} columns not shown: {', '.join(hidden)}.")
    assert "--columns" in left_out and "--all-columns" in left_out and "--csv" in left_out
    assert f"({len(shown)} of 25 columns)" in out
    for fact in ("rows: 73 valid, 0 rejected", "columns: 25", "sha256: "):
        assert fact in out


def test_datasets_show_columns_all_columns_and_csv(capsys, monkeypatch) -> None:
    import io

    from opinion import datasets

    monkeypatch.setattr(datasets_commands, "console", Console(width=300))
    monkeypatch.setenv("COLUMNS", "80")
    frame = datasets.load("us_ukraine_support").data
    code, out, _ = _run(capsys, "datasets", "show", "us_ukraine_support", "--rows", "2",
                        "--columns", "question_id, pct,response")
    assert code == 0
    table, left_out = _table_lines(out)
    assert table[0].split() == ["question_id", "pct", "response"] and len(table) == 3
    assert left_out.startswith("22 columns not shown")
    code, out, _ = _run(capsys, "datasets", "show", "us_ukraine_support", "--rows", "2",
                        "--all-columns")
    table, left_out = _table_lines(out)
    assert table[0].split() == [str(c) for c in frame.columns] and left_out == ""
    code, out, _ = _run(capsys, "datasets", "show", "us_ukraine_support", "--csv",
                        "--rows", "0")
    assert code == 0
    parsed = pd.read_csv(io.StringIO(out))
    assert list(parsed.columns) == list(frame.columns) and len(parsed) == len(frame)


@pytest.mark.parametrize("columns", ["pct,nope", ","])
def test_datasets_show_unknown_column_is_one_line_listing_the_valid_ones(capsys,
                                                                          columns) -> None:
    code, out, err = _run(capsys, "datasets", "show", "us_ukraine_support",
                          "--columns", columns)
    assert code == 2 and out == ""
    _assert_one_line_error(err, "--columns", "(columns: poll_id, pollster,", "n_eff")
    if "nope" in columns:
        assert "no column named 'nope'" in err


def test_datasets_show_unknown(capsys) -> None:
    code, out, err = _run(capsys, "datasets", "show", "nope")
    assert code == 2
    _assert_one_line_error(err, "unknown dataset 'nope'", "us_ukraine_support")


def test_datasets_show_unsafe_name(capsys) -> None:
    code, _, err = _run(capsys, "datasets", "show", "../etc")
    assert code == 2
    _assert_one_line_error(err, "invalid dataset name")


# ---------------------------------------------------------------- validate
def test_validate_good_file(capsys, good_poll_file) -> None:
    code, out, err = _run(capsys, "validate", str(good_poll_file))
    assert code == 0, out + err
    assert "7 valid rows, 0 rejected" in out


def test_validate_bad_file_names_every_bad_row(capsys, bad_poll_file) -> None:
    main(["validate", str(bad_poll_file.path)])
    out, _ = capsys.readouterr()
    for kind, (rows, column) in bad_poll_file.expected.items():
        for row in rows:
            assert f"line {row}, column {column}:" in out, f"{kind} not printed"
    n_bad = len({r for rows, _ in bad_poll_file.expected.values() for r in rows})
    assert f"{bad_poll_file.rows - n_bad} valid rows, {n_bad} rejected" in out


def _problem_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip().split(" ")[0] in ("line", "row", "record", "index")]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "json", "parquet"])
def test_validate_and_the_python_api_name_the_same_row(capsys, tmp_path, kind) -> None:
    """One row-numbering convention (issue 21): the same corrupted file through `opinion
    validate` and through `read_polls(path).validation_report()` / `.problems` names the
    same row, in the source's own numbering (file line with header = line 1, Excel row,
    JSON/Parquet record), and both say which numbering that is."""
    from opinion import read_polls

    rows = [["p1", "Gallup", "2022-03-01", "2022-03-05", "a", "1000", "q1", "Support", "55"],
            ["p1", "Gallup", "2022-03-01", "2022-03-05", "a", "1000", "q1", "Oppose", "45"],
            ["p2", "YouGov", "2022-04-10", "2022-04-12", "rv", "abc", "q1", "Support", "60"]]
    frame = pd.DataFrame(rows, columns=["poll_id", "pollster", "start_date", "end_date",
                                        "population", "n", "question_id", "response", "pct"])
    path = tmp_path / f"bad.{kind}"
    {"csv": lambda: frame.to_csv(path, index=False),
     "xlsx": lambda: frame.to_excel(path, index=False),
     "json": lambda: frame.to_json(path, orient="records"),
     "parquet": lambda: frame.to_parquet(path)}[kind]()
    expected = {"csv": "line 4", "xlsx": "row 4", "json": "record 3", "parquet": "record 3"}
    code, out, err = _run(capsys, "validate", str(path))
    assert code == 1, err
    polls = read_polls(path)
    api = polls.validation_report()
    assert _problem_lines(out) == _problem_lines(api) == [
        f"{expected[kind]}, column n: n is not a number [value: 'abc']"]
    assert polls.problems["row"].tolist() == [int(expected[kind].split()[1])]
    assert polls.rejects["row"].tolist() == polls.problems["row"].tolist()
    meaning = polls.row_numbering.meaning
    assert meaning.startswith(expected[kind].split()[0] + " = ") and meaning in out
    if kind == "csv":
        assert "header = line 1" in out
    # a DataFrame has no file lines: its rows are its index labels, and say so
    from_frame = read_polls(frame).validation_report()
    assert _problem_lines(from_frame) == ["index 2, column n: n is not a number [value: 'abc']"]
    assert "index = the DataFrame's index label" in from_frame


def test_rows_named_inside_reasons_use_the_same_numbering(bad_poll_file) -> None:
    from opinion import read_polls

    reasons = " ".join(read_polls(bad_poll_file.path).rejects["reasons"])
    assert "duplicate of line 21" in reasons and "differs from line 24" in reasons
    assert " row " not in reasons


def test_validate_bad_file_exits_1(capsys, bad_poll_file) -> None:
    code, _, _ = _run(capsys, "validate", str(bad_poll_file.path))
    assert code == 1


def test_validate_writes_rejects(capsys, bad_poll_file, tmp_path) -> None:
    out_csv = tmp_path / "rejects.csv"
    main(["validate", str(bad_poll_file.path), "--rejects", str(out_csv)])
    capsys.readouterr()
    rejects = pd.read_csv(out_csv)
    expected = sorted({r for rows, _ in bad_poll_file.expected.values() for r in rows})
    assert sorted(rejects["row"]) == expected
    assert rejects["reasons"].notna().all()


def test_validate_missing_columns(capsys, tmp_path) -> None:
    path = tmp_path / "missing.csv"
    path.write_text("poll_id,pollster,start_date,n,question_id,response,pct\n"
                    "p1,Gallup,2022-01-01,1000,q,Yes,60\n")
    code, out, err = _run(capsys, "validate", str(path))
    assert code == 2
    _assert_one_line_error(err, "missing required columns", "end_date", "population")


@pytest.mark.parametrize("content", ["", "poll_id,pollster\n"])
def test_validate_empty_files(capsys, tmp_path, content) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content)
    code, _, err = _run(capsys, "validate", str(path))
    assert code == 2
    _assert_one_line_error(err)


def test_validate_missing_file_and_bad_mapping(capsys, good_poll_file, tmp_path) -> None:
    code, _, err = _run(capsys, "validate", str(tmp_path / "nope.csv"))
    assert code == 2
    _assert_one_line_error(err, "no such file")
    code, _, err = _run(capsys, "validate", str(good_poll_file), "--mapping", "nope")
    assert code == 2
    _assert_one_line_error(err, "unknown mapping 'nope'", "fivethirtyeight")


def test_validate_fivethirtyeight_mapping(capsys, tmp_path) -> None:
    path = tmp_path / "538.csv"
    path.write_text("poll_id,pollster,sponsors,start_date,end_date,sample_size,population,"
                    "question_id,answer,pct,methodology\n"
                    "1,Ipsos,Reuters,10/4/22,10/5/22,1005,a,1,Yes,66,Online Panel\n"
                    "1,Ipsos,Reuters,10/4/22,10/5/22,1005,a,1,No,30,Online Panel\n")
    code, out, _ = _run(capsys, "validate", str(path), "--mapping", "fivethirtyeight")
    assert code == 0 and "2 valid rows, 0 rejected" in out


# ---------------------------------------------------------------- report
def test_report_needs_name_or_all(capsys) -> None:
    code, _, err = _run(capsys, "report")
    assert code == 2
    _assert_one_line_error(err, "--all")


def test_report_unknown_analysis(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "real_one.py").write_text("raise SystemExit('must not run')\n")
    monkeypatch.setenv("OPINION_ANALYSES_DIR", str(tmp_path))
    monkeypatch.setenv("OPINION_REPORTS_DIR", str(tmp_path / "out"))
    code, _, err = _run(capsys, "report", "nope")
    assert code == 2
    _assert_one_line_error(err, "unknown analysis 'nope'", "real_one")
    code, _, err = _run(capsys, "report", "real_one", "--all")
    assert code == 2
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- help and usage errors
def _command_paths() -> list[list[str]]:
    """Every command and group of the CLI, found by walking the click tree."""
    paths: list[list[str]] = []

    def walk(command, prefix: list[str]) -> None:
        paths.append(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_every_command_is_walked() -> None:
    found = {" ".join(p) for p in _command_paths()}
    assert {"", "validate", "report", "datasets", "datasets list", "datasets show"} <= found


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "opinion")
def test_help_on_every_command(capsys, path, flag) -> None:
    code, out, err = _run(capsys, *path, flag)
    assert code == 0, err
    assert "Usage: opinion" in out


def test_version(capsys) -> None:
    from importlib.metadata import version

    code, out, err = _run(capsys, "--version")
    assert code == 0, err
    assert out.strip() == f"opinion {version('opinion')}"
    assert out.strip() == f"opinion {__import__('opinion').__version__}"  # one version number


def test_version_falls_back_to_the_package_attribute(monkeypatch) -> None:
    import importlib.metadata

    from opinion.cli.app import version

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert version() == __import__("opinion").__version__


@pytest.mark.parametrize("argv", [["validate"], ["bogus"], ["validate", "x.csv", "--nope"],
                                  ["datasets", "show", "x", "--rows", "-1"]])
def test_usage_errors_exit_2(capsys, argv) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    _assert_one_line_error(err, "-h')")  # says where the help is


@pytest.mark.parametrize("argv", [[], ["datasets"]])
def test_a_group_alone_prints_its_help(capsys, argv) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert "Usage: opinion" in out + err and "error:" not in err


def test_help_and_version_import_nothing_heavy() -> None:
    """`opinion --help` / `--version` stay fast: no pandas, numpy, scipy, PyMC or matplotlib
    at start-up (the commands import them when they run)."""
    code = ("import sys; from opinion.cli import main; main(['--help']); main(['-h']); "
            "main(['--version']); main(['datasets', '-h']); "
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'numpy', "
            "'scipy', 'pymc', 'matplotlib', 'pytensor', 'distributed'}); "
            "print('HEAVY', heavy, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert "HEAVY []" in result.stderr, result.stderr


def test_console_script_help_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from opinion.cli import entry_point; entry_point()", "--help"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    for command in ("validate", "datasets", "report"):
        assert command in result.stdout


# ---------------------------------------------------------------- hostile input (issue 16)
HOSTILE = ROOT / "tests" / "data" / "hostile"


def test_debug_flag_shows_the_traceback_only_when_asked(capsys, tmp_path) -> None:
    code, _, err = _run(capsys, "validate", str(tmp_path / "nope.csv"))
    assert code == 2
    _assert_one_line_error(err, "no such file")
    code, _, err = _run(capsys, "--debug", "validate", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "Traceback" in err and "DataValidationError" in err
    assert err.strip().splitlines()[-1].startswith("error:")


def test_internal_errors_are_one_line_and_exit_3(capsys, monkeypatch, good_poll_file) -> None:
    import opinion.frames.pollframe as pollframe

    def broken(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(pollframe, "read_polls", broken)
    code, _, err = _run(capsys, "validate", str(good_poll_file))
    assert code == 3
    _assert_one_line_error(err, "internal error", "TypeError", "--debug")
    code, _, err = _run(capsys, "--debug", "validate", str(good_poll_file))
    assert code == 3 and "Traceback" in err


@pytest.mark.parametrize("target", ["folder", "under_a_file"])
def test_unwritable_rejects_path_is_a_user_error(capsys, bad_poll_file, tmp_path,
                                                 target) -> None:
    (tmp_path / "a_file").write_text("x")
    path = tmp_path if target == "folder" else tmp_path / "a_file" / "rejects.csv"
    code, out, err = _run(capsys, "validate", str(bad_poll_file.path), "--rejects", str(path))
    assert code == 2
    _assert_one_line_error(err, "rejects file")
    assert out == ""  # refused before any work


def test_rejects_csv_is_safe_to_open_in_a_spreadsheet(capsys, tmp_path) -> None:
    out_csv = tmp_path / "rejects.csv"
    code, _, _ = _run(capsys, "validate", str(HOSTILE / "formula_injection.csv"),
                      "--rejects", str(out_csv))
    assert code == 1
    rejects = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    assert rejects["pollster"].tolist()[0] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rejects["poll_id"].tolist()[1] == "'@SUM(A1)"
    assert rejects["n"].tolist() == ["-5", "0"]  # plain numbers are left alone


def test_validate_fractions_option(capsys) -> None:
    code, out, _ = _run(capsys, "validate", str(HOSTILE / "fractions.csv"))
    assert code == 1 and "--fractions convert" in out
    code, out, _ = _run(capsys, "validate", str(HOSTILE / "fractions.csv"),
                        "--fractions", "convert")
    assert code == 0 and "multiplied by 100" in out
    code, _, err = _run(capsys, "validate", str(HOSTILE / "fractions.csv"),
                        "--fractions", "maybe")
    assert code == 2
    _assert_one_line_error(err, "fractions must be one of")


def test_validate_sheet_and_date_order_options(capsys) -> None:
    code, _, err = _run(capsys, "validate", str(HOSTILE / "two_sheets.xlsx"))
    assert code == 2
    _assert_one_line_error(err, "'October'", "'November'", "--sheet")
    code, out, _ = _run(capsys, "validate", str(HOSTILE / "two_sheets.xlsx"),
                        "--sheet", "November")
    assert code == 0 and "read sheet 'November'" in out
    code, _, err = _run(capsys, "validate", str(HOSTILE / "dates_mixed.csv"))
    assert code == 2
    _assert_one_line_error(err, "day-first and month-first", "--date-order")


def test_hostile_file_errors_never_print_control_characters(capsys) -> None:
    code, _, err = _run(capsys, "validate", str(HOSTILE / "binary_garbage.csv"))
    assert code == 2
    _assert_one_line_error(err, "missing required columns")
    assert all(c.isprintable() for c in err.strip())


def test_datasets_list_shows_a_broken_datapackage(capsys, monkeypatch, datasets_copy) -> None:
    monkeypatch.setattr(datasets_commands, "console", Console(width=300))
    (datasets_copy / "us_issues_2022" / "datapackage.json").write_text("{broken")
    code, out, _ = _run(capsys, "datasets", "list")
    assert code == 0 and "invalid" in out and "us_ukraine_support" in out
    code, _, err = _run(capsys, "datasets", "show", "us_issues_2022")
    assert code == 2
    _assert_one_line_error(err, "not valid JSON")


# ---------------------------------------------------------------- each fact once (issue 21)
def test_report_prints_each_line_once(tmp_path) -> None:
    """`opinion report NAME` as a user runs it: the script's own ``wrote ...`` line is not
    repeated beside the runner's progress line, and no line appears twice."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "opinion", "report", "ipsos_two_thirds", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()
             if line.strip()]
    repeated = {line for line in lines if lines.count(line) > 1}
    assert not repeated, lines
    wrote = [line for line in lines if "wrote" in line]
    assert len(wrote) == 1 and str(out / "ipsos_two_thirds.html") in wrote[0], lines
    assert "[1/1] ipsos_two_thirds: wrote" in wrote[0]
    assert (out / "ipsos_two_thirds.json").exists()


def test_dropping_the_scripts_wrote_line_keeps_everything_else() -> None:
    import io

    from opinion.cli.report_command import _WithoutLine

    sink = io.StringIO()
    stream = _WithoutLine(sink, "wrote /r/x.html")
    print("fitting a ...", file=stream)
    stream.write("wro")
    stream.write("te /r/x.html\npartial")
    print("", file=stream)
    print("wrote /r/x.html.bak", file=stream)
    stream.write("wrote /r/x.html")  # unfinished last line: still the dropped one
    stream.finish()
    assert sink.getvalue() == "fitting a ...\npartial\nwrote /r/x.html.bak\n"
