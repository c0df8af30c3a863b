"""Turn an exit poll's published tables into the figures the issue-vote model observes.

Every published share is one *figure*: the share giving ``response`` among the voters of
``subgroup``, i.e. a ratio of two sums of latent cells (group x issue x vote). Which variable
a figure is about comes from its question (``questions=``, or recognised from the responses)
and from the subgroup's prefix (``party:dem`` is a party-ID group, ``issue:inflation`` the
voters naming an issue, ``vote:rep`` a party's voters, ``all`` every voter). A figure belongs
to a *table* named ``<response>_by_<subgroup>`` (``vote_by_issue``) or ``<response>_share``
(``issue_share``); tables named in ``holdout`` are left out of the fit and predicted.

Bad input raises :class:`~opinion.errors.ModelInputError` naming the problem: figures given
twice (two weightings or outlets of one exit poll: choose with ``poll_ids``), shares summing
above 100, fractions instead of percentages, issue names spelled two ways, subgroups that do
not match any level, questions that cannot be recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError, unknown_names_message
from opinion.frames import PollFrame
from opinion.models.core.inputs import problems_message
from opinion.models.core.names import DEFAULT_NON_ISSUES, near_duplicate_issues
from opinion.models.election.config import ROLES, IssueVoteConfig

REQUIRED = ("poll_id", "n", "question_id", "response", "pct")
OTHER = "other"
SUM_TOLERANCE = 2.0
_NON_ISSUES = {x.lower() for x in DEFAULT_NON_ISSUES}


def level_key(name: str) -> str:
    """Comparison key of a level: lower case, runs of non-alphanumerics as one '_'."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


@dataclass(frozen=True)
class IssueVoteData:
    """Levels of the three variables and the published figures.

    ``figures`` has one row per published share: ``figure`` (index), ``table`` (kind),
    ``sub_var, sub_level, resp_var, resp_level``, ``pct``, ``n``, ``deff`` (the row's
    published design effect, else the configured one), ``n_eff``, ``rounding_pp``,
    ``fitted`` (False: held out), ``poll_id``, ``label``. ``numerator`` and ``denominator``
    are 0/1 matrices (figures x cells) over the flattened cells (group, issue, vote).
    """

    groups: list[str]
    issues: list[str]  # listed issues + "other"
    parties: list[str]  # listed parties in order + "other"
    figures: pd.DataFrame
    numerator: np.ndarray
    denominator: np.ndarray
    vote: np.ndarray  # known vote of the listed parties, proportions, party order
    notes: list[str]

    @property
    def listed_parties(self) -> list[str]:
        return self.parties[:-1]

    @property
    def listed_issues(self) -> list[str]:
        return self.issues[:-1]


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
    data["subgroup"] = data["subgroup"].fillna("all").astype(str).str.strip()
    data["response"] = data["response"].astype(str).str.strip()
    data["question_id"] = data["question_id"].astype(str)
    data["pct"] = pd.to_numeric(data["pct"], errors="coerce")
    data["n"] = pd.to_numeric(data["n"], errors="coerce")
    data["poll_id"] = data["poll_id"].astype(str)
    data["deff"] = (pd.to_numeric(data["deff"], errors="coerce") if "deff" in data
                    else np.nan)
    if "deff_source" in data:  # a PollFrame's assumed 1 is not a published design effect
        assumed = data["deff_source"].astype(str).str.startswith("assumed")
        data.loc[assumed, "deff"] = np.nan
    return data


def _select(data: pd.DataFrame, config: IssueVoteConfig) -> pd.DataFrame:
    if config.poll_ids is not None:
        unknown = sorted(set(config.poll_ids) - set(data["poll_id"]))
        if unknown:
            raise ModelInputError(unknown_names_message(
                unknown, sorted(set(data["poll_id"])), "poll_id(s)"))
        data = data[data["poll_id"].isin(config.poll_ids)]
    problems = []
    if data.empty:
        problems.append("no rows to model")
    bad_n = sorted(data.loc[data["n"].isna() | (data["n"] <= 0), "poll_id"].unique())
    if bad_n:
        problems.append(f"poll(s) without a sample size n: {', '.join(bad_n)}")
    if data["pct"].isna().any() or (data["pct"] < 0).any() or (data["pct"] > 100).any():
        problems.append("pct must be a percentage (0-100) in every row")
    elif len(data) and data["pct"].max() <= 1.0:
        problems.append("every share is at most 1: shares look like fractions (0-1); pct must "
                        "be percent (0-100)")
    if problems:
        raise ModelInputError(problems_message("IssueVote", problems))
    return data.copy()


