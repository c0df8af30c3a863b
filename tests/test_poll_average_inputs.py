"""Bad or degenerate input to the poll average.

Construction (``PollAverage(...)``) runs the input checks, so the errors need no sampling.
The degenerate-but-valid case (every poll identical) is fitted once. (A pollster with a single
poll is covered in ``test_poll_average_kalman.py``, on the fit shared there.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opinion.errors import ModelInputError, OpinionError
from opinion.frames.pollframe import PollFrame
from opinion.models import PollAverage


def _polls(rows: list[tuple[str, str, str, dict[str, float]]], n: int = 1000) -> PollFrame:
    """Polls (poll_id, pollster, end date, {response: pct}), each fielded over 3 days."""
    records = []
    for poll_id, pollster, end, shares in rows:
        start = pd.Timestamp(end) - pd.Timedelta(days=2)
        for response, pct in shares.items():
            records.append({"poll_id": poll_id, "pollster": pollster, "start_date": start,
                            "end_date": end, "population": "a", "n": n, "question_id": "q",
                            "response": response, "pct": pct})
    frame = PollFrame.from_frame(pd.DataFrame(records))
    assert frame.is_valid
    return frame


def test_one_poll_is_a_clear_error():
    polls = _polls([("only", "Ipsos", "2022-05-03", {"support": 55, "oppose": 45})])
    with pytest.raises(ModelInputError, match=r"1 poll.*at least 2"):
        PollAverage(polls)
    assert issubclass(ModelInputError, OpinionError)


def test_polls_outside_requested_dates_are_named():
    polls = _polls([
        ("early", "Ipsos", "2022-01-05", {"support": 55, "oppose": 45}),
        ("mid", "Gallup", "2022-03-05", {"support": 52, "oppose": 48}),
        ("late", "Ipsos", "2022-06-05", {"support": 50, "oppose": 50}),
    ])
    with pytest.raises(ModelInputError, match="2 poll") as err:
        PollAverage(polls, start="2022-02-01", end="2022-04-01")
    assert "early" in str(err.value) and "late" in str(err.value)
    assert "mid" not in str(err.value)


def test_response_zero_in_every_poll_is_named():
    polls = _polls([
        ("a1", "Ipsos", "2022-01-05", {"support": 55, "oppose": 45, "other": 0}),
        ("a2", "Gallup", "2022-02-05", {"support": 52, "oppose": 48, "other": 0}),
    ])
    with pytest.raises(ModelInputError, match="other.*0% in every poll"):
        PollAverage(polls)
    # ...and dropping its rows works
    kept = PollFrame(polls.data[polls.data["response"] != "other"].reset_index(drop=True))
    assert PollAverage(kept).inputs.responses == ["support", "oppose"]


def test_unknown_question_is_named():
    polls = _polls([
        ("a1", "Ipsos", "2022-01-05", {"support": 55, "oppose": 45}),
        ("a2", "Gallup", "2022-02-05", {"support": 52, "oppose": 48}),
    ])
    with pytest.raises(ModelInputError, match="nope"):
        PollAverage(polls, questions="nope")


def test_identical_polls_fit_to_a_flat_trend(tmp_path):
    # Ten polls from two pollsters, every one exactly 50/50: the truth consistent with the
    # data is a flat 50% line with no house effects (by symmetry the posterior mean is 50%).
    days = pd.date_range("2022-03-01", periods=10, freq="6D")
    polls = _polls([(f"p{i}", ["Ipsos", "Gallup"][i % 2], f"{d:%Y-%m-%d}",
                     {"support": 50, "oppose": 50}) for i, d in enumerate(days)])
    fit = PollAverage(polls).fit(random_seed=5, draws=1000, tune=1000, chains=4, cache=tmp_path,
                                 progressbar=False)
    assert fit.diagnostics.ok, fit.diagnostics.status()
    trend = fit.trend(response="support")
    assert np.isfinite(trend[["mean", "lower_90", "upper_90"]].to_numpy()).all()
    assert (trend["mean"] - 50).abs().max() < 0.5
    assert trend["mean"].max() - trend["mean"].min() < 0.5
    house = fit.house_effects()
    assert np.isfinite(house[["mean", "lower_90", "upper_90"]].to_numpy()).all()
    assert house["mean"].abs().max() < 0.5
