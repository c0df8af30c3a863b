"""Simulated exit polls with a known truth, for the issue-vote model's tests.

The truth is a set of latent-disposition parameters (as in
:mod:`opinion.models.election.model`); :func:`true_cells` computes the cells with numpy on a
fine grid (an implementation independent of the model's PyTensor graph). One exit poll is ONE
multinomial sample of the cells on the effective sample size, and every published table is a
margin of the same sampled counts, rounded to whole percent: exactly what the model assumes,
without its normal approximation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import softmax
from scipy.stats import norm

GROUPS = ("rep", "ind", "dem")
ISSUES = ("inflation", "abortion", "crime", "immigration")
PARTIES = ("rep", "dem")


@dataclass
class ExitPollTruth:
    """Parameters of a simulated electorate (see :func:`true_cells`)."""

    group_cut: np.ndarray
    rho: float
    issue_logit: np.ndarray
    issue_slope: np.ndarray
    vote_cut: np.ndarray
    other_vote: np.ndarray
    direct: np.ndarray
    loading_split: float = 0.5
    groups: tuple[str, ...] = GROUPS
    issues: tuple[str, ...] = (*ISSUES, "other")
    parties: tuple[str, ...] = (*PARTIES, "other")
    cells: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.cells is None:
            self.cells = true_cells(self)

    def reordered(self, issues: list[str]) -> ExitPollTruth:
        """The same electorate with the issues in another order ('other' last)."""
        order = [list(self.issues).index(i) for i in issues]
        listed = [k for k in order if k < len(self.issues) - 1]
        return ExitPollTruth(
            group_cut=self.group_cut, rho=self.rho,
            issue_logit=np.asarray(self.issue_logit)[listed],
            issue_slope=np.asarray(self.issue_slope)[listed], vote_cut=self.vote_cut,
            other_vote=self.other_vote, direct=np.asarray(self.direct)[order],
            loading_split=self.loading_split, groups=self.groups, issues=tuple(issues),
            parties=self.parties, cells=self.cells[:, order, :])

    def vote_by_issue(self) -> pd.DataFrame:
        """True P(party | issue), percent: ``issue, party, share``."""
        joint = self.cells.sum(axis=0)
        q = 100 * joint / joint.sum(axis=1, keepdims=True)
        return pd.DataFrame([{"issue": i, "party": p, "share": q[a, b]}
                             for a, i in enumerate(self.issues)
                             for b, p in enumerate(self.parties)])


def true_cells(t: ExitPollTruth, nodes: int = 2001) -> np.ndarray:
    """Cell probabilities (group, issue, party) by the trapezoid rule on ``nodes`` points."""
    x = np.linspace(-8, 8, nodes)
    w = norm.pdf(x)
    w = w / w.sum()
    lam_g, lam_v = t.rho ** t.loading_split, t.rho ** (1 - t.loading_split)
    cum_g = norm.cdf((np.asarray(t.group_cut)[None, :] - lam_g * x[:, None])
                     / np.sqrt(1 - lam_g ** 2))
    p_g = np.diff(np.concatenate([np.zeros((nodes, 1)), cum_g, np.ones((nodes, 1))], 1), axis=1)
    logits = np.concatenate([t.issue_logit[None, :] + t.issue_slope[None, :] * x[:, None],
                             np.zeros((nodes, 1))], axis=1)
    p_i = softmax(logits, axis=1)
    scale = np.sqrt(1 - lam_v ** 2)
    z = (np.asarray(t.vote_cut)[None, None, :] - lam_v * x[:, None, None]) / scale \
        - np.asarray(t.direct)[None, :, None]
    cum_v = norm.cdf(z)
    shape = (nodes, len(t.direct), 1)
    p_v = np.diff(np.concatenate([np.zeros(shape), cum_v, np.ones(shape)], 2), axis=2)
    other = np.asarray(t.other_vote)
    vote = np.concatenate([(1 - other)[None, :, None, None] * p_v[:, None],
                           np.broadcast_to(other[None, :, None, None],
                                           (nodes, len(other), len(t.direct), 1))], axis=3)
    return np.einsum("x,xg,xi,xgiv->giv", w, p_g, p_i, vote)


def draw_truth(rng: np.random.Generator) -> ExitPollTruth:
    """A realistic electorate: three party-ID groups of 25-40%, a party-ID/vote correlation
    of 0.85-0.97, issue priorities that differ by party, 1-5% minor-party vote in each group
    and direct issue effects from the model's own prior (ZeroSumNormal(1): they are
    identified only by tables crossing issue and vote)."""
    while True:
        cut = np.sort(rng.normal(0, 0.5, 2))
        shares = np.diff(np.concatenate([[0], norm.cdf(cut), [1]]))
        if shares.min() > 0.25:
            break
    direct = rng.normal(0, 1, len(ISSUES) + 1)
    direct = direct - direct.mean()  # PyMC's ZeroSumNormal(1): iid N(0, 1) minus its mean
    return ExitPollTruth(group_cut=cut, rho=float(rng.uniform(0.85, 0.97)),
                         issue_logit=rng.normal(0.8, 0.4, len(ISSUES)),
                         issue_slope=rng.normal(0, 0.8, len(ISSUES)),
                         vote_cut=np.array([rng.normal(0, 0.1)]),
                         other_vote=rng.uniform(0.01, 0.05, len(GROUPS)), direct=direct)


TABLES: dict[str, Any] = {
    "group_share": None,
    "issue_share": None,
    "issue_by_group": ("rep", "dem"),
    "vote_by_group": {"rep": ("rep",), "ind": ("rep", "dem"), "dem": ("dem",)},
    "vote_by_issue": ISSUES,
}
"""What the simulated exit poll publishes (the independents' issue mix is not published)."""


def simulate_exit_poll(truth: ExitPollTruth, seed: int, *, n: int = 10_000,
                       deff: float = 2.0, tables: dict[str, Any] | None = None
                       ) -> pd.DataFrame:
    """Published tables of one simulated exit poll (a poll frame: ``poll_id, n,
    question_id, subgroup, response, pct``): one multinomial sample of ``n / deff`` voters,
    every table a margin of it, rounded to whole percent."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(int(round(n / deff)), truth.cells.ravel()).reshape(
        truth.cells.shape).astype(float)
    rows = []
    spec = TABLES if tables is None else tables
    axes = {"group": 0, "issue": 1, "vote": 2}
    names = {"group": truth.groups, "issue": truth.issues[:-1], "vote": truth.parties[:-1]}
    question = {"group": "party_id", "issue": "most_important_issue", "vote": "house_vote"}
    prefix = {"group": "party", "issue": "issue", "vote": "vote"}
    for kind, which in spec.items():
        resp, _, rest = kind.partition("_")
        sub = rest[3:] if rest.startswith("by_") else None
        marg = counts.sum(axis=tuple(a for a in (0, 1, 2)
                                     if a not in {axes[resp], axes.get(sub, -1)}))
        if sub is None:
            shares = 100 * marg / marg.sum()
            for k, level in enumerate(names[resp]):
                rows.append(("all", level, shares[k], question[resp]))
            continue
        if axes[sub] > axes[resp]:
            marg = marg.T  # (sub, resp)
        levels_sub = {"group": truth.groups, "issue": truth.issues,
                      "vote": truth.parties}[sub]
        for a, level in enumerate(levels_sub):
            if which is not None and level not in which:
                continue
            wanted = which[level] if isinstance(which, dict) else names[resp]
            for k, r in enumerate(names[resp]):
                if r in wanted:
                    rows.append((f"{prefix[sub]}:{level}", r, 100 * marg[a, k] / marg[a].sum(),
                                 question[resp]))
    frame = pd.DataFrame(rows, columns=["subgroup", "response", "pct", "question_id"])
    frame["pct"] = frame["pct"].round(0)
    return frame.assign(poll_id="simulated_exit_poll", n=n)
