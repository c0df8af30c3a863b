"""Turn a PollFrame into the blocks and cells the issue-salience model needs.

One *block* is one (poll_id, question_id, subgroup): the issues that one set of respondents
answered. Its effective sample size is ``N = n_base / deff`` (rounded), where ``n_base`` is the
published ``subgroup_n``, else the poll's n (group ``"all"``) or ``subgroup_n_fraction`` x n
(other groups). Cells:

- single choice: one stick-breaking cell per reported issue (in issue order). With counts
  ``c_j = round(share_j N)`` the cells are ``c_j | earlier ~ (Beta-)Binomial(N - sum_{l<j}
  c_l, ...)``: the exact (Dirichlet-)multinomial of the reported issues with every other
  response (don't know, other, offered issues that were not reported) merged into one
  remainder. The block's *choice set* is its reported issues plus any declared with
  ``offered=``; issues outside it were not on the list (``choice_set="all"``: every
  modelled issue counts as offered, their mass falling into the remainder).
- multi-mention and rating: one (beta-)binomial cell per issue, ``c ~ Bin(N, q)``.

Each question belongs to a *construct* (``constructs=``, a ``construct`` column, else its
format): the issues *measured* on a construct are those with a cell in one of its questions,
and ranks are claimed only among them. ``nests=`` becomes one nest index per issue.

Bad input raises :class:`~opinion.errors.ModelInputError` with the offending polls or names:
rows of the modelled questions that validation rejected (with their reasons: a poll given as
fractions, 0.66 for 66%, is rejected by the reader, never guessed), shares given as fractions
(0-1) rather than percent, issue names spelled two ways, polls without n, single-choice
shares above 100%, unknown groups/questions/issues.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError, unknown_names_message
from opinion.frames import PollFrame
from opinion.models.core.names import near_duplicate_issues
from opinion.models.core.timegrid import interpolation_matrix, knot_count
from opinion.models.salience.config import SALIENCE_FORMATS, IssueSalienceConfig

REQUIRED = ("poll_id", "pollster", "start_date", "end_date", "n", "question_id", "response",
            "pct")
SUM_TOLERANCE = 101.0


@dataclass(frozen=True)
class SalienceData:
    """Arrays for the model and the labels that name results."""

    blocks: pd.DataFrame  # one row per (poll, question, group)
    cells: pd.DataFrame  # one row per reported (block, issue)
    reported: np.ndarray  # blocks x issues: 1 where the block reports the issue
    offered: np.ndarray  # blocks x issues: 1 where the issue is in the block's choice set
    knot_weights: np.ndarray  # blocks x knots: linear interpolation at the field midpoint
    issues: list[str]
    groups: list[str]
    questions: pd.DataFrame  # question_id, format, polls, pollsters, reference, intercepts
    pollsters: list[str]
    knot_dates: pd.DatetimeIndex
    grid_days: int
    time: str  # "static" or "monthly"
    reference_question: str
    reference_format: str
    reference_date: pd.Timestamp
    anchor_knot: int
    skipped_questions: list[str]
    notes: list[str]
    reference_construct: str = ""
    constructs: list[str] = dataclasses.field(default_factory=list)
    measured: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    nest_of: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=int))
    nest_names: list[str] = dataclasses.field(default_factory=list)
    group_time: bool = False

    def shared(self, construct: str) -> list[int]:
        """Issues measured on ``construct`` and on at least one other construct (they
        identify the link between constructs)."""
        elsewhere = {k for c, ks in self.measured.items() if c != construct for k in ks}
        return [k for k in self.measured.get(construct, []) if k in elsewhere]

    def anchor_issues(self) -> list[int]:
        """Issues reported by the reference question: their levels are pinned on the
        reference scale, and their mean is the pivot of the format links."""
        ref = np.flatnonzero((self.blocks["question_id"] == self.reference_question).to_numpy())
        return sorted(set(self.cells.loc[self.cells["block"].isin(ref), "issue"].astype(int)))

    def construct_questions(self, construct: str) -> list[str]:
        """Questions of a construct, its primary (scale-defining) question first."""
        q = self.questions[self.questions["construct"] == construct]
        q = q.sort_values("construct_primary", ascending=False, kind="stable")
        return list(q["question_id"])

    @property
    def use_house(self) -> bool:
        """Pollster effects are identified only when some question has 2+ pollsters."""
        return bool((self.questions["pollsters"] >= 2).any()) and len(self.pollsters) > 1


# ----------------------------------------------------------------------------- helpers


def _frame(polls: PollFrame | pd.DataFrame) -> pd.DataFrame:
    data = polls.data if isinstance(polls, PollFrame) else polls
    if not isinstance(data, pd.DataFrame):
        raise ModelInputError("polls must be a PollFrame or a pandas DataFrame")
    if data.empty:
        _check_rejected(polls, None)
        raise ModelInputError("polls has no valid rows")
    missing = [c for c in REQUIRED if c not in data.columns]
    if missing:
        raise ModelInputError(f"polls lack column(s): {', '.join(missing)}")
    data = data.copy()
    for column in ("start_date", "end_date"):
        data[column] = pd.to_datetime(data[column])
    if "subgroup" not in data:
        data["subgroup"] = "all"
    data["subgroup"] = data["subgroup"].fillna("all").astype(str)
    data["response"] = data["response"].astype(str).str.strip()
    data["n"] = pd.to_numeric(data["n"], errors="coerce")
    data["pct"] = pd.to_numeric(data["pct"], errors="coerce")
    for column in ("subgroup_n", "deff"):
        data[column] = (pd.to_numeric(data[column], errors="coerce") if column in data
                        else np.nan)
    if "deff_source" not in data:
        data["deff_source"] = np.where(data["deff"].notna(), "published", "assumed 1")
    if "population" not in data:
        data["population"] = ""
    return data


def _check_rejected(polls: PollFrame | pd.DataFrame, questions: set[str] | None) -> None:
    """Refuse a frame whose validation rejected rows of the modelled questions (``None``:
    any rejected row), naming the rows and the reasons: modelling the rest would silently
    drop those polls (e.g. a poll given as fractions next to polls given in percent)."""
    if not isinstance(polls, PollFrame) or polls.rejects.empty:
        return
    rej = polls.rejects
    if questions is not None and "question_id" in rej:
        rej = rej[rej["question_id"].astype(str).isin(questions)]
    if rej.empty:
        return
    rej = rej.assign(reasons=rej["reasons"].astype(str) if "reasons" in rej else "",
                     poll_id=rej["poll_id"].astype(str) if "poll_id" in rej else "?")
    grouped = list(rej.groupby(["poll_id", "reasons"], sort=False)["row"])
    listed = "; ".join(f"row(s) {', '.join(map(str, r.head(5)))}{', ...' if len(r) > 5 else ''}"
                       f" (poll {poll}): {reason}" for (poll, reason), r in grouped[:3])
    reasons, ids = rej["reasons"], sorted(rej["poll_id"].unique())
    hint = (" The model weighs each poll by its n: fill in n (a derived lower bound is fine "
            "if you say so in notes) or drop those rows."
            if reasons.str.contains(r"(?:^|; )n:", regex=True).any() else "")
    raise ModelInputError(
        f"{len(rej)} row(s) of the modelled questions were rejected by validation, in "
        f"poll(s) {', '.join(ids[:10])}{'...' if len(ids) > 10 else ''} ({listed}"
        f"{'; ...' if len(grouped) > 3 else ''}). The model does not drop them silently: correct "
        "them (or re-read the file with the option the reason names), or model the valid "
        f"rows alone by passing PollFrame(polls.data) (see polls.rejects).{hint}")


def _formats(data: pd.DataFrame, config: IssueSalienceConfig) -> pd.Series:
    """Format of every question_id (config overrides the frame)."""
    frame_fmt = (data.groupby("question_id")["question_format"].first()
                 if "question_format" in data else pd.Series(dtype=object))
    out = {}
    for q in data["question_id"].unique():
        fmt = config.question_formats.get(q)
        if fmt is None:
            value = frame_fmt.get(q) if len(frame_fmt) else None
            fmt = value if isinstance(value, str) and value else None
        out[q] = fmt
    return pd.Series(out, dtype=object)


def _select_questions(data: pd.DataFrame, config: IssueSalienceConfig
                      ) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    formats = _formats(data, config)
    if config.questions is not None:
        unknown = sorted(set(config.questions) - set(data["question_id"]))
        if unknown:
            raise ModelInputError(unknown_names_message(
                unknown, sorted(set(data["question_id"])), "question_id(s)"))
        chosen = list(config.questions)
        no_fmt = [q for q in chosen if formats.get(q) is None]
        if no_fmt:
            raise ModelInputError(
                f"no question_format for {', '.join(no_fmt)}: add a question_format column or "
                "pass question_formats={question_id: 'single_choice'|'multi_mention'|'rating'}")
        wrong = {q: formats[q] for q in chosen if formats[q] not in SALIENCE_FORMATS}
        if wrong:
            raise ModelInputError(
                f"question(s) {wrong} are not salience questions (formats: "
                f"{', '.join(SALIENCE_FORMATS)})")
        skipped: list[str] = []
    else:
        if formats.isna().all():
            raise ModelInputError(
                "the frame has no question_format: pass question_formats={question_id: "
                "'single_choice'|'multi_mention'|'rating'} or questions=[...] with formats")
        chosen = [q for q in formats.index if formats[q] in SALIENCE_FORMATS]
        skipped = sorted(q for q in formats.index if q not in chosen)
        if not chosen:
            raise ModelInputError(
                f"no question has a salience format ({', '.join(SALIENCE_FORMATS)}); found "
                f"{dict(formats)}")
    data = data[data["question_id"].isin(chosen)].copy()
    data["format"] = data["question_id"].map(formats)
    return data, formats, skipped


def _check_numbers(data: pd.DataFrame) -> None:
    no_n = data.loc[data["n"].isna() | (data["n"] <= 0), "poll_id"].unique()
    if len(no_n):
        raise ModelInputError(
            f"poll(s) without a sample size n: {', '.join(sorted(map(str, no_n)))}. The model "
            "weighs each poll by its n: fill in n (a derived lower bound is fine if you say "
            "so) or drop those polls.")
    no_pct = data.loc[data["pct"].isna(), ["poll_id", "response"]]
    if len(no_pct):
        first = no_pct.iloc[0]
        raise ModelInputError(f"{len(no_pct)} row(s) without pct (first: poll "
                              f"{first['poll_id']}, response {first['response']!r})")
    if (data["pct"] < 0).any() or (data["pct"] > 100).any():
        bad = data.loc[(data["pct"] < 0) | (data["pct"] > 100), "poll_id"].unique()
        raise ModelInputError(f"pct outside 0-100 in poll(s) {', '.join(map(str, bad))}")
    block = ["poll_id", "question_id", "subgroup"]
    max_pct = data.groupby(block)["pct"].max()
    fractional = max_pct[max_pct <= 1.0]
    if len(fractional):
        polls = sorted({str(k[0]) for k in fractional.index})
        mixed = len(fractional) < len(max_pct)
        raise ModelInputError(
            ("shares look like fractions (0-1) in poll(s) " if mixed else
             "every share is at most 1: shares look like fractions (0-1), ")
            + f"{', '.join(polls[:10])}{'...' if len(polls) > 10 else ''}"
            + (" but like percentages in the others" if mixed else "")
            + ". pct must be percent (0-100): multiply those shares by 100.")


def _apply_aliases(data: pd.DataFrame, config: IssueSalienceConfig) -> pd.DataFrame:
    aliases = {str(k).strip(): str(v).strip() for k, v in config.issue_aliases.items()}
    lower = {k.lower(): v for k, v in aliases.items()}
    data["issue"] = [aliases.get(r, lower.get(r.lower(), r)) for r in data["response"]]
    non = {str(x).strip().lower() for x in config.non_issues}
    data["is_issue"] = ~data["issue"].str.lower().isin(non)
    return data


def _check_names(data: pd.DataFrame, config: IssueSalienceConfig) -> None:
    if not config.check_issue_names:
        return
    names = sorted(data.loc[data["is_issue"], "issue"].unique())
    dups = near_duplicate_issues(names)
    if dups:
        lines = []
        for group in dups:
            where = []
            for name in group:
                polls = sorted(map(str, data.loc[data["issue"] == name, "poll_id"].unique()))
                more = "..." if len(polls) > 3 else ""
                where.append(f"{name!r} (in {', '.join(polls[:3])}{more})")
            lines.append(" / ".join(where))
        example = {g: dups[0][0] for g in dups[0][1:]}
        raise ModelInputError(
            "issue names that look like the same issue spelled differently: "
            + "; ".join(lines)
            + f". Merge them with issue_aliases={example!r} (or rename them in the data); "
            "if they really are different issues, pass check_issue_names=False.")


def _effective_n(data: pd.DataFrame, config: IssueSalienceConfig) -> pd.DataFrame:
    """Add ``deff_used``, ``deff_rule``, ``n_base``, ``n_basis`` and ``N`` per row."""
    deff = data["deff"].astype(float)
    rule = np.where(data["deff_source"].astype(str) == "assumed 1", "assumed 1",
                    "frame (" + data["deff_source"].astype(str) + ")")
    deff = deff.fillna(1.0)
    exit_poll = (data["population"].astype(str) == "v") & (rule == "assumed 1")
    deff = deff.where(~exit_poll, config.exit_poll_deff)
    rule = np.where(exit_poll, f"exit poll, assumed {config.exit_poll_deff:g}", rule)
    if isinstance(config.deff, dict):
        override = data["poll_id"].map(config.deff)
        rule = np.where(override.notna(), "deff= option", rule)
        deff = override.astype(float).fillna(deff)
    elif config.deff is not None:
        deff = pd.Series(float(config.deff), index=data.index)
        rule = np.full(len(data), "deff= option", dtype=object)
    sub_n = data["subgroup_n"]
    is_all = data["subgroup"] == "all"
    base = np.where(sub_n.notna(), sub_n,
                    np.where(is_all, data["n"], data["n"] * config.subgroup_n_fraction))
    basis = np.where(sub_n.notna(), "subgroup_n",
                     np.where(is_all, "poll n",
                              f"{config.subgroup_n_fraction:.3g} x poll n (subgroup size not "
                              "published)"))
    out = data.assign(deff_used=deff.astype(float), deff_rule=rule, n_base=base, n_basis=basis)
    out["N"] = np.maximum(np.round(out["n_base"] / out["deff_used"]), 1).astype(int)
    return out


def _time_grid(data: pd.DataFrame, config: IssueSalienceConfig
               ) -> tuple[str, pd.Timestamp, int, pd.DatetimeIndex]:
    start = data["start_date"].min()
    end = data["end_date"].max()
    span = int((end - start).days)
    monthly = config.time == "monthly" or (config.time == "auto"
                                           and span >= config.auto_monthly_days)
    if not monthly:
        return "static", start, 1, pd.DatetimeIndex([end])
    knots = knot_count(span + 1, config.grid_days)
    dates = pd.DatetimeIndex([start + pd.Timedelta(days=config.grid_days * k)
                              for k in range(knots)])
    return "monthly", start, knots, dates


def knot_weights_at(days: np.ndarray, n_knots: int, grid_days: int) -> np.ndarray:
    """Linear-interpolation weights (len(days) x knots) at day offsets from the first knot."""
    if n_knots == 1:
        return np.ones((len(days), 1))
    horizon = int(np.ceil(max(float(np.max(days)), 0.0))) + 1
    total_days = max(horizon, (n_knots - 1) * grid_days + 1)
    interp = interpolation_matrix(total_days, grid_days)[:, :n_knots]
    lo = np.clip(np.floor(days).astype(int), 0, total_days - 1)
    hi = np.clip(lo + 1, 0, total_days - 1)
    frac = np.clip(days - lo, 0, 1)[:, None]
    w = (1 - frac) * interp[lo] + frac * interp[hi]
    return w / w.sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------- main


def prepare(polls: PollFrame | pd.DataFrame, config: IssueSalienceConfig) -> SalienceData:
    """Select, check and encode the salience questions.

    Raises
    ------
    ModelInputError
        See the module docstring for the checks.
    """
    data = _frame(polls)
    data, _, skipped = _select_questions(data, config)
    _check_rejected(polls, set(data["question_id"]))
    if data.empty:
        raise ModelInputError("no rows for the chosen questions")
    _check_numbers(data)
    data = _apply_aliases(data, config)
    _check_names(data, config)

    groups_present = list(dict.fromkeys(
        (["all"] if (data["subgroup"] == "all").any() else [])
        + sorted(data["subgroup"].unique())))
    if config.groups is not None:
        unknown = [g for g in config.groups if g not in groups_present]
        if unknown:
            raise ModelInputError(
                f"group(s) {', '.join(unknown)} not in the chosen questions (have: "
                f"{', '.join(groups_present)})")
        groups = list(config.groups)
    else:
        groups = groups_present
    data = data[data["subgroup"].isin(groups)]

    all_issues = list(dict.fromkeys(data.loc[data["is_issue"], "issue"]))
    if config.issues is not None:
        aliased = [config.issue_aliases.get(i, i) for i in config.issues]
        unknown = [i for i in aliased if i not in all_issues]
        if unknown:
            raise ModelInputError(unknown_names_message(unknown, all_issues, "issue(s)"))
        issues = list(dict.fromkeys(aliased))
    else:
        issues = all_issues
    if len(issues) < 2:
        raise ModelInputError(f"a ranking needs at least two issues; found {issues}")
    issue_index = {i: k for k, i in enumerate(issues)}

    block_key = ["poll_id", "question_id", "subgroup"]
    single = data["format"] == "single_choice"
    sums = data[single].groupby(block_key)["pct"].sum()
    over = sums[sums > SUM_TOLERANCE]
    if len(over):
        (poll_id, question, group), total = next(iter(over.items()))
        raise ModelInputError(
            f"single-choice shares sum to {total:.1f}% (> {SUM_TOLERANCE:g}) in poll {poll_id}, "
            f"question {question}, group {group}: is it really single choice? (use "
            "question_formats={...: 'multi_mention'} for questions that allow several answers)")
    modelled = data["issue"].isin(issues) & data["is_issue"]
    dup = data[modelled & ~single].duplicated(block_key + ["issue"])
    if dup.any():
        row = data[modelled & ~single][dup].iloc[0]
        raise ModelInputError(
            f"two responses of poll {row['poll_id']} ({row['question_id']}) map to issue "
            f"{row['issue']!r}: mentions/ratings overlap, so they cannot be added; fix "
            "issue_aliases")

    data = _effective_n(data, config)
    time_mode, origin, n_knots, knot_dates = _time_grid(data, config)

    block_rows, cell_rows = [], []
    reported_rows = []
    for (poll_id, question, group), rows in data.groupby(block_key, sort=True):
        first = rows.iloc[0]
        fmt = first["format"]
        shares = (rows[rows["issue"].isin(issues) & rows["is_issue"]]
                  .groupby("issue")["pct"].sum() / 100.0)
        if shares.empty:
            continue
        n_trials = int(first["N"])
        mask = np.zeros(len(issues))
        order = sorted(shares.index, key=issue_index.get)
        remaining = n_trials
        b_idx = len(block_rows)
        for issue in order:
            share = float(shares[issue])
            count = int(round(share * n_trials))
            if fmt == "single_choice":
                count = min(max(count, 0), remaining)
                trials = remaining
                remaining -= count
            else:
                count = min(max(count, 0), n_trials)
                trials = n_trials
            mask[issue_index[issue]] = 1.0
            cell_rows.append({"block": b_idx, "issue": issue_index[issue], "format": fmt,
                              "share": share, "count": count, "trials": trials})
        mid = first["start_date"] + (first["end_date"] - first["start_date"]) / 2
        block_rows.append({
            "poll_id": poll_id, "question_id": question, "group": group, "format": fmt,
            "pollster": first["pollster"], "population": first["population"],
            "start_date": first["start_date"], "end_date": first["end_date"], "mid_date": mid,
            "n": int(first["n"]), "n_base": float(first["n_base"]), "n_basis": first["n_basis"],
            "deff": float(first["deff_used"]), "deff_rule": first["deff_rule"], "N": n_trials,
            "reported_pct": float(rows["pct"].sum()),
        })
        reported_rows.append(mask)
    blocks = pd.DataFrame(block_rows)
    cells = pd.DataFrame(cell_rows)
    if blocks.empty:
        raise ModelInputError("no usable issue shares in the chosen questions")
    reported = np.vstack(reported_rows)
    offered = _offered(blocks, reported, issues, config)

    days = ((blocks["mid_date"] - origin).dt.total_seconds() / 86400.0).to_numpy()
    weights = knot_weights_at(days, n_knots, config.grid_days)

    qtab = (blocks.groupby("question_id")
            .agg(format=("format", "first"), polls=("poll_id", "nunique"),
                 pollsters=("pollster", "nunique"), blocks=("poll_id", "size"))
            .reset_index())
    reference = _reference_question(qtab, config)
    qtab["reference"] = qtab["question_id"] == reference
    qtab["poll_intercepts"] = qtab["format"].isin(["multi_mention", "rating"]) & (
        qtab["polls"] >= 2)
    ref_format = str(qtab.loc[qtab["reference"], "format"].iloc[0])
    qtab = _constructs(qtab, data, config)
    ref_construct = str(qtab.loc[qtab["reference"], "construct"].iloc[0])
    constructs = [ref_construct] + sorted(set(qtab["construct"]) - {ref_construct})
    measured = _measured(blocks, cells, constructs, qtab)
    nest_of, nest_names = _nests(issues, config)

    ref_date = (pd.Timestamp(config.reference_date) if config.reference_date
                else data["end_date"].max())
    anchor = int(np.argmax(weights.sum(axis=0)))
    pollsters = sorted(blocks["pollster"].unique())
    notes = _notes(blocks, config)
    group_time = _group_time(blocks, groups, time_mode, config)
    return SalienceData(
        blocks=blocks, cells=cells, reported=reported, offered=offered, knot_weights=weights,
        issues=issues,
        groups=[g for g in groups if g in set(blocks["group"])], questions=qtab,
        pollsters=pollsters, knot_dates=knot_dates, grid_days=config.grid_days,
        time=time_mode, reference_question=reference, reference_format=ref_format,
        reference_date=ref_date, anchor_knot=anchor, skipped_questions=skipped, notes=notes,
        reference_construct=ref_construct, constructs=constructs, measured=measured,
        nest_of=nest_of, nest_names=nest_names, group_time=group_time,
    )


def _offered(blocks: pd.DataFrame, reported: np.ndarray, issues: list[str],
             config: IssueSalienceConfig) -> np.ndarray:
    """Choice set of each block: reported issues, plus those declared in ``offered``."""
    if config.choice_set == "all":
        return np.ones_like(reported)
    offered = reported.copy()
    keys = set(blocks["poll_id"]) | set(blocks["question_id"])
    unknown_keys = sorted(set(config.offered) - keys)
    if unknown_keys:
        raise ModelInputError(f"offered= names unknown poll_id/question_id: "
                              f"{', '.join(map(str, unknown_keys))}")
    for key, names in config.offered.items():
        aliased = [config.issue_aliases.get(n, n) for n in names]
        unknown = [n for n in aliased if n not in issues]
        if unknown:
            raise ModelInputError(f"offered[{key!r}] names issues not modelled: "
                                  f"{', '.join(unknown)} (have: {', '.join(issues)})")
        rows = ((blocks["poll_id"] == key) | (blocks["question_id"] == key)).to_numpy()
        cols = [issues.index(n) for n in aliased]
        offered[np.ix_(rows, cols)] = 1.0
    return offered


def _constructs(qtab: pd.DataFrame, data: pd.DataFrame, config: IssueSalienceConfig
                ) -> pd.DataFrame:
    """Add each question's ``construct`` and whether it is its construct's primary question
    (the reference question for the reference construct; else single choice first, then
    most polls)."""
    unknown = sorted(set(config.constructs) - set(qtab["question_id"]))
    if unknown:
        raise ModelInputError(f"constructs= names question(s) not modelled: "
                              f"{', '.join(map(str, unknown))} (modelled: "
                              f"{', '.join(qtab['question_id'])})")
    column = {}
    if "construct" in data:
        given = data.dropna(subset=["construct"])
        given = given[given["construct"].astype(str).str.strip() != ""]
        column = given.groupby("question_id")["construct"].first().astype(str).to_dict()
    qtab = qtab.copy()
    qtab["construct"] = [config.constructs.get(q, column.get(q, fmt))
                         for q, fmt in zip(qtab["question_id"], qtab["format"], strict=True)]
    ranked = qtab.assign(single=qtab["format"] == "single_choice").sort_values(
        ["reference", "single", "polls", "blocks", "question_id"],
        ascending=[False, False, False, False, True])
    primary = set(ranked.drop_duplicates("construct")["question_id"])
    qtab["construct_primary"] = qtab["question_id"].isin(primary)
    return qtab


def _measured(blocks: pd.DataFrame, cells: pd.DataFrame, constructs: list[str],
              qtab: pd.DataFrame) -> dict[str, list[int]]:
    """Issues with at least one cell on each construct (issue order)."""
    construct_of = dict(zip(qtab["question_id"], qtab["construct"], strict=True))
    question = blocks["question_id"].to_numpy()[cells["block"].to_numpy()]
    by = pd.Series([construct_of[q] for q in question], index=cells.index)
    return {c: sorted(set(cells.loc[by == c, "issue"].astype(int))) for c in constructs}


def _nests(issues: list[str], config: IssueSalienceConfig) -> tuple[np.ndarray, list[str]]:
    """Nest index of every issue (-1: its own nest) and the nest names."""
    nest_of = -np.ones(len(issues), dtype=int)
    names = []
    for nest, members in config.nests.items():
        members = [members] if isinstance(members, str) else list(members)
        aliased = [config.issue_aliases.get(m, m) for m in members]
        unknown = [m for m in aliased if m not in issues]
        if unknown:
            raise ModelInputError(f"nests[{nest!r}] names issues not modelled: "
                                  f"{', '.join(unknown)} (have: {', '.join(issues)})")
        nest_of[[issues.index(m) for m in aliased]] = len(names)
        names.append(str(nest))
    return nest_of, names


def _group_time(blocks: pd.DataFrame, groups: list[str], time_mode: str,
                config: IssueSalienceConfig) -> bool:
    """Whether subgroup deviations get their own walk (``group_time``)."""
    if config.group_time == "off" or time_mode != "monthly" or len(groups) < 2:
        return False
    if config.group_time == "on":
        return True
    sub = blocks[blocks["group"] != groups[0]]
    spans = sub.groupby("group")["mid_date"].agg(lambda d: (d.max() - d.min()).days)
    return bool((spans >= config.grid_days).any())


def _reference_question(qtab: pd.DataFrame, config: IssueSalienceConfig) -> str:
    if config.reference_question is not None:
        if config.reference_question not in set(qtab["question_id"]):
            raise ModelInputError(
                f"reference_question {config.reference_question!r} is not among the modelled "
                f"questions ({', '.join(qtab['question_id'])})")
        return config.reference_question
    ranked = qtab.assign(single=qtab["format"] == "single_choice").sort_values(
        ["single", "polls", "blocks", "question_id"], ascending=[False, False, False, True])
    return str(ranked["question_id"].iloc[0])


def _notes(blocks: pd.DataFrame, config: IssueSalienceConfig) -> list[str]:
    notes = []
    exit_polls = blocks.loc[blocks["deff_rule"].str.startswith("exit poll"), "poll_id"].unique()
    if len(exit_polls):
        notes.append(f"exit poll(s) {', '.join(map(str, exit_polls))}: no published design "
                     f"effect, deff {config.exit_poll_deff:g} assumed (exit_poll_deff)")
    guessed = blocks.loc[blocks["n_basis"].str.contains("not published"), "poll_id"].unique()
    if len(guessed):
        notes.append(f"subgroup sizes not published in {', '.join(map(str, guessed))}: taken "
                     f"as {config.subgroup_n_fraction:.3g} x the poll's n (subgroup_n_fraction)")
    return notes
