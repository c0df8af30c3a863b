"""Economist/YouGov "most important issue", July 2022: the week 'Inflation / prices' joined
the list, and the week before (verified on YouGov's own page; not in the fact sheets).

Source (primary, read 2026-12): Carl Bialik, "One in four Americans say inflation is the most
important issue for them", today.yougov.com, 2022-07-26. Verified figures on that page:
"Inflation is the most important issue for 24% of Americans ... double the runner-up of jobs
and the economy (12%)"; "this is the first week the poll has included 'Inflation / prices' as
an option"; "Jobs and the economy fell to 12% ... from 19% the prior week"; "Health care fell
to 10% from 14%"; "Taxes and government spending fell to 5% from 8%".

Not on that page: the sample size and the field dates (the page says "the latest
Economist/YouGov Poll" and "the prior week"). The rows therefore go to
``poll_figures_incomplete`` with ``n`` and dates empty, like every other verified figure
without them; the weekly poll's stated design elsewhere in 2022 (1,500 U.S. adult citizens:
May 15-17, May 28-31, June 11-14, June 25-28, July 30-Aug 2, Aug 7-9, Oct 1-4, Dec 17-20) is
recorded in ``n_text`` for users who accept it as an assumption. They are one pollster's option
set changing between two consecutive weeks: the real-data check of the issue-salience model's
option-set (non-IIA) terms.
"""

from __future__ import annotations

from typing import Any

SOURCE = ("https://today.yougov.com/topics/politics/articles-reports/2022/07/26/"
          "one-four-americans-inflation-most-important-issue")
QUESTION_ID = "economist_yougov_most_important_issue"
N_TEXT = ("not stated on the source page; the weekly Economist/YouGov poll's stated sample in "
          "every other 2022 week found is 1,500 U.S. adult citizens")
FIGURES: tuple[tuple[str, str, str, str, int], ...] = (
    # (poll suffix, field text, issue, source label, pct)
    ("prior_week", "the week before the latest poll", "economy", "jobs and the economy", 19),
    ("prior_week", "the week before the latest poll", "health care", "health care", 14),
    ("prior_week", "the week before the latest poll", "taxes and government spending",
     "taxes and government spending", 8),
    ("latest", "the latest poll as of 2022-07-26", "inflation", "Inflation / prices", 24),
    ("latest", "the latest poll as of 2022-07-26", "economy", "jobs and the economy", 12),
    ("latest", "the latest poll as of 2022-07-26", "health care", "health care", 10),
    ("latest", "the latest poll as of 2022-07-26", "taxes and government spending",
     "taxes and government spending", 5),
)


def records() -> list[dict[str, Any]]:
    """The seven verified figures as incomplete poll records (``n`` and dates empty)."""
    out = []
    for suffix, field_text, issue, label, pct in FIGURES:
        first_week = suffix == "latest"
        notes = ["source quality: primary (YouGov)",
                 "first week the closed list included 'Inflation / prices'" if first_week
                 else "last week before 'Inflation / prices' joined the closed list; "
                      "inflation was not an option",
                 "only the options whose shares the page gives are listed (the list had "
                 "more options; their shares are in the remainder)"]
        if issue != label:
            notes.append(f"source label: '{label}'")
        out.append({
            "poll_id": f"economist_yougov_2022-07-26_{suffix}", "pollster": "YouGov",
            "sponsor": "The Economist", "start_date": "", "end_date": "", "population": "a",
            "mode": "", "country": "US", "n": "", "question_id": QUESTION_ID,
            "question_text": "most important issue for you (closed list, one choice)",
            "question_format": "single_choice", "subgroup": "all", "subgroup_n": "",
            "response": issue, "pct": str(pct), "moe": "", "deff": "", "source_url": SOURCE,
            "source_date": "2022-07-26", "notes": "; ".join(notes), "fact_id": "",
            "field_start_text": field_text, "field_end_text": field_text, "n_text": N_TEXT,
            "exclusion_reason": "n not published on the source page; field dates not "
                                "published on the source page",
            "intended_dataset": "us_issues_2022",
        })
    return out
