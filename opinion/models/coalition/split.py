"""The split as an observable, computed from event probabilities (pure functions).

Given each posterior draw's monthly event probabilities ``p[draw, member, month]`` and
independence of member-months given the parameters:

- P(member m has no event in window W) = prod_t (1 - p[m, t]);
- P(at least one member defects within W) = 1 - prod_m prod_t (1 - p[m, t]);
- P(members holding at least ``share`` of aid defect within W) = P(sum_m w_m X_m >= share)
  with independent X_m ~ Bernoulli(1 - P(no event)), computed exactly by enumerating
  subsets' weight distribution (dynamic programming on the members' weights);
- the "30 partners against one Russia" curve: P(at least one of k members defects), for
  k = 1 .. M, averaged over random orders of the members (or a given order).

Each returns one value per draw: the posterior distribution of the probability.
"""

from __future__ import annotations

import numpy as np


def no_event(p: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``(draw, member)`` probability of no event in the given month indices."""
    return np.prod(1.0 - p[:, :, months], axis=2)


def any_defection(quiet: np.ndarray, members: np.ndarray | None = None) -> np.ndarray:
    """Per draw, P(at least one of ``members`` defects) from :func:`no_event` values."""
    chosen = quiet if members is None else quiet[:, members]
    return 1.0 - np.prod(chosen, axis=1)


def blocking(quiet: np.ndarray, weights: np.ndarray, share: float,
             resolution: int = 2000) -> np.ndarray:
    """Per draw, P(the members that defect hold at least ``share`` of the weights).

    Weights (summing to 1) are rounded to ``1 / resolution``; the distribution of the
    defecting weight is built member by member (exact for the rounded weights).
    """
    units = np.rint(np.asarray(weights, float) / np.sum(weights) * resolution).astype(int)
    need = int(np.ceil(share * resolution - 1e-9))
    q = 1.0 - quiet  # (draw, member): P(defects)
    # dist[:, j]: P(defecting weight = j units) for j < need; dist[:, need]: P(>= need)
    dist = np.zeros((q.shape[0], need + 1))
    dist[:, 0] = 1.0
    for m, w in enumerate(units):
        if w == 0:
            continue
        moved = dist * q[:, m:m + 1]
        dist *= 1.0 - q[:, m:m + 1]
        if w <= need:
            dist[:, w:need] += moved[:, :need - w]
            dist[:, need] += moved[:, need - w:].sum(axis=1)
        else:
            dist[:, need] += moved.sum(axis=1)
    return dist[:, need]


def curve(quiet: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """``(draw, k)``: P(at least one of the first k members defects), averaged over the
    rows of ``orders`` (each a permutation of the members)."""
    out = np.zeros((quiet.shape[0], quiet.shape[1]))
    for order in orders:
        out += 1.0 - np.cumprod(quiet[:, order], axis=1)
    return out / len(orders)
