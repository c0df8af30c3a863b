"""Replicate-weight variance: jackknife (JK1, JKn), bootstrap, BRR / Fay, and how to build them.

Given replicate estimates ``theta_r`` the variance is R ``survey``'s ``svrVar``::

    V = scale * sum_r rscales_r (theta_r - c)(theta_r - c)'

with ``c`` the mean of the replicates (or the full-sample estimate when ``mse=True``).
Defaults by type (R's ``svrepdesign``): JK1 ``scale = (R-1)/R``; bootstrap
``scale = 1/(R-1)``; BRR ``scale = 1/R``; Fay ``scale = 1/(R (1-rho)^2)``; JKn needs
``rscales = (n_h - 1)/n_h`` per replicate (built by :func:`jkn_replicates`).

Replicate weights are stored as full analysis weights (``n x R``), like R's
``weights(design, "analysis")``; a file that ships replicate *factors* can be multiplied by
the full-sample weights first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from opinion.errors import DataValidationError
from opinion.survey.linearization import DesignStructure, finite_correction

__all__ = [
    "ReplicateType",
    "ReplicateWeights",
    "bootstrap_replicates",
    "default_scale",
    "jk1_replicates",
    "jkn_replicates",
    "replicate_df",
    "replicate_vcov",
]

ReplicateType = Literal["JK1", "JKn", "bootstrap", "BRR", "Fay", "other"]


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights of a design.

    Attributes
    ----------
    weights : ndarray
        ``n x R`` analysis replicate weights.
    type : str
        JK1, JKn, bootstrap, BRR, Fay or other.
    scale : float
        Overall multiplier of the variance.
    rscales : ndarray
        Per-replicate multipliers (length R).
    mse : bool
        Centre on the full-sample estimate instead of the replicate mean.
    df : float
        Design degrees of freedom (rank of the replicate weights minus one, as R).
    """

    weights: np.ndarray
    type: str
    scale: float
    rscales: np.ndarray
    mse: bool
    df: float

    @property
    def n_replicates(self) -> int:
        return int(self.weights.shape[1])

    def with_weights(self, weights: np.ndarray) -> ReplicateWeights:
        """Same replicate scheme with new weights (degrees of freedom recomputed)."""
        return replace(self, weights=weights, df=replicate_df(weights))


def default_scale(rep_type: str, n_replicates: int, fay_rho: float = 0.0) -> float:
    """R's default ``scale`` for a replicate type."""
    r = n_replicates
    if rep_type == "JK1":
        return (r - 1) / r
    if rep_type == "bootstrap":
        return 1.0 / (r - 1)
    if rep_type == "BRR":
        return 1.0 / r
    if rep_type == "Fay":
        return 1.0 / (r * (1.0 - fay_rho) ** 2)
    if rep_type in ("JKn", "other"):
        return 1.0
    raise DataValidationError(
        f"unknown replicate type {rep_type!r}: use JK1, JKn, bootstrap, BRR, Fay or other"
    )


def replicate_df(weights: np.ndarray) -> float:
    """Design degrees of freedom of a replicate design: rank of the weights minus one."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        return 0.0
    s = np.linalg.svd(w, compute_uv=False)
    return float(np.sum(s > 1e-5 * s[0]) - 1)


def replicate_vcov(
    thetas: np.ndarray, estimate: np.ndarray, reps: ReplicateWeights
) -> np.ndarray:
    """Covariance from replicate estimates ``thetas`` (R x p), R's ``svrVar``."""
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim == 1:
        thetas = thetas[:, None]
    if reps.mse:
        centre = np.asarray(estimate, dtype=float)
    else:
        centre = thetas[reps.rscales > 0].mean(axis=0)
    dev = (thetas - centre) * np.sqrt(reps.rscales)[:, None]
    return reps.scale * dev.T @ dev


