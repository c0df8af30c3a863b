"""Issue names that look like one issue spelled two ways (shared by the models that read
issue lists)."""

from __future__ import annotations

import difflib
import re

from opinion.frames.schema import DONT_KNOW_RESPONSES

NAME_SIMILARITY = 0.9

DEFAULT_NON_ISSUES: tuple[str, ...] = tuple(sorted(
    DONT_KNOW_RESPONSES | {"other", "others", "none", "nothing", "something else",
                           "other (vol.)", "other issue", "no answer", "none of these"}))
"""Responses that are not issues: in single-choice questions their share is part of the
remainder ("other"); in multi-mention and rating questions they are dropped."""


def normalise_issue(name: str) -> str:
    """Comparison key of an issue label: lower case, no leading 'the', no punctuation."""
    key = re.sub(r"[^0-9a-z]+", " ", str(name).lower()).strip()
    key = re.sub(r"^(the|a|an) ", "", key)
    return re.sub(r"\s+", " ", key)


def near_duplicate_issues(names: list[str]) -> list[list[str]]:
    """Groups of issue names that look like one issue spelled differently.

    Two names are near-duplicates when their :func:`normalise_issue` keys are equal
    ("Economy", "the economy") or very similar (difflib ratio >= 0.9: "immigration",
    "imigration").
    """
    keys = {n: normalise_issue(n) for n in names}
    parent = {n: n for n in names}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    ordered = sorted(names)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            ka, kb = keys[a], keys[b]
            if ka == kb or difflib.SequenceMatcher(None, ka, kb).ratio() >= NAME_SIMILARITY:
                parent[find(b)] = find(a)
    groups: dict[str, list[str]] = {}
    for n in ordered:
        groups.setdefault(find(n), []).append(n)
    return [g for g in groups.values() if len(g) > 1]
