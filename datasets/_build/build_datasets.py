"""Build the bundled datasets in ``datasets/`` from the project's fact sheets.

Usage (from the repository root)::

    uv run python datasets/_build/build_datasets.py [--facts DIR] [--reference DIR] [--out DIR]

``--facts`` defaults to ``../shared/facts`` and ``--reference`` to
``../shared/reference/france2022``, both relative to the repository root; ``--out`` defaults
to ``datasets/``. The committed outputs are what users load; this script is how they were
made. It uses only the standard library and pandas, and it is deterministic: the same inputs
give byte-identical ``data.csv`` and ``datapackage.json`` files (``created`` is the constant
:data:`CREATED`, rows are sorted on stable keys).

What the script does, step by step
----------------------------------
1. **Only verified facts.** Rows of ``facts_*.csv`` are used only when ``verified == "yes"``.
   Unverified rows are never written; their ids are listed in ``unverified_not_used``.
2. **Poll frames are strict.** A fact row enters a poll frame (``opinion_kind: polls``) only
   when the poll's total sample size is a published integer *and* both field dates are full
   ISO dates. No value is invented, imputed or bounded, with one documented exception: the
   NBC 2022 exit poll in ``us_issues_2022`` gets a *derived* n (:func:`derive_exit_poll_n`:
   the sum of its published components, a lower bound), said so in every row's ``notes`` and
   in the datapackage description. Verified rows that fail are listed in
   the datapackage's ``excluded`` array with the reason, and their figures are kept, with
   ``n``/dates left empty, in the table dataset ``poll_figures_incomplete`` (the Eurobarometer
   rows in ``eurobarometer_support_2022`` instead) so that every verified opinion figure is
   shipped exactly once.
3. **Column mapping** (facts -> poll frame), applied row by row:

   - ``population``: text containing "likely voters" -> ``lv``; "registered voters" -> ``rv``;
     text starting with "voters" (exit polls) -> ``v``; text containing "adult" -> ``a``.
   - ``mode``: "online"/"web" in the population or notes -> ``online``; "(phone)" -> ``phone``;
     "face-to-face" -> ``in_person``; Pew's American Trends Panel ("ATP") -> ``online`` (FACTS.md
     series notes: "ATP online panel"); otherwise empty. A mode stated on one row of a
     survey wave is applied to the wave's other rows (it is a property of the wave).
   - ``moe``: the number in "±4", "~±3" (approximate; noted) or "±2 (as reported by ...)".
     The Ipsos Oct-2022 "±4" is dropped: FACTS.md §5 lists that interval as unverified.
   - ``subgroup``: see :data:`SUBGROUPS` ("Rep/lean Rep" -> ``party:rep_lean`` ...).
     Country results of a multi-country survey (ECFR, Eurobarometer) are subgroups
     ``country:<iso2>`` of one poll whose ``n`` is the survey's published total; ``country``
     holds the ISO code and ``subgroup_n`` stays empty (per-country n is not published).
     The multi-country total rows have ``country`` empty and ``subgroup`` ``all``.
   - ``n`` of a multi-country wave: the integer published on the wave's total row is used for
     every row of the wave (noted per row). ``n`` is never copied across different waves.
   - ``response``: lower-cased option text; issue names follow :data:`ISSUE_NAMES` (the
     original label is kept in ``notes`` whenever it changes).
   - ``source_date``: leading ISO date or year-month of the fact's ``source_date``
     ("2022-10 (Pew release)" -> "2022-10"); empty when the fact gives none.
   - ``notes``: "source quality: ..." + the fact's own notes + build notes.
4. **Duplicates**: one row per poll x question x subgroup x response; the ``primary``
   source wins, alternatives go to ``notes``. The build fails if exclusive options
   (formats binary / multi_option / single_choice) of one poll x question x subgroup sum above
   101 (100 + rounding) in a facts-based dataset.
5. **france2022**: The Economist's raw polls (MIT). ``pct`` = 100 x the source proportion,
   shifted in decimal arithmetic and rounded to 10 decimal places (removes binary artefacts
   such as 0.010000000000000002); ``start_date`` = ``end_date`` (the source has end dates
   only); ``population`` = ``rv`` (not stated in the source); the model weight column of the
   source is dropped. Polls whose first-round shares sum above 101% and shares that are not a
   multiple of 0.1 point (which look like the source's own imputations, e.g. ``taubira`` in
   2021 polls before her candidacy) are kept as published and flagged in ``notes``.
6. **Tables** (``opinion_kind: table``): Kiel aid rows with the value parsed to a number
   (qualifiers such as ">" kept in ``value_qualifier``, the original text in ``value_text``);
   the 30 NATO members with their next government-forming national election; and the long
   election calendar 2022-11-15..2024-12-31.
7. Every written ``fact_id`` is checked against the facts (it must exist with
   ``verified == "yes"``); the build fails otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd

CREATED = "2026-11-28"
"""Value of ``created`` in every datapackage (a constant so that builds are reproducible)."""

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT_PATH = "datasets/_build/build_datasets.py"
WINDOW_START = "2022-11-15"
WINDOW_END = "2024-12-31"

POLL_COLUMNS: tuple[str, ...] = (
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
)
POPULATIONS = ("a", "rv", "lv", "v")
MODES = ("online", "phone", "mixed", "ivr", "text", "in_person", "other")
QUESTION_FORMATS = ("binary", "multi_option", "single_choice", "multi_mention", "rating")
EXCLUSIVE_FORMATS = ("binary", "multi_option", "single_choice")
SUM_TOLERANCE = 101.0

POLL_FIELDS: dict[str, tuple[str, str]] = {
    "poll_id": ("string", "Stable poll id: pollster slug + field end date (+ suffix if needed)."),
    "pollster": ("string", "Polling organisation (fieldwork)."),
    "sponsor": ("string", "Commissioning organisation, if any."),
    "start_date": ("date", "First day of fieldwork (ISO 8601)."),
    "end_date": ("date", "Last day of fieldwork (ISO 8601)."),
    "population": ("string", "a = adults, rv = registered, lv = likely, v = actual voters."),
    "mode": ("string", "online, phone, mixed, ivr, text, in_person, other; empty if not stated."),
    "country": ("string", "ISO 3166-1 alpha-2 code; empty for a multi-country total."),
    "n": ("integer", "The poll's total published sample size (also on subgroup rows)."),
    "question_id": ("string", "Stable snake_case id per question wording and pollster series."),
    "question_text": ("string", "Short wording of the question."),
    "question_format": (
        "string",
        "binary, multi_option, single_choice, multi_mention or rating (see datasets/README.md).",
    ),
    "subgroup": ("string", "'all' or group:value, e.g. party:rep, party:dem_lean, country:it."),
    "subgroup_n": ("integer", "Subgroup sample size; empty unless published."),
    "response": ("string", "Response option (lower case)."),
    "pct": ("number", "Share giving the response, percent (0-100)."),
    "moe": ("number", "Published full-sample margin of error, percentage points; else empty."),
    "deff": ("number", "Published design effect; else empty."),
    "source_url": ("string", "Where the figure was read."),
    "source_date": ("string", "Date (or year-month) of the source, ISO 8601; may be partial."),
    "notes": ("string", "Source quality, caveats and every build-time decision for the row."),
    "fact_id": ("string", "Id of the row in the project's fact sheets (empty if not from them)."),
}
INCOMPLETE_EXTRA_FIELDS: dict[str, tuple[str, str]] = {
    "field_start_text": ("string", "Field start as given in the facts (may be partial)."),
    "field_end_text": ("string", "Field end as given in the facts (may be partial)."),
    "n_text": ("string", "Sample size as given in the facts (may be text such as '26000+')."),
    "exclusion_reason": ("string", "Why the row cannot enter a poll frame as-is."),
    "intended_dataset": ("string", "The poll dataset the row would belong to if complete."),
}

FACTS_LICENSE = {
    "name": "MIT",
    "path": "https://opensource.org/licenses/MIT",
    "title": (
        "Compilation and build script: MIT, like the project. The figures themselves are "
        "facts quoted from the cited public sources (listed in `sources`, per row in "
        "`source_url`); no text or tables of those sources are reproduced beyond short "
        "question wordings."
    ),
}

# ----------------------------------------------------------------------------- code lists

ISO2: dict[str, str] = {
    "Albania": "AL",
    "Austria": "AT",
    "Belgium": "BE",
    "Bulgaria": "BG",
    "Canada": "CA",
    "Croatia": "HR",
    "Czech Republic": "CZ",
    "Czechia": "CZ",
    "Denmark": "DK",
    "Estonia": "EE",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Hungary": "HU",
    "Iceland": "IS",
    "Ireland": "IE",
    "Italy": "IT",
    "Japan": "JP",
    "Latvia": "LV",
    "Lithuania": "LT",
    "Luxembourg": "LU",
    "Malta": "MT",
    "Montenegro": "ME",
    "Netherlands": "NL",
    "North Macedonia": "MK",
    "Norway": "NO",
    "Poland": "PL",
    "Portugal": "PT",
    "Romania": "RO",
    "Slovakia": "SK",
    "Slovenia": "SI",
    "Spain": "ES",
    "Sweden": "SE",
    "Sweden (non-member then)": "SE",
    "Sweden (NATO from 2024)": "SE",
    "Turkey": "TR",
    "United Kingdom": "GB",
    "United States": "US",
}

REGIONS: dict[str, str] = {
    **dict.fromkeys(("EE", "LV", "LT"), "Baltic"),
    **dict.fromkeys(("DK", "IS", "NO"), "Nordic"),
    **dict.fromkeys(
        ("PL", "CZ", "SK", "HU", "RO", "BG", "SI", "HR", "AL", "ME", "MK"), "Central-Eastern"
    ),
    **dict.fromkeys(("DE", "FR", "NL", "BE", "LU", "GB"), "Western"),
    **dict.fromkeys(("IT", "ES", "PT", "GR", "TR"), "Southern"),
    **dict.fromkeys(("US", "CA"), "North American"),
}
"""Regional groups of the 30 NATO members (as fixed in the project brief)."""

SUBGROUPS: dict[str, str] = {
    "all": "all",
    "RV": "all",  # Gallup issue importance: the population (rv) is already the 897 RV
    "Democrats": "party:dem",
    "Dem": "party:dem",
    "Republicans": "party:rep",
    "Rep": "party:rep",
    "Independents": "party:ind",
    "Dem/lean Dem": "party:dem_lean",
    "Rep/lean Rep": "party:rep_lean",
}

ISSUE_NAMES: dict[str, str] = {
    "inflation": "inflation",
    "high cost of living/inflation": "inflation",
    "economy": "economy",
    "economy in general": "economy",
    "jobs and economy": "economy",
    "economy/jobs/inflation": "economy/jobs/inflation",
    "abortion": "abortion",
    "crime": "crime",
    "gun policy": "gun policy",
    "gun violence/mass shootings": "gun policy",
    "immigration": "immigration",
    "relations with Russia": "relations with russia",
    "Russia-Ukraine situation": "russia-ukraine situation",
    "war in Ukraine": "russia-ukraine situation",
    "climate change": "climate change",
    "climate/environment": "climate change",
    "government": "government",
    "government/poor leadership": "government",
    "gas prices": "gas prices",
    "net economic mentions": "net economic",
    "net economic problems": "net economic",
}
"""Issue labels of the sources -> one lower-case vocabulary used across sources."""

# question_short (facts) -> (question_id, question_format)
US_QUESTIONS: dict[str, tuple[str, str]] = {
    "US should continue to support Ukraine despite Russian nuclear threats": (
        "ipsos_support_despite_nuclear_threats",
        "binary",
    ),
    "US should continue providing weapons to Ukraine": ("ipsos_continue_weapons", "binary"),
    "US should continue providing financial aid to Ukraine": (
        "ipsos_continue_financial_aid",
        "binary",
    ),
    "afraid US is heading toward nuclear war with Russia": ("ipsos_fear_nuclear_war", "binary"),
    "concerned war may escalate if Ukraine gets longer-range weapons": (
        "ipsos_escalation_longer_range_weapons",
        "binary",
    ),
    "Ukraine's problems are not our business": ("ipsos_not_our_business", "binary"),
    "more likely to back candidate supporting continued military aid": (
        "ipsos_candidate_military_aid",
        "binary",
    ),
    "more likely to back candidate supporting Ukrainian refugees": (
        "ipsos_candidate_refugees",
        "binary",
    ),
    "worry a great deal/fair amount about Ukrainian people": ("ipsos_worry_ukrainians", "binary"),
    "approve Biden handling of Ukraine": ("ipsos_biden_ukraine_approval", "binary"),
    "support backing Ukraine until all Russian forces withdrawn": (
        "ipsos_back_until_withdrawal",
        "binary",
    ),
    "support providing arms (guns, anti-tank weapons) to Ukraine": (
        "ipsos_provide_arms",
        "binary",
    ),
    "support sending US troops to Ukraine": ("ipsos_send_troops", "binary"),
    "US support to Ukraine: too much / about right / not enough": (
        "pew_support_amount",
        "multi_option",
    ),
    "US doing too much / right amount / not doing enough to help Ukraine": (
        "gallup_help_ukraine_amount",
        "multi_option",
    ),
    "support Ukraine reclaiming territory even if prolonged conflict vs end quickly": (
        "gallup_reclaim_vs_end_quickly",
        "binary",
    ),
    "reclaim territory even if prolonged / end quickly even if Russia keeps territory": (
        "gallup_reclaim_vs_end_quickly",
        "binary",
    ),
    "reclaim territory vs end quickly": ("gallup_reclaim_vs_end_quickly", "binary"),
    "favor US providing weapons to Ukraine": ("apnorc_provide_weapons", "multi_option"),
    "favor/oppose US providing weapons to Ukraine": ("apnorc_provide_weapons", "multi_option"),
    "favor/oppose sending government funds directly to Ukraine": (
        "apnorc_send_funds",
        "multi_option",
    ),
    "US role in Russia-Ukraine situation": ("apnorc_us_role", "multi_option"),
    "support US policy toward Ukraine": ("ccga_support_policy", "binary"),
    "support Ukraine as long as it takes even if higher gas/food prices vs urge settlement": (
        "ccga_as_long_as_it_takes",
        "multi_option",
    ),
    "support Ukraine as long as it takes vs urge settlement": (
        "ccga_as_long_as_it_takes",
        "multi_option",
    ),
    "help Ukraine without risking direct US-Russia war vs even if risking war": (
        "quinnipiac_help_without_risking_war",
        "binary",
    ),
    "approve NATO decision not to enforce no-fly zone": (
        "quinnipiac_approve_no_fly_zone_decision",
        "binary",
    ),
    "US military aid to Ukraine should be increased/maintained/decreased": (
        "economist_yougov_military_aid_level",
        "multi_option",
    ),
}
# "support US policy toward Ukraine" is a battery (one binary item per policy): the policy is
# part of the question, so each policy gets its own question_id suffix and response "support".
US_BATTERY_QUESTIONS = {"ccga_support_policy"}

US_POLL_SLUGS: dict[str, str] = {
    "Ipsos": "ipsos",
    "Pew Research Center": "pew",
    "Pew Research Center (Global Attitudes, spring 2024)": "pew_global",
    "Gallup": "gallup",
    "AP-NORC": "apnorc",
    "Ipsos (KnowledgePanel)": "ccga_ipsos",
    "Quinnipiac University": "quinnipiac",
    "YouGov": "economist_yougov",
}

# series (facts_issues) -> (poll slug, pollster label, question_id, question_format)
ISSUE_SERIES: dict[str, tuple[str, str, str, str]] = {
    "2022 midterm exit poll (NBC, election night)": (
        "nep_nbc_election_night",
        "Edison Research",
        "exit_most_important_issue",
        "single_choice",
    ),
    "2022 midterm exit poll (NBC, final weights)": (
        "nep_nbc_final",
        "Edison Research",
        "exit_most_important_issue",
        "single_choice",
    ),
    "2022 midterm exit poll (CBS, early wave)": (
        "nep_cbs_early",
        "Edison Research",
        "exit_most_important_issue",
        "single_choice",
    ),
    "Gallup midterm issue importance": (
        "gallup",
        "Gallup",
        "gallup_issue_importance_2022",
        "rating",
    ),
    "Gallup Most Important Problem (annual average 2022)": (
        "gallup_mip_average",
        "Gallup",
        "gallup_mip_2022_average",
        "multi_mention",
    ),
    "Gallup MIP monthly": ("gallup", "Gallup", "gallup_mip", "multi_mention"),
    "Gallup MIP monthly (net economic)": (
        "gallup",
        "Gallup",
        "gallup_mip_net_economic",
        "binary",
    ),
    "Reuters/Ipsos most important problem": (
        "ipsos",
        "Ipsos",
        "ipsos_most_important_problem",
        "single_choice",
    ),
    "ABC News/Ipsos single most important issue": (
        "abc_ipsos",
        "Ipsos",
        "abc_ipsos_most_important_issue",
        "single_choice",
    ),
    "Quinnipiac most urgent issue": (
        "quinnipiac",
        "Quinnipiac University",
        "quinnipiac_most_urgent_issue",
        "single_choice",
    ),
    "Civiqs/Daily Kos": ("civiqs", "Civiqs", "civiqs_top_concerns", "multi_mention"),
}

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

# ----------------------------------------------------------------------------- small parsers

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_PREFIX = re.compile(r"^(\d{4}-\d{2}(?:-\d{2})?)")
_MOE = re.compile(r"^(~?)±\s*(\d+(?:\.\d+)?)")


def iso_date(text: str) -> str:
    """Return ``text`` if it is a full ISO date (YYYY-MM-DD), else ``""``."""
    text = text.strip()
    return text if _ISO_DATE.match(text) else ""


def iso_prefix(text: str) -> str:
    """Leading ISO date or year-month of ``text`` ("2022-10 (Pew release)" -> "2022-10")."""
    m = _ISO_PREFIX.match(text.strip())
    return m.group(1) if m else ""


def parse_n(text: str) -> tuple[int | None, str]:
    """Sample size as a published integer, plus a note; ``None`` when it is not one."""
    text = text.strip()
    if text.isdigit():
        return int(text), ""
    m = re.fullmatch(r"(\d+) RV \(of (\d+) adults\)", text)
    if m:
        return int(m.group(1)), f"n = {m.group(1)} registered voters (of {m.group(2)} adults)"
    return None, ""


def parse_moe(text: str) -> tuple[str, str]:
    """Margin of error in points as text, plus a note (``""`` when not stated)."""
    m = _MOE.match(text.strip())
    if not m:
        return "", ""
    note = f"moe reported as approximately ±{m.group(2)}" if m.group(1) else ""
    return fmt_decimal(m.group(2)), note


def fmt_decimal(text: str | Decimal, places: int | None = None) -> str:
    """Canonical decimal text: no exponent, no trailing zeros ("66", "1.5")."""
    d = Decimal(str(text))
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places))
    d = d.normalize()
    out = format(d, "f")
    return "0" if out in ("-0", "") else out


def population_code(text: str) -> str:
    """Map a facts population description to a poll-frame population code."""
    low = text.lower()
    if "likely voters" in low:
        return "lv"
    if "registered voters" in low:
        return "rv"
    if low.startswith("voters"):
        return "v"
    if "adult" in low:
        return "a"
    raise ValueError(f"unknown population text: {text!r}")


def mode_code(*texts: str) -> tuple[str, str]:
    """Survey mode from the facts' own words (population, notes), plus a note."""
    low = " ".join(texts).lower()
    if re.search(r"\bonline\b|\bweb\b", low):
        return "online", ""
    if "(phone)" in low:
        return "phone", ""
    if "face-to-face" in low:
        return "in_person", ""
    if re.search(r"\batp\b", low):
        return "online", "mode: Pew American Trends Panel, an online panel (FACTS.md series notes)"
    return "", ""


