"""One small builder per bundled dataset; each module has ``NAME`` and ``build(ctx) -> rows``.

Shared pieces: ``provenance`` (reading facts, verified rows, writing data.csv +
datapackage.json with sha256 and sources), ``common`` (code lists, text parsers), ``polls``
(poll-frame records from the fact sheets), ``europe_facts``, ``elections`` and ``panel``
(the cross-national survey panel).
"""

from __future__ import annotations

from types import ModuleType

from . import (
    coalition_events,
    ecfr_peace_justice_2022,
    eurobarometer_support_2022,
    europe_salience_panel,
    europe_ukraine_panel,
    exit_poll_2022,
    france2022,
    government_changes,
    kiel_aid_2022,
    kiel_aid_by_period,
    nato_elections_2022_2024,
    nato_members_2022,
    poll_figures_incomplete,
    us_house_vote_2022,
    us_issues_2022,
    us_ukraine_support,
)

BUILDERS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        us_ukraine_support,
        us_issues_2022,
        exit_poll_2022,
        us_house_vote_2022,
        ecfr_peace_justice_2022,
        eurobarometer_support_2022,
        poll_figures_incomplete,
        kiel_aid_2022,
        nato_members_2022,
        nato_elections_2022_2024,
        france2022,
        europe_ukraine_panel,
        europe_salience_panel,
        coalition_events,
        government_changes,
        kiel_aid_by_period,
    )
}
"""Dataset name -> builder module."""
