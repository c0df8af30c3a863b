"""Build the bundled datasets in ``datasets/`` from the project's fact sheets.

Usage (from the repository root)::

    uv run python datasets/_build/build_datasets.py [NAME ...] [--facts DIR] [--reference DIR]
        [--out DIR]

With no NAME every dataset is built; with names only those (the README table is rewritten
from all datasets present in the output folder). ``--facts`` defaults to the first
``shared/facts`` found beside the repository or one level further up (``../shared/facts``,
``../../shared/facts``; the latter for a git worktree under ``wt/``), ``--reference`` to the
matching ``shared/reference/france2022``, ``--research`` to the matching ``research/`` (the
research assistant's exit-poll crosstabs, ``research/exit_poll_2022/crosstabs.csv``);
``--out`` defaults to ``datasets/``. The committed
outputs are what users load; this script is how they were made. It uses only the standard
library and pandas, and it is deterministic: the same inputs give byte-identical
``data.csv`` and ``datapackage.json`` files (``created`` is a constant, rows are sorted on
stable keys).

Code layout: one small builder per dataset in ``builders/<name>.py`` (``NAME`` and
``build(ctx)``), sharing ``builders/provenance.py`` (reading facts, verified rows, writing
``data.csv`` + ``datapackage.json`` with sha256, sources and schema), ``builders/common.py``
(code lists, parsers), ``builders/polls.py`` (poll-frame records), ``builders/europe_facts.py``,
``builders/elections.py`` and ``builders/panel.py`` (the cross-national survey panel from
``shared/facts/panel``: see the docstrings of its five builders).

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
8. **Cross-national panel** (``shared/facts/panel``): ``europe_ukraine_panel``,
   ``europe_salience_panel``, ``coalition_events``, ``government_changes`` and
   ``kiel_aid_by_period``. Verified rows only, of the 30 NATO members of November 2022 plus
   labelled aggregates; every row left out is listed with its reason in the datapackage.
9. **Exit-poll crosstabs and the official House vote** (``research/exit_poll_2022``):
   ``exit_poll_2022`` (poll frame: the 2022 NEP exit poll's vote by issue, vote by party ID,
   party-ID composition and issue mix of each party's House voters; verified numeric rows
   only, one poll id per outlet and weighting update) and ``us_house_vote_2022`` (table: the
   Clerk's party-line totals and the two other aggregations found). The crosstab rows are
   not in the fact sheets, so ``fact_id`` is empty and ``notes`` names the research row
   (``crosstabs.csv`` line); the sha256 of that file is in ``build``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from builders import BUILDERS
from builders.provenance import Context, write_readme

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_shared() -> Path:
    """``shared/`` beside the repository, or one level up (git worktrees under ``wt/``)."""
    for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent):
        if (base / "shared" / "facts").is_dir():
            return base / "shared"
    return REPO_ROOT.parent / "shared"


def default_research() -> Path:
    """``research/`` beside the repository, or one level up (git worktrees under ``wt/``)."""
    for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent):
        if (base / "research").is_dir():
            return base / "research"
    return REPO_ROOT.parent / "research"


def build(
    facts_dir: Path,
    ref_dir: Path,
    out_dir: Path,
    names: list[str] | None = None,
    research_dir: Path | None = None,
) -> dict[str, int]:
    """Build the named datasets (default: all) into ``out_dir``; return rows per dataset."""
    unknown = sorted(set(names or ()) - set(BUILDERS))
    if unknown:
        raise SystemExit(f"unknown dataset(s) {unknown}; known: {sorted(BUILDERS)}")
    ctx = Context(facts_dir, ref_dir, out_dir, research_dir or default_research())
    counts = {name: BUILDERS[name].build(ctx) for name in (names or BUILDERS)}
    write_readme(out_dir)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="datasets to build (all)")
    shared = default_shared()
    parser.add_argument("--facts", type=Path, default=shared / "facts")
    parser.add_argument("--reference", type=Path, default=shared / "reference" / "france2022")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "datasets")
    parser.add_argument("--research", type=Path, default=default_research())
    args = parser.parse_args(argv)
    counts = build(args.facts, args.reference, args.out, args.names or None, args.research)
    for name, n in sorted(counts.items()):
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
