"""DerivedTables: tables computed from a fit are kept with it and verified like the fit
cache. Known answers: a stored table comes back equal (dates and floats included) without
computing again; a changed request, an edited file and a truncated file each make it compute
again (never return what was stored); a read-only folder still answers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from opinion.io.cache import DerivedTables

TABLE = pd.DataFrame({"origin": pd.to_datetime(["2023-01-01", "2023-07-01"]),
                      "model": ["model", "base_rate"], "brier": [0.0206176966175, 1 / 3]})


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[pd.DataFrame]:
        self.calls += 1
        return [TABLE.copy()]


def test_round_trip_without_computing_again(tmp_path) -> None:
    store, compute = DerivedTables(tmp_path), Counter()
    first = store.get("backtest", {"seed": 1}, compute)
    again = store.get("backtest", {"seed": 1}, compute)
    assert compute.calls == 1
    pd.testing.assert_frame_equal(again[0], first[0], check_exact=False, rtol=1e-14,
                                  check_dtype=False)  # datetime64[us] after the round trip
    assert store.get("backtest", {"seed": 2}, compute) and compute.calls == 2


@pytest.mark.parametrize("damage", ["edit", "truncate", "request"])
def test_damaged_entries_are_computed_again(tmp_path, damage) -> None:
    store, compute = DerivedTables(tmp_path), Counter()
    store.get("backtest", {"seed": 1}, compute)
    (path,) = (tmp_path / "derived").glob("backtest-*.json")
    payload = json.loads(path.read_text())
    if damage == "edit":  # a planted number
        payload["tables"][0] = payload["tables"][0].replace("0.0206176966175", "0.9")
        path.write_text(json.dumps(payload))
    elif damage == "truncate":
        path.write_text(path.read_text()[:50])
    else:  # an entry answering another request
        payload["request"]["seed"] = 99
        path.write_text(json.dumps(payload))
    out = store.get("backtest", {"seed": 1}, compute)
    assert compute.calls == 2
    assert out[0]["brier"].iloc[0] == pytest.approx(0.0206176966175)


def test_unwritable_folder_still_answers(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = DerivedTables(blocker).get("x", {}, Counter())
    assert len(out[0]) == 2
