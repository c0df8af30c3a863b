"""``coalition_events``: dated acts of NATO governments, presidents and parliaments on Ukraine.

One row per verified row of ``panel/events.csv`` in a member country and in 2022-2025.
``actor_type`` normalises the actor's first-listed role (:func:`actor_type`); ``subtype`` is
parsed from ``subtype=...`` in the notes.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from . import panel
from .common import join_notes
from .provenance import Context, source_list, unverified_ids, verified_rows

NAME = "coalition_events"
WINDOW = ("2022-01-01", "2025-12-31")

EVENT_TYPES: dict[str, str] = {
    "halt_military_aid": "a halt or pause of military aid (or intelligence) deliveries",
    "cut_aid": "a cut of aid, or new funding for Ukraine left out",
    "veto_eu_support": "a veto or block of an EU decision supporting Ukraine",
    "block_nato_decision": "a block of a NATO decision (none in the data)",
    "call_for_negotiations": "a call for an immediate ceasefire / talks, or hosting talks",
    "resume_aid": "aid resumed after a halt",
    "increase_aid": "a new or larger aid package",
    "other": "anything else (mediation, opt-outs, vetoes lifted, refusals, UN votes ...)",
}
DEFECTION_TYPES = (
    "halt_military_aid",
    "cut_aid",
    "veto_eu_support",
    "block_nato_decision",
    "call_for_negotiations",
)
ROLE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("presidential candidate", "other"),
    ("head of state and government", "head_of_government"),
    ("head of government", "head_of_government"),
    ("government", "government"),
    ("executive", "government"),
    ("president", "president"),
    ("legislature", "parliament"),
    ("storting", "parliament"),
)
ACTOR_RULE = (
    "`actor_type` is the first role named in `actor`: 'head of government' and 'head of "
    "state and government' -> head_of_government; 'government' and 'executive' (US "
    "executive-branch officials: Secretary of State, CIA director ...) -> government; "
    "'president' -> president (a head of state who does not head the government, e.g. BG "
    "Radev, HR Milanovic, PL Duda/Nawrocki, CZ Pavel, RO Iohannis, LT Nauseda, LV Rinkevics; "
    "France's Macron too, though he steers foreign policy); 'legislature' or a named "
    "parliament (Storting) -> parliament; anything else (presidential candidate, election "
    "winner / PM-designate) -> other. `actor_types` lists the roles of every actor named "
    "(parts separated by '/' outside brackets), joined by '|', so joint acts (e.g. "
    "'president (Petr Pavel) / government (PM Petr Fiala)') can be selected either way; a "
    "part without a role word (a defence council) counts as other."
)


def role(text: str) -> str:
    low = text.strip().lower()
    return next((kind for prefix, kind in ROLE_PREFIXES if low.startswith(prefix)), "other")


def actor_parts(actor: str) -> list[str]:
    """The actors named in ``actor``: split on '/' outside brackets."""
    parts, depth, current = [], 0, ""
    for ch in actor:
        depth += (ch == "(") - (ch == ")")
        if ch == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def actor_type(actor: str) -> tuple[str, str]:
    """(first role, all roles joined by '|') of an actor description."""
    roles = list(dict.fromkeys(role(part) for part in actor_parts(actor)))
    return roles[0], "|".join(roles)


def subtype(notes: str) -> str:
    m = re.search(r"subtype\s*=\s*([A-Za-z0-9_\-]+)", notes)
    return m.group(1) if m else ""


def event_date(text: str) -> tuple[str, str]:
    """(ISO date, precision): a month-only date becomes the first day of the month."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text, "day"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{text}-01", "month"
    raise SystemExit(f"unparsed event date {text!r}")


FIELDS: dict[str, tuple[str, str]] = {
    "event_id": ("string", "Id of the source row in shared/facts/panel/events.csv."),
    "date": ("date", "Date of the act (month-only dates: first day; see date_precision)."),
    "date_precision": ("string", "day or month."),
    "iso2": ("string", "ISO 3166-1 alpha-2 code of the member."),
    "country": ("string", "Country as given."),
    "region": ("string", "Regional group of the member."),
    "actor": ("string", "Actor as given in the source row."),
    "actor_type": (
        "string",
        "government, head_of_government, president, parliament or other (see description).",
    ),
    "actor_types": ("string", "Roles of every actor named, '|'-separated."),
    "event_type": ("string", "Event code as in EVENTS_NOTES.md (see event_types)."),
    "subtype": ("string", "Finer code from the notes ('subtype=...'), else empty."),
    "defection": (
        "boolean",
        "true for halt_military_aid, cut_aid, veto_eu_support, block_nato_decision, "
        "call_for_negotiations.",
    ),
    "description": ("string", "What happened (compiler's own words)."),
    "source_url": ("string", "Where the event was read."),
    "source_date": ("string", "Date (or year-month) of the source."),
    "source_quality": ("string", "primary or secondary, as in the facts."),
    "notes": ("string", "Caveats from the facts (conflicts, exact day unknown ...)."),
}


