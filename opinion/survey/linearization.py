"""Taylor-linearisation variance for stratified, clustered designs, aware of calibration.

The variance of an estimator with influence values ``x`` (one row per respondent, one column
per statistic) follows R ``survey``'s ``svyrecvar`` (ultimate-cluster, first stage):

1. Weighting steps recorded in the design are undone on ``x`` first, in the order they were
   applied (R's ``postStrata``):

   * post-stratification: ``x <- x - psw * m[g]`` with ``m[g] = sum_g(x * oldw / psw) /
     sum_g(oldw)``, ``g`` the post-stratum, ``psw`` the post-stratified and ``oldw`` the
     previous weights;
   * raking (iterative post-stratification): ten sweeps over the margins of
     ``x <- x - psw_m * ave_m(x / psw_m)`` (unweighted means within each margin category,
     ``psw_m`` the weights after the margin was last matched);
   * linear / GREG calibration: ``x <- resid(Q, x / w) * w``, the residual of the projection
     on the column space ``Q`` of ``X * sqrt(d)`` with ``w = g * sqrt(d)``, ``d`` the weights
     before calibration and ``g`` the calibration factors (g-weighted residuals).

2. PSU totals ``z_hj = sum_{i in PSU hj} x_i`` are centred within their stratum and
   ``V = sum_h (1 - f_h) n_h / (n_h - 1) sum_j (z_hj - zbar_h)(z_hj - zbar_h)'`` with
   ``f_h = n_h / N_h`` when the finite-population size ``N_h`` is known (``f_h = 0``
   otherwise). A stratum with one PSU fails (R's default ``survey.lonely.psu = "fail"``)
   unless it was sampled with certainty or ``lonely_psu`` says otherwise.

Domain (subgroup) estimates keep every PSU: influence values outside the domain are zero,
which is what R does when it subsets a design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import sparse

from opinion.errors import DataValidationError

__all__ = [
    "DesignStructure",
    "GregRecord",
    "LonelyPSU",
    "PostStratRecord",
    "RakingRecord",
    "design_vcov",
    "group_sums",
    "residualize",
    "stratified_vcov",
]

LonelyPSU = Literal["fail", "certainty", "remove", "adjust"]


def group_sums(codes: np.ndarray, n_groups: int, x: np.ndarray) -> np.ndarray:
    """Sum the rows of ``x`` (1-D or 2-D) within integer groups ``codes`` (0..n_groups-1)."""
    if x.ndim == 1:
        return np.bincount(codes, weights=x, minlength=n_groups)
    if x.shape[1] <= 2:
        out = np.empty((n_groups, x.shape[1]))
        for k in range(x.shape[1]):
            out[:, k] = np.bincount(codes, weights=x[:, k], minlength=n_groups)
        return out
    n = codes.shape[0]
    indicator = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))
    return np.asarray(indicator @ x)


@dataclass(frozen=True)
class DesignStructure:
    """Strata, first-stage clusters and finite-population sizes of a design.

    Attributes
    ----------
    stratum : ndarray of int
        Stratum code of each row (0..H-1).
    psu : ndarray of int
        Globally unique PSU code of each row (0..P-1); PSUs are nested in strata.
    psu_stratum : ndarray of int
        Stratum code of each PSU.
    n_psu : ndarray of int
        Number of sampled PSUs per stratum.
    popsize : ndarray of float
        Population number of PSUs per stratum (``inf`` when no fpc was given).
    stratum_names : list
        Stratum labels (for error messages).
    has_strata, has_clusters : bool
        Whether the design was declared with strata / clusters.
    """

    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    n_psu: np.ndarray
    popsize: np.ndarray
    stratum_names: list = field(default_factory=list)
    has_strata: bool = False
    has_clusters: bool = False

    @property
    def n_strata(self) -> int:
        return int(self.n_psu.shape[0])

    @property
    def n_psus(self) -> int:
        return int(self.psu_stratum.shape[0])

    @property
    def sampling_fraction(self) -> np.ndarray:
        """``n_h / N_h`` per stratum (0 without fpc)."""
        return np.where(np.isinf(self.popsize), 0.0, self.n_psu / self.popsize)


@dataclass(frozen=True)
class PostStratRecord:
    """One post-stratification step: post-stratum codes, new and previous weights."""

    codes: np.ndarray
    n_groups: int
    weights: np.ndarray
    old_weights: np.ndarray


@dataclass(frozen=True)
class RakingRecord:
    """One raking step: per margin, category codes and the weights after that margin."""

    codes: tuple[np.ndarray, ...]
    n_groups: tuple[int, ...]
    weights: tuple[np.ndarray, ...]
    sweeps: int = 10


@dataclass(frozen=True)
class GregRecord:
    """One calibration step: orthonormal basis of ``X sqrt(d)`` and ``w = g sqrt(d)``."""

    basis: np.ndarray
    w: np.ndarray


CalibrationRecord = PostStratRecord | RakingRecord | GregRecord


def finite_correction(popsize: np.ndarray, n_psu: np.ndarray) -> np.ndarray:
    """``1 - n_h / N_h`` per stratum (1 where no population size is known)."""
    f = np.ones(popsize.shape[0])
    known = np.isfinite(popsize)
    f[known] = (popsize[known] - n_psu[known]) / popsize[known]
    return f


def _ave(x: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    counts[counts == 0] = 1.0
    means = group_sums(codes, n_groups, x) / counts[:, None]
    return means[codes]


def _rake_residual(x: np.ndarray, rec: RakingRecord) -> np.ndarray:
    """R's raking residuals: ``rec.sweeps`` sweeps of ``x <- x - psw * ave_m(x / psw)``.

    When every margin carries the same weights (the usual case: the final raked weights),
    the sweeps are run exactly in the small space of category coefficients: with
    ``v = x / psw = v0 - sum_l D_l c_l`` (``D_l`` the category indicators of margin ``l``),
    matching margin ``m`` adds ``(D_m' v) / counts_m`` to ``c_m``, and ``D_m' v`` only needs
    the category sums of ``v0`` and the cross-counts ``D_m' D_l``.
    """
    psw = rec.weights[0]
    if not all(w is psw or np.array_equal(w, psw) for w in rec.weights[1:]):
        for _ in range(rec.sweeps):
            for codes, k, w in zip(rec.codes, rec.n_groups, rec.weights, strict=True):
                x = x - w[:, None] * _ave(x / w[:, None], codes, k)
        return x
    v0 = x / psw[:, None]
    codes, ks = rec.codes, rec.n_groups
    nm = len(codes)
    counts = []
    for c, k in zip(codes, ks, strict=True):
        cnt = np.bincount(c, minlength=k).astype(float)
        cnt[cnt == 0] = 1.0
        counts.append(cnt[:, None])
    s0 = [group_sums(c, k, v0) for c, k in zip(codes, ks, strict=True)]
    cross = [
        [
            np.bincount(codes[m] * ks[l] + codes[l], minlength=ks[m] * ks[l])
            .reshape(ks[m], ks[l]).astype(float)
            for l in range(nm)
        ]
        for m in range(nm)
    ]
    coef = [np.zeros((k, x.shape[1])) for k in ks]
    for _ in range(rec.sweeps):
        for m in range(nm):
            sums = s0[m] - sum(cross[m][l] @ coef[l] for l in range(nm))
            coef[m] += sums / counts[m]
    v = v0 - sum(coef[m][codes[m]] for m in range(nm))
    return v * psw[:, None]


def residualize(x: np.ndarray, records: tuple[CalibrationRecord, ...]) -> np.ndarray:
    """Remove the parts of influence values explained by the weighting steps (R order)."""
    x = np.array(x, dtype=float, copy=True)
    for rec in records:
        if isinstance(rec, GregRecord):
            v = x / rec.w[:, None]
            v = v - rec.basis @ (rec.basis.T @ v)
            x = v * rec.w[:, None]
        elif isinstance(rec, RakingRecord):
            x = _rake_residual(x, rec)
        else:
            psw = rec.weights.copy()
            oldw = rec.old_weights
            zeroes = (psw == 0) & (oldw == 0)
            psw[zeroes] = 1.0
            denom = np.bincount(rec.codes, weights=oldw, minlength=rec.n_groups)
            denom[denom == 0] = 1.0
            num = group_sums(rec.codes, rec.n_groups, x * (oldw / psw)[:, None])
            x = x - (num / denom[:, None])[rec.codes] * psw[:, None]
    return x


def stratified_vcov(
    x: np.ndarray,
    structure: DesignStructure,
    *,
    lonely_psu: LonelyPSU = "fail",
    active: np.ndarray | None = None,
) -> np.ndarray:
    """Ultimate-cluster covariance of the totals of ``x`` (n x p).

    Parameters
    ----------
    x : ndarray
        Influence values (already residualised for calibration).
    structure : DesignStructure
        Strata, PSUs and population sizes.
    lonely_psu : {"fail", "certainty", "remove", "adjust"}
        What to do with a stratum holding a single (non-certainty) PSU, as R's
        ``survey.lonely.psu``: fail, treat it as certainty / drop it (zero contribution),
        or centre it at the population mean (zero).
    active : ndarray of bool, optional
        Rows in the estimation domain; a lonely PSU only fails when its stratum has
        active rows (R drops other strata when it subsets a design).

    Returns
    -------
    ndarray
        p x p covariance matrix.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    s = structure
    n_h = s.n_psu.astype(float)
    f_h = finite_correction(s.popsize, n_h)
    certainty = f_h < 1e-7
    lonely = (s.n_psu == 1) & ~certainty
    if lonely.any():
        if lonely_psu == "fail":
            if active is None:
                bad = np.flatnonzero(lonely)
            else:
                used = np.bincount(s.stratum[active], minlength=s.n_strata) > 0
                bad = np.flatnonzero(lonely & used)
            if bad.size:
                name = s.stratum_names[bad[0]] if s.stratum_names else bad[0]
                raise DataValidationError(
                    f"stratum {name!r} has only one PSU, so its variance cannot be estimated "
                    "(pass lonely_psu='certainty', 'remove' or 'adjust', or merge strata)"
                )
        elif lonely_psu not in ("certainty", "remove", "adjust"):
            raise DataValidationError(f"unknown lonely_psu option {lonely_psu!r}")
    z = group_sums(s.psu, s.n_psus, x)
    stratum_means = group_sums(s.psu_stratum, s.n_strata, z) / n_h[:, None]
    centred = z - stratum_means[s.psu_stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_h = np.where(s.n_psu > 1, f_h * n_h / (n_h - 1), f_h)
    scale_h = np.where(certainty, 0.0, scale_h)
    if lonely.any():
        if lonely_psu == "adjust":
            # a lonely PSU is centred at zero (the population mean of the influence values)
            single = lonely[s.psu_stratum]
            centred[single] = z[single]
        else:
            scale_h = np.where(lonely, 0.0, scale_h)
    sc = scale_h[s.psu_stratum]
    return (centred * sc[:, None]).T @ centred


def design_vcov(
    x: np.ndarray,
    structure: DesignStructure,
    records: tuple[CalibrationRecord, ...] = (),
    *,
    lonely_psu: LonelyPSU = "fail",
    active: np.ndarray | None = None,
) -> np.ndarray:
    """Covariance of the totals of influence values ``x`` under a (calibrated) design."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if records:
        x = residualize(x, records)
    return stratified_vcov(x, structure, lonely_psu=lonely_psu, active=active)


def build_structure(
    strata: np.ndarray | None,
    clusters: np.ndarray | None,
    fpc: np.ndarray | None,
    n: int,
    *,
    stratum_names: list | None = None,
) -> DesignStructure:
    """Build a :class:`DesignStructure` from per-row integer codes.

    Parameters
    ----------
    strata : ndarray of int or None
        Stratum code per row (0..H-1); ``None`` for an unstratified design.
    clusters : ndarray of int or None
        Cluster code per row (any integers); ``None`` when every row is its own PSU.
    fpc : ndarray of float or None
        Per row: the population number of PSUs in the stratum (> 1) or the sampling fraction
        (<= 1), as R's ``svydesign(fpc=)``; must be constant within a stratum.
    n : int
        Number of rows.
    stratum_names : list, optional
        Labels of the strata, for messages.
    """
    stratum = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, np.int64)
    n_strata = int(stratum.max()) + 1 if n else 0
    if clusters is None:
        psu = np.arange(n, dtype=np.int64)
    else:
        key = stratum.astype(np.int64) * (int(np.max(clusters)) + 1) + np.asarray(clusters)
        _, psu = np.unique(key, return_inverse=True)
        psu = psu.astype(np.int64)
    n_psus = int(psu.max()) + 1 if n else 0
    psu_stratum = np.zeros(n_psus, dtype=np.int64)
    psu_stratum[psu] = stratum
    n_psu = np.bincount(psu_stratum, minlength=n_strata)
    if fpc is None:
        popsize = np.full(n_strata, np.inf)
    else:
        fpc = np.asarray(fpc, dtype=float)
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, stratum, fpc)
        np.maximum.at(hi, stratum, fpc)
        names = stratum_names or list(range(n_strata))
        varying = np.flatnonzero(~np.isclose(lo, hi, rtol=1e-12, atol=0.0))
        if varying.size:
            raise DataValidationError(
                f"the finite-population correction varies within stratum {names[varying[0]]!r}"
            )
        if np.all(lo <= 1.0):
            popsize = n_psu / lo
        elif np.all(lo > 1.0):
            popsize = lo
        else:
            raise DataValidationError(
                "fpc mixes sampling fractions (<= 1) and population sizes (> 1)"
            )
        small = np.flatnonzero(popsize < n_psu * (1 - 1e-12))
        if small.size:
            raise DataValidationError(
                f"the population size of stratum {names[small[0]]!r} ({popsize[small[0]]:g}) "
                f"is smaller than its {n_psu[small[0]]} sampled PSUs"
            )
    return DesignStructure(
        stratum=stratum,
        psu=psu,
        psu_stratum=psu_stratum,
        n_psu=n_psu,
        popsize=popsize,
        stratum_names=list(stratum_names) if stratum_names is not None else [],
        has_strata=strata is not None,
        has_clusters=clusters is not None,
    )