def _prefix_of(subgroup: str, prefixes: dict[str, str]) -> tuple[str | None, str | None]:
    """(variable, level) of a subgroup code; (None, None) for 'all'."""
    if subgroup == "all":
        return None, None
    head, _, level = subgroup.partition(":")
    for role, prefix in prefixes.items():
        if head == prefix and level:
            return role, level
    return "unknown", subgroup


def _question_roles(data: pd.DataFrame, config: IssueVoteConfig,
                    group_levels: set[str]) -> dict[str, str]:
    """question_id -> role (issue, vote, group)."""
    given = {q: r for r, q in config.questions.items()}
    unknown = sorted(set(given) - set(data["question_id"]))
    if unknown:
        raise ModelInputError("questions= " + unknown_names_message(
            unknown, sorted(set(data["question_id"])), "question_id(s)"))
    parties = {level_key(p) for p in config.vote}
    roles: dict[str, str] = {}
    for q, rows in data.groupby("question_id", sort=True):
        if q in given:
            roles[q] = given[q]
            continue
        keys = {level_key(r) for r in rows["response"]} - {OTHER}
        if keys and keys <= parties:
            roles[q] = "vote"
        elif keys and keys <= {level_key(g) for g in group_levels} | parties:
            roles[q] = "group"
        else:
            roles[q] = "issue"
    for role in ROLES:
        qs = sorted(q for q, r in roles.items() if r == role)
        if len(qs) > 1:
            raise ModelInputError(f"several questions look like the {role} question ({qs}): "
                                  f"name it with questions={{'{role}': ...}} or select rows")
    if "issue" not in roles.values():
        raise ModelInputError("no issue question recognised: name it with questions="
                              "{'issue': question_id}")
    return roles


def _issue_levels(data: pd.DataFrame, config: IssueVoteConfig) -> tuple[list[str], dict]:
    """Listed issues (most published first) and a key -> issue lookup (aliases applied)."""
    aliases = {level_key(k): str(v).strip() for k, v in config.issue_aliases.items()}
    rows = data[data["resp_var"] == "issue"]
    names = [aliases.get(level_key(r), r) for r in rows["response"]]
    listed = [n for n in dict.fromkeys(names) if n.lower() not in _NON_ISSUES]
    if config.check_issue_names:
        dups = near_duplicate_issues(sorted(set(listed)))
        if dups:
            where = "; ".join(" / ".join(repr(n) for n in g) for g in dups)
            example = {g: dups[0][0] for g in dups[0][1:]}
            raise ModelInputError(
                f"issue names that look like one issue named two ways: {where}. Merge them "
                f"with issue_aliases={example!r}, or pass check_issue_names=False if they "
                "really are different issues.")
    overall = rows["sub_var"].isna() | ~rows["sub_var"].map(lambda v: isinstance(v, str))
    ranked = rows.assign(_issue=names, _overall=overall).sort_values("_overall")
    order = (ranked.groupby("_issue")[["_overall", "pct"]].last()
             .reindex(listed).sort_values(["_overall", "pct"], ascending=False, kind="stable"))
    listed = list(order.index)
    if config.issue_order is not None:
        given = [aliases.get(level_key(i), i) for i in config.issue_order]
        if sorted(map(level_key, given)) != sorted(map(level_key, listed)):
            raise ModelInputError(f"issue_order {list(config.issue_order)} must list exactly "
                                  f"the issues of the tables ({listed})")
        by_key = {level_key(i): i for i in listed}
        listed = [by_key[level_key(i)] for i in given]
    lookup = {level_key(i): i for i in listed}
    lookup.update({k: v for k, v in aliases.items() if level_key(v) in lookup})
    for non in _NON_ISSUES:
        lookup.setdefault(level_key(non), OTHER)
    lookup[OTHER] = OTHER
    if len(listed) < 2:
        raise ModelInputError(f"need at least two issues, found {listed}")
    return [*listed, OTHER], lookup