def slug(text: str) -> str:
    """Lower snake-case slug."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def join_notes(*parts: str) -> str:
    """Join non-empty note fragments with '; ' (dropping exact repeats)."""
    seen: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in seen:
            seen.append(p)
    return "; ".join(seen)


def quality_note(quality: str) -> str:
    return f"source quality: {quality}" if quality else ""


# ----------------------------------------------------------------------------- facts I/O


def read_facts(facts_dir: Path) -> dict[str, pd.DataFrame]:
    """Read the four fact sheets as all-text frames (empty cells -> "")."""
    names = ("facts_us_ukraine", "facts_issues", "facts_europe", "facts_aid")
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        path = facts_dir / f"{name}.csv"
        if not path.exists():
            raise SystemExit(f"fact sheet not found: {path}")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        out[name] = df.map(str.strip)
    return out


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- poll records


def blank_record() -> dict[str, Any]:
    return dict.fromkeys(POLL_COLUMNS, "")


def admissibility(rec: dict[str, Any]) -> str:
    """Return ``""`` if a record can enter a poll frame, else the reason it cannot."""
    reasons = []
    if rec["n"] in ("", None):
        n_text = rec.get("_n_text", "")
        reasons.append(
            f"n not published as a single integer (facts: '{n_text}')"
            if n_text
            else "n not published"
        )
    if not rec["start_date"] or not rec["end_date"]:
        reasons.append(
            "field dates not given as full dates (facts: start "
            f"'{rec.get('_start_text', '')}', end '{rec.get('_end_text', '')}')"
        )
    return "; ".join(reasons)


def dedupe(records: list[dict[str, Any]], quality: dict[str, str]) -> list[dict[str, Any]]:
    """Keep one record per poll x question x subgroup x response (primary source first)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for rec in records:
        key = (rec["poll_id"], rec["question_id"], rec["subgroup"], rec["response"])
        groups.setdefault(key, []).append(rec)
    out = []
    for recs in groups.values():
        recs = sorted(
            recs,
            key=lambda r: (not quality.get(r["fact_id"], "").startswith("primary"), r["fact_id"]),
        )
        keep = recs[0]
        for alt in recs[1:]:
            same = alt["pct"] == keep["pct"]
            keep["notes"] = join_notes(
                keep["notes"],
                f"duplicate: {alt['fact_id']} ({alt['source_url']}) gives "
                f"{alt['pct']}{'' if same else ' (CONFLICT)'}",
            )
        out.append(keep)
    return out


