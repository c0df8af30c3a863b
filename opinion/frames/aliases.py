"""Pollster aliases: one canonical name per polling organisation, sponsors kept apart.

"Reuters/Ipsos", "Ipsos/Reuters" and "Ipsos (KnowledgePanel)" are all the pollster *Ipsos*;
the media partner (Reuters) is the *sponsor*, kept in its own column so house effects are
estimated per pollster while sponsor information is not lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from opinion.errors import DataValidationError

CANONICAL_POLLSTERS: dict[str, str] = {
    "ipsos": "Ipsos",
    "pew": "Pew Research Center",
    "pew research": "Pew Research Center",
    "pew research center": "Pew Research Center",
    "gallup": "Gallup",
    "ap-norc": "AP-NORC",
    "ap norc": "AP-NORC",
    "associated press-norc": "AP-NORC",
    "ap-norc center for public affairs research": "AP-NORC",
    "yougov": "YouGov",
    "quinnipiac": "Quinnipiac University",
    "quinnipiac university": "Quinnipiac University",
    "morning consult": "Morning Consult",
    "marist": "Marist College",
    "marist college": "Marist College",
    "harris": "Harris Poll",
    "harris poll": "Harris Poll",
    "harrisx": "HarrisX",
    "edison research": "Edison Research",
    "edison": "Edison Research",
    "ssrs": "SSRS",
    "monmouth": "Monmouth University",
    "monmouth university": "Monmouth University",
    "ifop": "Ifop",
    "elabe": "Elabe",
    "ipsos-sopra steria": "Ipsos",
    "opinionway": "OpinionWay",
    "harris interactive": "Harris Interactive",
    "bva": "BVA",
    "kantar": "Kantar",
    "odoxa": "Odoxa",
    "datapraxis": "Datapraxis",
}
"""Lower-case alias -> canonical pollster name."""

KNOWN_SPONSORS: frozenset[str] = frozenset(
    {"reuters", "the economist", "economist", "cnn", "nbc", "nbc news", "cbs", "cbs news",
     "abc", "abc news", "washington post", "wall street journal", "wsj", "npr", "pbs",
     "fox news", "new york times", "nyt", "usa today", "chicago council on global affairs",
     "ecfr", "european parliament", "european commission"}
)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

_QUALIFIER = re.compile(r"\s*\((?:knowledgepanel|online|phone|panel|ATP)\)\s*$", re.IGNORECASE)


def canonical_pollster(
    name: str, sponsor: str | None = None, extra: Mapping[str, str] | None = None
) -> tuple[str, str | None]:
    """Return ``(pollster, sponsor)`` for a raw pollster string.

    Parameters
    ----------
    name
        The pollster as published, e.g. ``"Reuters/Ipsos"``.
    sponsor
        A sponsor already given in the data; kept unless empty.
    extra
        User aliases (lower-case alias -> canonical name), consulted first.

    Returns
    -------
    tuple
        Canonical pollster name and sponsor (the split-off partner when the raw name was
        ``"A/B"`` with one side a known sponsor).
    """
    if _CONTROL.search(str(name)):  # left as written: validation rejects it
        return name, sponsor
    table = {**CANONICAL_POLLSTERS, **{k.lower(): v for k, v in (extra or {}).items()}}
    raw = " ".join(str(name).split())
    key = _QUALIFIER.sub("", raw).lower()
    if key in table:
        return table[key], sponsor
    parts = [p.strip() for p in re.split(r"\s*[/|&]\s*", raw) if p.strip()]
    if len(parts) == 2:
        lowered = [_QUALIFIER.sub("", p).lower() for p in parts]
        for i, part in enumerate(lowered):
            other = parts[1 - i]
            if part in table and (lowered[1 - i] in KNOWN_SPONSORS or lowered[1 - i] not in table):
                return table[part], sponsor or other
    return raw, sponsor


def merge_aliases(
    frame: pd.DataFrame, extra: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonicalise the ``pollster`` column (and fill ``sponsor``) of a raw frame.

    Returns
    -------
    tuple
        The updated frame (a copy) and a table ``raw, pollster, sponsor, rows`` of every
        name that changed, so the merge is visible in the validation summary.
    """
    if extra is not None and (not isinstance(extra, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in extra.items())):
        raise DataValidationError("aliases must be a dict {alias: canonical name} of text")
    out = frame.copy()
    if "sponsor" not in out.columns:
        out["sponsor"] = pd.NA
    pairs = out[["pollster", "sponsor"]].astype(object).drop_duplicates()
    changes = []
    mapping: dict[tuple, tuple[str, str | None]] = {}
    for raw, spon in pairs.itertuples(index=False):
        if raw is None or (isinstance(raw, float) and pd.isna(raw)) or raw is pd.NA:
            continue
        spon_clean = None if spon is None or spon is pd.NA or pd.isna(spon) or spon == "" else spon
        canon, new_sponsor = canonical_pollster(raw, spon_clean, extra)
        mapping[(raw, spon)] = (canon, new_sponsor)
        if canon != raw or new_sponsor != spon_clean:
            changes.append((raw, canon, new_sponsor))
    if mapping:
        keys = list(zip(out["pollster"].astype(object), out["sponsor"].astype(object), strict=True))
        new = [mapping.get(k, (k[0], k[1])) for k in keys]
        out["pollster"] = [p for p, _ in new]
        out["sponsor"] = [s for _, s in new]
    counts = frame["pollster"].value_counts(dropna=True)
    table = pd.DataFrame(changes, columns=["raw", "pollster", "sponsor"]).drop_duplicates()
    table["rows"] = table["raw"].map(counts).fillna(0).astype(int)
    return out, table.reset_index(drop=True)
