"""Property tests (hypothesis) over the poll schema and the forms a poll file takes.

1. **Round trip**: polls valid by construction are written in a random form -- encoding
   (UTF-8, UTF-8 with BOM, Windows-1252, UTF-16), delimiter (comma, semicolon, tab, pipe),
   quoting, line endings, trailing delimiters, decimal mark (point or comma), thousands
   separators in ``n``, date format (ISO, day-first, month-first) -- with some rows
   corrupted in one known cell. Reading must give back exactly the generated values for
   the good rows, reject exactly the corrupted rows (naming the corrupted column), and
   account for every row.
2. **Anything at all**: a table with the required header and arbitrary unicode cells, in
   any delimiter and encoding, loads with every row either valid or rejected (rows with
   no content excepted), or raises the toolkit's error -- never another exception.

Reference values are the generated ones; day-first files without a day above 12 are read
with ``date_order="dmy"`` (they are ambiguous by nature, see ``opinion.frames.parsing``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opinion import read_polls
from opinion.errors import OpinionError
from opinion.frames.schema import REQUIRED_COLUMNS

TODAY = dt.date(2024, 1, 1)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
POLLSTERS = ["Gallup", "YouGov", "Ipsos", "Société Générale", "Acme, Inc.", 'The "Poll"',
             "Data; for Progress", "Élabe"]
LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉéàç '-,;\"", min_size=1, max_size=12)
# corruption -> (column, value); each is one bad cell with a known verdict
CORRUPTIONS = {
    "n negative": ("n", "-5"),
    "n huge": ("n", "1e30"),
    "n infinite": ("n", "inf"),
    "pct above 100": ("pct", "150"),
    "population": ("population", "xx"),
    "bad date": ("start_date", "2022-13-45"),
    "year 1": ("end_date", "0001-01-01"),
    "NUL": ("pollster", "Ip\x00sos"),
    "empty response": ("response", ""),
}


@st.composite
def polls(draw) -> list[dict]:
    """Rows valid by construction (shares of a question at most 100, one above 2)."""
    rows = []
    for p in range(draw(st.integers(1, 4))):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1300)))
        poll = {"poll_id": f"poll-{p}", "pollster": draw(st.sampled_from(POLLSTERS)),
                "start_date": start,
                "end_date": start + dt.timedelta(days=draw(st.integers(0, 10))),
                "population": draw(st.sampled_from(["a", "rv", "lv", "v"])),
                "n": draw(st.integers(1, 2_000_000))}
        for q in range(draw(st.integers(1, 2))):
            labels = draw(st.lists(LABEL.map(str.strip).filter(bool), min_size=1, max_size=4,
                                   unique_by=str.lower))
            tenths = draw(st.lists(st.integers(0, 1000), min_size=len(labels),
                                   max_size=len(labels)))
            tenths[0] = max(tenths[0], 20)
            scale = max(1.0, sum(tenths) / 1000)
            for label, t in zip(labels, tenths, strict=True):
                rows.append({**poll, "question_id": f"q{q}", "response": label,
                             "pct": int(t / scale) / 10})
    return rows


@st.composite
def forms(draw) -> dict:
    form = {
        "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])),
        "delimiter": draw(st.sampled_from([",", ";", "\t", "|"])),
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "trailing": draw(st.booleans()),
        "mark": draw(st.sampled_from([".", ","])),
        "thousands": draw(st.sampled_from(["", "group", " "])),
        "dates": draw(st.sampled_from(["iso", "dmy", "mdy"])),
    }
    return form


def _number(value: float, mark: str) -> str:
    text = f"{value:g}" if value != int(value) else str(int(value))
    return text.replace(".", mark)


def _n(value: int, form: dict, evidence: bool) -> str:
    if form["thousands"] == " ":
        return f"{value:,}".replace(",", " ")
    # a ',' or '.' between groups of three is read by the file's decimal mark: use it only
    # when the file says which mark that is (a decimal in it, or a semicolon default)
    if form["thousands"] == "group" and (evidence or (form["mark"] == ",")
                                         == (form["delimiter"] == ";")):
        return f"{value:,}".replace(",", "." if form["mark"] == "," else ",")
    return str(value)


def _date(value: dt.date, style: str) -> str:
    if style == "dmy":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if style == "mdy":
        return f"{value.month}/{value.day}/{value.year}"
    return value.isoformat()


def write(rows: list[dict], bad: list[dict], form: dict) -> bytes:
    evidence = any(r["pct"] != int(r["pct"]) for r in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=form["delimiter"], quoting=form["quoting"],
                        lineterminator=form["newline"])
    header = list(REQUIRED_COLUMNS)
    writer.writerow(header + ([""] if form["trailing"] else []))
    for r in rows + bad:
        cells = {**r, "start_date": _date(r["start_date"], form["dates"]),
                 "end_date": _date(r["end_date"], form["dates"]),
                 "n": _n(r["n"], form, evidence), "pct": _number(r["pct"], form["mark"])}
        cells.update(r.get("override", {}))
        writer.writerow([str(cells[c]) for c in header] + ([""] if form["trailing"] else []))
    return buffer.getvalue().encode(form["encoding"])


def _read(data: bytes, **kwargs):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "polls.csv"
        path.write_bytes(data)
        return read_polls(path, today=TODAY, **kwargs)


@SETTINGS
@given(polls(), forms(), st.lists(st.sampled_from(sorted(CORRUPTIONS)), max_size=3))
def test_any_form_round_trips_and_rejects_exactly_the_bad_rows(rows, form, kinds) -> None:
    bad = []
    for k, kind in enumerate(kinds):
        column, value = CORRUPTIONS[kind]
        bad.append({**rows[0], "poll_id": f"bad-{k}", "question_id": "qb", "pct": 50.0,
                    "override": {column: value}})
    data = write(rows, bad, form)
    day_first_known = any(r["start_date"].day > 12 or r["end_date"].day > 12 for r in rows)
    order = "dmy" if form["dates"] == "dmy" and not day_first_known else "auto"
    pf = _read(data, date_order=order)
    report = f"{form}\n{pf.validation_report(10)}"
    bad_lines = {len(rows) + 2 + k for k in range(len(bad))}
    assert set(pf.rejects["row"]) == bad_lines, report
    for k, kind in enumerate(kinds):
        column = CORRUPTIONS[kind][0]
        hit = pf.problems[pf.problems["row"] == len(rows) + 2 + k]
        assert column in set(hit["column"]), (kind, report)
    assert len(pf.data) + len(pf.rejects) == len(rows) + len(bad)
    d = pf.data
    assert d["poll_id"].tolist() == [r["poll_id"] for r in rows], report
    assert d["pollster"].tolist() == [r["pollster"] for r in rows], report
    assert d["response"].tolist() == [r["response"] for r in rows], report
    assert d["n"].tolist() == [r["n"] for r in rows], report
    assert d["pct"].tolist() == [r["pct"] for r in rows], report
    assert [t.date() for t in d["start_date"]] == [r["start_date"] for r in rows], report


ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@SETTINGS
@given(st.permutations(list(REQUIRED_COLUMNS)),
       st.lists(st.lists(ANY_TEXT, min_size=0, max_size=11), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-16"]))
def test_arbitrary_cells_are_rows_or_toolkit_errors(header, rows, delimiter, encoding) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # quotes CR, LF
    writer.writerow(header)
    writer.writerows(rows)
    try:
        pf = _read(buffer.getvalue().encode(encoding))
    except OpinionError as exc:
        assert "\n" not in str(exc)
        return
    with_content = sum(1 for r in rows if any(c.strip() for c in r))
    assert len(pf.data) + len(pf.rejects) == with_content, pf.validation_report(5)
    if len(pf.rejects):
        assert pf.rejects["reasons"].map(bool).all()