def check_sums(df: pd.DataFrame, name: str, exempt: Callable[[pd.DataFrame], Any] | None) -> None:
    """Fail if exclusive options of one poll x question x subgroup sum above 101."""
    sub = df[df["question_format"].isin(EXCLUSIVE_FORMATS)]
    if exempt is not None:
        sub = sub[~exempt(sub)]
    pct = sub["pct"].astype(float)
    sums = pct.groupby([sub["poll_id"], sub["question_id"], sub["subgroup"]]).sum()
    bad = sums[sums > SUM_TOLERANCE]
    if len(bad):
        raise SystemExit(f"{name}: responses sum above {SUM_TOLERANCE}:\n{bad}")


def subgroup_sort_key(value: str) -> tuple[int, str]:
    return (0, "") if value == "all" else (1, value)


def records_frame(records: list[dict[str, Any]], extra: Iterable[str] = ()) -> pd.DataFrame:
    """Records -> all-text frame in schema column order with a stable row order."""
    cols = list(POLL_COLUMNS) + list(extra)
    rows = [{c: "" if r.get(c) is None else str(r.get(c, "")) for c in cols} for r in records]
    df = pd.DataFrame(rows, columns=cols, dtype=str)
    if df.empty:
        return df
    df["_sg"] = df["subgroup"].map(subgroup_sort_key)
    df["_end"] = df["end_date"].where(df["end_date"] != "", df.get("field_end_text", ""))
    df = df.sort_values(
        ["_end", "poll_id", "question_id", "_sg", "response", "fact_id"], kind="mergesort"
    )
    return df.drop(columns=["_sg", "_end"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- US Ukraine


def convert_us(row: pd.Series) -> dict[str, Any] | None:
    """One verified row of facts_us_ukraine.csv -> a poll record."""
    rec = blank_record()
    qid, fmt = US_QUESTIONS[row["question_short"]]
    response = row["option"].lower()
    notes = [quality_note(row["source_quality"])]
    if qid in US_BATTERY_QUESTIONS:
        qid = f"{qid}_{slug(row['option'])}"
        notes.append(f"battery item: {row['option']}")
        response = "support"
    slug_ = US_POLL_SLUGS[row["pollster"]]
    start, end = iso_date(row["field_start"]), iso_date(row["field_end"])
    end_key = end or iso_prefix(row["field_end"]) or slug(row["field_end"])
    n, n_note = parse_n(row["n"])
    moe, moe_note = parse_moe(row["moe"])
    if row["id"] == "US001":
        moe, moe_note = (
            "",
            (
                "moe left empty: Mediaite reports ±4 but the Ipsos credibility interval was not "
                "captured (FACTS.md §5)"
            ),
        )
    mode, mode_note = mode_code(row["population"], row["notes"])
    if row["pollster"] == "Gallup" and "web survey" in row["population"].lower():
        mode = "online"
    rec.update(
        poll_id=f"{slug_}_{end_key}",
        pollster=row["pollster"],
        sponsor=row["sponsor"],
        start_date=start,
        end_date=end,
        population=population_code(row["population"]),
        mode=mode,
        country="US",
        n=n if n is not None else "",
        question_id=qid,
        question_text=row["question_short"],
        question_format=fmt,
        subgroup=SUBGROUPS[row["subgroup"]],
        response=response,
        pct=fmt_decimal(row["pct"]),
        moe=moe,
        source_url=row["source_url"],
        source_date=iso_prefix(row["source_date"]),
        fact_id=row["id"],
    )
    if row["pollster"] == "Pew Research Center (Global Attitudes, spring 2024)":
        rec["pollster"] = "Pew Research Center"
        notes.append("Pew Global Attitudes spring 2024 survey (not the ATP)")
    notes += [row["notes"], n_note, moe_note, mode_note]
    rec["notes"] = join_notes(*notes)
    rec["_n_text"], rec["_start_text"], rec["_end_text"] = (
        row["n"],
        row["field_start"],
        row["field_end"],
    )
    return rec


# ----------------------------------------------------------------------------- issues


def convert_issue(row: pd.Series) -> dict[str, Any]:
    """One verified row of facts_issues.csv -> a poll record."""
    rec = blank_record()
    slug_, pollster, qid, fmt = ISSUE_SERIES[row["series"]]
    issue = ISSUE_NAMES[row["issue"]]
    notes = [quality_note(row["source_quality"]), row["series"]]
    if issue != row["issue"]:
        notes.append(f"source label: '{row['issue']}'")
    if qid == "gallup_mip" and issue == "net economic":
        qid, fmt = "gallup_mip_net_economic", "binary"
    start, end = iso_date(row["field_start"]), iso_date(row["field_end"])
    end_key = end or iso_prefix(row["field_end"]) or slug(row["field_end"])
    n, n_note = parse_n(row["n"])
    moe, moe_note = parse_moe(row["moe"])
    mode, mode_note = mode_code(row["population"], row["notes"])
    if qid == "gallup_mip_net_economic":
        response = "net economic"
    else:
        response = issue
    rec.update(
        poll_id=f"{slug_}_{end_key}",
        pollster=pollster,
        sponsor=row["sponsor"],
        start_date=start,
        end_date=end,
        population=population_code(row["population"]),
        mode=mode,
        country="US",
        n=n if n is not None else "",
        question_id=qid,
        question_text=row["question_short"],
        question_format=fmt,
        subgroup=SUBGROUPS[row["subgroup"]],
        response=response,
        pct=fmt_decimal(row["pct"]),
        moe=moe,
        source_url=row["source_url"],
        source_date=iso_prefix(row["source_date"]),
        fact_id=row["id"],
    )
    if pollster != row["pollster"]:
        notes.append(f"pollster in facts: '{row['pollster']}'")
    notes += [row["notes"], n_note, moe_note, mode_note]
    rec["notes"] = join_notes(*notes)
    rec["_n_text"], rec["_start_text"], rec["_end_text"] = (
        row["n"],
        row["field_start"],
        row["field_end"],
    )
    return rec


EXIT_POLL_N_COMPONENTS = (17912, 2981)
"""Published components of the NBC 2022 national exit poll's sample (FACTS.md §2, IS001: 17,912
in-person interviews + 2,981 phone interviews; the Reuters source text is truncated, so other
components are possible)."""
EXIT_POLL_DERIVED_N_SERIES = (
    "2022 midterm exit poll (NBC, election night)",
    "2022 midterm exit poll (NBC, final weights)",
)


def derive_exit_poll_n(rec: dict[str, Any], series: str) -> None:
    """Give an NBC 2022 exit-poll record a derived n (a lower bound), noted in the row.

    n = 17,912 + 2,981 = 20,893, the published in-person and phone components (IS001). The
    final-weights rows are the same exit poll reweighted, so they carry the same n. The CBS
    early wave is left without n (no verified figure). Subgroup sizes stay empty.
    """
    if series not in EXIT_POLL_DERIVED_N_SERIES or rec["n"] not in ("", None):
        return
    in_person, phone = EXIT_POLL_N_COMPONENTS
    n = in_person + phone
    note = (
        f"n DERIVED, not published as one figure: {n} = {in_person} in-person + {phone} phone "
        "interviews, the published components (IS001); the source text is truncated and other "
        "components are possible, so the true n may be larger (a lower bound)"
    )
    if series.endswith("(NBC, final weights)"):
        note += (
            "; final-weights figures are the same exit poll reweighted, so the same n is used "
            "(same respondents as the election-night rows: do not pool both waves as "
            "independent polls)"
        )
    rec["n"] = n
    rec["notes"] = join_notes(rec["notes"], note)


# ----------------------------------------------------------------------------- Europe


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


# ----------------------------------------------------------------------------- France 2022

FR_SLUGS = {
    "Opinion Way": "opinionway",
    "Ifop": "ifop",
    "Harris Interactive": "harris_interactive",
    "Cluster17": "cluster17",
    "Elabe": "elabe",
    "Ipsos": "ipsos",
    "BVA": "bva",
    "Odoxa": "odoxa",
}
FR_REPO = "https://github.com/TheEconomist/2022-france-election-model"
FR_COMMIT = "7b73b917a400a15145d2d45a57fcf8f56bcfd8cf"
FR_BASE_NOTE = (
    "start_date = end_date (source has end dates only); population rv assumed (not in source)"
)


def fr_pct(text: str) -> str:
    """Proportion text -> percent text, shifted in decimal and rounded to 10 places."""
    return fmt_decimal(Decimal(text).scaleb(2), places=10)


def build_france(ref_dir: Path) -> pd.DataFrame:
    """Convert the Economist's raw poll files to the poll frame."""
    r1 = pd.read_csv(ref_dir / "raw_polls_round_one_current.csv", dtype=str, keep_default_na=False)
    r2 = pd.read_csv(ref_dir / "raw_polls_round_two_current.csv", dtype=str, keep_default_na=False)
    keys = pd.concat(
        [
            r1[["polling_firm", "end_date", "sample_size"]],
            r2[["polling_firm", "end_date", "sample_size"]],
        ]
    ).drop_duplicates()
    n_per_day = keys.groupby(["polling_firm", "end_date"])["sample_size"].transform("nunique")
    poll_ids: dict[tuple[str, str, str], str] = {}
    for (firm, end, n), k in zip(
        keys[["polling_firm", "end_date", "sample_size"]].itertuples(index=False),
        n_per_day,
        strict=True,
    ):
        pid = f"{FR_SLUGS[firm]}_{end}"
        poll_ids[(firm, end, n)] = f"{pid}_n{n}" if k > 1 else pid
    url1 = f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_one_current.csv"
    url2 = f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_two_current.csv"

    def base(firm: str, end: str, n: str) -> dict[str, Any]:
        rec = blank_record()
        rec.update(
            poll_id=poll_ids[(firm, end, n)],
            pollster=firm,
            start_date=end,
            end_date=end,
            population="rv",
            country="FR",
            n=int(n),
            source_date="2022-02-14",
        )
        return rec

    records = []
    sums = (
        r1.assign(p=r1["pct"].map(Decimal))
        .groupby(["polling_firm", "end_date", "sample_size"])["p"]
        .sum()
    )
    for row in r1.itertuples(index=False):
        rec = base(row.polling_firm, row.end_date, row.sample_size)
        pct = fr_pct(row.pct)
        notes = [FR_BASE_NOTE]
        total = sums[(row.polling_firm, row.end_date, row.sample_size)] * 100
        if total > SUM_TOLERANCE:
            notes.append(
                f"round-one shares of this poll sum to {fmt_decimal(total, 1)}% in the source"
            )
        if (Decimal(pct) * 10) % 1 != 0:
            notes.append("share not a multiple of 0.1 point: looks imputed by the source's model")
        rec.update(
            question_id="fr2022_round1",
            question_text="2022 French presidential election: first-round voting intention",
            question_format="multi_option",
            subgroup="all",
            response=row.cand,
            pct=pct,
            source_url=url1,
            notes=join_notes(*notes),
        )
        records.append(rec)
    for row in r2.itertuples(index=False):
        matchup = f"{row.cand1}_{row.cand2}"
        for cand, p in ((row.cand1, row.cand1_pct), (row.cand2, row.cand2_pct)):
            rec = base(row.polling_firm, row.end_date, row.sample_size)
            pct = fr_pct(p)
            notes = [FR_BASE_NOTE, f"source matchup id '{row.matchup}'"]
            if (Decimal(pct) * 10) % 1 != 0:
                notes.append(
                    "share not a multiple of 0.1 point: looks imputed by the source's model"
                )
            rec.update(
                question_id=f"fr2022_r2_{matchup}",
                question_text=(
                    f"2022 French presidential election: second-round voting intention, "
                    f"{row.cand1} vs {row.cand2}"
                ),
                question_format="multi_option",
                subgroup="all",
                response=cand,
                pct=pct,
                source_url=url2,
                notes=join_notes(*notes),
            )
            records.append(rec)
    return records_frame(records)


# ----------------------------------------------------------------------------- tables


def parse_value(text: str) -> tuple[str, str]:
    """Kiel value text -> (number text, qualifier) e.g. '>52' -> ('52', '>')."""
    m = re.fullmatch(r"(>=|<=|>|<|~)?\s*(\d+(?:\.\d+)?)", text.strip())
    if not m:
        return "", ""
    return fmt_decimal(m.group(2)), m.group(1) or ""


def month_start(ym: str) -> str:
    return f"{ym}-01"


def month_end(ym: str) -> str:
    return (pd.Period(ym, freq="M").end_time.date()).isoformat()


def parse_period(text: str) -> tuple[str, str, str]:
    """Kiel date text -> (cutoff_date, period_start, period_end)."""
    text = text.strip()
    if _ISO_DATE.match(text):
        return text, "", ""
    m = re.match(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text)
    if m:
        return "", m.group(1), m.group(2)
    m = re.match(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$", text)
    if m:
        return "", month_start(m.group(1)), month_end(m.group(2))
    return "", "", ""


KIEL_FIELDS: dict[str, tuple[str, str]] = {
    "fact_id": ("string", "Id of the row in facts_aid.csv."),
    "record_type": ("string", "aid_commitment (press-release figure) or aid_derived."),
    "release": ("string", "Kiel Ukraine Support Tracker release / update the figure is from."),
    "date_text": ("string", "Data cut-off or period as given in the facts."),
    "cutoff_date": ("date", "Data cut-off date when a single day is given."),
    "period_start": ("date", "Start of the period covered (month ranges: first day)."),
    "period_end": ("date", "End of the period covered (month ranges: last day)."),
    "donor": ("string", "Donor country, institution or aggregate as named in the source."),
    "donor_iso2": ("string", "ISO 3166-1 alpha-2 code when the donor is one country."),
    "measure": ("string", "What the value measures (commitments, allocations, % of GDP ...)."),
    "value": ("number", "The value as a number (see value_qualifier)."),
    "value_qualifier": ("string", "'>', '<' or '~' when the source gives a bound or approx."),
    "value_text": ("string", "The value exactly as given in the facts."),
    "unit": ("string", "Unit of value: 'EUR bn', '% GDP' or '%'."),
    "source_url": ("string", "Where the figure was read."),
    "source_date": ("string", "Date (or year-month) of the source."),
    "source_quality": ("string", "primary, secondary or derived (arithmetic on a source)."),
    "notes": ("string", "Caveats from the facts."),
}


def build_kiel(aid: pd.DataFrame) -> pd.DataFrame:
    rows = []
    sel = aid[aid["record_type"].str.startswith("aid") & (aid["verified"] == "yes")]
    for r in sel.itertuples(index=False):
        value, qual = parse_value(r.value)
        if not value:
            raise SystemExit(f"{r.id}: cannot parse value {r.value!r}")
        cutoff, p0, p1 = parse_period(r.data_cutoff_or_date)
        rows.append(
            {
                "fact_id": r.id,
                "record_type": r.record_type,
                "release": r.release_or_list,
                "date_text": r.data_cutoff_or_date,
                "cutoff_date": cutoff,
                "period_start": p0,
                "period_end": p1,
                "donor": r.country_or_donor,
                "donor_iso2": ISO2.get(r.country_or_donor, ""),
                "measure": r.measure,
                "value": value,
                "value_qualifier": qual,
                "value_text": r.value,
                "unit": r.unit,
                "source_url": r.source_url,
                "source_date": iso_prefix(r.source_date),
                "source_quality": r.source_quality,
                "notes": r.notes,
            }
        )
    return pd.DataFrame(rows, columns=list(KIEL_FIELDS), dtype=str)


# Elections: fact ids whose dates are not of a simple form, parsed by hand from the text.
ELECTION_EVENTS: dict[str, list[dict[str, str]]] = {
    "AD116": [{"date": "2023-01-13", "date_end": "2023-01-28"}],
    "AD120": [{"date": "2023-05-21", "date_end": "2023-06-25"}],
    "AD127": [
        {
            "date": "2024-04-24",
            "date_end": "2024-05-08",
            "election": "presidential (2 rounds)",
            "government_forming": "no",
        },
        {
            "date": "2024-05-08",
            "date_end": "",
            "election": "parliamentary",
            "government_forming": "yes",
        },
    ],
    "AD136": [
        {
            "date": "2024-11-24",
            "date_end": "",
            "election": "presidential, first round (annulled 2024-12-06)",
            "government_forming": "no",
        },
        {
            "date": "2024-12-01",
            "date_end": "",
            "election": "parliamentary",
            "government_forming": "yes",
        },
    ],
}
# First-pass election rows (AD098-AD112) do not state whether they form a government; the build
# assigns it from the office elected and notes that it did so.
ASSIGNED_GOV_FORMING = {
    "AD098": "yes",
    "AD099": "yes",
    "AD100": "no",
    "AD101": "yes",
    "AD102": "yes",
    "AD103": "yes",
    "AD104": "no",
    "AD105": "no",
    "AD106": "yes",
    "AD107": "yes",
    "AD108": "yes",
    "AD109": "no",
    "AD110": "yes",
    "AD111": "no",
    "AD112": "yes",
}
# Election dates from general knowledge (not in the facts): election_date_verified = no.
UNVERIFIED_ELECTIONS: list[dict[str, str]] = [
    {
        "iso2": "SK",
        "election": "presidential, run-off",
        "date": "2024-04-06",
        "government_forming": "no",
        "notes": "run-off of the 2024-03-23 first round; not verified against a source",
    },
]
# Members without a government-forming election in the facts after 2022-11-15.
NEXT_ELECTION_UNVERIFIED: dict[str, tuple[str, str, str]] = {
    "LV": (
        "2026-10-03",
        "parliamentary (Saeima)",
        "first Saturday of October every four years; not verified against a source",
    ),
    "DK": ("", "general (Folketing)", "due by 2026-10-31; date not verified against a source"),
    "HU": ("", "parliamentary", "due spring 2026; date not verified against a source"),
    "IT": ("", "general", "due by 2027; date not verified against a source"),
    "SI": ("", "parliamentary", "due 2026; date not verified against a source"),
}

ELECTION_FIELDS: dict[str, tuple[str, str]] = {
    "iso2": ("string", "ISO 3166-1 alpha-2 code of the NATO member."),
    "name": ("string", "Country name."),
    "election": ("string", "Kind of national election (rounds in brackets)."),
    "date": ("date", "Election day (first round / first day / first vote)."),
    "date_end": ("date", "Last day, run-off or repeat election, when there is one."),
    "dates_text": ("string", "Dates as given in the facts."),
    "government_forming": ("string", "yes if the election decides the government, else no."),
    "election_date_verified": ("string", "yes = read in a cited source (facts verified=yes)."),
    "source_url": ("string", "Source of the date (empty when not verified)."),
    "source_date": ("string", "Date (or year-month) of the source."),
    "fact_id": ("string", "Id of the row in facts_aid.csv (empty when not verified)."),
    "notes": ("string", "Caveats; how government_forming was set."),
}
NATO_FIELDS: dict[str, tuple[str, str]] = {
    "iso2": ("string", "ISO 3166-1 alpha-2 code."),
    "name": ("string", "Country name as in the source list."),
    "region": (
        "string",
        "Baltic, Nordic, Central-Eastern, Western, Southern or North American.",
    ),
    "joined": ("integer", "Year of NATO accession."),
    "next_election": (
        "date",
        "First government-forming national election after 2022-11-15 (empty if unknown).",
    ),
    "election_type": ("string", "Kind of that election."),
    "election_date_verified": ("string", "yes = date read in a cited source; no = not."),
    "election_source_url": ("string", "Source of the date (empty when not verified)."),
    "notes": ("string", "Run-offs, repeat elections, unverified dates."),
    "member_fact_id": ("string", "facts_aid.csv row of the membership record."),
    "election_fact_id": ("string", "facts_aid.csv row of the election (if verified)."),
}


def gov_forming(row: Any) -> tuple[str, str]:
    """Government-forming flag of an election fact, plus a note on how it was set."""
    text = f"{row.measure} {row.notes}".lower()
    if "not government-forming" in text or "government-forming: no" in text:
        return "no", ""
    if "(government-forming)" in text or "government-forming: yes" in text:
        return "yes", ""
    if row.id in ASSIGNED_GOV_FORMING:
        return ASSIGNED_GOV_FORMING[row.id], (
            "government_forming assigned by the build from the office elected (not stated in "
            "the fact row)"
        )
    return "", ""


def election_events(aid: pd.DataFrame) -> pd.DataFrame:
    """All verified election facts of the 30 members as one row per election event."""
    members = set(aid.loc[aid["record_type"] == "nato_member", "country_or_donor"])
    rows = []
    sel = aid[(aid["record_type"] == "election") & (aid["verified"] == "yes")]
    for r in sel.itertuples(index=False):
        if r.country_or_donor not in members:
            continue  # Finland, Sweden (not members in Nov 2022), EU-wide EP elections
        flag, flag_note = gov_forming(r)
        base = {
            "iso2": ISO2[r.country_or_donor],
            "name": r.country_or_donor,
            "election": re.sub(r"\s*\(government-forming\)", "", r.measure),
            "dates_text": r.value,
            "government_forming": flag,
            "election_date_verified": "yes",
            "source_url": r.source_url,
            "source_date": iso_prefix(r.source_date),
            "fact_id": r.id,
            "notes": join_notes(r.notes, flag_note),
        }
        if r.id in ELECTION_EVENTS:
            events = ELECTION_EVENTS[r.id]
        else:
            dates = re.findall(r"\d{4}-\d{2}-\d{2}", r.value)
            m = re.fullmatch(r"(\d{4}-\d{2})-(\d{2})\.\.(\d{2})", r.value)
            if m:
                dates = [f"{m.group(1)}-{m.group(2)}", f"{m.group(1)}-{m.group(3)}"]
            if not dates:
                base["notes"] = join_notes(base["notes"], "day not given in the source")
                dates = [""]
            events = [{"date": dates[0], "date_end": dates[-1] if len(dates) > 1 else ""}]
        for ev in events:
            row = {**base, **ev}
            if row["government_forming"] not in ("yes", "no"):
                raise SystemExit(f"{r.id}: government-forming status unknown")
            rows.append(row)
    for ev in UNVERIFIED_ELECTIONS:
        name = next(k for k, v in ISO2.items() if v == ev["iso2"] and k in members)
        rows.append(
            {
                "iso2": ev["iso2"],
                "name": name,
                "election": ev["election"],
                "date": ev["date"],
                "date_end": "",
                "dates_text": "",
                "government_forming": ev["government_forming"],
                "election_date_verified": "no",
                "source_url": "",
                "source_date": "",
                "fact_id": "",
                "notes": ev["notes"],
            }
        )
    df = pd.DataFrame(rows, columns=list(ELECTION_FIELDS), dtype=str)
    return df.sort_values(["date", "iso2", "election"], kind="mergesort").reset_index(drop=True)


def build_nato(aid: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    members = aid[(aid["record_type"] == "nato_member") & (aid["verified"] == "yes")]
    if len(members) != 30:
        raise SystemExit(f"expected 30 verified NATO members, found {len(members)}")
    rows = []
    for r in members.itertuples(index=False):
        iso = ISO2[r.country_or_donor]
        ev = events[
            (events["iso2"] == iso)
            & (events["government_forming"] == "yes")
            & (events["election_date_verified"] == "yes")
            & (events["date"] > WINDOW_START)
        ]
        if len(ev):
            e = ev.sort_values("date").iloc[0]
            extra = (
                f"second date (run-off, repeat election or last voting day): {e['date_end']}"
                if e["date_end"]
                else ""
            )
            rows.append(
                {
                    "iso2": iso,
                    "name": r.country_or_donor,
                    "region": REGIONS[iso],
                    "joined": r.value,
                    "next_election": e["date"],
                    "election_type": e["election"],
                    "election_date_verified": "yes",
                    "election_source_url": e["source_url"],
                    "notes": extra,
                    "member_fact_id": r.id,
                    "election_fact_id": e["fact_id"],
                }
            )
        else:
            date, kind, note = NEXT_ELECTION_UNVERIFIED[iso]
            rows.append(
                {
                    "iso2": iso,
                    "name": r.country_or_donor,
                    "region": REGIONS[iso],
                    "joined": r.value,
                    "next_election": date,
                    "election_type": kind,
                    "election_date_verified": "no",
                    "election_source_url": "",
                    "notes": join_notes(
                        "no government-forming election after 2022-11-15 in the facts", note
                    ),
                    "member_fact_id": r.id,
                    "election_fact_id": "",
                }
            )
    df = pd.DataFrame(rows, columns=list(NATO_FIELDS), dtype=str)
    return df.sort_values("iso2", kind="mergesort").reset_index(drop=True)


# ----------------------------------------------------------------------------- writing


def source_list(df: pd.DataFrame, title_of: Callable[[pd.Series], str]) -> list[dict[str, Any]]:
    """One {title, path, date} per distinct source URL, in order of first use."""
    out: dict[str, dict[str, Any]] = {}
    for _, row in df.iterrows():
        url = row["source_url"]
        if url and url not in out:
            out[url] = {"title": title_of(row), "path": url, "date": row["source_date"] or None}
    return list(out.values())


def poll_title(row: pd.Series) -> str:
    sponsor = row["sponsor"] if row["sponsor"] != row["pollster"] else ""
    who = row["pollster"] + (f" / {sponsor}" if sponsor else "")
    when = row["end_date"] or row.get("field_end_text", "")
    return f"{who}, fieldwork ending {when} ({urlparse(row['source_url']).netloc})"


def schema_of(fields: dict[str, tuple[str, str]], columns: Iterable[str]) -> dict[str, Any]:
    return {
        "fields": [{"name": c, "type": fields[c][0], "description": fields[c][1]} for c in columns]
    }


def write_dataset(
    out_dir: Path,
    name: str,
    df: pd.DataFrame,
    meta: dict[str, Any],
    fields: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """Write ``data.csv`` and ``datapackage.json``; return the datapackage."""
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "data.csv"
    df = df.fillna("").astype(str)
    df.to_csv(csv_path, index=False, lineterminator="\n", encoding="utf-8")
    data = csv_path.read_bytes()
    package: dict[str, Any] = {
        "name": name,
        "title": meta["title"],
        "description": meta["description"],
        "opinion_kind": meta["opinion_kind"],
        **(
            {"opinion_sum_tolerance": meta["opinion_sum_tolerance"]}
            if "opinion_sum_tolerance" in meta
            else {}
        ),
        "licenses": meta.get("licenses", [FACTS_LICENSE]),
        "sources": meta["sources"],
        "created": CREATED,
        "resources": [
            {
                "name": name,
                "path": "data.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
                "bytes": len(data),
                "rows": len(df),
                "schema": schema_of(fields, df.columns),
            }
        ],
    }
    for key in ("fact_ids", "excluded", "unverified_not_used", "issue_name_mapping", "build"):
        if key in meta:
            package[key] = meta[key]
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    (folder / "datapackage.json").write_text(text, encoding="utf-8")
    return package


def fact_ids_of(df: pd.DataFrame) -> list[str]:
    return sorted({f for f in df["fact_id"] if f})


# ----------------------------------------------------------------------------- main build


def build(facts_dir: Path, ref_dir: Path, out_dir: Path) -> dict[str, int]:
    facts = read_facts(facts_dir)
    quality = {r["id"]: r["source_quality"] for df in facts.values() for _, r in df.iterrows()}
    verified = {
        r["id"] for df in facts.values() for _, r in df.iterrows() if r["verified"] == "yes"
    }
    build_info = {
        "script": SCRIPT_PATH,
        "facts_sha256": {f"{k}.csv": file_sha256(facts_dir / f"{k}.csv") for k in sorted(facts)},
    }

    def unverified(df: pd.DataFrame) -> list[str]:
        return sorted(df.loc[df["verified"] != "yes", "id"])

    counts: dict[str, int] = {}
    incomplete: list[dict[str, Any]] = []

    def split(
        records: list[dict[str, Any]], dataset: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        keep, excluded = [], []
        for rec in records:
            reason = admissibility(rec)
            if reason:
                excluded.append({"fact_id": rec["fact_id"], "reason": reason})
                rec.update(
                    field_start_text=rec["_start_text"],
                    field_end_text=rec["_end_text"],
                    n_text=rec["_n_text"],
                    exclusion_reason=reason,
                    intended_dataset=dataset,
                )
                incomplete.append(rec)
            else:
                keep.append(rec)
        return keep, excluded

    def poll_dataset(
        name: str,
        records: list[dict[str, Any]],
        excluded: list[dict[str, str]],
        meta: dict[str, Any],
    ) -> None:
        df = records_frame(dedupe(records, quality))
        check_sums(df, name, None)
        meta = {
            **meta,
            "opinion_kind": "polls",
            "sources": source_list(df, poll_title),
            "fact_ids": fact_ids_of(df),
            "excluded": excluded,
            "build": build_info,
        }
        write_dataset(out_dir, name, df, meta, POLL_FIELDS)
        counts[name] = len(df)

    # 1. US opinion on aid to Ukraine
    us = facts["facts_us_ukraine"]
    recs = [convert_us(r) for _, r in us[us["verified"] == "yes"].iterrows()]
    keep, excl = split([r for r in recs if r], "us_ukraine_support")
    poll_dataset(
        "us_ukraine_support",
        keep,
        excl,
        {
            "title": "US opinion on aiding and arming Ukraine, 2022-2024",
            "description": (
                "Published toplines of US polls on support for Ukraine (Ipsos/Reuters, Pew, "
                "Gallup, AP-NORC, Chicago Council/Ipsos, Quinnipiac, Economist/YouGov), one row "
                "per poll x question x subgroup x response. Only verified facts with a published "
                "sample size and full field dates; the others are listed in `excluded` and kept "
                "in the table `poll_figures_incomplete`. Question series are NOT interchangeable "
                "(Pew 'too much/about right/not enough support' vs Gallup 'too much/right "
                "amount/not enough to help' vs AP-NORC favor/oppose weapons). Subgroup rows carry "
                "the poll's total n; subgroup sizes are not published. "
                "Unverified rows are never used (`unverified_not_used`)."
            ),
            "unverified_not_used": unverified(us),
        },
    )

    # 2. US issues 2022
    iss = facts["facts_issues"]
    recs = []
    for _, r in iss[iss["verified"] == "yes"].iterrows():
        rec = convert_issue(r)
        derive_exit_poll_n(rec, r["series"])
        recs.append(rec)
    keep, excl = split(recs, "us_issues_2022")
    poll_dataset(
        "us_issues_2022",
        keep,
        excl,
        {
            "title": "US issue salience around the 2022 midterms",
            "description": (
                "Issue importance and most-important-problem toplines, US 2022-23. "
                "`gallup_issue_importance_2022` (format rating) is one battery: response = "
                "issue, pct = % of registered voters calling it 'extremely important' to their "
                "vote (Gallup, 2022-10-03..20, n = 897 RV); shares of a rating battery do not "
                "sum to 100. `gallup_mip` (format multi_mention) is Gallup's open-ended most "
                "important problem (mentions overlap); `gallup_mip_net_economic` is the net "
                "share naming any economic problem. Issue labels are harmonised across sources "
                "(`issue_name_mapping`; the source label stays in `notes`). "
                "`exit_most_important_issue` (format single_choice, population v) is the NBC "
                "2022 national exit poll (Edison Research/NEP), 'which ONE issue mattered most', "
                "in two weightings: election night (`nep_nbc_election_night_2022-11-08`; all "
                "voters and Republicans) and final weights (`nep_nbc_final_2022-11-08`; all "
                "voters and Democrats). Their n is DERIVED, not published as one figure: "
                "20,893 = 17,912 in-person + 2,981 phone interviews, the published components; "
                "the source text is truncated, so the true n may be larger (a lower bound). The "
                "final-weights rows are the same respondents reweighted and carry the same n: "
                "do not pool the two weightings as independent polls. Party rows have no "
                "published subgroup size (`subgroup_n` empty). The CBS early wave of the same "
                "exit poll and most other most-important-problem items are NOT in this frame: "
                "their sample sizes or full field dates are not published in the facts. They "
                "are listed in `excluded` and kept, with poll ids ready, in the table "
                "`poll_figures_incomplete`."
            ),
            "unverified_not_used": unverified(iss),
            "issue_name_mapping": ISSUE_NAMES,
        },
    )

    # 3-5. Europe
    eu = facts["facts_europe"]
    recs, not_numeric = [], []
    for _, r in eu[eu["verified"] == "yes"].iterrows():
        rec = convert_europe(r)
        if rec is None:
            not_numeric.append(
                {"fact_id": r["id"], "reason": f"pct is not a single number ('{r['pct']}')"}
            )
        else:
            recs.append(rec)
    propagate_wave_attributes(recs)
    ecfr = [
        r
        for r in recs
        if r["question_id"] in ("ecfr_peace_justice_camp", "ecfr_russia_responsible")
    ]
    eb = [r for r in recs if r["question_id"].startswith("ep_eb_")]
    other = [r for r in recs if r not in ecfr and r not in eb]
    keep, excl = split(ecfr, "ecfr_peace_justice_2022")
    poll_dataset(
        "ecfr_peace_justice_2022",
        keep,
        excl,
        {
            "title": "ECFR 'Peace versus Justice' camps, 10 European countries, May 2022",
            "description": (
                "ECFR's May-2022 survey (fieldwork 2022-04-28..05-11, n = 8,172 adults in 10 "
                "countries): shares of the 'Peace' camp (end the war as soon as possible), the "
                "'Justice' camp (punish Russia / restore Ukraine's territory) and swing voters, "
                "and the share naming Russia as responsible for the war. The survey is one poll "
                "(`poll_id` ecfr_2022-05-11) with the 10-country total as subgroup 'all' "
                "(`country` empty) and each country as subgroup `country:<iso2>` (`country` "
                "set). `n` is the published 10-country total on every row; per-country sample "
                "sizes are NOT published, so `subgroup_n` is empty: do not use `n` as a "
                "country's sample size. Captured per-country figures are incomplete (no Peace "
                "share for GB, FI, PT; no Justice share for IT). The 10-country Justice share "
                "conflicts between sources (22 in the ECFR PDF copy vs 25 in a summary; 22 is "
                "kept). The fieldwork agency of this wave is not verified (later ECFR reports "
                "name YouGov/Datapraxis), so `pollster` is ECFR."
            ),
            "unverified_not_used": unverified(eu[eu["survey"] == "ECFR Peace versus Justice"]),
        },
    )
    if not [r for r in other if not admissibility(r)]:
        europe_note = (
            "europe_opinion_2022_2024 not built: no other verified European row has both a "
            "published n and full field dates"
        )
    else:  # pragma: no cover - not the case with the current facts
        raise SystemExit("other European rows became admissible: add europe_opinion_2022_2024")
    split(other, "europe_opinion_2022_2024")  # all go to poll_figures_incomplete

    # Eurobarometer (table: no published integer n)
    for rec in eb:
        rec.update(
            field_start_text=rec["_start_text"],
            field_end_text=rec["_end_text"],
            n_text=rec["_n_text"],
            exclusion_reason=admissibility(rec),
            intended_dataset="eurobarometer_support_2022",
        )
    eb_df = records_frame(dedupe(eb, quality), extra=INCOMPLETE_EXTRA_FIELDS)
    write_dataset(
        out_dir,
        "eurobarometer_support_2022",
        eb_df,
        {
            "title": "Approval of EU support to Ukraine by member state, autumn 2022",
            "description": (
                "European Parliament Eurobarometer autumn 2022 (Kantar, face-to-face, fieldwork "
                "2022-10-12..11-07): % approving the EU's support to Ukraine, EU27 and 25 "
                "member states (Hungary and Cyprus not captured), plus Greece's approval of "
                "specific measures. A TABLE, not a poll frame: the facts give the sample only as "
                "'26000+' (EU27) and no per-country n, so `n` is empty (the text is in `n_text`) "
                "and no value was invented. Columns follow the poll frame otherwise (countries "
                "as subgroups `country:<iso2>` of poll ep_eurobarometer_2022-11-07). To model "
                "these figures an analysis must state its own sample-size assumption."
            ),
            "opinion_kind": "table",
            "sources": source_list(eb_df, poll_title),
            "fact_ids": fact_ids_of(eb_df),
            "build": build_info,
        },
        {**POLL_FIELDS, **INCOMPLETE_EXTRA_FIELDS},
    )
    counts["eurobarometer_support_2022"] = len(eb_df)

    # poll_figures_incomplete (table)
    inc_df = records_frame(dedupe(incomplete, quality), extra=INCOMPLETE_EXTRA_FIELDS)
    # rows that cannot be shipped even as a table (pct not a number)
    all_excluded = sorted(not_numeric, key=lambda d: d["fact_id"])
    write_dataset(
        out_dir,
        "poll_figures_incomplete",
        inc_df,
        {
            "title": "Verified poll figures that cannot enter a poll frame as-is",
            "description": (
                "Every verified opinion figure of the fact sheets that lacks a published "
                "integer sample size or full field dates (US Ukraine polls, the 2022 exit polls, "
                "most-important-problem items, later ECFR waves, Pew Global Attitudes ...). "
                "Columns follow the poll frame, with `n`, `start_date`, `end_date` empty when "
                "unknown and the original text in `n_text`, `field_start_text`, "
                "`field_end_text`; `exclusion_reason` says what is missing and "
                "`intended_dataset` where the row would go. Nothing was invented. "
                + europe_note
                + "."
            ),
            "opinion_kind": "table",
            "sources": source_list(inc_df, poll_title),
            "fact_ids": fact_ids_of(inc_df),
            "excluded": all_excluded,
            "unverified_not_used": unverified(eu),
            "build": build_info,
        },
        {**POLL_FIELDS, **INCOMPLETE_EXTRA_FIELDS},
    )
    counts["poll_figures_incomplete"] = len(inc_df)

    # 6. Kiel aid
    aid = facts["facts_aid"]
    kiel = build_kiel(aid)
    write_dataset(
        out_dir,
        "kiel_aid_2022",
        kiel,
        {
            "title": "Aid to Ukraine: Kiel Ukraine Support Tracker figures, 2022-2024",
            "description": (
                "Verified figures from the Kiel Institute's Ukraine Support Tracker press "
                "releases (May-2022 to Feb-2024 updates; record_type aid_commitment) and "
                "calendar-2022 allocations computed from the tracker's Release 29 data "
                "(record_type aid_derived, source_quality derived). Headline numbers change "
                "between releases and measures differ (commitments vs allocations, bilateral vs "
                "with EU share): always filter on `release` and `measure`. Values are numbers "
                "in `unit`; '>52' is stored as value 52 with value_qualifier '>'. Kiel's data "
                "files are not redistributed here, only figures quoted from their public pages."
            ),
            "opinion_kind": "table",
            "sources": source_list(
                kiel, lambda r: f"Kiel UST: {r['release']} ({urlparse(r['source_url']).netloc})"
            ),
            "fact_ids": fact_ids_of(kiel),
            "unverified_not_used": sorted(
                aid.loc[(aid["verified"] != "yes") & aid["record_type"].str.startswith("aid"), "id"]
            ),
            "build": build_info,
        },
        KIEL_FIELDS,
    )
    counts["kiel_aid_2022"] = len(kiel)

    # 7. NATO members and election calendar
    events = election_events(aid)
    nato = build_nato(aid, events)
    member_sources = aid[aid["record_type"] == "nato_member"].iloc[:1]
    write_dataset(
        out_dir,
        "nato_members_2022",
        nato,
        {
            "title": "The 30 NATO members in November 2022 and their next national election",
            "description": (
                "One row per member as of November 2022 (Finland joined in 2023, Sweden in "
                "2024), with accession year, regional group and the first government-forming "
                "national election after 2022-11-15 (parliamentary, or presidential where it "
                "decides the government: US; for France the 2024 snap legislative election is "
                "the next government-forming one). Dates come from verified facts "
                "(election_date_verified = yes, with the source URL). Where the facts have no "
                "such election (DK, HU, IT, LV, SI: next due 2026-27), the date is filled only "
                "where fixed by law (LV) and marked election_date_verified = no; otherwise it "
                "is empty with the due year in `notes`. Full calendar: nato_elections_2022_2024."
            ),
            "opinion_kind": "table",
            "sources": [
                {
                    "title": "NATO member countries and accession years (eata.ee)",
                    "path": member_sources["source_url"].iloc[0],
                    "date": None,
                },
                *source_list(
                    nato.rename(columns={"election_source_url": "source_url"}).assign(
                        source_date=""
                    ),
                    lambda r: (
                        f"Election of {r['name']}: {r['election_type']} "
                        f"({urlparse(r['source_url']).netloc})"
                    ),
                ),
            ],
            "fact_ids": sorted(
                {f for f in [*nato["member_fact_id"], *nato["election_fact_id"]] if f}
            ),
            "build": build_info,
        },
        NATO_FIELDS,
    )
    counts["nato_members_2022"] = len(nato)

    cal = events[(events["date"] >= WINDOW_START) & (events["date"] <= WINDOW_END)]
    cal = cal.reset_index(drop=True)
    write_dataset(
        out_dir,
        "nato_elections_2022_2024",
        cal,
        {
            "title": "National elections in the 30 NATO members, 2022-11-15 to 2024-12-31",
            "description": (
                "One row per national election (presidential, parliamentary, run-offs in "
                "`date_end`) in a country that was a NATO member in November 2022, from "
                "verified facts. `government_forming` says whether the vote decides the "
                "government (set by the build, and noted, for first-pass rows that do not say). "
                "Multi-vote fact rows are split (North Macedonia 2024: presidential and "
                "parliamentary; Romania 2024: annulled presidential first round and "
                "parliamentary). One date from general knowledge is included with "
                "election_date_verified = no (Slovakia's 2024 presidential run-off). European "
                "Parliament elections and Finland/Sweden are not included."
            ),
            "opinion_kind": "table",
            "sources": source_list(
                cal[cal["source_url"] != ""],
                lambda r: f"{r['name']} {r['election']} ({urlparse(r['source_url']).netloc})",
            ),
            "fact_ids": fact_ids_of(cal),
            "build": build_info,
        },
        ELECTION_FIELDS,
    )
    counts["nato_elections_2022_2024"] = len(cal)

    # 8. France 2022
    fr = build_france(ref_dir)
    check_sums(fr, "france2022", lambda d: d["question_id"] == "fr2022_round1")
    fr_meta = {
        "title": "French presidential election 2022: voting-intention polls (The Economist)",
        "description": (
            "Real first-round and second-round voting-intention polls, 2021-09-02 to "
            "2022-02-11, from The Economist's 2022 France election model repository "
            f"({FR_REPO}, commit {FR_COMMIT[:7]}, files output-data/raw_polls_round_*_current."
            "csv; MIT licence, see LICENSE). Converted to the poll frame: pct = 100 x the source "
            "proportion; question_id fr2022_round1 (response = candidate) and "
            "fr2022_r2_<cand1>_<cand2> per second-round match-up. The source gives only end "
            "dates, so start_date = end_date. The source does not state the population; it is "
            "set to rv because French voting-intention polls sample registered voters. "
            "poll_id = firm + end date, with _n<sample size> appended when a firm has two polls "
            "ending the same day. The source's model-weight column is dropped. Kept as "
            "published and flagged in notes: first-round shares of some polls sum above 101%, "
            "and shares that are not a multiple of 0.1 point look like the source's own "
            "imputations for candidates a poll did not test. The Economist's published trend "
            "lines are in tests/reference/france2022/ for comparison. Because the source's "
            "round-one rows can sum to about 115%, loading uses opinion_sum_tolerance = 15 "
            "points instead of the default 1."
        ),
        "opinion_kind": "polls",
        "opinion_sum_tolerance": 15.0,
        "licenses": [
            {
                "name": "MIT",
                "path": "LICENSE",
                "title": "MIT License, Copyright (c) 2022 The Economist (file LICENSE here)",
            }
        ],
        "sources": [
            {
                "title": "The Economist, 2022 France election model: raw round-one polls",
                "path": f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_one_current.csv",
                "date": "2022-02-14",
            },
            {
                "title": "The Economist, 2022 France election model: raw round-two polls",
                "path": f"{FR_REPO}/blob/{FR_COMMIT}/output-data/raw_polls_round_two_current.csv",
                "date": "2022-02-14",
            },
        ],
    }
    fr_meta["fact_ids"] = []  # not built from the fact sheets
    fr_meta["build"] = {
        "script": SCRIPT_PATH,
        "reference_sha256": {
            name: file_sha256(ref_dir / name)
            for name in ("raw_polls_round_one_current.csv", "raw_polls_round_two_current.csv")
        },
    }
    write_dataset(out_dir, "france2022", fr, fr_meta, POLL_FIELDS)
    shutil.copyfile(ref_dir / "LICENSE", out_dir / "france2022" / "LICENSE")
    counts["france2022"] = len(fr)

    # every fact id written must be verified
    for name in counts:
        df = pd.read_csv(out_dir / name / "data.csv", dtype=str, keep_default_na=False)
        ids = set()
        for col in ("fact_id", "member_fact_id", "election_fact_id"):
            if col in df:
                ids |= {f for f in df[col] if f}
        bad = ids - verified
        if bad:
            raise SystemExit(f"{name}: unverified or unknown fact ids {sorted(bad)}")
    write_readme(out_dir, counts)
    return counts


def write_readme(out_dir: Path, counts: dict[str, int]) -> None:
    lines = [
        "# Bundled datasets",
        "",
        "Each folder holds `data.csv` (UTF-8, ISO dates) and a Frictionless-style",
        "`datapackage.json` (sources, licence, sha256 of data.csv, schema, and for fact-based",
        "datasets the fact ids used and the verified facts left out, with reasons).",
        "Built by `datasets/_build/build_datasets.py` from `shared/facts` (verified rows only)",
        "and The Economist's France 2022 polls; do not edit the outputs by hand.",
        "",
        "| dataset | kind | rows |",
        "|---|---|---|",
    ]
    for name in sorted(counts):
        pkg = json.loads((out_dir / name / "datapackage.json").read_text(encoding="utf-8"))
        lines.append(f"| `{name}` | {pkg['opinion_kind']} | {counts[name]} |")
    lines += [
        "",
        "Poll frames (`polls`) have one row per poll x question x subgroup x response.",
        "`question_format`: binary = one reported share of a yes/no-style item; multi_option =",
        "exclusive options of one question (incl. don't know); single_choice = 'the ONE most",
        "important issue'; multi_mention = open/multiple most-important-problem mentions (may",
        "sum above 100); rating = per-issue importance ratings (response = issue).",
        "",
        "Subgroup rows carry the poll's total `n`; `subgroup_n` is empty unless published.",
        "",
    ]
    (out_dir / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=REPO_ROOT.parent / "shared" / "facts")
    parser.add_argument(
        "--reference",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "reference" / "france2022",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "datasets")
    args = parser.parse_args(argv)
    counts = build(args.facts, args.reference, args.out)
    for name, n in sorted(counts.items()):
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
