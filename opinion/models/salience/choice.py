r"""Choice probabilities of a single-choice question: nested logit over the offered issues.

A respondent facing a list (the *choice set* :math:`O`) picks issue :math:`k` or "other".
Issues are grouped into nests :math:`m` (an issue in no nest is a nest of its own) with
dissimilarity :math:`\lambda_m \in (0, 1]`; "other" is a nest of its own with utility
:math:`\gamma`. With utilities :math:`\mu_k`, the nested logit (McFadden 1978) is

.. math::

    S_m = \sum_{j \in m \cap O} e^{\mu_j / \lambda_m},\qquad
    D = e^{\gamma} + \sum_m S_m^{\lambda_m},\qquad
    P(k) = \frac{e^{\mu_k/\lambda_m} S_m^{\lambda_m - 1}}{D},\qquad
    P(\text{other}) = \frac{e^{\gamma}}{D}.

With every :math:`\lambda = 1` this is Luce's choice rule (IIA): an option added to the list
takes its share from every option in proportion. With :math:`\lambda_m < 1` it takes more
from its own nest: at :math:`\lambda_m \to 0` the nest's total share does not change when an
equally attractive nest mate is added, the newcomer splits it with its mates. With two
equally attractive nest mates and small shares, the fraction of the newcomer's share that
comes from outside its nest is :math:`2 - 2^{1-\lambda}` (1 under IIA, 0.59 at
:math:`\lambda = 0.5`, 0 at :math:`\lambda = 0`).

:func:`nested_log_probs` builds the PyTensor graph (blocks x issues), :func:`nested_shares`
is the NumPy twin used by results objects and the simulator (draws x ... x issues), and the
tests check both against Luce's rule and against each other.
"""

from __future__ import annotations

import numpy as np

_NEG = -1e30


def nest_matrix(nest_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Issue -> nest-column indicator ``A`` (issues x columns) and the declared-nest index of
    each column (``-1`` for an issue that is its own nest).

    ``nest_of[k]`` is the declared nest of issue ``k`` or ``-1``. Columns: the declared nests
    in order, then one column per issue in no nest.
    """
    nest_of = np.asarray(nest_of, dtype=int)
    declared = int(nest_of.max()) + 1 if (nest_of >= 0).any() else 0
    singles = np.flatnonzero(nest_of < 0)
    a = np.zeros((len(nest_of), declared + len(singles)))
    for k, m in enumerate(nest_of):
        if m >= 0:
            a[k, m] = 1.0
    a[singles, declared + np.arange(len(singles))] = 1.0
    column_nest = np.concatenate([np.arange(declared), -np.ones(len(singles), dtype=int)])
    return a, column_nest


def nested_log_probs(mu, gamma, offered: np.ndarray, nest_of: np.ndarray, lam):
    """Log choice probabilities (PyTensor).

    Parameters
    ----------
    mu
        Utilities, blocks x issues (tensor).
    gamma
        Utility of "other" per block (tensor, length blocks).
    offered
        Blocks x issues 0/1 array: the choice set of each block.
    nest_of
        Declared nest index of each issue (``-1``: its own nest).
    lam
        Dissimilarity of each declared nest (tensor; ignored without nests).

    Returns
    -------
    (log_p, log_other)
        ``log_p`` blocks x issues (meaningful where offered), ``log_other`` per block.
    """
    import pytensor.tensor as pt

    offered = np.asarray(offered, dtype=float)
    if not (np.asarray(nest_of) >= 0).any():
        masked = pt.switch(offered > 0, mu, _NEG)
        top = pt.maximum(masked.max(axis=1), gamma)
        total = (pt.exp(mu - top[:, None]) * offered).sum(axis=1) + pt.exp(gamma - top)
        log_d = top + pt.log(total)
        return mu - log_d[:, None], gamma - log_d
    a, column_nest = nest_matrix(nest_of)
    lam_col = pt.concatenate([lam, pt.ones(int((column_nest < 0).sum()))])
    lam_issue = pt.dot(a, lam_col)
    scaled = mu / lam_issue[None, :]
    c = pt.switch(offered > 0, scaled, _NEG).max(axis=1)
    e = pt.exp(scaled - c[:, None]) * offered
    has = (offered @ a) > 0
    s = pt.dot(e, a)
    log_s = pt.log(s + (1.0 - has)) + c[:, None]  # log S_m (0 where the nest is empty)
    inclusive = pt.switch(has, lam_col[None, :] * log_s, _NEG)
    top = pt.maximum(inclusive.max(axis=1), gamma)
    log_d = top + pt.log(pt.exp(inclusive - top[:, None]).sum(axis=1) + pt.exp(gamma - top))
    log_s_issue = pt.dot(log_s, a.T)
    log_p = scaled + (lam_issue[None, :] - 1.0) * log_s_issue - log_d[:, None]
    return log_p, gamma - log_d


def nested_shares(mu: np.ndarray, gamma: np.ndarray | float, offered: np.ndarray,
                  nest_of: np.ndarray, lam: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Choice probabilities (NumPy): ``(p, p_other)``.

    ``mu`` is ``(..., issues)``; ``gamma`` broadcasts against ``mu[..., 0]``; ``offered`` is a
    0/1 array broadcasting against ``mu``; ``lam`` is ``(..., nests)`` (declared nests; may be
    ``None`` without nests). Issues not offered get probability 0.
    """
    mu = np.asarray(mu, dtype=float)
    offered = np.broadcast_to(np.asarray(offered, dtype=float), mu.shape)
    gamma = np.broadcast_to(np.asarray(gamma, dtype=float), mu.shape[:-1])
    nest_of = np.asarray(nest_of, dtype=int)
    a, column_nest = nest_matrix(nest_of)
    n_single = int((column_nest < 0).sum())
    if lam is None or not (nest_of >= 0).any():
        lam_col = np.ones(mu.shape[:-1] + (a.shape[1],))
    else:
        lam = np.asarray(lam, dtype=float)
        lam_col = np.concatenate(
            [lam, np.ones(lam.shape[:-1] + (n_single,))], axis=-1)
        lam_col = np.broadcast_to(lam_col, mu.shape[:-1] + (a.shape[1],))
    lam_issue = lam_col @ a.T
    scaled = mu / lam_issue
    c = np.where(offered > 0, scaled, _NEG).max(axis=-1, keepdims=True)
    c = np.maximum(c, gamma[..., None])
    e = np.exp(scaled - c) * offered
    s = e @ a
    has = (offered @ a) > 0
    with np.errstate(divide="ignore"):
        log_s = np.where(has, np.log(np.where(has, s, 1.0)) + c, 0.0)
    inclusive = np.where(has, lam_col * log_s, -np.inf)
    top = np.maximum(inclusive.max(axis=-1), gamma)
    log_d = top + np.log(np.exp(inclusive - top[..., None]).sum(axis=-1) + np.exp(gamma - top))
    log_p = scaled + (lam_issue - 1.0) * (log_s @ a.T) - log_d[..., None]
    return np.exp(log_p) * offered, np.exp(gamma - log_d)
