"""Every row-level validation rule of the poll frame, one at a time and all together.

Expected outcomes are worked out by hand from the rules in ``opinion/frames/validate.py`` and
the brief (e.g. 70 + 40 = 110 > 100 + 1 is rejected; 60 + 40.9 = 100.9 <= 101 is accepted).
Rows built from a DataFrame are reported by index label; rows read from a CSV by file line
(header = line 1).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from opinion import PollFrame, read_polls
from opinion.errors import DataValidationError, OpinionError


def _cells(pf: PollFrame) -> set[tuple[object, str]]:
    """(row, column) of every problem."""
    return set(zip(pf.problems["row"], pf.problems["column"], strict=True))


def _load(frame: pd.DataFrame, today: dt.date, **kwargs) -> PollFrame:
    return PollFrame.from_frame(frame, today=today, **kwargs)


def _assert_only(pf: PollFrame, rows: set, column: str, n_input: int, text: str = "") -> None:
    """Exactly ``rows`` are rejected, each with a problem in ``column`` (and ``text``)."""
    assert set(pf.rejects["row"]) == rows, pf.validation_report()
    assert {(r, column) for r in rows} <= _cells(pf), pf.validation_report()
    for reason in pf.rejects["reasons"]:
        assert f"{column}:" in reason
    if text:
        hits = pf.problems[pf.problems["column"] == column]["problem"]
        assert hits.str.contains(text, regex=False).all(), hits.tolist()
    assert len(pf.data) + len(pf.rejects) == n_input


# ---------------------------------------------------------------- the file with every kind
def test_bad_file_rejects_exactly_the_bad_rows(bad_poll_file) -> None:
    pf = read_polls(bad_poll_file.path)
    expected_rows = {r for rows, _ in bad_poll_file.expected.values() for r in rows}
    assert set(pf.rejects["row"]) == expected_rows, pf.validation_report()
    assert len(pf.data) + len(pf.rejects) == bad_poll_file.rows  # nothing dropped silently
    assert list(pf.problems.columns) == ["row", "column", "value", "problem"]
    cells = _cells(pf)
    for kind, (rows, column) in bad_poll_file.expected.items():
        for row in rows:
            assert (row, column) in cells, f"{kind}: row {row}, column {column} not reported"
            reasons = pf.rejects.loc[pf.rejects["row"] == row, "reasons"].item()
            assert f"{column}:" in reasons, f"{kind}: {reasons}"
    # the valid polls survive whole, including the don't-know and the >100 multi-mention rows
    assert sorted(pf.data["poll_id"].unique()) == ["c01", "c02", "d01", "g1", "g2", "m01"]
    assert "Not sure" in set(pf.data["response"])
    assert pf.data.loc[pf.data["poll_id"] == "m01", "pct"].sum() == 130


def test_bad_file_problem_values_are_the_raw_cells(bad_poll_file) -> None:
    pf = read_polls(bad_poll_file.path)
    cells = zip(pf.problems["row"], pf.problems["column"], strict=True)
    value = dict(zip(cells, pf.problems["value"], strict=True))
    assert value[(5, "start_date")] == "2022-13-45"
    assert value[(8, "start_date")] == "2022-05"
    assert value[(9, "pct")] == "150"
    assert value[(16, "n")] == "100.5"
    assert value[(19, "population")] == "xx"
    assert value[(28, "country")] == "USA"


# ---------------------------------------------------------------- required columns
def test_missing_required_columns_named_all_at_once(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.drop(columns=["end_date", "population", "n"])
    with pytest.raises(DataValidationError) as info:
        _load(frame, poll_today)
    message = str(info.value)
    for column in ("end_date", "population", "n"):
        assert column in message
    assert isinstance(info.value, OpinionError)


def test_missing_required_columns_including_response_and_pct(valid_poll_rows,
                                                              poll_today) -> None:
    frame = valid_poll_rows.drop(columns=["end_date", "population", "response", "pct"])
    with pytest.raises(DataValidationError) as info:
        _load(frame, poll_today)
    for column in ("end_date", "population", "response", "pct"):
        assert column in str(info.value)


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("bad", ["2022-05", "2022", "May 2022", "2022-02-30", "2022-13-01",
                                 "31/13/2022", "0001-01-01", "yesterday"])
def test_unparseable_and_partial_dates_rejected(valid_poll_rows, poll_today, bad) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[3:4, "start_date"] = bad  # the whole of poll p2
    pf = _load(frame, poll_today)
    _assert_only(pf, {3, 4}, "start_date", 5, "cannot parse date")


def test_us_slash_and_iso_datetime_dates_parse(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[3:4, "start_date"] = "4/10/22"  # US month/day/year
    frame.loc[3:4, "end_date"] = "2022-04-12T18:30:00"
    pf = _load(frame, poll_today)
    assert pf.is_valid, pf.validation_report()
    p2 = pf.data[pf.data["poll_id"] == "p2"]
    assert (p2["start_date"] == pd.Timestamp("2022-04-10")).all()
    assert (p2["end_date"] == pd.Timestamp("2022-04-12")).all()  # time of day dropped


def test_end_before_start_rejected(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[0:2, "end_date"] = "2022-02-28"
    _assert_only(_load(frame, poll_today), {0, 1, 2}, "end_date", 5, "before start_date")


def test_same_day_fieldwork_accepted(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[0:2, "end_date"] = "2022-03-01"
    assert _load(frame, poll_today).is_valid


def test_future_dates_relative_to_today(valid_poll_rows) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[3:4, "end_date"] = "2024-01-02"
    pf = _load(frame, dt.date(2024, 1, 1))
    _assert_only(pf, {3, 4}, "end_date", 5, "in the future")
    assert _load(frame, dt.date(2024, 1, 2)).is_valid  # today itself is not the future


# ---------------------------------------------------------------- pct and sums
@pytest.mark.parametrize("bad", ["150", "-1", "100.1"])
def test_pct_outside_0_100(valid_poll_rows, poll_today, bad) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[4, "pct"] = bad
    _assert_only(_load(frame, poll_today), {4}, "pct", 5, "outside 0-100")


def test_pct_with_percent_sign_and_text(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[3, "pct"] = "60%"
    frame.loc[4, "pct"] = "forty"
    pf = _load(frame, poll_today)
    _assert_only(pf, {4}, "pct", 5, "not a number")
    assert pf.data.loc[pf.data["poll_id"] == "p2", "pct"].item() == 60.0


def test_question_summing_above_100_plus_tolerance(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[4, "pct"] = "41.5"  # 60 + 41.5 = 101.5 > 101
    pf = _load(frame, poll_today)
    _assert_only(pf, {3, 4}, "pct", 5, "sum to 101.5%")
    frame.loc[4, "pct"] = "40.9"  # 100.9 <= 101: rounding, accepted
    assert _load(frame, poll_today).is_valid
    # a wider tolerance accepts 101.5
    frame.loc[4, "pct"] = "41.5"
    assert _load(frame, poll_today, sum_tolerance=2.0).is_valid


@pytest.mark.parametrize("fmt", ["multi_mention", "rating"])
def test_multi_mention_and_rating_may_exceed_100(valid_poll_rows, poll_today, fmt) -> None:
    frame = valid_poll_rows.copy()
    frame["question_format"] = "multi_option"
    frame.loc[3:4, "question_format"] = fmt
    frame.loc[3:4, "pct"] = ["70", "65"]
    pf = _load(frame, poll_today)
    assert pf.is_valid, pf.validation_report()
    frame.loc[3:4, "question_format"] = "single_choice"
    _assert_only(_load(frame, poll_today), {3, 4}, "pct", 5, "sum to 135")


def test_sums_are_per_subgroup(valid_poll_rows, poll_today) -> None:
    # the same question answered by two subgroups sums to 100 in each, 200 overall: valid
    extra = valid_poll_rows.iloc[3:5].copy()
    extra["subgroup"] = "Republicans"
    extra.index = [5, 6]
    frame = pd.concat([valid_poll_rows.assign(subgroup="all"), extra])
    assert _load(frame, poll_today).is_valid


def test_unknown_question_format(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame["question_format"] = "binary"
    frame.loc[0, "question_format"] = "ranking"
    _assert_only(_load(frame, poll_today), {0}, "question_format", 5, "unknown")


# ---------------------------------------------------------------- n
@pytest.mark.parametrize(("bad", "text"), [
    ("0", "must be positive"), ("-1", "must be positive"), ("1000.5", "not a whole number"),
    ("abc", "not a number"), (None, "empty"),
])
def test_bad_sample_sizes(valid_poll_rows, poll_today, bad, text) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[1, "n"] = bad
    _assert_only(_load(frame, poll_today), {1}, "n", 5, text)


def test_sample_size_formats_accepted(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[0:2, "n"] = ["1,000", "1000.0", " 1000 "]
    pf = _load(frame, poll_today)
    assert pf.is_valid, pf.validation_report()
    assert pf.data["n"].dtype == "int64"
    assert pf.data["n"].tolist()[:3] == [1000, 1000, 1000]


# ---------------------------------------------------------------- codes
def test_population_codes_and_aliases(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[0:2, "population"] = ["Adults", "all adults", "A"]
    frame.loc[3:4, "population"] = ["Likely Voters", "lv"]
    pf = _load(frame, poll_today)
    # consistency of population within a poll is not a rule; the codes map row by row
    assert pf.data["population"].tolist() == ["a", "a", "a", "lv", "lv"]
    frame.loc[4, "population"] = "xx"
    _assert_only(_load(frame, poll_today), {4}, "population", 5, "unknown population code 'xx'")


def test_mode_codes_and_aliases(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame["mode"] = ["Online Panel", "web", "internet", "Live Phone", "CATI"]
    pf = _load(frame, poll_today)
    assert pf.data["mode"].tolist() == ["online"] * 3 + ["phone"] * 2
    frame.loc[2, "mode"] = "carrier pigeon"
    _assert_only(_load(frame, poll_today), {2}, "mode", 5, "unknown mode")


def test_missing_mode_is_allowed(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame["mode"] = [None, None, None, "online", "online"]
    assert _load(frame, poll_today).is_valid


@pytest.mark.parametrize("bad", ["USA", "U", "12", "U.S."])
def test_bad_country_code(valid_poll_rows, poll_today, bad) -> None:
    frame = valid_poll_rows.copy()
    frame["country"] = "us"
    frame.loc[3, "country"] = bad
    pf = _load(frame, poll_today)
    _assert_only(pf, {3}, "country", 5, "ISO 3166")
    assert set(pf.data["country"]) == {"US"}  # lower case is upper-cased


# ---------------------------------------------------------------- duplicates and consistency
def test_duplicate_rows_case_insensitive(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[3:4, "pct"] = ["30", "20"]
    dup = frame.loc[[3]].assign(response="SUPPORT ")
    dup.index = [9]
    pf = _load(pd.concat([frame, dup]), poll_today)
    _assert_only(pf, {9}, "response", 6, "duplicate of index 3")


def test_duplicate_row_does_not_reject_the_original(valid_poll_rows, poll_today) -> None:
    dup = valid_poll_rows.loc[[3]].copy()  # Support 60 again: 60 + 40 + 60 = 160
    dup.index = [9]
    pf = _load(pd.concat([valid_poll_rows, dup]), poll_today)
    assert set(pf.rejects["row"]) == {9}, pf.validation_report()


def test_conflicting_pollster_or_dates_within_a_poll(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[2, "pollster"] = "Ipsos"
    frame.loc[4, "start_date"] = "2022-04-11"
    pf = _load(frame, poll_today)
    assert set(pf.rejects["row"]) == {2, 4}
    assert {(2, "pollster"), (4, "start_date")} <= _cells(pf)
    problem = pf.problems.set_index(["row", "column"])["problem"]
    assert "differs from index 0" in problem[(2, "pollster")]
    assert "differs from index 3" in problem[(4, "start_date")]


# ---------------------------------------------------------------- optional numeric columns
def test_moe_deff_and_subgroup_n_rules(valid_poll_rows, poll_today) -> None:
    frame = valid_poll_rows.copy()
    frame["moe"] = ["3", "3", "55", "±2.5", "2.5%"]
    frame["deff"] = [None, "-1", None, None, None]
    frame["subgroup_n"] = ["2000", None, None, None, None]
    pf = _load(frame, poll_today)
    cells = _cells(pf)
    assert {(0, "subgroup_n"), (1, "deff"), (2, "moe")} <= cells
    assert set(pf.rejects["row"]) == {0, 1, 2}
    assert pf.data["moe"].tolist() == [2.5, 2.5]  # '±' and '%' are stripped


# ---------------------------------------------------------------- required text values
@pytest.mark.parametrize("column", ["poll_id", "pollster", "question_id", "response",
                                    "population", "start_date", "end_date", "pct"])
def test_empty_required_value(valid_poll_rows, poll_today, column) -> None:
    frame = valid_poll_rows.copy()
    frame.loc[2, column] = "   "  # whitespace only counts as empty
    _assert_only(_load(frame, poll_today), {2}, column, 5, "empty")
