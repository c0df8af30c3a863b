"""Turn exit-poll issue tables into the count matrices the issue-vote model needs.

One *table* is the single-choice "which issue mattered most" question for one group: the
overall electorate (subgroup ``all``) or the voters of one party (``party:dem`` ...). Each
table becomes multinomial counts over the reported issues plus a remainder ("other", don't
know and issues the table does not report), on the effective sample size
``N = n_base / deff`` where ``n_base`` is the published ``subgroup_n``, else n (``all``) or
n x the party's share of the vote (``group_n="vote"``).

Bad input raises :class:`~opinion.errors.ModelInputError` naming the group, issue or poll:
shares summing above 100 (or, with ``other="none"``, not to 100) within tolerance, a group
that does not report every issue (``missing="error"``), issue names spelled two ways, a group
given twice, groups that do not match the parties of ``vote``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError
from opinion.frames import PollFrame
from opinion.models.core.names import DEFAULT_NON_ISSUES, near_duplicate_issues
from opinion.models.election.config import IssueVoteConfig

REQUIRED = ("poll_id", "n", "question_id", "response", "pct")
OTHER = "other"
GROUP_PREFIXES = ("party:", "vote:")


@dataclass(frozen=True)
class IssueVoteData:
    """Count matrices and labels.

    ``counts`` and ``reported`` are tables x (categories + 1): the last column is the
    remainder (issues a table does not report; "other" when ``other="remainder"``).
    """

    tables: pd.DataFrame  # one row per table: group, party (None for all), poll_id, n, N ...
    cells: pd.DataFrame  # tidy: table, group, party, issue, pct, count
    counts: np.ndarray
    reported: np.ndarray
    parties: list[str]
    issues: list[str]  # the listed issues
    categories: list[str]  # issues (+ "other")
    vote: np.ndarray  # published vote, proportions, party order
    crosstab: pd.DataFrame | None  # issue, party, pct, N, count (vote_by_issue)
    notes: list[str]


def _frame(polls: PollFrame | pd.DataFrame) -> pd.DataFrame:
    data = polls.data if isinstance(polls, PollFrame) else polls
    if not isinstance(data, pd.DataFrame):
        raise ModelInputError("polls must be a PollFrame or a pandas DataFrame")
    missing = [c for c in REQUIRED if c not in data.columns]
    if missing:
        raise ModelInputError(f"polls lack column(s): {', '.join(missing)}")
    data = data.copy()
    if "subgroup" not in data:
        data["subgroup"] = "all"
    data["subgroup"] = data["subgroup"].fillna("all").astype(str)
    data["response"] = data["response"].astype(str).str.strip()
    data["pct"] = pd.to_numeric(data["pct"], errors="coerce")
    data["n"] = pd.to_numeric(data["n"], errors="coerce")
    data["subgroup_n"] = (pd.to_numeric(data["subgroup_n"], errors="coerce")
                          if "subgroup_n" in data else np.nan)
    data["poll_id"] = data["poll_id"].astype(str)
    return data


def _select(data: pd.DataFrame, config: IssueVoteConfig) -> pd.DataFrame:
    if config.question is not None:
        if config.question not in set(data["question_id"]):
            raise ModelInputError(f"question_id {config.question!r} not in the data (have: "
                                  f"{', '.join(sorted(map(str, data['question_id'].unique())))})")
        question = config.question
    else:
        candidates = sorted(map(str, data["question_id"].unique()))
        if "question_format" in data:
            single = data.loc[data["question_format"] == "single_choice", "question_id"]
            candidates = sorted(map(str, single.unique())) or candidates
        if len(candidates) != 1:
            raise ModelInputError(
                f"several questions in the data ({', '.join(candidates)}): choose the "
                "single-choice issue question with question=...")
        question = candidates[0]
    data = data[data["question_id"] == question]
    if config.poll_ids is not None:
        unknown = sorted(set(config.poll_ids) - set(data["poll_id"]))
        if unknown:
            raise ModelInputError(f"poll_ids not in question {question!r}: {', '.join(unknown)}")
        data = data[data["poll_id"].isin(config.poll_ids)]
    if data.empty:
        raise ModelInputError(f"no rows for question {question!r}")
    bad_n = data.loc[data["n"].isna() | (data["n"] <= 0), "poll_id"].unique()
    if len(bad_n):
        raise ModelInputError(f"poll(s) without a sample size n: {', '.join(sorted(bad_n))}")
    if data["pct"].isna().any() or (data["pct"] < 0).any() or (data["pct"] > 100).any():
        raise ModelInputError("pct must be a percentage (0-100) in every row")
    if data["pct"].max() <= 1.0:
        raise ModelInputError("every share is at most 1: shares look like fractions (0-1); "
                              "pct must be percent (0-100)")
    return data.copy()


def _group_map(data: pd.DataFrame, config: IssueVoteConfig) -> dict[str, str]:
    parties = list(config.vote_proportions())
    if config.groups is not None:
        mapping = {str(k): str(v) for k, v in config.groups.items()}
        absent = sorted(set(mapping) - set(data["subgroup"]))
        if absent:
            raise ModelInputError(f"group(s) {', '.join(absent)} not in the data (have: "
                                  f"{', '.join(sorted(data['subgroup'].unique()))})")
    else:
        mapping = {}
        for g in sorted(data["subgroup"].unique()):
            for prefix in GROUP_PREFIXES:
                if g.startswith(prefix):
                    mapping[g] = g[len(prefix):]
    got = set(mapping.values())
    if got != set(parties):
        raise ModelInputError(
            f"the vote groups in the data ({', '.join(sorted(mapping)) or 'none'} -> parties "
            f"{sorted(got)}) do not match the parties of vote= ({parties}): every party needs "
            "an issue table and every table a vote share; map subgroups with groups={...}")
    return mapping


def _aliases_and_names(data: pd.DataFrame, config: IssueVoteConfig) -> pd.DataFrame:
    aliases = {str(k).strip().lower(): str(v).strip() for k, v in config.issue_aliases.items()}
    data["issue"] = [aliases.get(r.lower(), r) for r in data["response"]]
    non = {x.lower() for x in DEFAULT_NON_ISSUES}
    data = data[~data["issue"].str.lower().isin(non)].copy()
    if config.check_issue_names:
        dups = near_duplicate_issues(sorted(data["issue"].unique()))
        if dups:
            where = "; ".join(" / ".join(repr(n) for n in g) for g in dups)
            example = {g: dups[0][0] for g in dups[0][1:]}
            raise ModelInputError(
                f"issue names that look like one issue named two ways: {where}. Merge them "
                f"with issue_aliases={example!r}, or pass check_issue_names=False if they "
                "really are different issues.")
    return data


def prepare(polls: PollFrame | pd.DataFrame, config: IssueVoteConfig,
            vote_by_issue: pd.DataFrame | None = None) -> IssueVoteData:
    """Select, check and encode the issue tables.

    Raises
    ------
    ModelInputError
        See the module docstring.
    """
    data = _select(_frame(polls), config)
    mapping = _group_map(data, config)
    data = data[data["subgroup"].isin(set(mapping) | {"all"})]
    data = _aliases_and_names(data, config)
    vote = config.vote_proportions()
    parties = list(vote)

    polls_per_group = data.groupby("subgroup")["poll_id"].unique()
    twice = {g: sorted(p) for g, p in polls_per_group.items() if len(p) > 1}
    if twice:
        g, p = next(iter(twice.items()))
        raise ModelInputError(
            f"group {g!r} is given by more than one poll ({', '.join(p)}): they are not "
            "independent tables (e.g. two weightings of one exit poll); choose one with "
            "poll_ids=[...]")
    dup = data[data.duplicated(["subgroup", "issue"], keep=False)]
    if len(dup):
        row = dup.iloc[0]
        raise ModelInputError(f"group {row['subgroup']!r} reports issue {row['issue']!r} twice "
                              "(after issue_aliases); a single-choice table lists each once")

    sums = data.groupby("subgroup")["pct"].sum()
    tol = config.sum_tolerance
    for g, total in sums.items():
        if total > 100 + tol:
            raise ModelInputError(
                f"issue shares of group {g!r} sum to {total:.1f}% (> 100 + {tol:g}): a "
                "single-choice question's shares cannot exceed 100; check the rows or the "
                "question format")
        if config.other == "none" and total < 100 - tol:
            raise ModelInputError(
                f"issue shares of group {g!r} sum to {total:.1f}%, not 100 (within {tol:g}): "
                "with other='none' the listed issues must be exhaustive; use "
                "other='remainder' to treat the rest as 'other'")

    issues = list(dict.fromkeys(data.sort_values("pct", ascending=False, kind="stable")
                                ["issue"]))
    if len(issues) < 2:
        raise ModelInputError(f"need at least two issues, found {issues}")
    group_of_party = {p: g for g, p in mapping.items()}
    missing_cells = []
    for p in parties:
        have = set(data.loc[data["subgroup"] == group_of_party[p], "issue"])
        missing_cells += [(group_of_party[p], i) for i in issues if i not in have]
    has_all = bool((data["subgroup"] == "all").any())
    if missing_cells and config.missing == "error":
        g, i = missing_cells[0]
        more = f" (and {len(missing_cells) - 1} more)" if len(missing_cells) > 1 else ""
        raise ModelInputError(
            f"group {g!r} has no share for issue {i!r}{more}: every party's table must list "
            "every issue. If the figure was not published, pass missing='infer' (the overall "
            "shares then identify it) or drop the issue")
    if missing_cells and not has_all:
        raise ModelInputError("missing='infer' needs the overall ('all') issue table")
    if config.overall == "likelihood" and not has_all and config.missing == "infer":
        raise ModelInputError("missing='infer' needs the overall ('all') issue table")

    categories = issues + ([OTHER] if config.other == "remainder" else [])
    table_groups = (["all"] if has_all else []) + [group_of_party[p] for p in parties]
    n_cat = len(categories)
    counts = np.zeros((len(table_groups), n_cat + 1))
    reported = np.zeros((len(table_groups), n_cat + 1))
    table_rows, cell_rows = [], []
    for t, g in enumerate(table_groups):
        rows = data[data["subgroup"] == g]
        party = mapping.get(g)
        n = float(rows["n"].iloc[0])
        sub_n = rows["subgroup_n"].dropna()
        if len(sub_n):
            n_base, basis = float(sub_n.iloc[0]), "subgroup_n"
        elif g == "all":
            n_base, basis = n, "poll n"
        elif config.group_n == "vote":
            n_base, basis = n * vote[party], f"n x vote share ({100 * vote[party]:.1f}%)"
        else:
            n_base, basis = n * float(config.group_n), f"n x {float(config.group_n):g}"
        n_eff = max(int(round(n_base / config.deff)), 1)
        shares = rows.set_index("issue")["pct"] / 100.0
        if config.other == "none":
            shares = shares / shares.sum()
        c = np.round(shares.to_numpy() * n_eff)
        if c.sum() > n_eff:
            c = np.floor(shares.to_numpy() * n_eff)
        for issue, k in zip(shares.index, c, strict=True):
            j = categories.index(issue)
            counts[t, j] = k
            reported[t, j] = 1.0
            cell_rows.append({"table": t, "group": g, "party": party or "all", "issue": issue,
                              "pct": float(100 * shares[issue]), "count": int(k)})
        counts[t, -1] = n_eff - c.sum()
        reported[t, -1] = 1.0
        table_rows.append({"table": t, "group": g, "party": party or "all",
                           "poll_id": rows["poll_id"].iloc[0], "n": n, "n_base": n_base,
                           "n_basis": basis, "deff": config.deff, "N": n_eff,
                           "reported_pct": float(rows["pct"].sum())})
    tables = pd.DataFrame(table_rows)
    cells = pd.DataFrame(cell_rows)
    crosstab = (None if vote_by_issue is None
                else _crosstab(vote_by_issue, issues, parties, data, config))
    notes = [f"effective sample size n / deff with deff {config.deff:g} (assumed, not "
             "published)"]
    if missing_cells:
        notes.append("not published, inferred from the overall shares: "
                     + ", ".join(f"{g} / {i}" for g, i in missing_cells))
    if not has_all:
        notes.append("no overall ('all') table: nothing to check the group tables against")
    return IssueVoteData(tables=tables, cells=cells, counts=counts, reported=reported,
                         parties=parties, issues=issues, categories=categories,
                         vote=np.array([vote[p] for p in parties]), crosstab=crosstab,
                         notes=notes)


def _crosstab(frame: pd.DataFrame, issues: list[str], parties: list[str], data: pd.DataFrame,
              config: IssueVoteConfig) -> pd.DataFrame:
    """Published vote by issue (``issue, party, pct`` [, ``n``]) as multinomial counts."""
    if not isinstance(frame, pd.DataFrame) or not {"issue", "party", "pct"} <= set(frame):
        raise ModelInputError("vote_by_issue must be a DataFrame with columns issue, party, "
                              "pct (percent of the issue's voters) and optionally n")
    frame = frame.copy()
    aliases = {str(k).strip().lower(): str(v).strip() for k, v in config.issue_aliases.items()}
    frame["issue"] = [aliases.get(str(r).strip().lower(), str(r).strip())
                      for r in frame["issue"]]
    unknown = sorted(set(frame["issue"]) - set(issues))
    if unknown:
        raise ModelInputError(f"vote_by_issue issue(s) not in the issue tables: {unknown}")
    if set(frame["party"]) != set(parties):
        raise ModelInputError(f"vote_by_issue must give every party {parties}; got "
                              f"{sorted(set(frame['party']))}")
    overall = data[data["subgroup"] == "all"].set_index("issue")["pct"]
    rows = []
    for issue, part in frame.groupby("issue", sort=False):
        if set(part["party"]) != set(parties):
            raise ModelInputError(f"vote_by_issue: issue {issue!r} lacks a party")
        total = float(part["pct"].sum())
        if abs(total - 100) > config.sum_tolerance:
            raise ModelInputError(f"vote_by_issue shares of issue {issue!r} sum to "
                                  f"{total:.1f}%, not 100")
        if "n" in part and part["n"].notna().any():
            n_issue = float(part["n"].dropna().iloc[0])
        elif issue in overall.index:
            n_issue = float(data["n"].iloc[0]) * float(overall[issue]) / 100
        else:
            raise ModelInputError(f"vote_by_issue: give n for issue {issue!r} (no overall "
                                  "share to derive it from)")
        n_eff = max(int(round(n_issue / config.deff)), 1)
        share = part.set_index("party")["pct"].reindex(parties) / total
        c = np.round(share.to_numpy() * n_eff)
        c[-1] = n_eff - c[:-1].sum()
        for p, k, s in zip(parties, c, share, strict=True):
            rows.append({"issue": issue, "party": p, "pct": 100 * float(s), "N": n_eff,
                         "count": int(k)})
    return pd.DataFrame(rows)
