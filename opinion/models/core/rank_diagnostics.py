r"""Rank-normalised R-hat and bulk/tail ESS for many quantities at once (vectorised).

The same statistics as ArviZ's ``rhat`` (rank-normalised split R-hat, the larger of the
bulk and folded versions), ``ess(method="bulk")`` and ``ess(method="tail")`` (the smaller
quantile ESS at :data:`TAIL_QUANTILES`) - Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021),
*Rank-normalization, folding, and localization: an improved R-hat*, Bayesian Analysis
16(2) - computed for a whole block of quantities in one pass instead of one quantity at a
time: one rank transform per version, the autocovariances of every split chain by one FFT,
and Geyer's initial positive and monotone sequences as prefix operations over the lags.
Measured: 2,000 quantities x 16,000 draws in 9.4 s instead of ArviZ's 45.7 s (its
per-quantity loop cost about 28 s on the coalition model's 4 x 4,000 draws); it agrees with
ArviZ to rounding (``tests/test_rank_diagnostics.py``).

For draws :math:`x_{c,s}` split into :math:`M` half-chains of :math:`N` draws, with
:math:`\hat\rho_t` the lag-:math:`t` autocorrelation combined over half-chains,

.. math::

    \widehat{\mathrm{ESS}} = \frac{MN}{\hat\tau}, \qquad
    \hat\tau = -1 + 2 \sum_{k=0}^{K-1} P'_k + \hat\rho_{2K}^{+},

where :math:`P_k = \hat\rho_{2k} + \hat\rho_{2k+1}` are summed while they stay positive
(Geyer's initial positive sequence, truncated at the first non-positive pair),
:math:`P'_k = \min_{j \le k} P_j` makes them monotone, and :math:`\hat\rho_{2K}^{+}` is the
next even autocorrelation when positive; :math:`\hat\tau \ge 1/\log_{10}(MN)`.
"""

from __future__ import annotations

import numpy as np

TAIL_QUANTILES = (0.11, 0.89)
"""Tail ESS is the smaller ESS of the indicators of these quantiles: ArviZ 1.x's default
(the bounds of its 89% ``ci_prob``), fixed here so that a changed ArviZ setting cannot change
a stored verdict. Vehtari et al. (2021) use 5% and 95%."""
BLOCK_VALUES = 4_000_000
"""Draws handled per block (about 0.5 GB of FFT workspace at most)."""
_BLOM = 3.0 / 8.0