def _orders(config: IssueVoteConfig, group_levels: list[str]) -> tuple[list[str], list[str]]:
    parties = list(config.party_order or config.vote)
    if config.group_order is not None:
        missing = sorted(set(group_levels) - set(config.group_order))
        if missing:
            raise ModelInputError(f"group_order lacks group(s) {missing} found in the data")
        return [*parties, OTHER], list(config.group_order)
    first, last = level_key(parties[0]), level_key(parties[-1])
    keyed = {level_key(g): g for g in group_levels}
    middle = [g for g in group_levels if level_key(g) not in (first, last)]
    if len(middle) > 1 and len(parties) == 2:
        raise ModelInputError(f"cannot order the groups {group_levels} on the left-right scale: "
                              "give group_order=(...) in the direction of the parties")
    ends = ([keyed[first]] if first in keyed else []), ([keyed[last]] if last in keyed else [])
    order = ends[0] + middle + ends[1]
    if len(order) < 2:
        raise ModelInputError("need at least two party-ID groups (subgroups such as party:dem, "
                              "party:ind, party:rep, or a party-ID question)")
    return [*parties, OTHER], order


def prepare(polls: PollFrame | pd.DataFrame, config: IssueVoteConfig) -> IssueVoteData:
    """Select, check and encode the published tables (see the module docstring)."""
    data = _select(_frame(polls), config)
    prefixes = dict(config.subgroup_prefixes)
    parsed = [_prefix_of(s, prefixes) for s in data["subgroup"]]
    data["sub_var"] = [p[0] for p in parsed]
    data["sub_level"] = [p[1] for p in parsed]
    bad = sorted(data.loc[data["sub_var"] == "unknown", "subgroup"].unique())
    if bad:
        raise ModelInputError(
            f"subgroup(s) {bad} are neither 'all' nor prefixed by one of "
            f"{sorted(prefixes.values())} (set subgroup_prefixes=, or drop those rows)")
    group_levels = list(dict.fromkeys(data.loc[data["sub_var"] == "group", "sub_level"]))
    roles = _question_roles(data, config, set(group_levels))
    data["resp_var"] = data["question_id"].map(roles)
    if "group" in roles.values():
        known = {level_key(g) for g in group_levels}
        extra = [r for r in data.loc[data["resp_var"] == "group", "response"]
                 if level_key(r) not in known]
        group_levels = list(dict.fromkeys(group_levels + extra))
    issues, issue_lookup = _issue_levels(data, config)
    parties, groups = _orders(config, group_levels)
    notes = [f"effective sample size n / deff with deff {config.deff:g} (assumed, not "
             "published)"]
    figures = _figures(data, config, groups, issues, issue_lookup, parties, notes)
    numerator, denominator = figure_matrices(figures, groups, issues, parties)
    held = figures.loc[~figures["fitted"], "table"].unique().tolist()
    if held:
        notes.append("held out and predicted: " + ", ".join(held))
    vote = config.vote_proportions()
    return IssueVoteData(groups=groups, issues=issues, parties=parties, figures=figures,
                         numerator=numerator, denominator=denominator,
                         vote=np.array([vote[p] for p in parties[:-1]]), notes=notes)


def _level(role: str, name: str, groups: list[str], issue_lookup: dict[str, str],
           parties: list[str]) -> str | None:
    key = level_key(name)
    if role == "issue":
        return issue_lookup.get(key)
    levels = groups if role == "group" else parties
    for level in levels:
        if level_key(level) == key:
            return level
    return OTHER if role == "vote" else None


def _prefer(figures: pd.DataFrame, priority: tuple[str, ...], notes: list[str]
            ) -> pd.DataFrame:
    """One figure per table cell: the one from the highest-priority poll (if a priority is
    given); the others are noted."""
    if not priority or figures.empty:
        return figures
    rank = {p: k for k, p in enumerate(priority)}
    key = ["table", "sub_level", "resp_level"]
    ordered = figures.assign(_rank=figures["poll_id"].map(rank).fillna(len(rank))) \
        .sort_values("_rank", kind="stable")
    dropped = ordered[ordered.fillna({"sub_level": "all"}).duplicated(key, keep="first")]
    for r in dropped.itertuples(index=False):
        notes.append(f"{r.table} {r.resp_level}"
                     f"{'' if not isinstance(r.sub_level, str) else ' among ' + r.sub_level}: "
                     f"{r.pct:g} from {r.poll_id} set aside (poll_priority)")
    return ordered.drop(index=dropped.index).drop(columns="_rank").sort_index()


