"""Shared fixtures.

Poll-frame fixtures (``poll_today``, ``valid_poll_rows``, ``bad_poll_file``) and a disposable
copy of the bundled datasets (``datasets_copy``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

POLL_HEADER = ("poll_id,pollster,sponsor,start_date,end_date,population,mode,country,n,"
               "question_id,question_format,response,pct,moe")


@pytest.fixture
def poll_today() -> dt.date:
    """Fixed reference date for the "in the future" rule."""
    return dt.date(2024, 1, 1)


@pytest.fixture
def valid_poll_rows() -> pd.DataFrame:
    """Two valid polls in the long layout (all cells text, as a file would give them)."""
    rows = [
        ("p1", "Gallup", "2022-03-01", "2022-03-05", "a", "1000", "q1", "Support", "55"),
        ("p1", "Gallup", "2022-03-01", "2022-03-05", "a", "1000", "q1", "Oppose", "35"),
        ("p1", "Gallup", "2022-03-01", "2022-03-05", "a", "1000", "q1", "Not sure", "10"),
        ("p2", "YouGov", "2022-04-10", "2022-04-12", "rv", "1500", "q1", "Support", "60"),
        ("p2", "YouGov", "2022-04-10", "2022-04-12", "rv", "1500", "q1", "Oppose", "40"),
    ]
    columns = ["poll_id", "pollster", "start_date", "end_date", "population", "n",
               "question_id", "response", "pct"]
    return pd.DataFrame(rows, columns=columns)


# One bad row of each kind (each in its own poll unless the rule needs two rows), between
# valid polls. Keys: kind -> (file lines that must be rejected, column that must be named).
# File line 1 is the header, so the n-th data row is line n + 1.
_BAD_LINES = [
    # line 2-4: valid poll, with a don't-know response
    "g1,Gallup,,2022-10-04,2022-10-05,a,online,US,1000,q1,multi_option,Support,50,3.1",
    "g1,Gallup,,2022-10-04,2022-10-05,a,online,US,1000,q1,multi_option,Oppose,40,3.1",
    "g1,Gallup,,2022-10-04,2022-10-05,a,online,US,1000,q1,multi_option,Not sure,10,3.1",
    "b01,Ipsos,,2022-13-45,2022-10-05,a,online,US,1000,q1,binary,Support,50,",  # 5
    "b02,Ipsos,,2022-10-06,2022-10-05,a,online,US,1000,q1,binary,Support,50,",  # 6
    "b03,Ipsos,,2099-01-01,2099-01-02,a,online,US,1000,q1,binary,Support,50,",  # 7
    "b04,Ipsos,,2022-05,2022-10-05,a,online,US,1000,q1,binary,Support,50,",  # 8
    "b05,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Support,150,",  # 9
    "b06,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Support,70,",  # 10
    "b06,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Oppose,40,",  # 11
    "m01,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,multi_mention,Economy,70,",  # 12 ok
    "m01,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,multi_mention,Ukraine,60,",  # 13 ok
    "b07,Ipsos,,2022-10-04,2022-10-05,a,online,US,0,q1,binary,Support,50,",  # 14
    "b08,Ipsos,,2022-10-04,2022-10-05,a,online,US,-5,q1,binary,Support,50,",  # 15
    "b09,Ipsos,,2022-10-04,2022-10-05,a,online,US,100.5,q1,binary,Support,50,",  # 16
    "b10,Ipsos,,2022-10-04,2022-10-05,a,online,US,,q1,binary,Support,50,",  # 17
    "b11,Ipsos,,2022-10-04,2022-10-05,a,online,US,abc,q1,binary,Support,50,",  # 18
    "b12,Ipsos,,2022-10-04,2022-10-05,xx,online,US,1000,q1,binary,Support,50,",  # 19
    "b13,Ipsos,,2022-10-04,2022-10-05,a,carrier pigeon,US,1000,q1,binary,Support,50,",  # 20
    "d01,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Support,40,",  # 21 ok
    "d01,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Oppose,20,",  # 22 ok
    "d01,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Support,40,",  # 23 duplicate
    "c01,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Support,50,",  # 24 ok
    "c01,Gallup,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Oppose,50,",  # 25
    "c02,Ipsos,,2022-10-04,2022-10-05,a,online,US,1000,q1,binary,Support,50,",  # 26 ok
    "c02,Ipsos,,2022-10-04,2022-10-07,a,online,US,1000,q1,binary,Oppose,50,",  # 27
    "b14,Ipsos,,2022-10-04,2022-10-05,a,online,USA,1000,q1,binary,Support,50,",  # 28
    "g2,YouGov,,2022-11-01,2022-11-03,rv,phone,GB,800,q9,binary,Yes,48,",  # 29 ok
    "g2,YouGov,,2022-11-01,2022-11-03,rv,phone,GB,800,q9,binary,No,52,",  # 30 ok
]
BAD_ROWS: dict[str, tuple[tuple[int, ...], str]] = {
    "unparseable date": ((5,), "start_date"),
    "end before start": ((6,), "end_date"),
    "date in the future": ((7,), "start_date"),
    "partial date": ((8,), "start_date"),
    "pct above 100": ((9,), "pct"),
    "responses sum above 100": ((10, 11), "pct"),
    "n zero": ((14,), "n"),
    "n negative": ((15,), "n"),
    "n not whole": ((16,), "n"),
    "n missing": ((17,), "n"),
    "n not a number": ((18,), "n"),
    "unknown population": ((19,), "population"),
    "unknown mode": ((20,), "mode"),
    "duplicate row": ((23,), "response"),
    "conflicting pollster": ((25,), "pollster"),
    "conflicting dates": ((27,), "end_date"),
    "bad country code": ((28,), "country"),
}


@dataclass(frozen=True)
class BadPollFile:
    """A poll CSV with known bad rows.

    ``expected`` maps each kind of problem to (file lines rejected, column named); ``rows`` is
    the number of data rows in the file.
    """

    path: Path
    expected: dict[str, tuple[tuple[int, ...], str]]
    rows: int


@pytest.fixture
def bad_poll_file(tmp_path: Path) -> BadPollFile:
    """A CSV with one bad row of each kind (see ``BAD_ROWS``) among valid polls."""
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([POLL_HEADER, *_BAD_LINES]) + "\n", encoding="utf-8")
    return BadPollFile(path, dict(BAD_ROWS), len(_BAD_LINES))


@pytest.fixture
def good_poll_file(tmp_path: Path) -> Path:
    """A valid CSV: the valid polls of the bad file."""
    keep = [line for line in _BAD_LINES if line.split(",")[0] in {"g1", "g2", "m01"}]
    path = tmp_path / "good.csv"
    path.write_text("\n".join([POLL_HEADER, *keep]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def datasets_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of ``datasets/``, selected with ``OPINION_DATASETS_DIR``."""
    target = tmp_path / "datasets"
    shutil.copytree(REPO_ROOT / "datasets", target, ignore=shutil.ignore_patterns("_build"))
    monkeypatch.setenv("OPINION_DATASETS_DIR", str(target))
    return target
