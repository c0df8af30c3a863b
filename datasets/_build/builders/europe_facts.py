"""European opinion facts (facts_europe.csv) as poll records.

Shared by ``ecfr_peace_justice_2022`` (ECFR camps), ``eurobarometer_support_2022`` (EP
Eurobarometer) and ``poll_figures_incomplete`` (everything else). Country results of a
multi-country survey are subgroups ``country:<iso2>`` of one poll.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .common import ISO2, fmt_decimal, iso_date, iso_prefix, join_notes, quality_note, slug
from .polls import blank_record, mode_code, parse_n, population_code
from .provenance import Context, verified_rows

# survey (facts_europe) -> (poll slug, pollster label, multi-country?)
EUROPE_SURVEYS: dict[str, tuple[str, str, bool]] = {
    "ECFR Peace versus Justice": ("ecfr", "ECFR", True),
    "ECFR Fragile unity": ("ecfr", "YouGov/Datapraxis", True),
    "ECFR Wars and elections": ("ecfr", "YouGov/Datapraxis", True),
    "Euroskopia 9-country poll": ("euroskopia", "Euroskopia network", True),
    "European Parliament Eurobarometer Autumn 2022": ("ep_eurobarometer", "Kantar", True),
    "Eurobarometer (flash, online)": ("flash_eurobarometer", "European Commission", True),
    "Pew Global Attitudes spring 2022": ("pew_global", "Pew Research Center", False),
    "Pew Global Attitudes spring 2024": ("pew_global", "Pew Research Center", False),
}
# measure (facts_europe) -> (question_id, question_format)
EUROPE_QUESTIONS: dict[str, tuple[str, str]] = {
    "camp share": ("ecfr_peace_justice_camp", "multi_option"),
    "who is responsible for the war": ("ecfr_russia_responsible", "binary"),
    "war should end ASAP vs Ukraine regain all territory": (
        "ecfr_end_asap_vs_regain_territory",
        "multi_option",
    ),
    "view Russia as adversary or rival": ("ecfr_russia_adversary_or_rival", "binary"),
    "EU strong/stronger than thought": ("ecfr_eu_stronger_than_thought", "binary"),
    "most likely outcome of war": ("ecfr_most_likely_outcome", "multi_option"),
    "most likely outcome": ("ecfr_most_likely_outcome", "multi_option"),
    "quick end even if Ukraine loses territory": ("euroskopia_quick_end", "multi_option"),
    "approve EU support to Ukraine": ("ep_eb_approve_eu_support_ukraine", "binary"),
    "approve specific EU measures": ("ep_eb_approve_specific_eu_measures", "binary"),
    "approve buying/supplying military equipment to Ukraine": (
        "flash_eb_approve_military_equipment",
        "binary",
    ),
    "NATO favorable": ("pew_nato_favorable", "binary"),
    "own country support to Ukraine": ("pew_own_country_support_amount", "multi_option"),
}


def convert_europe(row: pd.Series) -> dict[str, Any] | None:
    """One verified row of facts_europe.csv -> a poll record (None if pct is not a number)."""
    if not re.fullmatch(r"\d+(?:\.\d+)?", row["pct"]):
        return None
    rec = blank_record()
    slug_, pollster, multi = EUROPE_SURVEYS[row["survey"]]
    qid, fmt = EUROPE_QUESTIONS[row["measure"]]
    notes = [quality_note(row["source_quality"]), row["survey"]]
    if pollster != row["pollster"]:
        notes.append(f"pollster in facts: '{row['pollster']}'")
    start, end = iso_date(row["field_start"]), iso_date(row["field_end"])
    end_key = end or iso_prefix(row["field_end"]) or slug(row["field_end"])
    iso = ISO2.get(row["country"], "")
    if iso:
        country, subgroup = iso, (f"country:{iso.lower()}" if multi else "all")
        if "(" in row["country"]:
            notes.append(f"country in facts: '{row['country']}'")
    else:
        country, subgroup = "", "all"
        notes.append(f"multi-country figure: {row['country']}")
    poll_id = f"{slug_}_{end_key}"
    if not multi:
        poll_id = f"{poll_id}_{iso.lower() if iso else slug(row['country'])}"
    n, n_note = parse_n(row["n"])
    mode, mode_note = mode_code(row["population"], row["notes"], row["survey"])
    rec.update(
        poll_id=poll_id,
        pollster=pollster,
        sponsor=row["sponsor"],
        start_date=start,
        end_date=end,
        population=population_code(row["population"]),
        mode=mode,
        country=country,
        n=n if n is not None else "",
        question_id=qid,
        question_text=row["measure"],
        question_format=fmt,
        subgroup=subgroup,
        response=row["category"].lower(),
        pct=fmt_decimal(row["pct"]),
        source_url=row["source_url"],
        source_date=iso_prefix(row["source_date"]),
        fact_id=row["id"],
    )
    notes += [row["notes"], n_note, mode_note]
    rec["notes"] = join_notes(*notes)
    rec["_n_text"], rec["_start_text"], rec["_end_text"] = (
        row["n"],
        row["field_start"],
        row["field_end"],
    )
    rec["_multi"] = multi
    return rec


def propagate_wave_attributes(records: list[dict[str, Any]]) -> None:
    """Within one multi-country wave, apply the total row's n (and a stated mode) to all rows."""
    waves: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        if rec.get("_multi"):
            waves.setdefault(rec["poll_id"], []).append(rec)
    for recs in waves.values():
        totals = {r["n"] for r in recs if r["subgroup"] == "all" and r["n"] != ""}
        if len(totals) == 1:
            (n,) = totals
            src = sorted(r["fact_id"] for r in recs if r["subgroup"] == "all" and r["n"] == n)[0]
            for r in recs:
                if r["n"] == "":
                    r["n"] = n
                    r["notes"] = join_notes(
                        r["notes"], f"n = {n}: the survey's total sample (from {src})"
                    )
        elif len(totals) > 1:
            raise SystemExit(f"conflicting n within one wave: {sorted(totals)}")
        for r in recs:
            if r["subgroup"].startswith("country:"):
                r["notes"] = join_notes(
                    r["notes"],
                    "per-country n not published"
                    + (" (n is the multi-country total)" if r["n"] != "" else ""),
                )
        modes = {r["mode"] for r in recs if r["mode"]}
        if len(modes) == 1:
            (mode,) = modes
            for r in recs:
                if not r["mode"]:
                    r["mode"] = mode
                    r["notes"] = join_notes(r["notes"], f"mode {mode} as stated for the survey")


def records(ctx: Context) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Poll records of the verified European facts, and the rows whose pct is not a number."""
    recs, not_numeric = [], []
    for _, r in verified_rows(ctx.sheet("facts_europe")).iterrows():
        rec = convert_europe(r)
        if rec is None:
            not_numeric.append(
                {"fact_id": r["id"], "reason": f"pct is not a single number ('{r['pct']}')"}
            )
        else:
            recs.append(rec)
    propagate_wave_attributes(recs)
    return recs, not_numeric


ECFR_QUESTIONS = ("ecfr_peace_justice_camp", "ecfr_russia_responsible")


def partition(
    recs: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(ECFR May-2022 camps, EP Eurobarometer, other) records."""
    ecfr = [r for r in recs if r["question_id"] in ECFR_QUESTIONS]
    eb = [r for r in recs if r["question_id"].startswith("ep_eb_")]
    other = [r for r in recs if r not in ecfr and r not in eb]
    return ecfr, eb, other
