"""Property tests (hypothesis): valid frames load unchanged; single-cell corruptions are caught.

The generator builds frames that satisfy every rule by construction (consistent poll rows,
start <= end <= today, positive whole n, each question's shares summing to at most 100,
unique responses per question). Reference: the input frame itself.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opinion import PollFrame
from opinion.frames.schema import REQUIRED_COLUMNS

TODAY = dt.date(2024, 1, 1)
# canonical names (map to themselves) and names the alias table does not know
POLLSTERS = ["Gallup", "YouGov", "Ipsos", "Pew Research Center", "Acme Polling",
             "Institut Société", "Data for Progress"]
POPULATIONS = ["a", "rv", "lv", "v"]
SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

response_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉé '-", min_size=1, max_size=12)


@st.composite
def valid_polls(draw) -> pd.DataFrame:
    rows = []
    for p in range(draw(st.integers(1, 4))):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1400)))
        end = start + dt.timedelta(days=draw(st.integers(0, 10)))
        poll = {
            "poll_id": f"poll-{p}",
            "pollster": draw(st.sampled_from(POLLSTERS)),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "population": draw(st.sampled_from(POPULATIONS)),
            "n": draw(st.integers(1, 100_000)),
        }
        for q in range(draw(st.integers(1, 2))):
            labels = draw(st.lists(response_label.map(str.strip).filter(bool), min_size=1,
                                   max_size=5, unique_by=str.lower))
            # shares in tenths of a point, total at most 100.0
            tenths = draw(st.lists(st.integers(0, 1000), min_size=len(labels),
                                   max_size=len(labels)))
            # one share above 1 point: a question whose shares are all at most 1 reads as
            # fractions (0.66 = 66%), which is its own rule (tests/test_hostile_inputs.py)
            tenths[0] = max(tenths[0], 20)
            scale = max(1.0, sum(tenths) / 1000)
            for label, t in zip(labels, tenths, strict=True):
                rows.append({**poll, "question_id": f"q{q}", "response": label,
                             "pct": np.floor(t / scale) / 10})
    frame = pd.DataFrame(rows)
    if draw(st.booleans()):  # native dates instead of text
        frame["start_date"] = pd.to_datetime(frame["start_date"])
        frame["end_date"] = pd.to_datetime(frame["end_date"])
    labels = draw(st.sampled_from(["range", "shuffled", "strings"]))
    if labels == "shuffled":
        frame.index = draw(st.permutations(list(range(10, 10 + len(frame)))))
    elif labels == "strings":
        frame.index = [f"r{i}" for i in range(len(frame))]
    return frame


@SETTINGS
@given(valid_polls())
def test_valid_frames_load_unchanged(frame) -> None:
    pf = PollFrame.from_frame(frame, today=TODAY)
    assert len(pf.rejects) == 0 and len(pf.problems) == 0, pf.validation_report()
    assert len(pf.data) == len(frame)
    d = pf.data
    for column in ("poll_id", "pollster", "population", "question_id", "response"):
        assert d[column].tolist() == frame[column].tolist(), column
    for column in ("start_date", "end_date"):
        assert d[column].tolist() == pd.to_datetime(frame[column]).tolist(), column
    assert d["n"].tolist() == frame["n"].tolist()
    assert d["pct"].tolist() == frame["pct"].tolist()
    assert d["n_eff"].tolist() == frame["n"].astype(float).tolist()  # deff assumed 1


CORRUPTIONS = {
    "bad start date": ("start_date", "2022-13-45"),
    "partial end date": ("end_date", "2022-05"),
    "no such month either way": ("start_date", "31/13/2022"),
    "year 1": ("start_date", "0001-01-01"),
    "n infinite": ("n", "inf"),
    "n huge": ("n", 1e30),
    "pct decimal comma": ("pct", "4,5"),
    "NUL in pollster": ("pollster", "Ip\x00sos"),
    "pct 150": ("pct", 150),
    "n -1": ("n", -1),
    "population xx": ("population", "xx"),
    **{f"delete {c}": (c, None) for c in REQUIRED_COLUMNS},
}


@SETTINGS
@given(valid_polls(), st.data())
def test_single_cell_corruption_is_caught(frame, data) -> None:
    kind = data.draw(st.sampled_from(sorted(CORRUPTIONS)), label="corruption")
    column, value = CORRUPTIONS[kind]
    label = data.draw(st.sampled_from(list(frame.index)), label="row")
    bad = frame.copy()
    bad[column] = bad[column].astype(object)
    bad.loc[label, column] = value
    pf = PollFrame.from_frame(bad, today=TODAY)
    cells = set(zip(pf.problems["row"], pf.problems["column"], strict=True))
    assert (label, column) in cells, (kind, label, pf.validation_report())
    assert label in set(pf.rejects["row"])
    reasons = pf.rejects.loc[pf.rejects["row"] == label, "reasons"].item()
    assert f"{column}:" in reasons
    # one bad cell costs one row: the other rows are untouched
    assert set(pf.rejects["row"]) == {label}, pf.validation_report()
    assert len(pf.data) == len(frame) - 1
