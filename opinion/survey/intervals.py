"""Margins of error, design effects and confidence intervals for poll proportions.

Conventions
-----------
* Inputs: proportions are given on the 0-1 scale (``0.66``; a percentage such as ``66`` is
  refused, never guessed).
* Results follow the toolkit's unit convention (:mod:`opinion.formatting`): interval bounds
  and shares are in **percent (0-100)**, leads and differences in percentage points, and
  *margins of error* (``margin_of_error``, ``deff_from_moe``, ``lead_moe``) in percentage
  points, as pollsters publish them. Interval columns of tables name their level
  (``lower_95``, ``upper_95``); p-values and z statistics are unchanged.
* A design effect ``deff`` shrinks the sample to its effective size ``n_eff = n / deff``;
  interval methods are applied to ``n_eff`` and the effective count ``p * n_eff`` (which
  need not be a whole number).
* ``level`` is the two-sided confidence level (0.95 for a 95% interval).

The interval arithmetic is delegated to :mod:`statsmodels.stats.proportion`; this module
adds input checks, design effects and poll-specific quantities (the lead between two options
in one poll, the change between two independent polls).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    multinomial_proportions_confint,
    proportion_confint,
    test_proportions_2indep,
)

from opinion.errors import ModelInputError
from opinion.formatting import interval_columns
from opinion.frames.effective_n import deff_from_moe  # the one implementation

__all__ = [
    "DifferenceTest",
    "LeadTest",
    "deff_from_moe",
    "difference_test",
    "effective_n",
    "lead_moe",
    "lead_test",
    "margin_of_error",
    "multinomial_ci",
    "proportion_ci",
    "z_value",
]

ProportionMethod = Literal[
    "wilson", "jeffreys", "agresti_coull", "beta", "clopper_pearson", "normal"
]

_PROPORTION_METHODS: dict[str, str] = {
    "wilson": "wilson",
    "jeffreys": "jeffreys",
    "agresti_coull": "agresti_coull",
    "agresti-coull": "agresti_coull",
    "beta": "beta",
    "clopper_pearson": "beta",
    "clopper-pearson": "beta",
    "exact": "beta",
    "normal": "normal",
    "wald": "normal",
}
_MULTINOMIAL_METHODS: dict[str, str] = {
    "goodman": "goodman",
    "sison-glaz": "sison-glaz",
    "sison_glaz": "sison-glaz",
}
_DIFFERENCE_METHODS: dict[str, str] = {
    "wald": "wald",
    "score": "score",
    "agresti-caffo": "agresti-caffo",
    "agresti_caffo": "agresti-caffo",
}


# --------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------


def _array(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"{name} must be numeric, got {x!r}") from exc
    if np.isnan(arr).any():
        raise ModelInputError(f"{name} contains missing values (NaN)")
    return arr


def _check_level(level: float) -> float:
    if not np.isscalar(level) or not 0.0 < float(level) < 1.0:
        raise ModelInputError(f"level must be a number strictly between 0 and 1, got {level!r}")
    return float(level)


def _check_prop(p: Any, name: str = "p") -> np.ndarray:
    arr = _array(p, name)
    if np.any((arr < 0.0) | (arr > 1.0)):
        raise ModelInputError(
            f"{name} must be a proportion in [0, 1] (not a percentage); got {_show(arr)}"
        )
    return arr


def _check_positive(x: Any, name: str) -> np.ndarray:
    arr = _array(x, name)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0.0):
        raise ModelInputError(f"{name} must be finite and > 0; got {_show(arr)}")
    return arr


def _show(arr: np.ndarray) -> str:
    flat = np.ravel(arr)
    return repr(float(flat[0])) if flat.size == 1 else f"values in [{flat.min()}, {flat.max()}]"


def _wrap(value: np.ndarray, *like: Any) -> Any:
    """Return a float for scalar inputs, a Series when any input is a Series, else an array."""
    for obj in like:
        if isinstance(obj, pd.Series):
            return pd.Series(np.broadcast_to(value, obj.shape), index=obj.index)
    if np.ndim(value) == 0:
        return float(value)
    return value


def z_value(level: float = 0.95) -> float:
    """Two-sided standard-normal critical value for a confidence ``level`` (1.96 at 0.95)."""
    level = _check_level(level)
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _method(name: str, table: dict[str, str], what: str) -> str:
    key = str(name).lower()
    if key not in table:
        raise ModelInputError(
            f"unknown {what} method {name!r}; choose one of {sorted(set(table))}"
        )
    return table[key]


# --------------------------------------------------------------------------------------
# margins of error and design effects
# --------------------------------------------------------------------------------------


def margin_of_error(n: Any, p: Any = 0.5, *, deff: Any = 1.0, level: float = 0.95) -> Any:
    """Margin of error of one proportion, in percentage points.

    ``moe = z * sqrt(deff * p * (1 - p) / n) * 100``.

    Parameters
    ----------
    n : float or array-like
        Sample size (> 0).
    p : float or array-like, default 0.5
        Proportion on the 0-1 scale; 0.5 gives the conventional "maximum" margin.
    deff : float or array-like, default 1.0
        Design effect (> 0).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Margin of error in points (a Series if any input is a Series).

    Examples
    --------
    >>> round(margin_of_error(1005), 2)
    3.09
    """
    n_arr = _check_positive(n, "n")
    p_arr = _check_prop(p)
    d_arr = _check_positive(deff, "deff")
    moe = z_value(level) * np.sqrt(d_arr * p_arr * (1.0 - p_arr) / n_arr) * 100.0
    return _wrap(moe, n, p, deff)


def effective_n(n: Any, deff: Any) -> Any:
    """Effective sample size ``n / deff`` (Kish)."""
    n_arr = _check_positive(n, "n")
    d_arr = _check_positive(deff, "deff")
    return _wrap(n_arr / d_arr, n, deff)


# --------------------------------------------------------------------------------------
# single proportions
# --------------------------------------------------------------------------------------


def proportion_ci(
    p_or_count: Any,
    n: Any,
    *,
    method: ProportionMethod | str = "wilson",
    level: float = 0.95,
    deff: Any = 1.0,
    counts: bool = False,
) -> tuple[Any, Any]:
    """Confidence interval for a proportion, allowing for a design effect.

    Parameters
    ----------
    p_or_count : float or array-like
        By default a proportion on the 0-1 scale. With ``counts=True``, the number of
        respondents giving the response (0 <= count <= n).
    n : float or array-like
        Sample size (> 0) the proportion is based on.
    method : {"wilson", "jeffreys", "agresti_coull", "beta", "clopper_pearson", "normal"}
        ``"beta"`` (alias ``"clopper_pearson"``) is the Clopper-Pearson interval; ``"normal"``
        is the Wald interval. Jeffreys uses the Brown-Cai-DasGupta boundary convention
        (lower = 0 when the count is 0, upper = 1 when it equals n), extended so that tiny
        fractional effective counts never give an interval excluding the estimate.
    level : float, default 0.95
        Confidence level.
    deff : float or array-like, default 1.0
        Design effect; the interval is computed for ``n / deff`` respondents and the
        effective count ``p * n / deff``.
    counts : bool, default False
        Interpret ``p_or_count`` as counts rather than proportions.

    Returns
    -------
    (lower, upper)
        Bounds of the ``level`` interval (95% by default) in **percent (0-100)**: floats,
        arrays or Series following the input type. ``proportion_ci(0.66, 1005)`` is about
        ``(63.0, 68.9)``.
    """
    level = _check_level(level)
    meth = _method(method, _PROPORTION_METHODS, "interval")
    n_arr = _check_positive(n, "n")
    d_arr = _check_positive(deff, "deff")
    x_arr = _array(p_or_count, "count" if counts else "p")
    if counts:
        if np.any((x_arr < 0.0) | (x_arr > n_arr)):
            raise ModelInputError(f"counts must lie between 0 and n; got {_show(x_arr)}")
        p_arr = x_arr / n_arr
    else:
        p_arr = _check_prop(x_arr)
    p_arr, n_arr, d_arr = np.broadcast_arrays(p_arr, n_arr, d_arr)
    # numerical guard: proportions within 1e-12 of 0 or 1 are treated as exactly 0 or 1
    # (scipy's beta quantiles overflow for subnormal counts)
    p_arr = np.where(p_arr < 1e-12, 0.0, np.where(p_arr > 1.0 - 1e-12, 1.0, p_arr))
    n_eff = n_arr / d_arr
    x_eff = p_arr * n_eff
    lower, upper = proportion_confint(x_eff, n_eff, alpha=1.0 - level, method=meth)
    lower = np.clip(np.asarray(lower, dtype=float), 0.0, 1.0)
    upper = np.clip(np.asarray(upper, dtype=float), 0.0, 1.0)
    # Jeffreys: Brown-Cai-DasGupta set lower = 0 at x = 0 and upper = 1 at x = n; the same
    # rule, extended to tiny fractional effective counts, keeps every interval around p.
    lower = 100.0 * np.where(p_arr <= 0.0, 0.0, np.minimum(lower, p_arr))
    upper = 100.0 * np.where(p_arr >= 1.0, 1.0, np.maximum(upper, p_arr))
    return _wrap(lower, p_or_count, n, deff), _wrap(upper, p_or_count, n, deff)


def multinomial_ci(
    counts: Any,
    *,
    n: float | None = None,
    method: str = "goodman",
    level: float = 0.95,
    deff: float = 1.0,
) -> pd.DataFrame:
    """Simultaneous confidence intervals for all shares of one multinomial question.

    Parameters
    ----------
    counts : Series, dict or array-like
        Counts per response (index/keys become the row labels). With ``n`` given, these are
        shares on the 0-1 scale instead and must sum to 1 (within 0.02, rounding): include
        a "don't know"/"other" remainder yourself.
    n : float, optional
        Sample size when ``counts`` holds shares.
    method : {"goodman", "sison-glaz"}
        Passed to :func:`statsmodels.stats.proportion.multinomial_proportions_confint`.
        Sison-Glaz needs whole counts, so effective counts are rounded for it.
    level : float, default 0.95
        Simultaneous confidence level.
    deff : float, default 1.0
        Design effect; intervals use the effective counts ``counts / deff``.

    Returns
    -------
    pandas.DataFrame
        Index = responses; columns ``share`` and the simultaneous interval
        ``lower_95``/``upper_95`` (named after ``level``, :func:`opinion.formatting.
        interval_columns`), all in percent (0-100).
    """
    level = _check_level(level)
    meth = _method(method, _MULTINOMIAL_METHODS, "multinomial interval")
    if isinstance(counts, dict):
        counts = pd.Series(counts, dtype=float)
    index = counts.index if isinstance(counts, pd.Series) else None
    values = _array(counts, "counts").ravel()
    if values.size < 2:
        raise ModelInputError("multinomial_ci needs at least two response categories")
    if np.any(values < 0):
        raise ModelInputError(f"counts/shares must be >= 0; got {_show(values)}")
    d = float(_check_positive(deff, "deff"))
    if n is not None:
        n_val = float(_check_positive(n, "n"))
        total = values.sum()
        if abs(total - 1.0) > 0.02:
            raise ModelInputError(
                f"shares must sum to 1 (got {total:.4f}); pass proportions on the 0-1 scale "
                "and include every response, e.g. a remainder 'other/don't know' category"
            )
        values = values / total * n_val
    if values.sum() <= 0:
        raise ModelInputError("counts must not all be zero")
    eff = values / d
    if meth == "sison-glaz":
        eff = np.round(eff)
    ci = np.clip(multinomial_proportions_confint(eff, alpha=1.0 - level, method=meth), 0.0, 1.0)
    lower, upper = interval_columns(level)
    out = pd.DataFrame(
        {"share": 100.0 * values / values.sum(), lower: 100.0 * ci[:, 0],
         upper: 100.0 * ci[:, 1]},
        index=index if index is not None else pd.RangeIndex(values.size),
    )
    out.index.name = "response"
    return out


# --------------------------------------------------------------------------------------
# the lead within one poll
# --------------------------------------------------------------------------------------


def _lead_se(p1: Any, p2: Any, n: Any, deff: Any) -> tuple[np.ndarray, np.ndarray]:
    a = _check_prop(p1, "p1")
    b = _check_prop(p2, "p2")
    if np.any(a + b > 1.0 + 1e-9):
        raise ModelInputError("p1 + p2 must not exceed 1: they are shares of the same question")
    n_eff = _check_positive(n, "n") / _check_positive(deff, "deff")
    var = (a + b - (a - b) ** 2) / n_eff
    return a - b, np.sqrt(np.maximum(var, 0.0))


def lead_moe(p1: Any, p2: Any, n: Any, *, deff: Any = 1.0, level: float = 0.95) -> Any:
    """Margin of error of the lead ``p1 - p2`` between two options in one poll, in points.

    The two shares come from the same multinomial sample, so they are negatively
    correlated: ``Var(p1 - p2) = (p1 + p2 - (p1 - p2)**2) / n_eff``. The result is close to
    twice the single-share margin when p1 + p2 is near 1.
    """
    _, se = _lead_se(p1, p2, n, deff)
    return _wrap(z_value(level) * se * 100.0, p1, p2, n, deff)


def _frame(fields: dict[str, Any], level: float) -> pd.DataFrame:
    """One-row table of a test's fields, the interval named after its level."""
    lower, upper = interval_columns(level)
    return pd.DataFrame([fields]).rename(columns={"lower": lower, "upper": upper})


