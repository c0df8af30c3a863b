"""CoalitionPressure inputs: every bad input is a clear error or a documented behaviour, and
the encoding is checked against values computed by hand from the bundled tables.

Reference values: months between dates and counts were worked out by hand from the rows
quoted in each test (e.g. Estonia's 2023-03-05 election is 14 months after January 2022);
effective sizes are n / deff with the counts rounded as documented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import opinion
from opinion.errors import ModelInputError
from opinion.models.coalition import CoalitionPressure
from opinion.models.coalition.config import CoalitionConfig
from opinion.models.coalition.event_inputs import change_indicators, months_to_election
from opinion.models.coalition.inputs import one_response_per_question

LOAD = opinion.datasets.load


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {"members": LOAD("nato_members_2022"), "events": LOAD("coalition_events"),
            "salience": LOAD("europe_salience_panel"), "polls": LOAD("us_ukraine_support"),
            "elections": LOAD("nato_elections_2022_2024"),
            "government_changes": LOAD("government_changes"),
            "aid": LOAD("kiel_aid_by_period")}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return LOAD("europe_ukraine_panel")


@pytest.fixture(scope="module")
def model(panel, tables) -> CoalitionPressure:
    return CoalitionPressure(panel, **tables)


# ----------------------------------------------------------------------------- bad input
def test_pressure_item_without_direction_is_an_error(panel, tables):
    bad = panel.copy()
    rows = bad["item"] == "yougov_negotiated_end"
    bad.loc[rows, "direction"] = np.nan
    with pytest.raises(ModelInputError, match="'yougov_negotiated_end' measures negotiate but "
                                              "has no stated direction"):
        CoalitionPressure(bad, **tables)


def test_items_without_direction_that_are_not_pressure_items_are_left_out(model, panel):
    # documented: refugees, satisfaction, expected outcome ... have no direction by design
    kept = set(model.observations().query("latent == 'opinion'")["item"])
    undirected = set(panel.loc[panel["direction"].isna(), "item"])
    assert undirected and not kept & undirected


def test_unknown_country_code_is_an_error_unless_flagged_as_non_member(panel, tables):
    bad = panel.copy()
    bad.loc[bad["iso2"] == "AT", "nato_member"] = True  # Austria, not in the members table
    with pytest.raises(ModelInputError, match="country code 'AT' is not in the members table"):
        CoalitionPressure(bad, **tables)
    events = tables["events"].copy()
    events.loc[0, "iso2"] = "XX"
    with pytest.raises(ModelInputError, match="events: country code 'XX'"):
        CoalitionPressure(panel, **{**tables, "events": events})


def test_flagged_non_members_calibrate_items_and_never_enter_the_event_model(model):
    units = model.inputs.units
    outside = set(units.loc[~units["member"], "iso2"])
    assert outside == {"AT", "CY", "FI", "IE", "MT", "SE"}
    assert units["member"].iloc[:30].all() and len(model.inputs.members) == 30
    assert model.inputs.events.y.shape[0] == 30


def test_event_before_the_panel_starts_is_an_error(panel, tables):
    events = tables["events"].copy()
    early = events.iloc[[0]].assign(date=pd.Timestamp("2021-06-01"), event_id="EARLY",
                                    event_type="veto_eu_support", actor_type="government",
                                    actor_types="government", subtype=None)
    with pytest.raises(ModelInputError, match="before the panel starts \\(2022-01\\): EARLY"):
        CoalitionPressure(panel, **{**tables, "events": pd.concat([events, early])})
    # an unselected event before the panel is fine (it is not modelled)
    other = early.assign(event_type="increase_aid")
    CoalitionPressure(panel, **{**tables, "events": pd.concat([events, other])})


def test_cells_without_sample_size_follow_the_missing_n_policy(panel, tables):
    missing = panel["n"].isna() & panel["direction"].notna() & ~panel["aggregate"]
    with pytest.raises(ModelInputError, match="have no sample size"):
        CoalitionPressure(panel, missing_n="error", **tables)
    imputed = CoalitionPressure(panel, impute_n=600, **tables).observations()
    rows = imputed[imputed["n_basis"] == "imputed"]
    assert len(rows) > 0 and (rows["n"] == 600).all()
    assert np.allclose(rows["n_eff"], 600 / 1.5)
    dropped = CoalitionPressure(panel, missing_n="drop", **tables).observations()
    assert not set(panel.loc[missing, "row_id"]) & set(dropped["row_id"])
    assert (dropped["n_basis"] != "imputed").all()


def test_required_tables_and_every_problem_at_once(panel, tables):
    with pytest.raises(ModelInputError, match="members= is required"):
        CoalitionPressure(panel, events=tables["events"])
    with pytest.raises(ModelInputError, match="events= is required"):
        CoalitionPressure(panel, members=tables["members"])
    bad = panel.copy()
    bad["field_start"] = bad["field_start"].astype(object)
    bad.loc[bad.index[0], "pct"] = 140
    bad.loc[bad.index[1], "field_start"] = "not a date"
    with pytest.raises(ModelInputError, match=r"\(2 problems\)") as info:
        CoalitionPressure(bad, **tables)
    assert "pct must be a share" in str(info.value)
    assert "field_start is not a date" in str(info.value)


def test_config_problems_are_reported_together():
    with pytest.raises(ModelInputError) as info:
        CoalitionConfig(poll_items={"q:yes": 2}, terms=("opinion", "mood"), missing_n="guess")
    text = str(info.value)
    assert "direction of 'q:yes'" in text and "unknown term 'mood'" in text
    assert "missing_n" in text


def test_a_poll_frame_as_the_main_input_is_refused(tables):
    with pytest.raises(ModelInputError, match="pass poll frames as polls="):
        CoalitionPressure(tables["polls"], **{k: v for k, v in tables.items() if k != "polls"})


# ----------------------------------------------------------------------------- encoding
def test_grid_cells_and_effective_sizes(model, panel):
    d = model.inputs
    assert d.months[0] == pd.Timestamp("2022-01-01")
    assert d.months[d.end] == pd.Timestamp("2025-12-01")  # the events table's last month
    assert len(d.months) == d.end + 1 + 6
    cells = d.opinion.cells.set_index("row_id")
    # PU0124: EB102 Lithuania, military equipment agree, n = 1,018 published, deff 1.5
    r = cells.loc["PU0124"]
    assert r["n_eff"] == pytest.approx(1018 / 1.5)
    assert r["trials"] == round(1018 / 1.5)
    assert r["y"] == round(panel.set_index("row_id").loc["PU0124", "pct"] / 100 * r["trials"])
    assert d.opinion.items[0] == "eb_military_equipment_agree"
    assert d.opinion.directions[0] == -1
    # the U.S. enters through its polls (nine coded items)
    us = d.opinion.cells[d.opinion.cells["iso2"] == "US"]
    assert len(us) > 0 and set(us["item"]) <= set(CoalitionConfig().poll_items)


def test_one_response_per_question_keeps_the_common_response():
    rows = pd.DataFrame({"survey": "s", "wave": ["w1", "w1", "w2"], "iso2": "EE",
                         "question_wording": "q", "item": ["agree", "disagree", "agree"]})
    kept = one_response_per_question(rows)
    assert kept["item"].tolist() == ["agree", "agree"]


def test_months_to_the_next_election_by_hand():
    months = pd.date_range("2022-01-01", "2024-12-01", freq="MS")
    elections = pd.DataFrame({"iso2": ["EE", "EE"], "date": pd.to_datetime(
        ["2023-03-05", "2027-03-01"])})
    out = months_to_election(elections, ["EE", "HU"], months)
    assert out[0, 0] == 14  # Jan 2022 -> Mar 2023
    assert out[0, 14] == 0  # the election month
    assert out[0, 15] == 47  # Apr 2023 -> Mar 2027 (beyond the grid, still known)
    assert np.isinf(out[1]).all()  # no election known


def test_change_indicators_use_only_changes_known_before_the_origin():
    changes = pd.DataFrame({"iso2": ["SK", "SK"], "date": pd.to_datetime(
        ["2023-10-25", "2024-04-06"]), "government": [True, False],
        "less_support": [True, True], "t": [21, 27]})
    recent, less = change_indicators(changes, ["SK"], 36, 6)
    assert recent[0].tolist() == [0] * 21 + [1] * 6 + [0] * 9
    assert less[0].tolist() == [0] * 21 + [1] * 15
    recent, less = change_indicators(changes, ["SK"], 36, 6, known_before=21)
    assert recent.sum() == 0 and less.sum() == 0


def test_event_matrix_and_aid_shares(model):
    d = model.inputs
    hu = d.members.index("HU")
    events = d.events.events
    # Hungary: vetoes and calls for talks by its government and PM (coalition_events)
    assert d.events.y[hu].sum() == events.loc[events["iso2"] == "HU", "t"].nunique()
    assert d.events.y.sum() == 26
    assert d.events.aid is not None and d.events.aid.sum() == pytest.approx(1.0)
    assert d.events.aid[d.members.index("US")] > 0.4  # Kiel: the US holds about half
    assert d.events.aid[d.members.index("AL")] == 0.0  # not in Kiel's file
