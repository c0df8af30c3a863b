"""Effective sample size from a published design effect or margin of error."""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError


def _numbers(x: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ModelInputError(f"{name} must be numeric, got {x!r}") from None


def deff_from_moe(n: Any, moe: Any, p: Any = 0.5, *, level: float = 0.95) -> Any:
    """Back out the design effect implied by a published margin of error.

    ``deff = n * (moe / 100 / z)**2 / (p * (1 - p))`` with ``moe`` in percentage points and
    ``z`` the normal quantile for ``level`` (1.96 at 95%): the inverse of
    :func:`opinion.survey.margin_of_error`. The one implementation, also exported as
    ``opinion.survey.deff_from_moe``.

    Scalars give a float; a pandas Series among the inputs gives a Series (its index);
    otherwise an array. A missing (NaN) ``n`` or ``moe`` gives NaN: a poll frame may lack
    some margins.

    Raises
    ------
    ModelInputError
        ``n`` or ``moe`` not positive and finite where present, ``p`` not strictly inside
        (0, 1), or ``level`` not strictly inside (0, 1).
    """
    if not np.isscalar(level) or not 0.0 < float(level) < 1.0:
        raise ModelInputError(f"level must be a number strictly between 0 and 1, got {level!r}")
    n_arr, m_arr, p_arr = _numbers(n, "n"), _numbers(moe, "moe"), _numbers(p, "p")
    for arr, name in ((n_arr, "n"), (m_arr, "moe")):
        present = arr[~np.isnan(arr)]
        if np.any(~np.isfinite(present)) or np.any(present <= 0):
            raise ModelInputError(f"{name} must be finite and > 0 where given")
    if np.any(np.isnan(p_arr)) or np.any((p_arr <= 0.0) | (p_arr >= 1.0)):
        raise ModelInputError("p must be strictly between 0 and 1 to back out a design effect")
    z = NormalDist().inv_cdf(0.5 + float(level) / 2)
    deff = n_arr * (m_arr / 100 / z) ** 2 / (p_arr * (1 - p_arr))
    for obj in (n, moe, p):
        if isinstance(obj, pd.Series):
            return pd.Series(np.broadcast_to(deff, obj.shape), index=obj.index)
    return float(deff) if np.ndim(deff) == 0 else deff


def add_effective_n(data: pd.DataFrame) -> pd.DataFrame:
    """Add ``deff``, ``deff_source`` and ``n_eff`` columns to a validated frame.

    Rules, in order: a published ``deff`` is used as is; otherwise a published ``moe`` is
    converted with :func:`deff_from_moe` at p = 0.5 (a result below 1, which a rounded-down
    margin produces, is taken as 1); otherwise ``deff = 1`` is *assumed* and said so. The base
    size is ``subgroup_n`` when published, else the poll's ``n`` (``n_basis`` says which).
    """
    out = data.copy()
    published = out["deff"] if "deff" in out else pd.Series(np.nan, index=out.index)
    moe = out["moe"] if "moe" in out else pd.Series(np.nan, index=out.index)
    from_moe = pd.Series(deff_from_moe(out["n"].astype(float), moe.astype(float)),
                         index=out.index).clip(lower=1)
    deff = published.astype(float).fillna(from_moe).fillna(1.0)
    source = np.where(
        published.notna(), "published", np.where(moe.notna(), "from moe", "assumed 1")
    )
    base = out["n"].astype(float)
    basis = np.full(len(out), "poll n", dtype=object)
    if "subgroup_n" in out:
        has_sub = out["subgroup_n"].notna()
        base = base.where(~has_sub, out["subgroup_n"].astype(float))
        basis = np.where(has_sub, "subgroup_n", basis)
    is_sub = out["subgroup"] != "all"
    basis = np.where(is_sub & (basis == "poll n"), "poll n (subgroup size not published)", basis)
    out["deff"] = deff
    out["deff_source"] = source
    out["n_basis"] = basis
    out["n_eff"] = base / deff
    return out