@dataclass(frozen=True)
class LeadTest:
    """Wald test of a lead ``p1 - p2`` within one poll.

    ``estimate``, ``se``, ``lower`` and ``upper`` are in percentage points (the interval at
    ``level``, 95% by default); ``statistic`` (z) and ``pvalue`` are unit-free.
    """

    estimate: float
    se: float
    statistic: float
    pvalue: float
    lower: float
    upper: float
    level: float

    @property
    def z(self) -> float:
        """The z statistic (alias of :attr:`statistic`)."""
        return self.statistic

    def to_dict(self) -> dict[str, float]:
        """The fields as a plain dict."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """A one-row DataFrame of the fields; the interval columns name the level
        (``lower_95``, ``upper_95``)."""
        return _frame(self.to_dict(), self.level)


def lead_test(
    p1: float, p2: float, n: float, *, deff: float = 1.0, level: float = 0.95
) -> LeadTest:
    """Test whether option 1 leads option 2 in one poll (H0: p1 = p2, two-sided).

    Uses the multinomial standard error of :func:`lead_moe` evaluated at the observed shares.
    ``p1`` and ``p2`` are proportions (0-1); the lead, its standard error and interval come
    back in percentage points.
    """
    for name, v in (("p1", p1), ("p2", p2), ("n", n), ("deff", deff)):
        if np.ndim(v) != 0:
            raise ModelInputError(f"lead_test takes scalars; {name} is not a scalar")
    est, se = _lead_se(p1, p2, n, deff)
    est, se = float(est), float(se)
    z = z_value(level)
    if se == 0.0:
        stat = 0.0 if est == 0.0 else float(np.sign(est) * np.inf)
    else:
        stat = est / se
    pvalue = float(2.0 * stats.norm.sf(abs(stat)))
    return LeadTest(100.0 * est, 100.0 * se, stat, pvalue, 100.0 * (est - z * se),
                    100.0 * (est + z * se), level)


# --------------------------------------------------------------------------------------
# change between two independent polls
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DifferenceTest:
    """Comparison of one proportion in two independent polls.

    ``diff = p1 - p2`` in percentage points; ``lower``/``upper`` bound it at ``level`` (95%
    by default), also in points; ``statistic`` and ``pvalue`` test H0: diff = 0
    (two-sided). ``n1_eff``/``n2_eff`` are the effective sample sizes used.
    """

    diff: float
    lower: float
    upper: float
    statistic: float
    pvalue: float
    method: str
    level: float
    n1_eff: float
    n2_eff: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """A one-row DataFrame of the fields; the interval columns name the level
        (``lower_95``, ``upper_95``)."""
        return _frame(self.to_dict(), self.level)


def difference_test(
    p1: float,
    n1: float,
    p2: float,
    n2: float,
    *,
    deff1: float = 1.0,
    deff2: float = 1.0,
    method: str = "wald",
    level: float = 0.95,
    correction: bool = True,
) -> DifferenceTest:
    """Test and interval for the change ``p1 - p2`` between two independent polls.

    Delegates to :func:`statsmodels.stats.proportion.test_proportions_2indep` and
    :func:`~statsmodels.stats.proportion.confint_proportions_2indep` on the effective
    sample sizes ``n / deff`` and effective counts ``p * n / deff``.

    Parameters
    ----------
    p1, p2 : float
        Proportions (0-1 scale) in poll 1 and poll 2.
    n1, n2 : float
        Sample sizes.
    deff1, deff2 : float, default 1.0
        Design effects of the two polls.
    method : {"wald", "score", "agresti-caffo"}, default "wald"
        ``"wald"`` uses the unpooled variance for both test and interval; ``"score"`` is the
        Miettinen-Nurminen score test/interval (its z at H0 equals the classic pooled z when
        ``correction=False``).
    level : float, default 0.95
        Confidence level of the interval.
    correction : bool, default True
        Miettinen-Nurminen ``n / (n - 1)`` variance correction (score method only).

    Returns
    -------
    DifferenceTest
        The difference and its interval in percentage points.
    """
    level = _check_level(level)
    meth = _method(method, _DIFFERENCE_METHODS, "difference")
    for name, v in (("p1", p1), ("p2", p2), ("n1", n1), ("n2", n2)):
        if np.ndim(v) != 0:
            raise ModelInputError(f"difference_test takes scalars; {name} is not a scalar")
    a = float(_check_prop(p1, "p1"))
    b = float(_check_prop(p2, "p2"))
    n1_eff = float(_check_positive(n1, "n1") / _check_positive(deff1, "deff1"))
    n2_eff = float(_check_positive(n2, "n2") / _check_positive(deff2, "deff2"))
    x1, x2 = a * n1_eff, b * n2_eff
    res = test_proportions_2indep(
        x1, n1_eff, x2, n2_eff, method=meth, compare="diff", correction=correction
    )
    lower, upper = confint_proportions_2indep(
        x1, n1_eff, x2, n2_eff, method=meth, compare="diff", alpha=1.0 - level,
        correction=correction,
    )
    return DifferenceTest(
        diff=100.0 * (a - b),
        lower=100.0 * float(lower),
        upper=100.0 * float(upper),
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        method=meth,
        level=level,
        n1_eff=n1_eff,
        n2_eff=n2_eff,
    )
