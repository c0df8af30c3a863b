"""Poll-frame records built from the fact sheets, shared by the poll datasets.

A fact row becomes a record (dict) in the poll-frame columns. A record enters a poll frame
only when its total n is a published integer and both field dates are full ISO dates
(:func:`admissibility`); the others are listed in the dataset's ``excluded`` array and
shipped, with ``n``/dates empty, in ``poll_figures_incomplete``. Duplicates keep the primary
source (:func:`dedupe`); exclusive options may not sum above 101 (:func:`check_sums`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from .common import fmt_decimal, join_notes
from .provenance import Context, fact_ids_of, source_list

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

_MOE = re.compile(r"^(~?)±\s*(\d+(?:\.\d+)?)")


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


def poll_title(row: pd.Series) -> str:
    sponsor = row["sponsor"] if row["sponsor"] != row["pollster"] else ""
    who = row["pollster"] + (f" / {sponsor}" if sponsor else "")
    when = row["end_date"] or row.get("field_end_text", "")
    return f"{who}, fieldwork ending {when} ({urlparse(row['source_url']).netloc})"


def split(
    records: list[dict[str, Any]], dataset: str
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, Any]]]:
    """Admissible records, the ``excluded`` entries, and the others as incomplete rows."""
    keep, excluded, incomplete = [], [], []
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
    return keep, excluded, incomplete


def write_poll_dataset(
    ctx: Context,
    name: str,
    records: list[dict[str, Any]],
    excluded: list[dict[str, str]],
    meta: dict[str, Any],
) -> int:
    """Dedupe, check and write a poll frame (``opinion_kind: polls``)."""
    df = records_frame(dedupe(records, ctx.quality()))
    check_sums(df, name, None)
    meta = {
        **meta,
        "opinion_kind": "polls",
        "sources": source_list(df, poll_title),
        "fact_ids": fact_ids_of(df),
        "excluded": excluded,
        "build": ctx.build_info(),
    }
    return ctx.write(name, df, meta, POLL_FIELDS, verified=ctx.verified_ids())
