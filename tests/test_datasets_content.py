"""Content checks of the bundled datasets in ``datasets/`` (pandas/json/hashlib only).

These tests do not use the ``opinion`` package: they check the committed files themselves.
Reference values in the spot checks were read by hand from ``shared/facts/FACTS.md``
(section and fact id given in each comment) and, for France, from The Economist's raw poll
files (``shared/reference/france2022``, first rows of each file). The last two tests need
the fact sheets beside the repository (``../shared/facts``) and are skipped without them.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"
# shared/ beside the repository, or one level up for a git worktree under wt/
SHARED = next(
    (b / "shared" for b in (ROOT.parent, ROOT.parent.parent) if (b / "shared" / "facts").is_dir()),
    ROOT.parent / "shared",
)
FACTS = SHARED / "facts"
FR_RAW = SHARED / "reference" / "france2022"
# the research assistants' tables (research/ beside the repository, as the build script finds it)
RESEARCH = next(
    (b / "research" for b in (ROOT.parent, ROOT.parent.parent) if (b / "research").is_dir()),
    ROOT.parent / "research",
)

POLL_COLUMNS = [
    "poll_id",
    "pollster",
    "sponsor",
    "start_date",
    "end_date",
    "population",
    "mode",
    "country",
    "n",
    "question_id",
    "question_text",
    "question_format",
    "subgroup",
    "subgroup_n",
    "response",
    "pct",
    "moe",
    "deff",
    "source_url",
    "source_date",
    "notes",
    "fact_id",
]
EXPECTED = {
    "us_ukraine_support": "polls",
    "us_issues_2022": "polls",
    "exit_poll_2022": "polls",
    "us_house_vote_2022": "table",
    "ecfr_peace_justice_2022": "polls",
    "eurobarometer_support_2022": "table",
    "poll_figures_incomplete": "table",
    "kiel_aid_2022": "table",
    "nato_members_2022": "table",
    "nato_elections_2022_2024": "table",
    "france2022": "polls",
    "europe_ukraine_panel": "table",
    "europe_salience_panel": "table",
    "coalition_events": "table",
    "government_changes": "table",
    "kiel_aid_by_period": "table",
}
POPULATIONS = {"a", "rv", "lv", "v"}
MODES = {"", "online", "phone", "mixed", "ivr", "text", "in_person", "other"}
FORMATS = {"binary", "multi_option", "single_choice", "multi_mention", "rating"}
EXCLUSIVE = {"binary", "multi_option", "single_choice"}
SUBGROUP_RE = re.compile(r"^(all|[a-z0-9_]+:[a-z0-9_]+)$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_ISO_RE = re.compile(r"^(\d{4}-\d{2}(-\d{2})?)?$")


def dataset_dirs() -> list[Path]:
    return sorted(p for p in DATASETS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATASETS / name / "data.csv", dtype=str, keep_default_na=False)


def package(name: str) -> dict:
    return json.loads((DATASETS / name / "datapackage.json").read_text(encoding="utf-8"))


def poll_names() -> list[str]:
    return sorted(k for k, v in EXPECTED.items() if v == "polls")


def row(df: pd.DataFrame, **where: str) -> pd.Series:
    """The single row matching all ``column=value`` pairs."""
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    hits = df[mask]
    assert len(hits) == 1, f"{where}: {len(hits)} rows"
    return hits.iloc[0]


def test_expected_datasets_present() -> None:
    assert {p.name for p in dataset_dirs()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_datapackage_matches_data(name: str) -> None:
    pkg = package(name)
    for key in ("name", "title", "description", "opinion_kind", "licenses", "sources", "created"):
        assert pkg.get(key), f"{name}: missing {key}"
    assert pkg["name"] == name
    assert pkg["opinion_kind"] == EXPECTED[name]
    assert ISO_DATE_RE.match(pkg["created"])
    for src in pkg["sources"]:
        assert src["path"].startswith("http"), src
        assert src["title"]
    (res,) = pkg["resources"]
    assert res["path"] == "data.csv" and res["format"] == "csv"
    assert res["mediatype"] == "text/csv" and res["encoding"] == "utf-8"
    data = (DATASETS / name / "data.csv").read_bytes()
    data.decode("utf-8")  # must be valid UTF-8
    assert res["bytes"] == len(data)
    assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    df = load(name)
    fields = res["schema"]["fields"]
    assert [f["name"] for f in fields] == list(df.columns)
    assert all(f["type"] and f["description"] for f in fields)
    for f in fields:  # typed columns parse
        col = df[f["name"]]
        filled = col[col != ""]
        if f["type"] == "date":
            assert filled.str.match(ISO_DATE_RE).all(), f["name"]
            pd.to_datetime(filled, format="%Y-%m-%d")
        elif f["type"] == "integer":
            assert filled.str.fullmatch(r"-?\d+").all(), f["name"]
        elif f["type"] == "number":
            pd.to_numeric(filled)
    if "fact_id" in df:
        assert pkg["fact_ids"] == sorted({f for f in df["fact_id"] if f})
        excluded = {e["fact_id"] for e in pkg.get("excluded", [])}
        assert not excluded & set(df["fact_id"])
        assert all(e["reason"] for e in pkg.get("excluded", []))


@pytest.mark.parametrize("name", poll_names())
def test_poll_frame_rules(name: str) -> None:
    df = load(name)
    assert list(df.columns) == POLL_COLUMNS
    assert len(df) > 0
    for col in ("poll_id", "pollster", "question_id", "response", "source_url"):
        assert (df[col] != "").all(), col
    pct = pd.to_numeric(df["pct"])
    assert pct.between(0, 100).all()
    assert df["n"].str.fullmatch(r"[1-9]\d*").all(), "n must be a positive integer"
    assert set(df["population"]) <= POPULATIONS
    assert set(df["mode"]) <= MODES
    assert set(df["question_format"]) <= FORMATS
    assert df["subgroup"].str.match(SUBGROUP_RE).all()
    assert df["country"].str.fullmatch(r"([A-Z]{2})?").all()
    assert df["source_date"].str.match(PARTIAL_ISO_RE).all()
    start = pd.to_datetime(df["start_date"], format="%Y-%m-%d")
    end = pd.to_datetime(df["end_date"], format="%Y-%m-%d")
    assert (end >= start).all()
    for col in ("moe", "deff"):
        vals = pd.to_numeric(df.loc[df[col] != "", col])
        assert (vals > 0).all(), col
    # one row per poll x question x subgroup x response
    key = ["poll_id", "question_id", "subgroup", "response"]
    assert not df.duplicated(key).any()
    # poll-level attributes are constant within a poll
    for col in ("pollster", "sponsor", "start_date", "end_date", "population", "n", "mode"):
        assert (df.groupby("poll_id")[col].nunique() == 1).all(), col
    # a question has one format
    assert (df.groupby("question_id")["question_format"].nunique() == 1).all()


@pytest.mark.parametrize("name", poll_names())
def test_exclusive_options_do_not_exceed_100(name: str) -> None:
    df = load(name)
    sub = df[df["question_format"].isin(EXCLUSIVE)].copy()
    sub["pct"] = pd.to_numeric(sub["pct"])
    sums = sub.groupby(["poll_id", "question_id", "subgroup"])["pct"].sum()
    over = sums[sums > 101]
    if name == "france2022":
        # Kept as published: only first-round polls may exceed, and each such row says so.
        assert set(over.index.get_level_values("question_id")) <= {"fr2022_round1"}
        flagged = sub[sub["notes"].str.contains("sum to")]
        assert set(flagged["poll_id"]) == set(over.index.get_level_values("poll_id"))
    else:
        assert over.empty, over


def test_spot_checks_us() -> None:
    us = load("us_ukraine_support")
    # FACTS.md §0/§1 US004: Ipsos/Reuters 2022-10-04..05, n=1005, continue weapons = 66
    r = row(us, poll_id="ipsos_2022-10-05", question_id="ipsos_continue_weapons", subgroup="all")
    assert (r["start_date"], r["end_date"], r["n"], r["pct"]) == (
        "2022-10-04",
        "2022-10-05",
        "1005",
        "66",
    )
    assert r["population"] == "a" and r["mode"] == "online" and r["fact_id"] == "US004"
    # FACTS.md §5: the Ipsos Oct-2022 margin of error is unverified -> not shipped
    assert (us.loc[us["poll_id"] == "ipsos_2022-10-05", "moe"] == "").all()
    # FACTS.md §1 US016-US019: Pew March 2022 too much 7 / right 32 / not enough 42 / unsure 19
    pew = us[(us["poll_id"] == "pew_2022-03-13") & (us["subgroup"] == "all")]
    assert dict(zip(pew["response"], pew["pct"], strict=True)) == {
        "too much": "7",
        "about the right amount": "32",
        "not enough": "42",
        "not sure": "19",
    }
    assert set(pew["n"]) == {"10441"} and set(pew["moe"]) == {"1.5"}
    # US028: Pew Jan 2023, Rep/lean Rep too much = 40
    r = row(us, poll_id="pew_2023-01-24", subgroup="party:rep_lean", response="too much")
    assert r["pct"] == "40"
    # Month-only or n-less polls are not in the frame (US054 Gallup Aug 2022, US080 CCGA July)
    assert not us["fact_id"].isin(["US054", "US080", "US013"]).any()


def test_spot_checks_issues() -> None:
    iss = load("us_issues_2022")
    # FACTS.md §0/§2 IS025-IS031: Gallup Oct 3-20 2022, 897 RV, extremely important
    g = iss[iss["question_id"] == "gallup_issue_importance_2022"]
    assert dict(zip(g["response"], g["pct"].astype(int), strict=True)) == {
        "economy": 49,
        "abortion": 42,
        "crime": 40,
        "gun policy": 38,
        "immigration": 37,
        "relations with russia": 31,
        "climate change": 26,
    }
    assert set(g["n"]) == {"897"} and set(g["population"]) == {"rv"}
    assert set(g["question_format"]) == {"rating"}
    # NBC exit poll (FACTS.md §0/§2 IS006-IS010 final weights 31/27/11/11/10; IS001 election
    # night inflation 32): no single published n, so n is DERIVED from the published
    # components 17,912 in-person + 2,981 phone = 20,893 (a lower bound), said in notes
    for poll_id, fact, pct in (("nep_nbc_final_2022-11-08", "IS006", "31"),
                               ("nep_nbc_election_night_2022-11-08", "IS001", "32")):
        r = row(iss, poll_id=poll_id, subgroup="all", response="inflation")
        assert (r["pct"], r["population"], r["n"], r["fact_id"]) == (pct, "v", "20893", fact)
        assert r["question_format"] == "single_choice"
        assert "n DERIVED" in r["notes"] and "17912 in-person + 2981 phone" in r["notes"]
        assert "lower bound" in r["notes"]
    # party rows: IS011 Dem abortion 43 (final weights), IS016 Rep inflation 44 (election night)
    r = row(iss, poll_id="nep_nbc_final_2022-11-08", subgroup="party:dem", response="abortion")
    assert r["pct"] == "43" and r["subgroup_n"] == "" and r["n"] == "20893"
    r = row(iss, poll_id="nep_nbc_election_night_2022-11-08", subgroup="party:rep",
            response="inflation")
    assert r["pct"] == "44" and r["subgroup_n"] == ""
    assert "same exit poll reweighted" in row(
        iss, poll_id="nep_nbc_final_2022-11-08", subgroup="all", response="crime")["notes"]
    assert "DERIVED" in package("us_issues_2022")["description"]
    # the CBS early wave has no verified n: still in the incomplete table, not in the frame
    assert not iss["poll_id"].str.startswith("nep_cbs").any()
    inc = load("poll_figures_incomplete")
    r = row(inc, poll_id="nep_cbs_early_2022-11-08", subgroup="all", response="inflation")
    assert r["pct"] == "32" and r["population"] == "v" and r["n"] == ""
    assert r["intended_dataset"] == "us_issues_2022" and "n not published" in r["exclusion_reason"]
    assert not inc["poll_id"].str.startswith("nep_nbc").any()


def test_spot_checks_europe() -> None:
    ecfr = load("ecfr_peace_justice_2022")
    # FACTS.md §3 EU004: ECFR May 2022, Italy peace camp = 52; EU001: 10-country peace 35
    r = row(ecfr, country="IT", question_id="ecfr_peace_justice_camp", response="peace")
    assert r["pct"] == "52" and r["subgroup"] == "country:it" and r["subgroup_n"] == ""
    r = row(ecfr, country="", question_id="ecfr_peace_justice_camp", response="peace")
    assert r["pct"] == "35" and r["n"] == "8172" and r["subgroup"] == "all"
    # FACTS.md §0: France peace 41 / justice 20
    fr = ecfr[(ecfr["country"] == "FR") & (ecfr["question_id"] == "ecfr_peace_justice_camp")]
    assert dict(zip(fr["response"], fr["pct"], strict=True)) == {"peace": "41", "justice": "20"}
    eb = load("eurobarometer_support_2022")
    # FACTS.md §0: Eurobarometer autumn 2022 approval LT 87, LV 80, EE 76, FR 78
    approve = eb[eb["question_id"] == "ep_eb_approve_eu_support_ukraine"]
    got = dict(zip(approve["country"], approve["pct"], strict=True))
    assert {k: got[k] for k in ("LT", "LV", "EE", "FR")} == {
        "LT": "87",
        "LV": "80",
        "EE": "76",
        "FR": "78",
    }
    assert (eb["n"] == "").all() and set(eb["n_text"]) <= {"", "26000+"}


def test_nato_members() -> None:
    nato = load("nato_members_2022")
    # FACTS.md §4: 30 members in Nov 2022; regions as fixed in the project brief
    regions = {
        "Baltic": {"EE", "LV", "LT"},
        "Nordic": {"DK", "IS", "NO"},
        "Central-Eastern": {"PL", "CZ", "SK", "HU", "RO", "BG", "SI", "HR", "AL", "ME", "MK"},
        "Western": {"DE", "FR", "NL", "BE", "LU", "GB"},
        "Southern": {"IT", "ES", "PT", "GR", "TR"},
        "North American": {"US", "CA"},
    }
    assert len(nato) == 30 and nato["iso2"].is_unique
    assert {k: set(v) for k, v in nato.groupby("region")["iso2"]} == regions
    assert "FI" not in set(nato["iso2"]) and "SE" not in set(nato["iso2"])
    joined = dict(zip(nato["iso2"], nato["joined"].astype(int), strict=True))
    assert (joined["US"], joined["TR"], joined["ES"], joined["MK"]) == (1949, 1952, 1982, 2020)
    verified = nato[nato["election_date_verified"] == "yes"]
    assert (verified["next_election"] > "2022-11-15").all()
    assert (verified["election_source_url"].str.startswith("http")).all()
    unverified = nato[nato["election_date_verified"] == "no"]
    assert unverified["notes"].str.contains("not verified against a source").all()
    # AD106 Estonia 2023-03-05; AD135 US 2024-11-05; AD132 France snap legislative 2024-06-30
    nxt = dict(zip(nato["iso2"], nato["next_election"], strict=True))
    assert (nxt["EE"], nxt["US"], nxt["FR"]) == ("2023-03-05", "2024-11-05", "2024-06-30")
    cal = load("nato_elections_2022_2024")
    assert cal["date"].between("2022-11-15", "2024-12-31").all()
    assert set(cal["iso2"]) <= set(nato["iso2"])
    assert set(cal["government_forming"]) <= {"yes", "no"}
    assert (cal.loc[cal["election_date_verified"] == "yes", "fact_id"] != "").all()


def test_kiel_values() -> None:
    kiel = load("kiel_aid_2022")
    # FACTS.md §4 AD001: US > 52 EUR bn at the 2022-10-03 cut-off
    r = row(kiel, fact_id="AD001")
    assert (r["value"], r["value_qualifier"], r["unit"], r["cutoff_date"]) == (
        "52",
        ">",
        "EUR bn",
        "2022-10-03",
    )
    assert pd.to_numeric(kiel["value"]).notna().all()


def test_france_conversion() -> None:
    fr = load("france2022")
    # Economist raw files: 138 round-one polls x 13 candidates, 247 match-up rows x 2
    assert (fr["question_id"] == "fr2022_round1").sum() == 138 * 13
    assert fr["question_id"].str.startswith("fr2022_r2_").sum() == 247 * 2
    assert (fr["start_date"] == fr["end_date"]).all() and set(fr["country"]) == {"FR"}
    # First rows of the raw files: Ifop 2021-09-02 n=1334, macron 0.26 / macron-le_pen 0.56-0.44
    r = row(fr, poll_id="ifop_2021-09-02", question_id="fr2022_round1", response="macron")
    assert (r["pct"], r["n"]) == ("26", "1334")
    r2 = fr[(fr["poll_id"] == "ifop_2021-09-02") & (fr["question_id"] == "fr2022_r2_macron_le_pen")]
    assert dict(zip(r2["response"], r2["pct"], strict=True)) == {"macron": "56", "le_pen": "44"}
    # Two Opinion Way polls ended 2022-01-20 with different samples -> suffixed ids
    assert {"opinionway_2022-01-20_n1011", "opinionway_2022-01-20_n1603"} <= set(fr["poll_id"])
    for name in ("LICENSE", "datapackage.json"):
        assert (DATASETS / "france2022" / name).exists()
    ref = ROOT / "tests" / "reference" / "france2022"
    for name in ("economist_round_one_trends.csv", "economist_round_two_trends.csv", "LICENSE"):
        assert (ref / name).exists()


def test_fact_ids_unique_across_opinion_datasets() -> None:
    """Every verified opinion fact is shipped exactly once (poll frame or table)."""
    names = [n for n in sorted(EXPECTED) if "question_id" in load(n)]
    ids = pd.concat([load(n)["fact_id"] for n in names])
    ids = ids[ids != ""]
    assert ids.is_unique, ids[ids.duplicated()].tolist()


@pytest.mark.skipif(not FACTS.is_dir(), reason="shared/facts not beside the repository")
def test_only_verified_facts_are_used() -> None:
    verified = set()
    for path in FACTS.glob("facts_*.csv"):
        facts = pd.read_csv(path, dtype=str, keep_default_na=False)
        verified |= set(facts.loc[facts["verified"].str.strip() == "yes", "id"].str.strip())
    for name in sorted(EXPECTED):
        df = load(name)
        for col in ("fact_id", "member_fact_id", "election_fact_id"):
            if col in df:
                ids = {f for f in df[col] if f}
                assert ids <= verified, f"{name}.{col}: {sorted(ids - verified)}"


@pytest.mark.skipif(
    not (FACTS.is_dir() and FR_RAW.is_dir()), reason="shared/ inputs not beside the repository"
)
def test_build_is_reproducible(tmp_path: Path) -> None:
    """Every dataset whose inputs are present and unchanged since the committed build is
    rebuilt byte for byte. A dataset built from a research table that is not on this machine
    (a checkout without ``research/``) is left out, not failed."""

    def inputs_unchanged(name: str) -> bool:
        build = package(name).get("build", {})
        for folder, key in ((FACTS, "facts_sha256"), (RESEARCH, "research_sha256")):
            for f, h in build.get(key, {}).items():
                path = folder / f
                if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != h:
                    return False
        return True

    if not inputs_unchanged("us_ukraine_support"):
        pytest.skip("fact sheets changed since the last build: rerun the build script")
    names = [name for name in sorted(EXPECTED) if inputs_unchanged(name)]
    script = DATASETS / "_build" / "build_datasets.py"
    run = subprocess.run(
        [sys.executable, str(script), *names, "--facts", str(FACTS), "--reference", str(FR_RAW),
         "--research", str(RESEARCH), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for name in names:
        for fname in ("data.csv", "datapackage.json"):
            new = (tmp_path / name / fname).read_bytes()
            old = (DATASETS / name / fname).read_bytes()
            assert new == old, f"{name}/{fname} differs from a fresh build"