def rank_diagnostics(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R-hat, bulk ESS and tail ESS of every quantity.

    Parameters
    ----------
    values
        Draws shaped ``(chain, draw, quantity)``.

    Returns
    -------
    r_hat, ess_bulk, ess_tail
        One value per quantity; NaN where undefined (any NaN draw, fewer than 4 draws,
        R-hat of a single chain); R-hat of a quantity constant within every chain is NaN or
        inf, as in ArviZ.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 3:
        raise ValueError(f"values must be (chain, draw, quantity), not shape {values.shape}")
    chains, draws, count = values.shape
    out = np.full((3, count), np.nan)
    if draws < 4 or count == 0:
        return out[0], out[1], out[2]
    block = max(1, BLOCK_VALUES // max(1, chains * draws))
    for first in range(0, count, block):
        part = slice(first, min(first + block, count))
        out[:, part] = _block(np.moveaxis(values[:, :, part], 2, 0))
    return out[0], out[1], out[2]


def _block(x: np.ndarray) -> np.ndarray:
    """(3, n) diagnostics of ``x`` shaped (quantity, chain, draw)."""
    count, chains, _ = x.shape
    out = np.full((3, count), np.nan)
    valid = ~np.isnan(x).any(axis=(1, 2))
    if not valid.any():
        return out
    x = x[valid]
    split = _split_chains(x)
    z = _z_scale(split)
    if chains >= 2:
        bulk = _rhat(z)
        folded = _rhat(_z_scale(np.abs(split - np.median(split, axis=(1, 2), keepdims=True))))
        with np.errstate(invalid="ignore"):
            out[0, valid] = np.where(folded > bulk, folded, bulk)
    out[1, valid] = _ess(z)
    flat = x.reshape(len(x), -1)
    low, high = (np.quantile(flat, p, axis=1) for p in TAIL_QUANTILES)
    ess_low = _ess((split <= low[:, None, None]).astype(float))
    ess_high = _ess((split <= high[:, None, None]).astype(float))
    with np.errstate(invalid="ignore"):
        out[2, valid] = np.where(ess_high < ess_low, ess_high, ess_low)
    return out


def _split_chains(x: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as separate chains (a middle draw is dropped)."""
    half = x.shape[2] // 2
    return np.concatenate([x[:, :, :half], x[:, :, x.shape[2] - half:]], axis=1)


def _z_scale(x: np.ndarray) -> np.ndarray:
    """Normal scores of the pooled ranks of each quantity's draws (average ranks for ties,
    Blom's offset)."""
    from scipy import special

    flat = x.reshape(len(x), -1)
    return special.ndtri((_ranks(flat) - _BLOM) / (flat.shape[1] - 2 * _BLOM + 1)
                         ).reshape(x.shape)


def _ranks(flat: np.ndarray) -> np.ndarray:
    """Ranks 1..n along each row, ties averaged (``scipy.stats.rankdata(method="average")``).

    One unstable sort per row places the ranks; only rows with a tie (rare in continuous
    draws) go to ``rankdata``. Measured on 500 x 16,000 normal draws: 0.15 s against 1.36 s,
    identical ranks.
    """
    order = np.argsort(flat, axis=1)
    ordered = np.take_along_axis(flat, order, axis=1)
    ranks = np.empty(flat.shape)
    np.put_along_axis(ranks, order, np.arange(1, flat.shape[1] + 1, dtype=float), axis=1)
    tied = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
    if tied.any():
        from scipy import stats  # imported only when needed (scipy.stats is slow to import)

        ranks[tied] = stats.rankdata(flat[tied], method="average", axis=1)
    return ranks


def _rhat(x: np.ndarray) -> np.ndarray:
    """Classic R-hat of (quantity, chain, draw)."""
    draws = x.shape[2]
    between = draws * np.var(x.mean(axis=2), axis=1, ddof=1)
    within = np.var(x, axis=2, ddof=1).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt((between / within + draws - 1) / draws)


def _ess(x: np.ndarray) -> np.ndarray:
    """ESS of (quantity, chain, draw) (Geyer's initial monotone sequence)."""
    from scipy import fft

    count, chains, draws = x.shape
    size = chains * draws
    out = np.full(count, float(size))
    varying = (x.max(axis=(1, 2)) - x.min(axis=(1, 2))) >= np.finfo(float).resolution
    if not varying.any():
        return out
    x = x[varying]
    centred = x - x.mean(axis=2, keepdims=True)
    length = fft.next_fast_len(2 * draws)
    spectrum = fft.rfft(centred, n=length, axis=2)
    acov = fft.irfft(spectrum * np.conjugate(spectrum), n=length, axis=2)[:, :, :draws] / draws
    mean_var = acov[:, :, 0].mean(axis=1) * draws / (draws - 1.0)
    var_plus = mean_var * (draws - 1.0) / draws
    if chains > 1:
        var_plus = var_plus + np.var(x.mean(axis=2), axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = 1.0 - (mean_var[:, None] - acov.mean(axis=1)) / var_plus[:, None]
    rho[:, 0] = 1.0
    out[varying] = size / _tau(rho, size)
    return out


def _tau(rho: np.ndarray, size: int) -> np.ndarray:
    """Integrated autocorrelation time from autocorrelations ``rho`` (quantity, lag).

    Pair k is (rho[2k], rho[2k+1]); pair 0 is (1, rho[1]). Pairs 1..J are examined, J the
    first pair whose predecessor's sum is not positive (at most ``limit``, the pairs that
    fit in the chain). The sum keeps pairs 0..J-1, made monotone; pair J's even term is
    added when positive or when pair J's sum is not negative.
    """
    count, draws = rho.shape
    limit = max(0, (draws - 3) // 2)  # the j >= 0 with 1 + 2j < draws - 3
    pairs = rho[:, : 2 * limit + 2].reshape(count, limit + 1, 2).sum(axis=2)
    with np.errstate(invalid="ignore"):
        positive = pairs > 0
    first_stop = np.where(positive.all(axis=1), limit + 1, np.argmin(positive, axis=1))
    examined = np.minimum(first_stop, limit)
    lags = np.arange(limit + 1)[None, :]
    monotone = np.minimum.accumulate(np.where(lags < examined[:, None], pairs, 0.0), axis=1)
    total = np.where(lags < examined[:, None], monotone, 0.0).sum(axis=1)
    rows = np.arange(count)
    even = rho[rows, 2 * examined]
    last_sum = pairs[rows, examined]
    with np.errstate(invalid="ignore"):
        extra = np.where((even > 0) | (last_sum >= 0), even, 0.0)
    extra = np.where(examined == 0, 1.0, extra)
    tau = np.maximum(-1.0 + 2.0 * total + extra, 1.0 / np.log10(size))
    return np.where(np.isnan(rho[:, 1]), np.nan, tau)
