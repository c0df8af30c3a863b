"""Hostile poll files: never a silent wrong value, never an exception of another kind.

``tests/data/hostile/`` holds one file per kind of hostile input (written by its
``make_corpus.py``). :data:`EXPECTED` says, for every file, either the toolkit error it must
raise (an :class:`~opinion.errors.OpinionError` with a one-line message naming the cause),
or exactly which rows it must reject (file line -> column of the problem) and values the
valid rows must hold. Expected values are read off the files by hand (e.g. ``45,5`` in a
semicolon file is 45.5; ``03/04/2022`` in a file with ``13/04/2022`` is 3 April).

The other tests pin the options and rules behind those outcomes, one defect each.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from opinion import PollFrame, read_polls
from opinion.errors import DataValidationError, OpinionError
from opinion.frames.parsing import infer_decimal_mark, parse_number

CORPUS = Path(__file__).parent / "data" / "hostile"
TODAY = dt.date(2024, 1, 1)
HEADER = "poll_id,pollster,start_date,end_date,population,n,question_id,response,pct"

# file -> ("error", fragment) or ("load", {line: column}, valid rows, {column: values})
EXPECTED: dict[str, tuple] = {
    "bidi_control.csv": ("load", {2: "response"}, 1, {}),
    "binary_garbage.csv": ("error", "missing required columns"),
    "cp1252.csv": ("load", {}, 2, {"pollster": ["Élabe – Les Échos", "Ipsos"]}),
    "crlf_bare_cr.csv": ("load", {}, 2, {}),
    "dates_dayfirst.csv": ("load", {}, 3, {"start_date": [pd.Timestamp("2022-04-03")] * 2
                                           + [pd.Timestamp("2022-04-13")]}),
    "dates_mixed.csv": ("error", "dates mix day-first and month-first"),
    "dates_out_of_range.csv": ("load", {2: "start_date", 3: "end_date", 4: "start_date"}, 1,
                               {}),
    "dates_timezones.csv": ("load", {}, 2, {"end_date": [pd.Timestamp("2022-10-05")] * 2}),
    "decimal_comma_semicolon.csv": ("load", {}, 4, {"pct": [45.5, 54.5, 50.0, 50.0],
                                                    "n": [1005, 1005, 998, 998]}),
    "decimal_comma_stray.csv": ("load", {3: "pct"}, 3, {"pct": [55.5, 60.5, 39.5]}),
    "deep.json": ("error", "nested too deeply"),
    "deff_huge.csv": ("load", {2: "deff"}, 1, {}),
    "duplicate_header.csv": ("error", "duplicate column names: 'pct'"),
    "duplicate_keys.json": ("error", "repeats the key 'pct'"),
    "empty_header_cell.csv": ("error", "column 2 has no name"),
    "formula_injection.csv": ("load", {2: "n", 3: "n"}, 1, {}),
    "fractions.csv": ("load", {2: "pct", 3: "pct", 4: "pct"}, 2, {"pct": [55.0, 45.0]}),
    "moe_fraction.csv": ("load", {2: "moe"}, 1, {}),
    "n_extreme.csv": ("load", {line: "n" for line in range(2, 9)}, 1, {"n": [10_000_000]}),
    "nested_values.json": ("load", {1: "pollster", 2: "n"}, 1, {}),
    "newline_in_notes.csv": ("load", {}, 2, {"notes": ["first line\nsecond line", "plain"]}),
    "newline_in_pollster.csv": ("load", {2: "pollster"}, 1, {}),
    "nul_in_text.csv": ("load", {2: "pollster"}, 1, {}),
    "percent_format.xlsx": ("load", {}, 3, {"pct": [66.0, 30.0, 4.0]}),
    "thousands.csv": ("load", {}, 4, {"n": [1005, 1005, 1200, 1200]}),
    "trailing_cells.csv": ("load", {3: "(extra cells)", 4: "pct"}, 2, {}),
    "two_sheets.xlsx": ("error", "'October', 'November'"),
    "unbalanced_quote.csv": ("load", {3: "start_date"}, 1, {}),
    "utf16.csv": ("load", {}, 2, {"pollster": ["Société Générale", "Ipsos"]}),
    "wide_empty_row.csv": ("load", {3: "pct"}, 2, {"pct": [60.0, 40.0]}),
}


def _cells(pf: PollFrame) -> set[tuple[object, str]]:
    return set(zip(pf.problems["row"], pf.problems["column"], strict=True))


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _row(**kw: str) -> str:
    base = dict(poll_id="p1", pollster="Ipsos", start_date="2022-10-04",
                end_date="2022-10-05", population="a", n="1005", question_id="q1",
                response="Yes", pct="66")
    base.update(kw)
    return ",".join(base.values())


# ---------------------------------------------------------------- the corpus
def test_every_corpus_file_has_an_expectation() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py"}
    assert files == set(EXPECTED), files ^ set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_corpus(name: str) -> None:
    expected = EXPECTED[name]
    if expected[0] == "error":
        with pytest.raises(OpinionError) as info:
            read_polls(CORPUS / name, today=TODAY)
        message = str(info.value)
        assert expected[1] in message and "\n" not in message, message
        return
    _, rejected, valid, values = expected
    pf = read_polls(CORPUS / name, today=TODAY)
    report = pf.validation_report()
    assert set(pf.rejects["row"]) == set(rejected), report
    assert {(line, column) for line, column in rejected.items()} <= _cells(pf), report
    assert len(pf.data) == valid, report
    for column, wanted in values.items():
        assert pf.data[column].tolist() == wanted, (column, report)


# ---------------------------------------------------------------- fractions
def test_fractions_rejected_by_default_with_the_way_to_opt_in() -> None:
    pf = read_polls(CORPUS / "fractions.csv", today=TODAY)
    reasons = pf.rejects["reasons"].tolist()
    assert len(reasons) == 3
    assert all("fractions='convert'" in r and "--fractions convert" in r for r in reasons)


def test_fractions_convert_records_every_change() -> None:
    pf = read_polls(CORPUS / "fractions.csv", today=TODAY, fractions="convert")
    assert pf.is_valid, pf.validation_report()
    p1 = pf.data[pf.data["poll_id"] == "p1"]
    assert p1["pct"].tolist() == pytest.approx([66.0, 30.0, 4.0])
    assert pf.conversions["row"].tolist() == [2, 3, 4]
    assert pf.conversions["note"].tolist()[0] == "fraction 0.66 read as 66%"
    assert any("multiplied by 100" in note for note in pf.notes)
    assert pf.summary().loc["pct values converted from fractions", "value"] == 3


def test_fractions_keep_and_bad_option() -> None:
    pf = read_polls(CORPUS / "fractions.csv", today=TODAY, fractions="keep")
    assert pf.is_valid and pf.data["pct"].tolist()[:3] == [0.66, 0.30, 0.04]
    with pytest.raises(DataValidationError, match="fractions must be one of"):
        read_polls(CORPUS / "fractions.csv", fractions="guess")


def test_fractions_whole_file_includes_multi_mention(valid_poll_rows) -> None:
    frame = valid_poll_rows.copy()
    frame["pct"] = ["0.55", "0.35", "0.10", "0.70", "0.60"]  # p2: multi-mention, sums 1.3
    frame["question_format"] = ["single_choice"] * 3 + ["multi_mention"] * 2
    pf = PollFrame.from_frame(frame, today=TODAY, fractions="convert")
    assert pf.data["pct"].tolist() == pytest.approx([55, 35, 10, 70, 60])


def test_percent_signs_are_never_fractions(valid_poll_rows) -> None:
    frame = valid_poll_rows.copy()
    frame["pct"] = ["0.5%", "0.4%", "0.1%", "60", "40"]
    pf = PollFrame.from_frame(frame, today=TODAY)
    assert pf.is_valid and pf.data["pct"].tolist()[:3] == [0.5, 0.4, 0.1]


def test_excel_percent_cells_read_as_displayed(tmp_path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for response, share, fmt in (("Yes", 0.655, "0.0%"), ("No", 0.345, "0%")):
        ws.append(["p1", "Ipsos", "2022-10-04", "2022-10-05", "a", 1005, "q1", response, share])
        ws.cell(ws.max_row, 9).number_format = fmt
    wb.save(tmp_path / "p.xlsx")
    pf = read_polls(tmp_path / "p.xlsx", today=TODAY)
    assert pf.data["pct"].tolist() == [65.5, 34.5]


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize(("text", "mark", "value"), [
    ("1,005", ".", 1005.0), ("1,005", ",", 1.005), ("1.005", ",", 1005.0),
    ("1.005", ".", 1.005), ("4,5", ",", 4.5), ("1.234,5", ",", 1234.5),
    ("1,234.5", ".", 1234.5), ("1 005", ".", 1005.0), ("±3.1", ".", 3.1),
    ("1,234,567", ".", 1234567.0),
])
def test_number_rules(text, mark, value) -> None:
    assert parse_number(text, mark, percent=True)[0] == pytest.approx(value)


@pytest.mark.parametrize(("text", "mark", "reason"), [
    ("4,5", ".", "decimal comma"), ("66.5", ",", "decimal point"),
    ("1,234,567", ",", "groups thousands"), ("inf", ".", "not a finite number"),
    ("1e400", ".", "not a finite number"),
])
def test_number_rules_refuse_with_a_reason(text, mark, reason) -> None:
    value, problem, _ = parse_number(text, mark)
    assert value is None and reason in problem


def test_decimal_mark_by_majority_then_delimiter() -> None:
    assert infer_decimal_mark([pd.Series(["45,5", "54,5", "1.005"])], ",") == ","
    assert infer_decimal_mark([pd.Series(["45.5", "4,5", "66.1"])], ",") == "."
    assert infer_decimal_mark([pd.Series(["45", "1,005"])], ";") == ","
    assert infer_decimal_mark([pd.Series(["45", "1,005"])], ",") == "."


def test_decimal_comma_never_stripped(valid_poll_rows) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[4, "pct"] = "4,5"  # the rest of the frame uses points (none: integers)
    frame.loc[3, "pct"] = "60.5"
    pf = PollFrame.from_frame(frame, today=TODAY)
    assert 45.0 not in pf.data["pct"].tolist()
    assert (4, "pct") in _cells(pf)


# ---------------------------------------------------------------- dates
def test_date_order_option_overrides_inference(tmp_path) -> None:
    path = _write(tmp_path / "d.csv", [HEADER, _row(start_date="03/04/2022",
                                                   end_date="05/04/2022")])
    assert read_polls(path, today=TODAY).data["start_date"].tolist() == [
        pd.Timestamp("2022-03-04")]  # no evidence: month first
    assert read_polls(path, today=TODAY, date_order="dmy").data["start_date"].tolist() == [
        pd.Timestamp("2022-04-03")]
    mixed = CORPUS / "dates_mixed.csv"
    pf = read_polls(mixed, today=TODAY, date_order="dmy")
    assert _cells(pf) == {(3, "start_date"), (3, "end_date")}
    assert "no month 13" in pf.problems["problem"].iloc[0]


# ---------------------------------------------------------------- headers, sheets, JSON
def test_duplicate_columns_in_a_dataframe_are_refused(valid_poll_rows) -> None:
    frame = pd.concat([valid_poll_rows, valid_poll_rows[["pct"]]], axis=1)
    with pytest.raises(DataValidationError, match="duplicate column names: 'pct'"):
        PollFrame.from_frame(frame)


def test_excel_sheet_choice(tmp_path) -> None:
    path = CORPUS / "two_sheets.xlsx"
    with pytest.raises(DataValidationError) as info:
        read_polls(path, today=TODAY)
    assert "'Empty'" in str(info.value) and "sheet=" in str(info.value)
    pf = read_polls(path, today=TODAY, sheet="November")
    assert pf.is_valid and len(pf.data) == 1
    assert "read sheet 'November'" in pf.notes[0]
    with pytest.raises(DataValidationError, match="no sheet 'December'.*'October'"):
        read_polls(path, sheet="December")
    with pytest.raises(DataValidationError, match="Excel workbooks only"):
        read_polls(CORPUS / "thousands.csv", sheet="x")


def test_broken_workbook_is_a_toolkit_error(tmp_path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataValidationError, match="cannot read as an Excel workbook"):
        read_polls(tmp_path / "broken.xlsx")


# ---------------------------------------------------------------- rows never lost
def test_encoding_fallback_is_reported() -> None:
    pf = read_polls(CORPUS / "cp1252.csv", today=TODAY)
    assert pf.notes == ["decoded as cp1252 (the file is not valid UTF-8)"]
    assert read_polls(CORPUS / "utf16.csv", today=TODAY).notes == []


def test_trailing_empty_cells_are_harmless_and_counted(tmp_path) -> None:
    lines = [HEADER, _row() + ",,", _row(response="No", pct="30") + ",,,"]
    pf = read_polls(_write(tmp_path / "t.csv", lines), today=TODAY)
    assert pf.is_valid and len(pf.data) == 2


def test_control_characters_in_a_dataframe(valid_poll_rows) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[1, "response"] = "Opp\x07ose"
    frame["notes"] = ["a\nb", None, None, None, "tab\there"]  # free text may break lines
    pf = PollFrame.from_frame(frame, today=TODAY)
    assert _cells(pf) == {(1, "response")}


# ---------------------------------------------------------------- speed
def test_ten_thousand_columns_validate_fast(tmp_path) -> None:
    k = 10_000
    extra = ",".join(f"x{i}" for i in range(k))
    cells = ",".join("v" for _ in range(k))
    lines = [f"{HEADER},{extra}", f"{_row(pct='60')},{cells}",
             f"{_row(response='No', pct='40')},{cells}"]
    path = _write(tmp_path / "wide.csv", lines)
    start = time.perf_counter()
    pf = read_polls(path, today=TODAY)
    elapsed = time.perf_counter() - start
    print(f"\n10,000-column file ({path.stat().st_size:,} bytes) read and validated in "
          f"{elapsed:.2f} s")
    assert pf.is_valid and pf.data.shape[1] > k
    assert elapsed < 5.0


def test_numbers_and_dates_from_a_dataframe_never_raise(valid_poll_rows) -> None:
    frame = valid_poll_rows.copy().astype(object)
    frame.loc[0, "n"] = np.inf
    frame.loc[1, "n"] = 1e30
    frame.loc[2, "start_date"] = dt.date(1, 1, 1)
    frame.loc[3, "pct"] = np.nan
    frame.loc[4, "end_date"] = pd.Timestamp("2022-04-12 10:00", tz="Asia/Tokyo")
    pf = PollFrame.from_frame(frame, today=TODAY)
    assert _cells(pf) == {(0, "n"), (1, "n"), (2, "start_date"), (3, "pct")}
    assert len(pf.data) + len(pf.rejects) == 5


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"mapping": 5}, "mapping must be"),
    ({"aliases": 5}, "aliases must be"),
    ({"aliases": {"Gallup": 5}}, "aliases must be"),
    ({"today": "junk"}, "today must be a date"),
    ({"sum_tolerance": "a"}, "sum_tolerance must be a number"),
    ({"date_order": "ymd"}, "date_order must be"),
])
def test_bad_options_are_toolkit_errors(valid_poll_rows, kwargs, match) -> None:
    with pytest.raises(DataValidationError, match=match):
        read_polls(valid_poll_rows, **kwargs)


def test_wide_response_columns_must_be_a_list(valid_poll_rows) -> None:
    wide = valid_poll_rows.drop(columns=["response", "pct"]).drop_duplicates().assign(Yes="60")
    with pytest.raises(DataValidationError, match="list of column names"):
        read_polls(wide, response_columns="Yes")
    assert read_polls(wide, response_columns=["Yes"], today=TODAY).is_valid


def test_decimal_objects_are_numbers(valid_poll_rows) -> None:
    from decimal import Decimal

    frame = valid_poll_rows.assign(pct=[Decimal("55.5"), Decimal("34.5"), Decimal("10"),
                                        Decimal("60"), Decimal("40")])
    assert read_polls(frame, today=TODAY).data["pct"].tolist() == [55.5, 34.5, 10, 60, 40]