def jk1_replicates(
    weights: np.ndarray, structure: DesignStructure
) -> tuple[np.ndarray, float, np.ndarray]:
    """Delete-one-PSU jackknife for an unstratified design (R ``as.svrepdesign(type="JK1")``).

    Returns ``(replicate_weights, scale, rscales)`` with ``scale = (1 - f)(R-1)/R``.
    """
    s = structure
    if s.n_strata > 1:
        raise DataValidationError("JK1 needs an unstratified design; use JKn")
    n_psu = s.n_psus
    if n_psu < 2:
        raise DataValidationError("the jackknife needs at least two PSUs")
    fac = np.full((weights.shape[0], n_psu), n_psu / (n_psu - 1))
    fac[np.arange(weights.shape[0]), s.psu] = 0.0
    f = 1.0 if np.isinf(s.popsize[0]) else (s.popsize[0] - n_psu) / s.popsize[0]
    return weights[:, None] * fac, f * (n_psu - 1) / n_psu, np.ones(n_psu)


def jkn_replicates(
    weights: np.ndarray, structure: DesignStructure
) -> tuple[np.ndarray, float, np.ndarray]:
    """Stratified delete-one-PSU jackknife (R ``as.svrepdesign(type="JKn")``).

    One replicate per PSU: the PSU's weights are zeroed and the rest of its stratum is
    multiplied by ``n_h / (n_h - 1)``; ``rscales = (1 - f_h)(n_h - 1)/n_h``. Strata sampled
    with certainty get no replicates; a stratum with one PSU fails.
    """
    s = structure
    n = weights.shape[0]
    f_h = finite_correction(s.popsize, s.n_psu.astype(float))
    cols = []
    rscales = []
    for p in range(s.n_psus):
        h = s.psu_stratum[p]
        if f_h[h] == 0:
            continue
        nh = s.n_psu[h]
        if nh == 1:
            name = s.stratum_names[h] if s.stratum_names else h
            raise DataValidationError(f"stratum {name!r} has only one PSU: no jackknife")
        fac = np.ones(n)
        in_h = s.stratum == h
        fac[in_h] = nh / (nh - 1)
        fac[s.psu == p] = 0.0
        cols.append(weights * fac)
        rscales.append(f_h[h] * (nh - 1) / nh)
    if not cols:
        raise DataValidationError("every stratum was sampled in full: there is no variance")
    return np.column_stack(cols), 1.0, np.asarray(rscales)


def bootstrap_replicates(
    weights: np.ndarray,
    structure: DesignStructure,
    replicates: int = 50,
    *,
    random_seed: int | None = None,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Rao-Wu-style with-replacement bootstrap of PSUs within strata (as R ``bootweights``).

    Each replicate resamples ``n_h - 1`` PSUs with replacement in every stratum and
    multiplies their weights by ``n_h / (n_h - 1)`` times the number of draws (no fpc
    adjustment). ``scale = nbar / ((nbar - 1)(R - 1))`` with ``nbar`` the harmonic mean of
    the PSUs per stratum, as R. The draws are not R's (different random streams).
    """
    s = structure
    rng = np.random.default_rng(random_seed)
    if np.any(s.n_psu < 2):
        raise DataValidationError("the bootstrap needs at least two PSUs in every stratum")
    psu_fac = np.zeros((s.n_psus, replicates))
    for h in range(s.n_strata):
        psus = np.flatnonzero(s.psu_stratum == h)
        nh = psus.size
        draws = rng.integers(0, nh, size=(nh - 1, replicates))
        counts = np.zeros((nh, replicates))
        for r in range(replicates):
            counts[:, r] = np.bincount(draws[:, r], minlength=nh)
        psu_fac[psus] = counts * nh / (nh - 1)
    nbar = 1.0 / np.mean(1.0 / s.n_psu)
    scale = nbar / ((nbar - 1) * (replicates - 1))
    return weights[:, None] * psu_fac[s.psu], scale, np.ones(replicates)
