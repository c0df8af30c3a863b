"""Seeded corruptions of a valid poll file: only the toolkit's errors, every row accounted for.

Each case applies one to three corruptions (byte flips, cut lines, a cut file, extra or
missing cells, odd unicode, extreme numbers, shuffled columns, other delimiters, encodings
and line endings, stray quotes, odd dates, duplicated and blank lines, header damage) to
:data:`BASE` and reads the result. Invariants:

* ``read_polls`` returns a PollFrame or raises an :class:`~opinion.errors.OpinionError`
  with a one-line message -- never another exception;
* when it loads, valid + rejected rows == the data lines of the file, for corruptions that
  keep one record per line (counted here by hand: lines with any content), and never more
  rows than lines otherwise (a stray quote may join lines into one rejected record);
* valid rows are typed and in range (n a whole number in 1..10,000,000, pct in 0-100,
  dates present); every rejected row has a reason;
* corruptions that change only the form (column order, delimiter, encoding, line endings,
  blank lines) give exactly the data of the clean file.

The default suite runs 300 cases; ``-m slow`` runs 10,000.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from opinion import read_polls
from opinion.errors import OpinionError

TODAY = dt.date(2024, 1, 1)
HEADER = ["poll_id", "pollster", "sponsor", "start_date", "end_date", "population", "mode",
          "n", "question_id", "response", "pct", "moe", "subgroup", "notes"]
ROWS = [
    ["g1", "Gallup", "", "2022-10-04", "2022-10-05", "a", "online", "1000", "q1", "Support",
     "50", "3.1", "all", "first wave"],
    ["g1", "Gallup", "", "2022-10-04", "2022-10-05", "a", "online", "1000", "q1", "Oppose",
     "40", "3.1", "all", ""],
    ["g1", "Gallup", "", "2022-10-04", "2022-10-05", "a", "online", "1000", "q1", "Not sure",
     "10", "3.1", "all", ""],
    ["i1", "Ipsos", "Reuters", "2022-11-01", "2022-11-03", "rv", "phone", "1005", "q1",
     "Support", "66.5", "3.8", "all", "Société Générale panel"],
    ["i1", "Ipsos", "Reuters", "2022-11-01", "2022-11-03", "rv", "phone", "1005", "q1",
     "Oppose", "30.5", "3.8", "all", ""],
    ["i1", "Ipsos", "Reuters", "2022-11-01", "2022-11-03", "rv", "phone", "1005", "q1",
     "Support", "70", "", "party:dem", ""],
    ["i1", "Ipsos", "Reuters", "2022-11-01", "2022-11-03", "rv", "phone", "1005", "q1",
     "Oppose", "25", "", "party:dem", ""],
    ["y1", "YouGov", "The Economist", "2022-12-10", "2022-12-12", "lv", "online", "1500",
     "q2", "Economy", "45", "", "all", "multi"],
    ["y1", "YouGov", "The Economist", "2022-12-10", "2022-12-12", "lv", "online", "1500",
     "q2", "Ukraine", "12", "", "all", ""],
    ["y1", "YouGov", "The Economist", "2022-12-10", "2022-12-12", "lv", "online", "1500",
     "q2", "Crime", "20", "", "all", ""],
]
BASE = "\n".join(",".join(r) for r in [HEADER, *ROWS]) + "\n"

EXTREME = ["1e30", "inf", "-inf", "nan", "-0", "0", "1e-300", "9" * 60, "1,5", "1.005",
           "1,005", "\u0661\u0662", "0x10", "", " ", "NaN", "+5", "5%", "1e7", "10000001",
           "-1", "100.0000001", "1e308", "٣"]
ODD = ["\x00", "\x07", "\u202e", "\u200b", "\ufeff", "\U0001f600", "é", "\u00a0", "\x7f",
       "\u0085", "ÿ", "\u2028", "Ω", "\t"]
DATES = ["13/04/2022", "04/13/2022", "2022-02-30", "0001-01-01", "9999-12-31",
         "2022-10-04T10:00:00+05:00", "2022-10-04T10:00:00-08:00", "2022/10/04", "31/12/22",
         "2022-13-01", "", "yesterday", "20221004"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be",
             "utf-32"]
FORM_ONLY = {"shuffle_columns", "delimiter", "encoding", "line_endings", "blank_lines"}
"""Corruptions that change the form only: the data must equal the clean file's."""
LINE_PRESERVING = FORM_ONLY | {"extra_cells", "drop_cell", "odd_unicode", "extreme_number",
                               "odd_date", "duplicate_line", "cut_line", "header_rename"}
