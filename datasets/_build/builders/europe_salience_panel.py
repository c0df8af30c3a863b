"""``europe_salience_panel``: issue salience per country and wave, issues harmonised.

One row per verified row of ``panel/panel_salience.csv`` (NATO-30 members and aggregates).
The source label (the category, or for the European Parliament's "concerned about X" items
the X) maps to one ``issue`` (:data:`ISSUES`) and each issue to an ``issue_group``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import panel
from .provenance import Context, source_list, unverified_ids, verified_rows

NAME = "europe_salience_panel"

ISSUES: dict[str, str] = {
    "rising prices/inflation/cost of living": "prices_inflation",
    "inflation/prices": "prices_inflation",
    "inflation": "prices_inflation",
    "rising cost of living": "prices_inflation",
    "energy supply": "energy",
    "energy policy": "energy",
    "economic situation": "economic_situation",
    "economy": "economic_situation",
    "unemployment": "unemployment",
    "government debt": "government_debt",
    "taxation": "taxation",
    "taxes": "taxation",
    "international situation": "international_situation",
    "security and defence": "security_defence",
    "Russia's invasion of Ukraine": "war_ukraine",
    "war in Ukraine": "war_ukraine",
    "Ukraine war": "war_ukraine",
    "spread of war in Ukraine to other countries": "war_ukraine",
    "armed conflicts/peace/foreign policy": "war_peace_foreign_policy",
    "military conflict between nations": "military_conflict",
    "nuclear incident": "nuclear_incident",
    "immigration": "immigration",
    "immigration control": "immigration",
    "refugees/asylum": "immigration",
    "health": "health",
    "healthcare": "health",
    "NHS/health": "health",
    "environment and climate change": "climate_environment",
    "environment/climate": "climate_environment",
    "environment/climate change": "climate_environment",
    "climate change": "climate_environment",
    "housing": "housing",
    "crime": "crime",
    "crime/violence": "crime",
    "internal security/crime": "crime",
    "pensions": "pensions",
    "education system": "education",
    "education": "education",
    "social injustice/poverty": "poverty_inequality",
    "poverty/social inequality": "poverty_inequality",
    "poverty and social exclusion": "poverty_inequality",
    "lack of faith in politics": "politics_trust",
    "extremism": "extremism",
}
"""Source label -> harmonised issue."""

DOMESTIC_ECONOMIC = (
    "prices_inflation",
    "energy",
    "economic_situation",
    "unemployment",
    "government_debt",
    "taxation",
)
INTERNATIONAL_WAR = (
    "international_situation",
    "security_defence",
    "war_ukraine",
    "war_peace_foreign_policy",
    "military_conflict",
    "nuclear_incident",
)
ISSUE_GROUPS: dict[str, str] = {
    issue: (
        "domestic_economic"
        if issue in DOMESTIC_ECONOMIC
        else "international_war"
        if issue in INTERNATIONAL_WAR
        else "other"
    )
    for issue in dict.fromkeys(ISSUES.values())
}

# (survey, measure prefix) -> (item, scope, question_format)
ITEMS: list[tuple[str, str, tuple[str, str, str]]] = [
    (
        "Standard Eurobarometer",
        "QA3a national",
        ("eb_qa3a_national_top2", "national", "multi_mention"),
    ),
    (
        "Standard Eurobarometer",
        "What do you think are the two most important issues facing (OUR COUNTRY)",
        ("eb_qa3a_national_top2", "national", "multi_mention"),
    ),
    (
        "Standard Eurobarometer",
        "two most important issues facing the EU",
        ("eb_qa5_eu_top2", "eu", "multi_mention"),
    ),
    (
        "European Parliament Eurobarometer",
        "EP: concerned about",
        ("ep_concerned", "personal", "rating"),
    ),
    (
        "ARD-DeutschlandTREND (Germany)",
        "most important political problem",
        ("ard_most_important_problem", "national", "multi_mention"),
    ),
    (
        "ARD-DeutschlandTREND (Germany)",
        "single most important political problem",
        ("ard_single_most_important_problem", "national", "single_choice"),
    ),
    (
        "Ipsos Issues Index (Great Britain)",
        "Ipsos Issues Index",
        ("ipsos_issues_index", "national", "multi_mention"),
    ),
    (
        "Ipsos What Worries the World",
        "Ipsos WWW",
        ("ipsos_www_top3_worries", "national", "multi_mention"),
    ),
    (
        "eupinions (Bertelsmann Stiftung)",
        "eupinions: biggest current worry",
        ("eupinions_biggest_worry", "personal", "single_choice"),
    ),
]
ITEM_DOC = (
    "`item`: eb_qa3a_national_top2 = Standard Eurobarometer QA3a 'two most important issues "
    "facing (OUR COUNTRY)' (max 2 mentions); eb_qa5_eu_top2 = QA5, the same for the EU (scope "
    "eu: not a national measure); ep_concerned = European Parliament Eurobarometer 'concerned "
    "about X' (one yes/no share per issue; scope personal); ard_most_important_problem = "
    "ARD-DeutschlandTREND open 'most important political problem' (multiple mentions); "
    "ard_single_most_important_problem = its Morgenmagazin single-answer variant; "
    "ipsos_issues_index = Ipsos Issues Index GB (unprompted, most + other important issues); "
    "ipsos_www_top3_worries = Ipsos What Worries the World (three most worrying topics in the "
    "country); eupinions_biggest_worry = eupinions 'biggest current worry' (format as "
    "labelled in the source). `question_format` uses the vocabulary of datasets/README.md; "
    "shares of multi_mention and rating items do not sum to 100."
)


def item_of(survey: str, measure: str) -> tuple[str, str, str]:
    for s, prefix, value in sorted(ITEMS, key=lambda t: -len(t[1])):
        if survey == s and measure.startswith(prefix):
            return value
    raise SystemExit(f"no salience item for {survey!r} / {measure!r}")


def label_of(r: Any) -> str:
    """The issue label of a source row (EP concern items carry it in the measure)."""
    prefix = "EP: concerned about "
    return r.measure.removeprefix(prefix) if r.measure.startswith(prefix) else r.category


FIELDS: dict[str, tuple[str, str]] = {
    **panel.SURVEY_FIELDS,
    "item": ("string", "Question format id (see description)."),
    "scope": ("string", "national, eu (issues facing the EU) or personal (own concern)."),
    "question_format": ("string", "multi_mention, single_choice or rating."),
    "question_wording": ("string", "Question wording as given."),
    "measure": ("string", "Measure as given in the facts."),
    "category": ("string", "Response category as given (the issue label; 'concerned' for EP)."),
    "issue": ("string", "Harmonised issue (issue_mapping)."),
    "issue_group": ("string", "domestic_economic, international_war or other (issue_groups)."),
    "pct": ("number", "Share naming / concerned about the issue, percent (0-100)."),
    **panel.TAIL_FIELDS,
}


def convert(r: Any, iso2: str, aggregate: bool, wave: tuple[str, str], ns: dict) -> dict[str, str]:
    label = label_of(r)
    if label not in ISSUES:
        raise SystemExit(f"{r.id}: no issue mapping for {label!r}")
    item, scope, fmt = item_of(r.survey, r.measure)
    row = panel.survey_columns(r, iso2, aggregate, wave, ns)
    notes = row.pop("_notes")
    return {
        **row,
        "item": item,
        "scope": scope,
        "question_format": fmt,
        "question_wording": r.question_wording,
        "measure": r.measure,
        "category": r.category,
        "issue": ISSUES[label],
        "issue_group": ISSUE_GROUPS[ISSUES[label]],
        "pct": panel.pct_text(r.pct, r.id),
        "source_url": r.source_url,
        "source_date": panel.source_date_text(r.source_date),
        "source_quality": r.source_quality,
        "same_cell_rows": "",
        "notes": notes,
    }


def build(ctx: Context) -> int:
    source = ctx.sheet(panel.SALIENCE)
    members = panel.nato_members(ctx)
    rows, excluded = [], []
    waves = panel.wave_info(verified_rows(source))
    ns = panel.country_n(ctx)
    for r in verified_rows(source).itertuples(index=False):
        iso2, aggregate, reason = panel.place_survey(r.country, r.iso2, members)
        if reason:
            excluded.append(panel.left_out(r.id, reason))
        else:
            rows.append(convert(r, iso2, aggregate, waves[(r.survey, r.wave)], ns))
    df = pd.DataFrame(rows, columns=list(FIELDS), dtype=str)
    df["same_cell_rows"] = panel.same_cell(
        df, ["survey", "wave", "iso2", "item", "category", "issue"]
    )
    return ctx.write(
        NAME,
        df,
        {
            "title": "Issue salience per NATO member and survey wave, 2022-2025",
            "description": DESCRIPTION,
            "opinion_kind": "table",
            "sources": source_list(df, panel.source_title),
            "fact_ids": sorted(df["row_id"]),
            "excluded": excluded,
            "unverified_not_used": unverified_ids(source),
            "issue_mapping": ISSUES,
            "issue_groups": ISSUE_GROUPS,
            "members_without_rows": panel.members_without(df, members),
            "build": ctx.build_info(panel.SUPPORT, panel.SALIENCE, "facts_aid"),
        },
        FIELDS,
        verified=ctx.verified_ids(panel.SALIENCE),
        id_columns=("row_id",),
    )


DESCRIPTION = (
    "How salient issues are per country and survey wave (Standard Eurobarometer QA3a/QA5, "
    "European Parliament Eurobarometer concern items, ARD-DeutschlandTREND, Ipsos Issues "
    "Index, Ipsos What Worries the World, eupinions), to measure the salience of domestic "
    "economic issues against the war per country and wave. One row per verified row of "
    "shared/facts/panel/panel_salience.csv (`row_id`): the 30 NATO members of November 2022 "
    "(`nato_member` true), the EU27 aggregate (`iso2` EU, `aggregate` true) and the EU states "
    "that were not NATO members then (Austria, Cyprus, Finland, Ireland, Malta, Sweden; "
    "`nato_member` false, to calibrate items; not coalition members); rows of other "
    "countries and unverified rows are listed (`excluded`, `unverified_not_used`). Each source "
    "label is "
    "mapped to one harmonised `issue` (`issue_mapping`: e.g. 'rising prices/inflation/cost of "
    "living', 'inflation/prices', 'inflation', 'rising cost of living' -> prices_inflation; "
    "'energy supply', 'energy policy' -> energy; 'economic situation', 'economy' -> "
    "economic_situation; 'international situation' -> international_situation; 'war in "
    "Ukraine', 'Russia's invasion of Ukraine', 'Ukraine war', EP 'spread of war in Ukraine to "
    "other countries' -> war_ukraine; 'immigration', 'immigration control', 'refugees/asylum' "
    "-> immigration; 'health', 'healthcare', 'NHS/health' -> health; ...) and each issue to an "
    "`issue_group` (`issue_groups`): domestic_economic = prices_inflation, energy, "
    "economic_situation, unemployment, government_debt, taxation (the economic items of "
    "Eurobarometer QA3a); international_war = international_situation, security_defence, "
    "war_ukraine, war_peace_foreign_policy (ARD 'armed conflicts/peace/foreign policy'), "
    "military_conflict (Ipsos 'military conflict between nations') and nuclear_incident (EP "
    "autumn 2022, asked during the Zaporizhzhia crisis); everything else other. "
    + ITEM_DOC
    + " Compare shares only within one item; EB QA5 (scope eu) is not a national measure. "
    + panel.N_BASIS_DOC
    + " "
    + panel.DATE_DOC
    + " Reports of the same figure from several sources are all kept and point at each other "
    "in `same_cell_rows`; EB102 EU27 'housing' is reported as 4 and as 13 (one is probably the "
    "EU-level QA5 figure): use with care."
)
