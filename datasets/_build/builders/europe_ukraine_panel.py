"""``europe_ukraine_panel``: support for aiding Ukraine / for negotiating, per country and wave.

One row per verified row of ``panel/panel_support.csv`` (NATO-30 members and aggregates).
Each distinct question wording x response category is one ``item`` with a ``construct`` and,
for pressure items, a ``direction`` (:data:`ITEMS`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import panel
from .provenance import Context, source_list, unverified_ids, verified_rows

NAME = "europe_ukraine_panel"

CONSTRUCTS: dict[str, str] = {
    "support_aid": (
        "support for giving Ukraine military, financial or humanitarian aid (or for the "
        "amount given). Pressure item: agree/approve/more = -1, disagree/too much = +1."
    ),
    "negotiate": (
        "negotiating / ending the war soon even at a territorial cost, versus supporting "
        "Ukraine until it wins or regains its territory. Pressure item: the negotiate side = "
        "+1, the fight-on side = -1."
    ),
    "sanctions": (
        "support for (continuing) sanctions on Russia: support = -1. A pressure item (costly "
        "sanctions and negotiation pressure move together), expected to load more weakly."
    ),
    "aid_amount_middle": (
        "the middle option ('about right', 'enough') of a too much / about right / not "
        "enough question: not monotone in pressure, so no direction."
    ),
    "refugees": "welcoming people fleeing the war (humanitarian, mixed with migration views).",
    "eu_enlargement": "granting Ukraine EU candidate status.",
    "satisfaction": "satisfaction with the EU's or the national government's response.",
    "expected_outcome": "expectation (not preference) of how the war ends.",
    "threat_perception": "seeing Russia as an adversary or rival.",
    "defence_spending": "raising one's own country's defence spending.",
    "troop_deployment": "sending one's own soldiers to fight in Ukraine.",
    "sympathy": "wanting Ukraine to win / finding its sovereignty important (no policy asked).",
}
PRESSURE_CONSTRUCTS = ("support_aid", "negotiate", "sanctions")

_EB_MIL = "EU financing the purchase and supply of military equipment to Ukraine (agree/approve)"
_EB_FIN = "Providing financial support to Ukraine (agree/approve)"
_EB_HUM = "Providing humanitarian support to people affected by the war (agree/approve)"
_EB_FINHUM = (
    "Providing financial and humanitarian support to Ukraine (agree) [combined item from EB103]"
)
_EB_REF = "Welcoming into the EU people fleeing the war (agree/approve)"
_EB_SANC = "Economic sanctions on Russian government, companies and individuals (agree/approve)"
_EP_MEAS = (
    "Approve specific EU measures (sanctions + economic, military, humanitarian support to Ukraine)"
)
_ECFR_WEAP = "Allies increasing supply of weapons and ammunition to Ukraine: good idea / bad idea"
_ECFR_DEF = "Increase own defence spending as response to the war, even at cost of other areas"
_ECFR_OUT = "Most likely outcome of the war"
_ECFR_END = (
    "War should end as soon as possible even if Ukraine gives up territory vs Ukraine should "
    "regain all its territory even if war lasts longer"
)
_ECFR_EUR = (
    "What should Europe do? Help Ukraine win back territory occupied by Russia vs push Ukraine "
    "to negotiate a peace agreement with Russia"
)
_YG = (
    "Support Ukraine until Russia withdraws/Ukraine wins, even if war lasts longer vs "
    "encourage negotiated end even if Russia keeps some territory"
)
_ESK = "Favour quick end to the war even if Ukraine gives up territory"
_ARI = "Has Canada done too much, not enough or about the right amount to support Ukraine?"
_ZDF = "Should Ukraine receive more military support (more weapons and ammunition)? (for)"
_VV = "France's military support to Ukraine: too much / enough / not enough"

# (question_wording, category) -> (item, construct, direction)
ITEMS: dict[tuple[str, str], tuple[str, str, int | None]] = {
    (_EB_MIL, "total agree"): ("eb_military_equipment_agree", "support_aid", -1),
    (_EB_MIL, "total disagree"): ("eb_military_equipment_disagree", "support_aid", 1),
    (_EB_MIL, "totally disapprove"): ("eb_military_equipment_totally_disagree", "support_aid", 1),
    (_EB_FIN, "total agree"): ("eb_financial_support_agree", "support_aid", -1),
    (_EB_HUM, "total agree"): ("eb_humanitarian_support_agree", "support_aid", -1),
    (_EB_HUM, "total disagree"): ("eb_humanitarian_support_disagree", "support_aid", 1),
    (_EB_FINHUM, "total agree"): ("eb_financial_humanitarian_support_agree", "support_aid", -1),
    (_EB_FINHUM, "total disagree"): (
        "eb_financial_humanitarian_support_disagree",
        "support_aid",
        1,
    ),
    (_EB_REF, "total agree"): ("eb_welcome_refugees_agree", "refugees", None),
    (_EB_REF, "total disagree"): ("eb_welcome_refugees_disagree", "refugees", None),
    (_EB_SANC, "total agree"): ("eb_sanctions_agree", "sanctions", -1),
    (_EB_SANC, "total disagree"): ("eb_sanctions_disagree", "sanctions", 1),
    ("Granting Ukraine EU candidate status (agree/approve)", "total agree"): (
        "eb_candidate_status_agree",
        "eu_enlargement",
        None,
    ),
    ("Satisfied with the EU's response to the Russian invasion of Ukraine", "total satisfied"): (
        "eb_satisfied_eu_response",
        "satisfaction",
        None,
    ),
    (
        "Satisfied with the national government's response to the Russian invasion of Ukraine",
        "total satisfied",
    ): ("eb_satisfied_national_response", "satisfaction", None),
    (_EP_MEAS, "approve (totally+somewhat)"): ("ep_eu_measures_approve", "support_aid", -1),
    (_EP_MEAS, "disapprove"): ("ep_eu_measures_disapprove", "support_aid", 1),
    ("EU should continue to show solidarity with Ukraine (agree)", "agree"): (
        "fl23_solidarity_agree",
        "support_aid",
        -1,
    ),
    ("EU should provide financial and economic support to Ukraine (agree)", "agree"): (
        "fl23_financial_economic_support_agree",
        "support_aid",
        -1,
    ),
    ("EU should provide humanitarian support to Ukraine (agree)", "agree"): (
        "fl23_humanitarian_support_agree",
        "support_aid",
        -1,
    ),
    (
        "EU should support purchase and delivery of military equipment and military training "
        "to Ukraine (agree)",
        "agree",
    ): ("fl23_military_equipment_training_agree", "support_aid", -1),
    ("Economic sanctions on Russia should continue (agree)", "agree"): (
        "fl23_sanctions_continue_agree",
        "sanctions",
        -1,
    ),
    (_ECFR_WEAP, "good idea"): ("ecfr_allies_more_weapons_good_idea", "support_aid", -1),
    (_ECFR_WEAP, "bad idea"): ("ecfr_allies_more_weapons_bad_idea", "support_aid", 1),
    ("Deploy own troops on the ground in Ukraine to fight Russia", "oppose"): (
        "ecfr_deploy_troops_oppose",
        "troop_deployment",
        None,
    ),
    ("Own soldiers should take part in fighting in Ukraine", "oppose"): (
        "ecfr_own_soldiers_fight_oppose",
        "troop_deployment",
        None,
    ),
    (_ECFR_DEF, "in favour"): ("ecfr_defence_spending_at_cost_favour", "defence_spending", None),
    (_ECFR_DEF, "against"): ("ecfr_defence_spending_at_cost_against", "defence_spending", None),
    ("Support increasing own country's defence spending", "support"): (
        "ecfr_defence_spending_support",
        "defence_spending",
        None,
    ),
    (_ECFR_OUT, "Russia wins"): ("ecfr_outcome_russia_wins", "expected_outcome", None),
    (_ECFR_OUT, "Ukraine wins"): ("ecfr_outcome_ukraine_wins", "expected_outcome", None),
    (_ECFR_OUT, "compromise settlement"): (
        "ecfr_outcome_compromise_settlement",
        "expected_outcome",
        None,
    ),
    (_ECFR_OUT, "negotiated settlement"): (
        "ecfr_outcome_negotiated_settlement",
        "expected_outcome",
        None,
    ),
    ("Russia is an adversary or rival of our country", "adversary/rival"): (
        "ecfr_russia_adversary_rival",
        "threat_perception",
        None,
    ),
    (_ECFR_END, "Ukraine must regain all territory"): (
        "ecfr_regain_all_territory",
        "negotiate",
        -1,
    ),
    (_ECFR_END, "end war ASAP even if territory lost"): ("ecfr_end_war_asap", "negotiate", 1),
    (_ECFR_EUR, "help Ukraine win back territory"): (
        "ecfr_europe_help_win_back_territory",
        "negotiate",
        -1,
    ),
    (_ECFR_EUR, "push Ukraine to negotiate"): ("ecfr_europe_push_negotiate", "negotiate", 1),
    (_YG, "negotiated peace"): ("yougov_negotiated_end", "negotiate", 1),
    (_YG, "support Ukraine until it wins"): ("yougov_support_until_win", "negotiate", -1),
    ("Want Ukraine to win the war (and care about outcome)", "want Ukraine to win"): (
        "yougov_want_ukraine_win",
        "sympathy",
        None,
    ),
    (_ESK, "favour"): ("euroskopia_quick_end_favour", "negotiate", 1),
    (_ESK, "oppose"): ("euroskopia_quick_end_oppose", "negotiate", -1),
    ("Support sanctions against all Russian companies incl. gas and oil companies", "support"): (
        "euroskopia_sanctions_all_companies_support",
        "sanctions",
        -1,
    ),
    ("Our country should support Ukraine with weapons deliveries (agree)", "agree"): (
        "eupinions_weapons_deliveries_agree",
        "support_aid",
        -1,
    ),
    (_ARI, "too much"): ("ari_canada_support_too_much", "support_aid", 1),
    (_ARI, "not enough"): ("ari_canada_support_not_enough", "support_aid", -1),
    (_ARI, "about right"): ("ari_canada_support_about_right", "aid_amount_middle", None),
    ("What role should Canada play going forward", "support Ukraine as long as it takes"): (
        "ari_support_as_long_as_it_takes",
        "negotiate",
        -1,
    ),
    ("Defending Ukraine's sovereignty is important to (OUR COUNTRY)", "important"): (
        "mic_sovereignty_important",
        "sympathy",
        None,
    ),
    (
        "UK should continue supporting Ukraine until Russia is pushed back to at least "
        "pre-2022 borders",
        "agree",
    ): ("mic_support_until_pre2022_borders_agree", "negotiate", -1),
    ("Allies must continue to provide military aid to Ukraine (agree)", "agree"): (
        "ee_allies_continue_military_aid_agree",
        "support_aid",
        -1,
    ),
    ("Ukraine should be supported until it wins the war (agree)", "agree"): (
        "lv_support_until_win_agree",
        "negotiate",
        -1,
    ),
    (
        "Czechia should push for quick end of war even if Russia keeps some occupied territory "
        "(agree)",
        "agree",
    ): ("stem_push_quick_end_agree", "negotiate", 1),
    (_ZDF, "for"): ("zdf_more_military_support_for", "support_aid", -1),
    (_ZDF, "against"): ("zdf_more_military_support_against", "support_aid", 1),
    (_VV, "too much"): ("viavoice_military_support_too_much", "support_aid", 1),
    (_VV, "not enough"): ("viavoice_military_support_not_enough", "support_aid", -1),
    (_VV, "enough"): ("viavoice_military_support_enough", "aid_amount_middle", None),
    ("NL should keep supporting Ukraine financially as long as the war lasts (agree)", "agree"): (
        "eenvandaag_keep_financial_support_agree",
        "support_aid",
        -1,
    ),
    (
        "NL should pressure Ukraine to negotiate with Russia soon, even if it loses territory "
        "(agree)",
        "agree",
    ): ("eenvandaag_pressure_negotiate_agree", "negotiate", 1),
}

FIELDS: dict[str, tuple[str, str]] = {
    **panel.SURVEY_FIELDS,
    "item": ("string", "Stable id of the question wording x response category (item_coding)."),
    "question_wording": ("string", "Short question wording as given."),
    "measure": ("string", "Measure as given in the facts (here equal to the wording)."),
    "category": ("string", "Response category the share refers to."),
    "pct": ("number", "Share giving that response, percent (0-100)."),
    "construct": ("string", "What the item measures (see constructs)."),
    "direction": (
        "integer",
        "+1: higher pct = more pressure to negotiate / less support for aiding Ukraine; "
        "-1: the opposite; empty: not a pressure item.",
    ),
    **panel.TAIL_FIELDS,
}


def convert(r: Any, iso2: str, aggregate: bool, wave: tuple[str, str], ns: dict) -> dict[str, str]:
    key = (r.question_wording, r.category)
    if key not in ITEMS:
        raise SystemExit(f"{r.id}: no item coding for {key}")
    item, construct, direction = ITEMS[key]
    row = panel.survey_columns(r, iso2, aggregate, wave, ns)
    notes = row.pop("_notes")
    return {
        **row,
        "item": item,
        "question_wording": r.question_wording,
        "measure": r.measure,
        "category": r.category,
        "pct": panel.pct_text(r.pct, r.id),
        "construct": construct,
        "direction": "" if direction is None else str(direction),
        "source_url": r.source_url,
        "source_date": panel.source_date_text(r.source_date),
        "source_quality": r.source_quality,
        "same_cell_rows": "",
        "notes": notes,
    }


def item_coding(items: set[str]) -> list[dict[str, Any]]:
    """The item table written to the datapackage (one entry per shipped item)."""
    return [
        {
            "item": item,
            "question_wording": wording,
            "category": category,
            "construct": construct,
            "direction": direction,
        }
        for (wording, category), (item, construct, direction) in ITEMS.items()
        if item in items
    ]


def build(ctx: Context) -> int:
    source = ctx.sheet(panel.SUPPORT)
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
    df["same_cell_rows"] = panel.same_cell(df, ["survey", "wave", "iso2", "item"])
    return ctx.write(
        NAME,
        df,
        {
            "title": "Support for aiding Ukraine and for negotiating, NATO members, 2022-2025",
            "description": DESCRIPTION,
            "opinion_kind": "table",
            "sources": source_list(df, panel.source_title),
            "fact_ids": sorted(df["row_id"]),
            "excluded": excluded,
            "unverified_not_used": unverified_ids(source),
            "constructs": CONSTRUCTS,
            "item_coding": item_coding(set(df["item"])),
            "members_without_rows": panel.members_without(df, members),
            "build": ctx.build_info(panel.SUPPORT, panel.SALIENCE, "facts_aid"),
        },
        FIELDS,
        verified=ctx.verified_ids(panel.SUPPORT),
        id_columns=("row_id",),
    )


DESCRIPTION = (
    "Survey figures on supporting Ukraine and on negotiating, per country and wave "
    "(Standard, Flash and European Parliament Eurobarometer, ECFR, YouGov EuroTrack and "
    "European Political Monthly, Euroskopia, eupinions, More in Common and national trackers: "
    "Angus Reid, STEM, ZDF Politbarometer, Viavoice, EenVandaag, the Estonian Government "
    "Office and the Latvian State Chancellery), shaped for a cross-national measurement model "
    "(DCPO / Claassen 2019: latent preference per country and month, item intercepts and "
    "loadings, item x country bias, beta-binomial likelihood on effective n). One row per "
    "verified row of shared/facts/panel/panel_support.csv (`row_id`): the 30 NATO members "
    "of November 2022 (`nato_member` true), the aggregates EU (EU27 average) and ECFR12 "
    "(ECFR's 12-country average; `aggregate` true: exclude when modelling countries) and the "
    "EU states that were not NATO members then (Austria, Cyprus, Finland, Ireland, Malta, "
    "Sweden; `nato_member` false, with the `region` they would be pooled in): the same "
    "Eurobarometer, ECFR and YouGov items reach them, so they help calibrate items, but they "
    "are not coalition members. Unverified rows are listed in `unverified_not_used`. `item` "
    "is one id per "
    "question wording x response category (items with the same wording are shared across "
    "Eurobarometer families: filter or add a survey effect with `survey`). `construct` and "
    "`direction` code each item (`item_coding`, `constructs`): `direction` +1 = a higher share "
    "means MORE public pressure to negotiate / less support for aiding Ukraine, -1 = the "
    "opposite; pressure items are the constructs support_aid, negotiate and sanctions (middle "
    "options such as 'about right' are construct aid_amount_middle, without direction); other "
    "constructs have no direction. " + panel.N_BASIS_DOC + " " + panel.DATE_DOC + " Duplicate "
    "or conflicting reports of one figure are all kept and point at each other in "
    "`same_cell_rows` (e.g. ECFR May 2024 Italy 'negotiated settlement' 43 vs 48). Known "
    "doubt: the spring-2022 'EU financing military equipment' rows labelled European "
    "Parliament Eurobarometer may belong to the Commission's 'Key challenges of our times' "
    "survey of the same fieldwork (figures unaffected). Coverage is patchy (see "
    "`members_without_rows` and SURVEYS_NOTES.md): a model must say where it has no data."
)
