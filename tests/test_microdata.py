"""Tests for opinion.frames.read_microdata (on opinion.io.microdata) and Microdata.

Fixtures are written inside the tests with pyreadstat.write_sav / write_dta (value labels,
variable labels, SPSS user-missing values via ``missing_ranges``, Stata extended missing
values via ``missing_user_values``) and plain CSV. Expected labels, reasons and counts are
written out by hand from the fixture definitions; weighted percentages and Kish design
effects are computed by hand in the comments. The Stata fixture is also read with
pandas.read_stata(convert_missing=True), an independent reader, to confirm which cells the
file really stores as system missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from opinion.errors import DataValidationError, OpinionError
from opinion.frames import read_microdata
from opinion.frames.microdata import Microdata, kish_deff

NAN = np.nan


def reasons_of(md, var):
    """Missing reasons of one variable as a list, None where the value is present."""
    return [None if pd.isna(v) else v for v in md.missing_reasons[var]]

# ------------------------------------------------------------------------------ fixtures

SPSS_FRAME = {
    "q1": [1, 2, 1, 8, 9, NAN, 1, 2, 1, 9],
    "party": [1, 2, 3, 1, 2, 1, -1, 1, 3, 1],
    "age": [25, 34, -9, 51, 62, 45, 38, -1, 29, 70],
    "comment": ["good", "", "bad", "", "ok", "x", "", "fine", "NA", "nice"],
    "wt": [1.0, 2.0, 0.5, 1.0, 1.0, 1.5, 1.0, 2.0, 0.5, 1.0],
}
Q1_TEXT = "Should the U.S. keep sending weapons to Ukraine?"


@pytest.fixture
def sav_path(tmp_path):
    df = pd.DataFrame({k: pd.Series(v, dtype=object if k == "comment" else float)
                       for k, v in SPSS_FRAME.items()})
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels={"q1": Q1_TEXT, "party": "Party identification", "wt": "Final weight"},
        variable_value_labels={
            "q1": {1: "Yes", 2: "No", 8: "Don't know", 9: "Refused"},
            "party": {1: "Democrat", 2: "Republican", 3: "Independent", -1: "Skipped"},
        },
        missing_ranges={
            "q1": [8, 9],
            "party": [{"lo": -9, "hi": -1}],
            "age": [{"lo": -9, "hi": -1}],
            "comment": ["NA"],
        },
    )
    return path


@pytest.fixture
def dta_path(tmp_path):
    # Stata extended missing values are written as letters listed in missing_user_values.
    df = pd.DataFrame({
        "q1": pd.Series([1, 2, "a", "b", NAN, 1, 2, "a"], dtype=object),
        "score": pd.Series([1.5, "d", 2.5, 3.0, 4.0, NAN, 2.0, 1.0], dtype=object),
        "region": ["north", "south", "", "north", "south", "east", "", "north"],
        "kids": pd.Series([0, 1, 2, NAN, 3, 0, 1, 2], dtype=object),
    })
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(
        df,
        str(path),
        column_labels={"q1": "Support aid", "score": "Feeling thermometer"},
        variable_value_labels={"q1": {1: "Yes", 2: "No", "a": "Refused"}},
        missing_user_values={"q1": ["a", "b"], "score": ["d"]},
    )
    return path


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(
        "id,q1,q2,age,name,wt\n"
        "1,1,2,34,ann,1.0\n"
        "2,-1,1,-3,bob,2.0\n"
        "3,2,-2,51,none,1.0\n"
        "4,1,-1,-1,,0.5\n"
        "5,-2,1,44,eve,1.5\n",
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------------------------------ SPSS


def test_spss_labels(sav_path):
    md = read_microdata(sav_path, weight="wt")
    assert md.variable_labels == {
        "q1": Q1_TEXT, "party": "Party identification", "wt": "Final weight"
    }
    assert md.value_labels["q1"] == {1: "Yes", 2: "No", 8: "Don't know", 9: "Refused"}
    assert md.value_labels["party"] == {1: "Democrat", 2: "Republican", 3: "Independent",
                                        -1: "Skipped"}
    assert md.weight == "wt"
    assert md.source == str(sav_path)
    assert len(md) == 10
    assert md.variables == ["q1", "party", "age", "comment", "wt"]


def test_spss_missing_reasons_exact(sav_path):
    md = read_microdata(sav_path)
    r = md.missing_reasons
    assert list(r.index) == list(md.data.index) and list(r.columns) == list(md.data.columns)

    def reasons(var):
        return reasons_of(md, var)

    # user-missing codes take their value label; unlabelled ones say the code
    assert reasons("q1") == [None, None, None, "Don't know", "Refused", "system missing",
                             None, None, None, "Refused"]
    assert reasons("party") == [None] * 6 + ["Skipped"] + [None] * 3
    assert reasons("age") == [None, None, "user-missing code -9", None, None, None, None,
                              "user-missing code -1", None, None]
    # "NA" is a declared string missing value; "" is ReadStat's missing string
    assert reasons("comment") == [None, "system missing", None, "system missing", None, None,
                                  "system missing", None, "user-missing code NA", None]
    assert reasons("wt") == [None] * 10
    # values: every missing cell is NA, the rest untouched
    assert md.data["q1"].isna().tolist() == r["q1"].notna().tolist()
    assert md.data["q1"].dropna().tolist() == [1, 2, 1, 1, 2, 1]
    assert md.data["age"].dropna().tolist() == [25, 34, 51, 62, 45, 38, 29, 70]
    assert md.missing_codes["q1"] == {8: "Don't know", 9: "Refused"}
    assert md.missing_codes["age"] == {-9: "user-missing code -9", -1: "user-missing code -1"}


def test_spss_missing_summary(sav_path):
    summary = read_microdata(sav_path).missing_summary()
    expected = pd.DataFrame({
        "variable": ["q1", "q1", "q1", "party", "age", "age", "comment", "comment"],
        "reason": ["Refused", "Don't know", "system missing", "Skipped",
                   "user-missing code -1", "user-missing code -9",
                   "system missing", "user-missing code NA"],
        "count": [2, 1, 1, 1, 1, 1, 3, 1],
    })
    pd.testing.assert_frame_equal(summary, expected, check_dtype=False)


def test_labelled_categories_in_code_order(sav_path):
    md = read_microdata(sav_path)
    q1 = md.labelled("q1")
    # missing codes (8, 9) are not categories; their rows are NaN
    assert list(q1.cat.categories) == ["Yes", "No"]
    assert [None if pd.isna(v) else v for v in q1] == [
        "Yes", "No", "Yes", None, None, None, "Yes", "No", "Yes", None
    ]
    party = md.labelled("party")
    assert list(party.cat.categories) == ["Democrat", "Republican", "Independent"]
    # unlabelled numeric variable: codes become text, in numeric order
    assert list(md.labelled("age").cat.categories)[:3] == ["25", "29", "34"]


def test_user_codes_override_and_extend_file_codes(sav_path):
    md = read_microdata(sav_path, missing_codes={"q1": {9: "refused (recoded)", 2: "no"}})
    assert reasons_of(md, "q1")[:5] == [None, "no", None, "Don't know", "refused (recoded)"]
    assert md.missing_codes["q1"] == {8: "Don't know", 9: "refused (recoded)", 2: "no"}
    assert list(md.labelled("q1").cat.categories) == ["Yes"]


def test_spss_weighted_topline_by_hand(sav_path):
    md = read_microdata(sav_path, weight="wt")
    top = md.topline("q1", include_missing=True)
    # valid q1: Yes in rows 0,2,6,8 (weights 1, .5, 1, .5 -> 3); No in rows 1,7 (2, 2 -> 4)
    # weighted total 7: Yes 300/7 = 42.857%, No 400/7 = 57.143%
    valid = top[~top["missing"]]
    assert valid["response"].tolist() == ["Yes", "No"]
    assert valid["code"].tolist() == [1, 2]
    assert valid["n"].tolist() == [4, 2]
    assert valid["weighted_n"].tolist() == pytest.approx([3.0, 4.0])
    assert valid["pct"].tolist() == pytest.approx([300 / 7, 400 / 7])
    # missing: Refused rows 4, 9 (w 1 + 1); Don't know row 3 (w 1); system row 5 (w 1.5)
    miss = top[top["missing"]].set_index("response")
    assert miss["n"].to_dict() == {"Refused": 2, "Don't know": 1, "system missing": 1}
    assert miss["weighted_n"].to_dict() == pytest.approx(
        {"Refused": 2.0, "Don't know": 1.0, "system missing": 1.5}
    )
    assert miss["pct"].isna().all()
    # unweighted: 4/6 and 2/6
    unweighted = md.topline("q1", weight=False)
    assert unweighted["pct"].tolist() == pytest.approx([400 / 6, 200 / 6])
    assert len(unweighted) == 2


def test_to_pollframe_rows_by_hand(sav_path):
    pytest.importorskip("opinion.frames.pollframe")
    md = read_microdata(sav_path, weight="wt")
    pf = md.to_pollframe(
        "q1", poll_id="ipsos-2024-06", pollster="Ipsos", start_date="2024-06-07",
        end_date="2024-06-09", population="a", question_id="ukraine_weapons", by="party",
        mode="online",
    )
    assert len(pf.rejects) == 0
    d = pf.data.set_index(["subgroup", "response"])
    # "all": 6 respondents answering, weights (1, 2, .5, 1, 2, .5):
    # Kish deff = 6 * 10.5 / 7^2 = 63/49
    # party:Democrat = rows 0 (Yes, w 1) and 7 (No, w 2): 33.3 / 66.7, deff = 2 * 5 / 9
    # party:Republican = row 1 (No, w 2); party:Independent = rows 2, 8 (Yes, w .5 each);
    # row 6 (party "Skipped" = user-missing) counts only in "all".
    expected = {
        ("all", "Yes"): (300 / 7, 6, 63 / 49),
        ("all", "No"): (400 / 7, 6, 63 / 49),
        ("party:Democrat", "Yes"): (100 / 3, 2, 10 / 9),
        ("party:Democrat", "No"): (200 / 3, 2, 10 / 9),
        ("party:Republican", "Yes"): (0.0, 1, 1.0),
        ("party:Republican", "No"): (100.0, 1, 1.0),
        ("party:Independent", "Yes"): (100.0, 2, 1.0),
        ("party:Independent", "No"): (0.0, 2, 1.0),
    }
    assert set(d.index) == set(expected)
    for key, (pct, sub_n, deff) in expected.items():
        row = d.loc[key]
        assert row["pct"] == pytest.approx(pct), key
        assert row["subgroup_n"] == sub_n, key
        assert row["deff"] == pytest.approx(deff), key
        assert row["n"] == 6
    assert (pf.data["question_text"] == Q1_TEXT).all()
    assert (pf.data["mode"] == "online").all()
    assert d.loc[("all", "Yes"), "n_eff"] == pytest.approx(6 / (63 / 49))


def test_to_pollframe_rejects_computed_columns_as_extras(sav_path):
    md = read_microdata(sav_path)
    with pytest.raises(DataValidationError, match="deff"):
        md.to_pollframe("q1", poll_id="p", pollster="X", start_date="2024-01-01",
                        end_date="2024-01-02", population="a", question_id="q", deff=2.0)


def test_kish_deff_closed_form():
    assert kish_deff([1, 1, 1, 1]) == 1.0
    # n sum(w^2) / sum(w)^2 = 3 * (1 + 4 + 9) / 36
    assert kish_deff([1, 2, 3]) == pytest.approx(42 / 36)


# ------------------------------------------------------------------------------ Stata


def test_stata_extended_missing_and_labels(dta_path):
    md = read_microdata(dta_path)
    assert md.variable_labels == {"q1": "Support aid", "score": "Feeling thermometer"}
    assert md.value_labels["q1"] == {1: "Yes", 2: "No", "a": "Refused"}
    def reasons(var):
        return reasons_of(md, var)

    assert reasons("q1") == [None, None, "Stata .a (Refused)", "Stata .b", "system missing",
                             None, None, "Stata .a (Refused)"]
    assert reasons("score") == [None, "Stata .d", None, None, None, "system missing", None, None]
    assert reasons("region") == [None, None, "system missing", None, None, None,
                                 "system missing", None]
    assert md.data["q1"].tolist()[:2] == [1.0, 2.0]
    assert md.data["q1"].isna().sum() == 4
    assert md.data["score"].dropna().tolist() == [1.5, 2.5, 3.0, 4.0, 2.0, 1.0]
    assert md.missing_codes["q1"] == {"a": "Stata .a (Refused)", "b": "Stata .b"}
    # an integer column with a system-missing value is numeric, not object
    assert md.data["kids"].dtype == np.float64
    assert reasons("kids") == [None, None, None, "system missing", None, None, None, None]
    assert list(md.labelled("q1").cat.categories) == ["Yes", "No"]


def test_stata_system_missing_matches_independent_reader(dta_path):
    # pyreadstat (1.3.7) with user_missing=True reads the system-missing cell of an integer
    # column holding extended missing values as 0; read_microdata must not. pandas' own
    # Stata reader shows what the file really stores.
    raw = pd.read_stata(dta_path, convert_missing=True, convert_categoricals=False)
    stored = [str(v) if isinstance(v, pd.io.stata.StataMissingValue) else None
              for v in raw["q1"]]
    assert stored == [None, None, ".a", ".b", ".", None, None, ".a"]
    md = read_microdata(dta_path)
    assert md.missing_reasons["q1"].iloc[4] == "system missing"
    assert (md.data["q1"] == 0).sum() == 0


def test_stata_topline_with_missing(dta_path):
    top = read_microdata(dta_path).topline("q1", include_missing=True)
    # valid: 1, 2, 1, 2 -> Yes 2, No 2 (unweighted 50/50)
    assert top["response"].tolist() == ["Yes", "No", "Stata .a (Refused)", "Stata .b",
                                        "system missing"]
    assert top["n"].tolist() == [2, 2, 2, 1, 1]
    assert top["pct"].iloc[:2].tolist() == [50.0, 50.0]


# ------------------------------------------------------------------------------ CSV


def test_csv_global_negative_codes(csv_path):
    md = read_microdata(
        csv_path, missing_codes={-1: "refused", -2: "don't know", -3: "inapplicable"},
        weight="wt",
    )
    r = md.missing_reasons
    assert reasons_of(md, "q1") == [None, "refused", None, None, "don't know"]
    assert reasons_of(md, "q2") == [None, None, "don't know", "refused", None]
    assert reasons_of(md, "age") == [None, "inapplicable", None, "refused", None]
    # the empty CSV cell is plain system missing; text columns are not touched by codes
    assert reasons_of(md, "name") == [None, None, None, "system missing", None]
    assert r["wt"].isna().all() and r["id"].isna().all()
    assert md.data["q1"].isna().tolist() == [False, True, False, False, True]
    assert md.data["age"].dropna().tolist() == [34, 51, 44]
    assert md.value_labels == {} and md.variable_labels == {}
    summary = md.missing_summary()
    assert summary.to_dict("list") == {
        "variable": ["q1", "q1", "q2", "q2", "age", "age", "name"],
        "reason": ["don't know", "refused", "don't know", "refused", "inapplicable",
                   "refused", "system missing"],
        "count": [1, 1, 1, 1, 1, 1, 1],
    }
    # weighted topline of q1: valid rows 1 (code 1, w 1), 3 (code 2, w 1), 4 (code 1, w .5)
    # -> code 1: 1.5 / 2.5 = 60%, code 2: 40%
    top = md.topline("q1")
    assert top["response"].tolist() == ["1", "2"]
    assert top["pct"].tolist() == pytest.approx([60.0, 40.0])


def test_csv_per_variable_codes(csv_path):
    md = read_microdata(csv_path, missing_codes={"q1": {-1: "refused"},
                                                 "name": {"none": "no answer"}})
    assert reasons_of(md, "q1") == [None, "refused", None, None, None]
    assert md.data["q1"].tolist()[4] == -2  # not declared for q1 -> a value
    assert reasons_of(md, "name") == [None, None, "no answer", "system missing", None]
    assert md.missing_reasons["age"].isna().all()  # per-variable codes only touch q1, name


# ------------------------------------------------------------------------------ errors


def test_missing_file_and_bad_extension(tmp_path):
    with pytest.raises(DataValidationError, match="no such file") as info:
        read_microdata(tmp_path / "absent.sav")
    assert str(tmp_path / "absent.sav") in str(info.value)
    assert "\n" not in str(info.value)
    bad = tmp_path / "survey.xyz"
    bad.write_text("x")
    with pytest.raises(DataValidationError, match="unsupported microdata format '.xyz'") as info:
        read_microdata(bad)
    assert str(bad) in str(info.value)
    corrupt = tmp_path / "corrupt.sav"
    corrupt.write_bytes(b"not an spss file at all")
    with pytest.raises(DataValidationError, match="cannot read SPSS file"):
        read_microdata(corrupt)


def test_user_mistakes_name_the_variable(sav_path, csv_path):
    with pytest.raises(DataValidationError, match="unknown weight variable 'weight'"):
        read_microdata(sav_path, weight="weight")
    with pytest.raises(DataValidationError, match="unknown variable 'q9'"):
        read_microdata(sav_path, missing_codes={"q9": {1: "x"}})
    with pytest.raises(DataValidationError, match="mixes"):
        read_microdata(csv_path, missing_codes={-1: "refused", "q1": {2: "x"}})
    with pytest.raises(DataValidationError, match="non-empty string"):
        read_microdata(csv_path, missing_codes={-1: 5})
    # a weight with a declared missing code becomes NA -> refused with a clear message
    with pytest.raises(DataValidationError, match="'age' has 2 missing"):
        read_microdata(sav_path, weight="age")
    md = read_microdata(sav_path)
    with pytest.raises(DataValidationError, match="unknown variable 'nope'"):
        md.topline("nope")
    with pytest.raises(OpinionError, match="weight variable 'comment' is not numeric"):
        md.topline("q1", weight="comment")


def test_microdata_from_frame_and_consistency_checks():
    df = pd.DataFrame({"q": [1.0, NAN, 2.0, -1.0], "w": [1.0, 1.0, 2.0, 1.0]})
    md = Microdata.from_frame(df, missing_codes={-1: "refused"}, weight="w")
    assert reasons_of(md, "q") == [None, "system missing", None, "refused"]
    assert md.missing_codes == {"q": {-1: "refused"}}  # weight column excluded
    reasons = pd.DataFrame({"q": ["oops", None, None, None], "w": [None] * 4})
    with pytest.raises(DataValidationError, match="reason for a value that is present"):
        Microdata(df, missing_reasons=reasons)
    with pytest.raises(DataValidationError, match="duplicate variable names: a"):
        Microdata(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_repr_and_html(sav_path):
    md = read_microdata(sav_path, weight="wt")
    assert repr(md) == "<Microdata: 10 respondents x 5 variables from survey.sav, weight='wt'>"
    page = md._repr_html_()
    assert "Party identification" in page and "<table" in page
    book = md.codebook().set_index("variable")
    assert book.loc["q1", "missing"] == 4 and book.loc["q1", "valid"] == 6
    assert book.loc["comment", "missing"] == 4
    assert repr(Microdata(pd.DataFrame({"a": [1]}))) == (
        "<Microdata: 1 respondents x 1 variables from <DataFrame>>"
    )


# ------------------------------------------------------------------------------ issue 16/15


def test_csv_text_that_looks_missing_is_a_value(tmp_path):
    path = tmp_path / "countries.csv"
    path.write_text("id,country,answer,score\n1,NA,None,1\n2,FR,null,\n3,n/a,N/A,3\n"
                    "4,DE,,4\n", encoding="utf-8")
    md = read_microdata(path)
    # Namibia is "NA"; only empty cells are missing unless declared
    assert md.data["country"].tolist() == ["NA", "FR", "n/a", "DE"]
    assert md.data["answer"].tolist()[:3] == ["None", "null", "N/A"]
    assert reasons_of(md, "answer") == [None, None, None, "system missing"]
    assert md.data["score"].isna().tolist() == [False, True, False, False]
    declared = read_microdata(path, missing_codes={"country": {"n/a": "not asked"}})
    assert reasons_of(declared, "country") == [None, None, "not asked", None]


def test_csv_header_and_line_defects_are_named(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("id,q1,q1\n1,2,3\n")
    with pytest.raises(DataValidationError, match="duplicate column names: 'q1'"):
        read_microdata(dup)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,q1\n1,2\n2,3,4\n3\n")
    with pytest.raises(DataValidationError, match=r"line 3: .*3 comma-separated cells.*"
                                                  r"\(and 1 more such lines\)"):
        read_microdata(ragged)
    semicolon = tmp_path / "semi.csv"
    semicolon.write_text("id;q1;q2\n1;2;3\n")
    assert read_microdata(semicolon).variables == ["id", "q1", "q2"]


@pytest.mark.parametrize("suffix", [".dta", ".sav", ".zsav"])
def test_corrupt_binary_files_are_toolkit_errors(tmp_path, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataValidationError, match="cannot read") as info:
        read_microdata(path)
    assert "\n" not in str(info.value)


def test_kish_deff_zero_weight_rule():
    # zero weights are outside the sample: excluded from n and the sums alike
    assert kish_deff([1, 2, 0, 0]) == pytest.approx(kish_deff([1, 2])) == pytest.approx(10 / 9)
    for bad in ([], [0, 0], [1, np.nan], [1, np.inf]):
        with pytest.raises(DataValidationError, match="design effect"):
            kish_deff(bad)
    from opinion.survey import kish_deff as survey_kish

    assert survey_kish is kish_deff  # one implementation


def test_to_pollframe_is_one_implementation(sav_path):
    from opinion.survey import Design

    md = read_microdata(sav_path, weight="wt")
    fields = dict(poll_id="p", pollster="Ipsos", start_date="2024-06-07",
                  end_date="2024-06-09", population="a", question_id="q")
    mine = md.to_pollframe("q1", **fields).data
    design = Design(md).to_pollframe("q1", deff="kish", **fields).data
    columns = ["subgroup", "response", "pct", "n", "subgroup_n", "deff", "question_text"]
    pd.testing.assert_frame_equal(mine[columns], design[columns], check_dtype=False)
    with pytest.raises(DataValidationError, match="deff"):
        Design(md).to_pollframe("q1", deff=2.0, **fields)


def test_package_reader_is_the_frames_reader():
    import opinion
    from opinion.frames import read_microdata as frames_reader

    assert opinion.read_microdata is frames_reader is read_microdata


def test_csv_number_beyond_float_range_is_refused_not_inf(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id,q\n1,2\n2," + "9" * 400 + "\n")
    with pytest.raises(DataValidationError, match="line 3, column q: .* beyond the range"):
        read_microdata(path)


def test_microdata_and_design_toplines_agree(sav_path):
    # the descriptive table (with missing-value reasons) and the design-based estimate
    # are two views of one weighted share
    from opinion.survey import Design

    md = read_microdata(sav_path, weight="wt")
    mine = md.topline("q1").set_index("response")["pct"]
    design = Design(md).topline("q1").set_index("label")["estimate"]  # percent
    pd.testing.assert_series_equal(mine, design, check_names=False, check_index_type=False)
