"""Turn a PollFrame into the arrays the poll-average model needs.

One *poll* here is one (poll_id, question_id) pair in the chosen subgroup. Its reported shares
become stick-breaking binomial cells: for the reported categories k1..km of poll i,

    c_ij ~ Binomial(N_i - sum_{l<j} c_il,  p_i,kj / (1 - sum_{l<j} p_i,kl)),

which is exactly the multinomial likelihood of the reported categories with every unreported
category merged into one remainder (a poll that reports only "support" is a binomial of
support vs everything else). ``N_i`` is the effective sample size ``n / deff`` (rounded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError, unknown_name_message, unknown_names_message
from opinion.frames import PollFrame
from opinion.models.core.inputs import problems_message
from opinion.models.core.timegrid import interpolation_matrix, knot_count
from opinion.models.poll_average.config import PollAverageConfig

MIN_POLLS = 2
KALMAN_MIN_COUNT = 20
"""Effective respondents on each side of a two-category poll from which ``"auto"`` treats
its log-odds share as Gaussian (the Kalman arm); with fewer, the binomial likelihood."""


@dataclass(frozen=True)
class PollData:
    """Arrays for the model, plus the labels needed to name results."""

    polls: pd.DataFrame  # one row per poll: poll_id, question_id, pollster, dates, N, ...
    cells: pd.DataFrame  # one row per reported cell: poll index, category index, count, trials
    responses: list[str]
    pollsters: list[str]
    questions: list[str]
    populations: list[str]
    modes: list[str]
    start: pd.Timestamp
    end: pd.Timestamp
    grid_days: int
    knot_dates: pd.DatetimeIndex
    field_matrix: np.ndarray | None  # polls x knots: mean latent over field days (not Kalman)
    prev_mask: np.ndarray  # cells x categories: categories earlier in the same poll's stick
    likelihood: str = "binomial"  # resolved: binomial, normal or kalman

    @property
    def n_days(self) -> int:
        return int((self.end - self.start).days) + 1


def resolve_grid(n_days: int, grid_days: int | str, n_polls: int | None = None) -> int:
    """The knot spacing in days.

    ``"auto"``: daily up to 200 days, else weekly, and never finer than one knot per half
    poll (``span / (2 x polls)`` days): a sparse series gets a coarse, linearly interpolated
    path instead of hundreds of knots the data cannot inform, which sample slowly.
    """
    if grid_days != "auto":
        return int(grid_days)
    base = 1 if n_days <= 200 else 7
    if n_polls:
        base = max(base, int(np.ceil(n_days / (2 * n_polls))))
    return base


def prepare(polls: PollFrame, config: PollAverageConfig) -> PollData:
    """Select, check (every problem at once) and encode the question family.

    Raises
    ------
    ModelInputError
        Listing every problem: questions or subgroup not in the data, fewer than two polls,
        responses missing from ``responses=``, a response that is 0% in every poll, polls
        outside the requested dates, unknown anchor pollsters or reference question.
    """
    data = select_rows(polls.data, config)
    available = polls.data.loc[polls.data["subgroup"] == config.subgroup, "question_id"]
    problems = check_rows(data, config, available=sorted(set(available)))
    if problems:
        raise ModelInputError(problems_message("PollAverage cannot use these polls", problems))
    return encode(data, config)


def select_rows(data: pd.DataFrame, config: PollAverageConfig) -> pd.DataFrame:
    """The chosen questions and subgroup, with ``response_map`` applied."""
    if config.questions is not None:
        data = data[data["question_id"].isin(config.questions)]
    data = data[data["subgroup"] == config.subgroup]
    return data.assign(response=data["response"].map(lambda r: config.response_map.get(r, r)))


def response_order(data: pd.DataFrame, config: PollAverageConfig) -> list[str]:
    """Response categories in model order (the last is the reference)."""
    responses = list(config.responses) if config.responses else list(
        dict.fromkeys(data["response"]))
    if len(responses) == 1:
        responses = [responses[0], f"not {responses[0]}"]
    return responses


def date_range(data: pd.DataFrame, config: PollAverageConfig) -> tuple[pd.Timestamp,
                                                                          pd.Timestamp]:
    """First and last day of the trend."""
    start = pd.Timestamp(config.start) if config.start else data["start_date"].min()
    end = pd.Timestamp(config.end) if config.end else data["end_date"].max()
    if config.election is not None:
        end = max(end, pd.Timestamp(config.election[0]))
    return start, end


def check_rows(data: pd.DataFrame, config: PollAverageConfig, *,
               available: list[str] | None = None) -> list[str]:
    """Every reason the selected rows cannot be modelled (empty when they can).

    ``available``: the question ids of the whole frame (in the subgroup), listed, with the
    closest suggested, when ``questions=`` names one that is not there.
    """
    problems = []
    if config.questions is not None:
        unknown = sorted(set(config.questions) - set(data["question_id"]))
        if unknown:
            problems.append(unknown_names_message(
                unknown, available if available is not None else sorted(set(data["question_id"])),
                f"question_id(s) (subgroup {config.subgroup!r})"))
    if data.empty:
        return [*problems, f"no rows for subgroup {config.subgroup!r} in the chosen questions"]
    n_polls = data.groupby(["poll_id", "question_id"]).ngroups
    if n_polls < MIN_POLLS:
        problems.append(f"the question family has {n_polls} poll; a poll average needs at "
                        f"least {MIN_POLLS} (for one poll, use opinion.survey.proportion_ci)")
    responses = response_order(data, config)
    missing = sorted(set(data["response"]) - set(responses))
    if missing:
        problems.append(f"responses not listed in responses=: {', '.join(missing)}")
    always_zero = [r for r in responses if r in set(data["response"])
                   and (data.loc[data["response"] == r, "pct"] == 0).all()]
    if always_zero:
        problems.append(f"response(s) {', '.join(always_zero)} are 0% in every poll: there "
                        "is nothing to estimate; drop them with responses=[...]")
    start, end = date_range(data, config)
    outside = data[(data["end_date"] < start) | (data["start_date"] > end)]["poll_id"].unique()
    if len(outside):
        problems.append(
            f"{len(outside)} poll(s) fall outside {start:%Y-%m-%d}..{end:%Y-%m-%d} "
            f"({', '.join(map(str, outside[:5]))}{'...' if len(outside) > 5 else ''}): filter "
            "them out or widen start/end")
    pollsters = set(data["pollster"])
    if config.house_effects == "anchored":
        unknown = sorted(set(config.anchor_pollsters) - pollsters)
        if unknown:
            problems.append(unknown_names_message(unknown, sorted(pollsters),
                                                  "anchor pollster(s)"))
    if (config.reference_question is not None
            and config.reference_question not in set(data["question_id"])):
        problems.append("reference_question: " + unknown_name_message(
            config.reference_question, sorted(set(data["question_id"])), "question_id"))
    return problems


def choose_likelihood(config: PollAverageConfig, responses: list[str], polls: pd.DataFrame,
                      cells: pd.DataFrame) -> str:
    """The likelihood ``"auto"`` resolves to (explicit choices are kept).

    ``"kalman"`` (the daily path integrated out exactly; NUTS on a handful of scales and
    effects) for a two-category question on the ``"auto"`` or daily grid when every poll has
    at least :data:`KALMAN_MIN_COUNT` effective respondents on each side, so that its
    log-odds share is close to Gaussian; ``"binomial"`` otherwise (multi-category questions,
    polls reporting only some categories, tiny or lopsided samples, coarser grids).
    Measured on the 1,000-poll benchmark: the Kalman arm agrees with the binomial daily fit
    (see ``benchmarks/poll_average.py``) at a small fraction of its cost.
    """
    if config.likelihood != "auto":
        return config.likelihood
    if len(responses) != 2 or config.grid_days not in ("auto", 1):
        return "binomial"
    trials = polls["n_trials"].to_numpy()[cells["poll"].to_numpy()]
    share = cells["share"].to_numpy()
    smaller = np.minimum(share, 1 - share) * trials
    return "kalman" if smaller.min() >= KALMAN_MIN_COUNT else "binomial"


def encode(data: pd.DataFrame, config: PollAverageConfig) -> PollData:
    """Arrays and labels of checked rows."""
    responses = response_order(data, config)
    start, end = date_range(data, config)
    n_days = int((end - start).days) + 1
    n_polls = data.groupby(["poll_id", "question_id"]).ngroups
    poll_table, cells, prev = stick_breaking_cells(data, responses)
    if cells.empty:
        raise ModelInputError("no usable reported shares for the chosen questions")
    likelihood = choose_likelihood(config, responses, poll_table, cells)
    grid = 1 if likelihood == "kalman" else resolve_grid(n_days, config.grid_days, n_polls)
    knots = knot_count(n_days, grid)
    field = (None if likelihood == "kalman"
             else field_matrix(poll_table, start, n_days, grid, config.field_period))
    knot_dates = pd.DatetimeIndex([start + pd.Timedelta(days=grid * k) for k in range(knots)])
    questions = list(poll_table["question_id"].value_counts().index)
    if config.reference_question is not None:
        questions.remove(config.reference_question)
        questions.insert(0, config.reference_question)
    known_modes = poll_table.loc[poll_table["mode"] != "unknown", "mode"]
    return PollData(
        polls=poll_table, cells=cells, responses=responses,
        pollsters=sorted(poll_table["pollster"].unique()), questions=questions,
        populations=list(poll_table["population"].value_counts().index),
        modes=list(known_modes.value_counts().index) or ["unknown"], start=start, end=end,
        grid_days=grid, knot_dates=knot_dates, field_matrix=field, prev_mask=prev,
        likelihood=likelihood,
    )


def stick_breaking_cells(data: pd.DataFrame, responses: list[str]
                         ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """One row per poll, its reported shares as stick-breaking binomial cells, and each
    cell's earlier categories in the same poll's stick (cells x categories, 0/1).

    Vectorised over polls (one pass per position in the stick): 10,000 polls take well
    under a second.
    """
    k_cats = len(responses)
    keys = ["poll_id", "question_id"]
    poll = data.groupby(keys, sort=False).ngroup().to_numpy()
    first = data.groupby(keys, sort=False).head(1).reset_index(drop=True)
    cat = data["response"].map({r: k for k, r in enumerate(responses)}).to_numpy()
    shares = (pd.DataFrame({"poll": poll, "category": cat,
                            "share": data["pct"].to_numpy(dtype=float) / 100})
              .groupby(["poll", "category"], sort=True)["share"].sum().reset_index())
    n_reported = shares.groupby("poll")["category"].size().to_numpy()
    total = shares.groupby("poll")["share"].sum().to_numpy()
    complete = n_reported == k_cats
    rescale = np.where(complete & (total > 0), total, 1.0)
    shares["share"] /= rescale[shares["poll"].to_numpy()]
    n_trials = np.maximum(np.round(first["n_eff"].to_numpy(dtype=float)).astype(int), 1)
    # the last category of a poll reporting every category is implied by the others
    cells = shares[~(complete[shares["poll"].to_numpy()]
                     & (shares["category"].to_numpy() == k_cats - 1))].reset_index(drop=True)
    rank = cells.groupby("poll").cumcount().to_numpy()
    cell_poll = cells["poll"].to_numpy()
    remaining = n_trials.copy()
    seen = np.zeros((len(n_trials), k_cats))
    count = np.zeros(len(cells), dtype=int)
    trials = np.zeros(len(cells), dtype=int)
    prev = np.zeros((len(cells), k_cats))
    for r in range(k_cats):
        rows = np.flatnonzero(rank == r)
        who = cell_poll[rows]
        trials[rows] = remaining[who]
        prev[rows] = seen[who]
        wanted = np.round(cells["share"].to_numpy()[rows] * n_trials[who]).astype(int)
        count[rows] = np.minimum(np.maximum(wanted, 0), remaining[who])
        remaining[who] -= count[rows]
        seen[who, cells["category"].to_numpy()[rows]] = 1.0
    cells = cells.assign(count=count, trials=trials)[["poll", "category", "count", "trials",
                                                       "share"]]
    mode = first["mode"] if "mode" in first else pd.Series(np.nan, index=first.index)
    polls = pd.DataFrame({
        "poll_id": first["poll_id"].to_numpy(), "question_id": first["question_id"].to_numpy(),
        "pollster": first["pollster"].to_numpy(), "start_date": first["start_date"].to_numpy(),
        "end_date": first["end_date"].to_numpy(), "population": first["population"].to_numpy(),
        "mode": [m if isinstance(m, str) else "unknown" for m in mode],
        "n": first["n"].to_numpy().astype(int), "n_eff": first["n_eff"].to_numpy(dtype=float),
        "n_trials": n_trials,
        "reported_all": complete | ((k_cats == 2) & responses[1].startswith("not ")
                                    & (n_reported == 1)),
    })
    return polls, cells, prev


def field_matrix(polls: pd.DataFrame, start: pd.Timestamp, n_days: int, grid: int,
                 field_period: bool) -> np.ndarray:
    """(poll, knot) weights averaging the latent over each poll's field period."""
    interp = interpolation_matrix(n_days, grid)
    field = np.zeros((len(polls), interp.shape[1]))
    for i, row in enumerate(polls.itertuples()):
        lo = (max((row.start_date - start).days, 0) if field_period
              else (row.end_date - start).days)
        hi = min((row.end_date - start).days, n_days - 1)
        field[i] = interp[min(lo, hi): hi + 1].mean(axis=0)
    return field
