"""Effective sample size from a published design effect or margin of error."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm


def deff_from_moe(n: pd.Series | float, moe: pd.Series | float, p: float = 0.5,
                  level: float = 0.95) -> pd.Series | float:
    """Back a design effect out of a published margin of error.

    ``deff = n * (moe / z)^2 / (p (1 - p))`` with ``moe`` in percentage points and ``z`` the
    normal quantile for ``level`` (1.96 at 95%).
    """
    z = norm.ppf(0.5 + level / 2)
    return n * (np.asarray(moe) / 100 / z) ** 2 / (p * (1 - p))


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
    from_moe = pd.Series(deff_from_moe(out["n"].astype(float), moe), index=out.index).clip(lower=1)
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