"""Corruptions after which each data line is still one record."""


class Case:
    """A poll file being corrupted: a table of cells until it is serialised to bytes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.table = [list(r) for r in [HEADER, *ROWS]]
        self.delimiter = ","
        self.newline = "\n"
        self.encoding = "utf-8"
        self.kinds: list[str] = []
        self.byte_ops: list[str] = []

    # ---- table corruptions
    def _data_line(self) -> int:
        return self.rng.randrange(1, len(self.table))

    def extra_cells(self) -> None:
        line = self.table[self._data_line()]
        line.extend(self.rng.choice([[""], ["", ""], ["x"], ["1", "2"]]))

    def drop_cell(self) -> None:
        line = self.table[self._data_line()]
        if line:
            del line[self.rng.randrange(len(line))]

    def odd_unicode(self) -> None:
        line = self.table[self._data_line()]
        if not line:
            return
        j = self.rng.randrange(len(line))
        pos = self.rng.randrange(len(line[j]) + 1)
        line[j] = line[j][:pos] + self.rng.choice(ODD) + line[j][pos:]

    def extreme_number(self) -> None:
        column = self.rng.choice(["n", "pct", "moe"])
        if column in self.table[0]:
            j = self.table[0].index(column)
            line = self.table[self._data_line()]
            if j < len(line):
                line[j] = self.rng.choice(EXTREME)

    def odd_date(self) -> None:
        column = self.rng.choice(["start_date", "end_date"])
        if column in self.table[0]:
            j = self.table[0].index(column)
            line = self.table[self._data_line()]
            if j < len(line):
                line[j] = self.rng.choice(DATES)

    def shuffle_columns(self) -> None:
        order = list(range(len(self.table[0])))
        self.rng.shuffle(order)
        self.table = [[r[j] for j in order if j < len(r)] for r in self.table]

    def duplicate_line(self) -> None:
        i = self._data_line()
        self.table.insert(i, list(self.table[i]))

    def blank_lines(self) -> None:
        self.table.insert(self.rng.randrange(1, len(self.table) + 1), [])

    def cut_line(self) -> None:
        i = self._data_line()
        text = ",".join(self.table[i])
        self.table[i] = text[: self.rng.randrange(len(text) + 1)].split(",")

    def header_rename(self) -> None:
        j = self.rng.randrange(len(self.table[0]))
        self.table[0][j] = self.rng.choice(["pct", "Pct", "n ", "", "poll id", "x"])

    # ---- form
    def delimiter_(self) -> None:
        self.delimiter = self.rng.choice([";", "\t", "|"])

    def encoding_(self) -> None:
        self.encoding = self.rng.choice(ENCODINGS)

    def line_endings(self) -> None:
        self.newline = self.rng.choice(["\r\n", "\r"])

    # ---- byte level
    def serialise(self) -> bytes:
        lines = [self.delimiter.join(r) for r in self.table]
        text = self.newline.join(lines) + self.newline
        data = text.encode(self.encoding, errors="replace")
        for op in self.byte_ops:
            data = getattr(self, f"_{op}")(data)
        return data

    def _byte_flip(self, data: bytes) -> bytes:
        raw = bytearray(data)
        for _ in range(self.rng.randint(1, 5) if raw else 0):
            raw[self.rng.randrange(len(raw))] = self.rng.randrange(256)
        return bytes(raw)

    def _cut_file(self, data: bytes) -> bytes:
        return data[: self.rng.randrange(len(data) + 1)]

    def _stray_quote(self, data: bytes) -> bytes:
        pos = self.rng.randrange(len(data) + 1)
        return data[:pos] + b'"' + data[pos:]

    def apply(self, kind: str) -> None:
        self.kinds.append(kind)
        if kind in ("byte_flip", "cut_file", "stray_quote"):
            self.byte_ops.append(kind)
        elif kind in ("delimiter", "encoding"):
            getattr(self, f"{kind}_")()
        else:
            getattr(self, kind)()


KINDS = ["byte_flip", "cut_file", "stray_quote", "extra_cells", "drop_cell", "odd_unicode",
         "extreme_number", "odd_date", "shuffle_columns", "duplicate_line", "blank_lines",
         "cut_line", "header_rename", "delimiter", "encoding", "line_endings"]


def make_case(seed: int) -> Case:
    rng = random.Random(seed)
    case = Case(rng)
    for kind in rng.sample(KINDS, rng.choice([1, 1, 2, 3])):
        case.apply(kind)
    return case


def content_lines(case: Case) -> int:
    """Data lines with any content (not only spaces and delimiters), counted by hand."""
    return sum(1 for r in case.table[1:] if any(c.strip() for c in r))


def _clean(folder: Path) -> pd.DataFrame:
    path = folder / "clean.csv"
    path.write_text(BASE, encoding="utf-8")
    pf = read_polls(path, today=TODAY)
    assert pf.is_valid, pf.validation_report()
    return _sorted(pf.data)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[sorted(frame.columns)].reset_index(drop=True)


def check_case(seed: int, path: Path, clean: pd.DataFrame, tally: Counter) -> None:
    case = make_case(seed)
    data = case.serialise()
    path.write_bytes(data)
    try:
        pf = read_polls(path, today=TODAY)
    except OpinionError as exc:
        assert "\n" not in str(exc), (seed, case.kinds, str(exc))
        tally["toolkit error"] += 1
        return
    except Exception as exc:  # the invariant under test: nothing else may escape
        raise AssertionError(f"seed {seed} {case.kinds}: {type(exc).__name__}: {exc}") from exc
    tally["loaded"] += 1
    total = len(pf.data) + len(pf.rejects)
    tally["rows"] += total
    tally["rejected rows"] += len(pf.rejects)
    kinds = set(case.kinds)
    if kinds <= LINE_PRESERVING:
        assert total == content_lines(case), (seed, case.kinds, pf.validation_report(5))
    else:
        assert total <= max(content_lines(case), data.count(b"\n") + data.count(b"\r")) + 1, \
            (seed, case.kinds)
    d = pf.data
    if len(d):
        assert d["n"].between(1, 10_000_000).all() and d["pct"].between(0, 100).all(), seed
        assert d[["start_date", "end_date"]].notna().all().all(), seed
        assert d[["poll_id", "pollster", "question_id", "response"]].notna().all().all(), seed
    assert pf.rejects["reasons"].map(bool).all() if len(pf.rejects) else True
    if kinds <= FORM_ONLY:
        pd.testing.assert_frame_equal(_sorted(d), clean, check_dtype=False, obj=str(seed))


def run(n: int, tmp_path: Path) -> Counter:
    clean = _clean(tmp_path)
    tally: Counter = Counter()
    path = tmp_path / "polls.csv"
    for seed in range(n):
        check_case(seed, path, clean, tally)
    tally["cases"] = n
    tally["other exceptions"] = 0
    print(f"\nfuzz: {dict(tally)}")
    return tally


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow or invalid-value paths
def test_fuzz_300_corruptions(tmp_path) -> None:
    tally = run(300, tmp_path)
    assert tally["loaded"] + tally["toolkit error"] == 300


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_fuzz_10000_corruptions(tmp_path) -> None:
    tally = run(10_000, tmp_path)
    assert tally["loaded"] + tally["toolkit error"] == 10_000