def _figures(data: pd.DataFrame, config: IssueVoteConfig, groups: list[str],
             issues: list[str], issue_lookup: dict[str, str], parties: list[str],
             notes: list[str]) -> pd.DataFrame:
    problems: list[str] = []
    rows = []
    for r in data.itertuples(index=False):
        sub_var = r.sub_var if isinstance(r.sub_var, str) else None
        resp_var, sub_level_raw = r.resp_var, r.sub_level
        if sub_var == resp_var:
            problems.append(f"row {r.subgroup} / {r.response} of question {r.question_id!r} is "
                            f"the {resp_var} among voters of one {sub_var}")
            continue
        resp_level = _level(resp_var, r.response, groups, issue_lookup, parties)
        sub_level = (None if sub_var is None
                     else _level(sub_var, sub_level_raw, groups, issue_lookup, parties))
        if resp_level is None or (sub_var is not None and sub_level is None):
            problems.append(f"subgroup {r.subgroup!r} / response {r.response!r} matches no "
                            "level of the tables")
            continue
        kind = f"{resp_var}_share" if sub_var is None else f"{resp_var}_by_{sub_var}"
        deff = float(r.deff) if np.isfinite(r.deff) and r.deff >= 1 else config.deff
        rows.append({"table": kind, "sub_var": sub_var, "sub_level": sub_level,
                     "resp_var": resp_var, "resp_level": resp_level, "pct": float(r.pct),
                     "n": float(r.n), "deff": deff, "poll_id": r.poll_id})
    if problems:
        raise ModelInputError(problems_message("IssueVote cannot read these tables", problems))
    figures = _prefer(pd.DataFrame(rows), config.poll_priority, notes)
    _check_figures(figures)
    decimals = figures["pct"].map(lambda v: 0 if float(v).is_integer() else
                                  (1 if round(v, 1) == v else 2))
    figures["rounding_pp"] = (config.rounding_pp if config.rounding_pp is not None
                              else 10.0 ** (-decimals.astype(float)))
    figures["n_eff"] = figures["n"] / figures["deff"]
    figures["fitted"] = [not _held(t, s, config.holdout)
                         for t, s in zip(figures["table"], figures["sub_level"], strict=True)]
    figures["label"] = [
        f"{t}: {rv}={rl}" + ("" if sv is None else f" | {sv}={sl}")
        for t, sv, sl, rv, rl in zip(figures["table"], figures["sub_var"], figures["sub_level"],
                                     figures["resp_var"], figures["resp_level"], strict=True)]
    figures = figures.sort_values(["table", "sub_level", "resp_level"], na_position="first",
                                  kind="stable").reset_index(drop=True)
    figures.insert(0, "figure", np.arange(len(figures)))
    return figures


def _held(table: str, sub_level: str | None, holdout: tuple[str, ...]) -> bool:
    for spec in holdout:
        kind, _, level = str(spec).partition(":")
        if kind == table and (not level or level_key(level) == level_key(sub_level or "")):
            return True
    return False


def _check_figures(figures: pd.DataFrame) -> None:
    key = ["sub_var", "sub_level", "resp_var", "resp_level"]
    dup = figures[figures.fillna("-").duplicated(key, keep=False)]
    if len(dup):
        row = dup.iloc[0]
        polls = sorted(dup.loc[(dup[key].fillna("-") == row[key].fillna("-")).all(axis=1),
                               "poll_id"])
        raise ModelInputError(
            f"the {row['table']} figure {row['resp_level']!r}"
            f"{'' if row['sub_var'] is None else ' among ' + str(row['sub_level'])} is given "
            f"more than once (polls {', '.join(polls)}): they describe the same respondents "
            "(two weightings or outlets of one exit poll); choose one with poll_ids=[...]")
    sums = figures.fillna({"sub_level": "all"}).groupby(["table", "sub_level"])["pct"].sum()
    over = sums[sums > 100 + SUM_TOLERANCE]
    if len(over):
        (table, level), total = next(iter(over.items()))
        raise ModelInputError(
            f"the {table} shares among {level} sum to {total:.1f}% (> 100 + "
            f"{SUM_TOLERANCE:g}): shares of one single-choice question cannot exceed 100")


def figure_matrices(figures: pd.DataFrame, groups: list[str], issues: list[str],
              parties: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """0/1 numerator and denominator matrices (figures x cells) of the ratio figures."""
    index = pd.MultiIndex.from_product([groups, issues, parties],
                                       names=["group", "issue", "vote"]).to_frame(index=False)
    num = np.zeros((len(figures), len(index)))
    den = np.zeros_like(num)
    for j, f in enumerate(figures.itertuples(index=False)):
        inside = (np.ones(len(index), dtype=bool) if not isinstance(f.sub_var, str)
                  else (index[f.sub_var] == f.sub_level).to_numpy())
        den[j] = inside
        num[j] = inside & (index[f.resp_var] == f.resp_level).to_numpy()
    return num, den