def convert(r: Any, iso2: str) -> dict[str, str]:
    if r.event_type not in EVENT_TYPES:
        raise SystemExit(f"{r.id}: unknown event_type {r.event_type!r}")
    date, precision = event_date(r.date)
    first, everyone = actor_type(r.actor)
    return {
        "event_id": r.id,
        "date": date,
        "date_precision": precision,
        "iso2": iso2,
        "country": r.country,
        "region": panel.region(iso2),
        "actor": r.actor,
        "actor_type": first,
        "actor_types": everyone,
        "event_type": r.event_type,
        "subtype": subtype(r.notes),
        "defection": "true" if r.event_type in DEFECTION_TYPES else "false",
        "description": r.description,
        "source_url": r.source_url,
        "source_date": panel.source_date_text(r.source_date),
        "source_quality": r.source_quality,
        "notes": join_notes(r.notes),
    }


def build(ctx: Context) -> int:
    source = ctx.sheet(panel.EVENTS)
    members = panel.nato_members(ctx)
    rows, excluded = [], []
    for r in verified_rows(source).itertuples(index=False):
        iso2, aggregate, reason = panel.place(r.country, r.iso2, members)
        if aggregate:
            reason = "not a member country"
        if not reason and not WINDOW[0] <= event_date(r.date)[0] <= WINDOW[1]:
            reason = f"dated {r.date}, outside the 2022-2025 study window"
        if reason:
            excluded.append(panel.left_out(r.id, reason))
        else:
            rows.append(convert(r, iso2))
    df = pd.DataFrame(rows, columns=list(FIELDS), dtype=str)
    df = df.sort_values(["date", "event_id"], kind="mergesort").reset_index(drop=True)
    return ctx.write(
        NAME,
        df,
        {
            "title": "Government acts on Ukraine support and negotiations, NATO members, 2022-2025",
            "description": DESCRIPTION,
            "opinion_kind": "table",
            "sources": source_list(
                df,
                lambda r: (
                    f"{r['country']} {r['date']}: {r['event_type']} "
                    f"({urlparse(r['source_url']).netloc})"
                ),
            ),
            "fact_ids": sorted(df["event_id"]),
            "excluded": excluded,
            "unverified_not_used": unverified_ids(source),
            "event_types": EVENT_TYPES,
            "members_without_rows": panel.members_without(df, members),
            "build": ctx.build_info(panel.EVENTS, "facts_aid"),
        },
        FIELDS,
        verified=ctx.verified_ids(panel.EVENTS),
        id_columns=("event_id",),
    )


DESCRIPTION = (
    "Dated acts of the governments, heads of government, presidents and parliaments of the "
    "30 NATO members of November 2022 on Ukraine support and negotiations, 2022-2025, for an "
    "event model on country-months: aid halts and cuts, vetoes of EU support, calls for "
    "ceasefire talks, resumptions and increases of aid, and other acts (`event_types`). One "
    "row per verified row of shared/facts/panel/events.csv (`event_id`), sorted by date; "
    "rows of non-members (Finland, Sweden) and the one event dated after 2025 are listed in "
    "`excluded`. `event_type` is the compiler's code (EVENTS_NOTES.md); `defection` marks "
    "the defection-type codes; `subtype` is parsed from the notes where they say "
    "`subtype=...` (e.g. mediation, refuse_participation, opt_out_without_veto, veto_lifted) "
    "so that 'other' events can be recoded. " + ACTOR_RULE + " Month-only dates (the source "
    "gives no day) are the first day of the month with `date_precision` month. Coverage is "
    "uneven (Hungary, the US and Slovakia dominate; Hungary's vetoes are not exhaustive); "
    "`members_without_rows` lists members with no event, which means none was found, not "
    "that none happened."
)
