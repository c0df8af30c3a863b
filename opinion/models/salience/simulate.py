r"""Seeded simulation of salience polls with known truth, from the model's own generative story.

Truth: :math:`\theta_{g,k,t}` (log-odds against "other" on the reference question's scale) =
level + subgroup deviation + a monthly random walk. Each poll asks one question (format
single_choice, multi_mention or rating) of one pollster, on a random day, for the groups it
reports (subgroups appear in each poll with probability ``subgroup_rate``). Single-choice
polls offer a subset of issues (``offered``) and respondents choose among those and "other"
(Luce choice; issues not offered are not in the choice set), then a Dirichlet-multinomial
draw with concentration :math:`\phi = 0.16 / e^2 - 1` gives the counts. Multi-mention/rating
polls draw one beta-binomial per issue with
:math:`\operatorname{logit} q = a_q + b_q \lambda + \delta_{q,k} + u_b`.
Shares are reported in percent with one decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opinion.frames import PollFrame
from opinion.models.salience.choice import nested_shares
from opinion.models.salience.inputs import knot_weights_at


@dataclass(frozen=True)
class QuestionSpec:
    """One simulated question series.

    Attributes
    ----------
    question_id, format
        Identifier and format (single_choice, multi_mention, rating).
    polls
        Number of polls asking it.
    n
        Sample size of each poll.
    pollsters
        Pollsters that ask it (assigned in turn).
    offered
        Single choice: number of issues offered per poll (``None``: all); a random subset
        of that size per poll.
    other
        Single choice: "other" intercept (log scale, 0 for the reference question).
    intercept, slope
        Multi-mention/rating: ``logit q = intercept + slope * salience``.
    wording_sd
        Sd of the issue-by-question offsets (0 for the reference question).
    added
        ``((issue, day), ...)``: issues a single-choice question lists only in polls fielded
        from ``day`` (days after ``start``) on: an option added to the list later.
    construct
        The construct the question measures (default: the reference question's).
    """

    question_id: str
    format: str
    polls: int
    n: int = 1000
    pollsters: tuple[str, ...] = ("Pollster A",)
    offered: int | None = None
    other: float = 0.0
    intercept: float = 0.0
    slope: float = 1.0
    wording_sd: float = 0.0
    added: tuple[tuple[str, int], ...] = ()
    construct: str | None = None


@dataclass
class SalienceTruth:
    """What generated the polls."""

    issues: list[str]
    groups: list[str]
    theta: np.ndarray  # group x issue x knot
    knots: pd.DatetimeIndex
    grid_days: int
    house: np.ndarray  # issue x pollster
    pollsters: list[str]
    wording: dict[str, np.ndarray] = field(default_factory=dict)
    nest_of: np.ndarray | None = None
    lam: np.ndarray | None = None
    construct_offsets: dict[str, np.ndarray] = field(default_factory=dict)

    def theta_at(self, date: str | pd.Timestamp) -> np.ndarray:
        """True salience (group x issue) at ``date``."""
        if len(self.knots) == 1:
            return self.theta[..., 0]
        day = float((pd.Timestamp(date) - self.knots[0]).days)
        w = knot_weights_at(np.array([day]), len(self.knots), self.grid_days)[0]
        return self.theta @ w

    def shares(self, date: str | pd.Timestamp, reference_format: str = "single_choice"
               ) -> pd.DataFrame:
        """True shares (percent) and ranks on the reference scale: issue, group, share, rank."""
        theta = self.theta_at(date)
        if reference_format == "single_choice":
            nest_of = (-np.ones(len(self.issues), dtype=int) if self.nest_of is None
                       else self.nest_of)
            share, _ = nested_shares(theta, 0.0, np.ones(len(self.issues)), nest_of, self.lam)
        else:
            share = 1 / (1 + np.exp(-theta))
        rows = []
        for g, group in enumerate(self.groups):
            order = np.argsort(-theta[g], kind="stable")
            rank = np.empty(len(self.issues), dtype=int)
            rank[order] = np.arange(1, len(self.issues) + 1)
            for k, issue in enumerate(self.issues):
                rows.append({"issue": issue, "group": group, "share": 100 * share[g, k],
                             "rank": int(rank[k])})
        return pd.DataFrame(rows)


def simulate_salience(
    questions: list[QuestionSpec],
    *,
    seed: int,
    issues: list[str] | None = None,
    levels: np.ndarray | None = None,
    groups: tuple[str, ...] = ("all",),
    subgroup_rate: float = 1.0,
    start: str = "2022-01-01",
    days: int = 20,
    grid_days: int = 30,
    group_sd: float = 0.5,
    rw_sd: float = 0.1,
    house_sd: float = 0.0,
    poll_error: float = 0.01,
    poll_intercept_sd: float = 0.15,
    deff: float = 1.0,
    design_seed: int | None = None,
    nests: dict[str, tuple[str, ...]] | None = None,
    lam: dict[str, float] | None = None,
    construct_sd: float = 0.5,
) -> tuple[PollFrame, SalienceTruth]:
    """Simulate polls from the salience model; return a PollFrame and the truth.

    Parameters
    ----------
    questions
        The question series; the first is the reference (its wording effects are 0).
    seed
        Random seed.
    issues, levels
        Issue names and the first group's true log-odds at the first knot (default: 6
        issues with levels drawn from N(-1, 0.8)).
    groups, subgroup_rate
        Groups; subgroups (all but the first) appear in a poll with this probability.
    start, days, grid_days
        Period and knot spacing (``days < 60``: one static knot).
    group_sd, rw_sd, house_sd
        Sds of subgroup deviations, monthly random-walk steps and pollster effects (logit).
    poll_error
        Non-sampling sd of a share at 20% (share units): Dirichlet-multinomial/beta-binomial
        concentration ``0.16 / poll_error**2 - 1`` (0: none).
    poll_intercept_sd
        Sd of the shared block intercept of multi-mention/rating polls.
    deff
        Published design effect written on every row.
    design_seed
        Seed of the design (field dates, pollsters' turns, offered issues, which polls report
        subgroups); default ``seed``. Simulations with one ``design_seed`` and different
        ``seed`` share the design and differ in truth and sampling noise only.
    nests, lam
        Nests of related issues and each nest's dissimilarity (single-choice questions are a
        nested logit; default: none, Luce choice).
    construct_sd
        Sd of the issue offsets of a question whose ``construct`` differs from the first
        question's (logit; drawn per construct and issue).
    """
    rng = np.random.default_rng(seed)
    design = np.random.default_rng(seed if design_seed is None else design_seed)
    if issues is None:
        issues = [f"issue {chr(ord('a') + k)}" for k in range(6)]
    n_issues = len(issues)
    if levels is None:
        levels = rng.normal(-1.0, 0.8, n_issues)
    levels = np.asarray(levels, dtype=float)
    n_groups = len(groups)
    origin = pd.Timestamp(start)
    n_knots = 1 if days < 60 else int(np.ceil(days / grid_days)) + 1
    knots = (pd.DatetimeIndex([origin + pd.Timedelta(days=days)]) if n_knots == 1 else
             pd.DatetimeIndex([origin + pd.Timedelta(days=grid_days * k)
                               for k in range(n_knots)]))
    dev = np.vstack([np.zeros(n_issues), rng.normal(0, group_sd, (n_groups - 1, n_issues))])
    walk = np.zeros((n_issues, n_knots))
    if n_knots > 1:
        walk[:, 1:] = np.cumsum(rng.normal(0, rw_sd * np.sqrt(grid_days / 30),
                                           (n_issues, n_knots - 1)), axis=1)
    theta = levels[None, :, None] + dev[:, :, None] + walk[None, :, :]
    pollsters = sorted({p for q in questions for p in q.pollsters})
    house = rng.normal(0, house_sd, (n_issues, len(pollsters))) if house_sd > 0 else np.zeros(
        (n_issues, len(pollsters)))
    house -= house.mean(axis=1, keepdims=True)
    nests = nests or {}
    nest_of = -np.ones(n_issues, dtype=int)
    for m, members in enumerate(nests.values()):
        nest_of[[list(issues).index(i) for i in members]] = m
    lam_arr = np.array([(lam or {})[name] for name in nests]) if nests else None
    truth = SalienceTruth(issues=list(issues), groups=list(groups), theta=theta, knots=knots,
                          grid_days=grid_days, house=house, pollsters=pollsters,
                          nest_of=nest_of, lam=lam_arr)
    reference_construct = questions[0].construct
    for spec in questions:
        if spec.construct not in (None, reference_construct) and \
                spec.construct not in truth.construct_offsets:
            truth.construct_offsets[spec.construct] = rng.normal(0, construct_sd, n_issues)
    phi = 0.16 / poll_error ** 2 - 1 if poll_error > 0 else None
    rows = []
    for qi, spec in enumerate(questions):
        wording = (rng.normal(0, spec.wording_sd, n_issues) if qi > 0 and spec.wording_sd > 0
                   else np.zeros(n_issues))
        truth.wording[spec.question_id] = wording
        for j in range(spec.polls):
            pollster = spec.pollsters[j % len(spec.pollsters)]
            p_idx = pollsters.index(pollster)
            day0 = int(design.integers(0, max(days - 2, 1)))
            s_date = origin + pd.Timedelta(days=day0)
            e_date = s_date + pd.Timedelta(days=2)
            mid = day0 + 1.0
            w = knot_weights_at(np.array([mid]), n_knots, grid_days)[0]
            poll_id = f"{spec.question_id}_{j:03d}"
            present = [g for gi, g in enumerate(groups) if gi == 0
                       or design.random() < subgroup_rate]
            offered = (np.arange(n_issues) if spec.offered is None
                       else np.sort(design.choice(n_issues, spec.offered, replace=False)))
            late = [list(issues).index(i) for i, first_day in spec.added if day0 < first_day]
            offered = np.array([k for k in offered if k not in late])
            offset = truth.construct_offsets.get(spec.construct, np.zeros(n_issues))
            for group in present:
                g = groups.index(group)
                n = spec.n if g == 0 else max(int(spec.n / 3), 30)
                n_eff = max(int(round(n / deff)), 1)
                salience = theta[g] @ w + house[:, p_idx]
                if spec.format == "single_choice":
                    mu = salience + offset + wording
                    listed = np.zeros(n_issues)
                    listed[offered] = 1.0
                    # nested-logit (Luce without nests) choice among the offered issues
                    choice, other = nested_shares(mu, spec.other, listed, nest_of, lam_arr)
                    p = np.append(choice[offered], other)
                    p = p / p.sum()
                    if phi is not None:
                        p = rng.dirichlet(phi * p)
                    counts = rng.multinomial(n_eff, p)[:-1]
                    shares = {issues[k]: c / n_eff for k, c in zip(offered, counts, strict=True)}
                else:
                    u = rng.normal(0, poll_intercept_sd)
                    eta = spec.intercept + spec.slope * salience + offset + wording + u
                    q = 1 / (1 + np.exp(-eta))
                    if phi is not None:
                        q = rng.beta(phi * q, phi * (1 - q))
                    counts = rng.binomial(n_eff, q)
                    shares = {issues[k]: counts[k] / n_eff for k in offered}
                for issue, share in shares.items():
                    rows.append({
                        "poll_id": poll_id, "pollster": pollster,
                        "start_date": f"{s_date:%Y-%m-%d}", "end_date": f"{e_date:%Y-%m-%d}",
                        "population": "a", "n": spec.n, "question_id": spec.question_id,
                        "question_format": spec.format, "subgroup": group,
                        "subgroup_n": "" if g == 0 else n, "response": issue,
                        "pct": round(100 * share, 1), "deff": deff,
                    })
    frame = pd.DataFrame(rows)
    polls = PollFrame.from_frame(frame.astype(str).replace({"": None}),
                                 today=pd.Timestamp("2100-01-01").date())
    return polls, truth
