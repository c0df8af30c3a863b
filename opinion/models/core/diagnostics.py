"""Convergence diagnostics that are surfaced, never swallowed.

:func:`convergence_table` computes R-hat, bulk and tail ESS per named parameter and
:func:`check_convergence` turns problems into a :class:`ConvergenceWarning` and a
one-line status used by results objects and the report banner.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import xarray as xr

from opinion.models.core.rank_diagnostics import rank_diagnostics

RHAT_MAX = 1.01
ESS_MIN = 400
"""Bulk and tail ESS every parameter needs (Vehtari et al. 2021: 100 per chain, 4 chains)."""


class ConvergenceWarning(UserWarning):
    """The sampler's output fails a convergence check (R-hat, ESS or divergences)."""


@dataclass(frozen=True)
class Diagnostics:
    """Headline convergence figures of one fit."""

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    draws: int
    chains: int
    worst_parameter: str
    sampling_seconds: float | None = None

    @property
    def ok(self) -> bool:
        """True when R-hat <= 1.01, bulk and tail ESS >= 400 and there are no divergences."""
        ess_min = ESS_MIN
        return (
            self.max_rhat <= RHAT_MAX
            and self.min_ess_bulk >= ess_min
            and self.min_ess_tail >= ess_min
            and self.divergences == 0
        )

    def problems(self) -> list[str]:
        """Plain-language list of what failed."""
        out = []
        if self.max_rhat > RHAT_MAX:
            out.append(f"max R-hat {self.max_rhat:.3f} > {RHAT_MAX} ({self.worst_parameter})")
        ess_min = ESS_MIN
        if self.min_ess_bulk < ess_min:
            out.append(f"min bulk ESS {self.min_ess_bulk:.0f} < {ess_min}")
        if self.min_ess_tail < ess_min:
            out.append(f"min tail ESS {self.min_ess_tail:.0f} < {ess_min}")
        if self.divergences:
            out.append(f"{self.divergences} divergent transitions")
        return out

    def status(self) -> str:
        """One line: 'converged' or the list of problems."""
        if self.ok:
            return (
                f"converged: max R-hat {self.max_rhat:.3f}, min bulk ESS {self.min_ess_bulk:.0f}, "
                f"no divergences ({self.chains} chains x {self.draws} draws)"
            )
        return "NOT converged: " + "; ".join(self.problems())

    def to_dict(self) -> dict:
        return asdict(self)


def convergence_table(idata: xr.DataTree, var_names: list[str] | None = None) -> pd.DataFrame:
    """R-hat and bulk/tail ESS for every scalar element of the posterior.

    Returns a DataFrame indexed by parameter (ArviZ labels such as ``house[Ipsos]``) with
    ``ess_bulk, ess_tail, r_hat``: ArviZ's rank-normalised statistics, computed for all
    elements of a variable at once (:func:`~opinion.models.core.rank_diagnostics.rank_diagnostics`).
    An element constant within chains (a fixed reference entry) has no finite R-hat (NaN or
    inf, as in ArviZ; :func:`diagnose` skips it) and no warning is raised (a chain stuck
    elsewhere still fails: its ESS is tiny).
    """
    posterior = idata["posterior"].to_dataset()
    names = var_names or [v for v in posterior.data_vars if not v.startswith("_")]
    frames = []
    for name in names:
        da = posterior[name].transpose("chain", "draw", ...)
        values = np.asarray(da.values, dtype=float)
        rhat, ess_b, ess_t = rank_diagnostics(values.reshape(values.shape[:2] + (-1,)))
        frame = pd.DataFrame({"ess_bulk": ess_b, "ess_tail": ess_t, "r_hat": rhat})
        frame.index = _labels(name, da.isel(chain=0, draw=0, drop=True))
        frames.append(frame)
    return pd.concat(frames) if frames else pd.DataFrame(columns=["ess_bulk", "ess_tail", "r_hat"])


def _labels(name: str, da: xr.DataArray) -> list[str]:
    if da.ndim == 0:
        return [name]
    index = pd.MultiIndex.from_product([da[d].values for d in da.dims])
    return [f"{name}[{', '.join(map(str, key))}]" for key in index]


def draw_diagnostics(values: np.ndarray, chains: int) -> tuple[float, float, float]:
    """R-hat, bulk ESS and tail ESS of one quantity's draws stacked over ``chains``."""
    values = np.asarray(values, dtype=float).ravel()
    if chains < 1 or values.size % chains or values.size < 4 * chains:
        return float("nan"), float("nan"), float("nan")
    if not np.isfinite(values).all() or np.ptp(values) == 0:
        return float("nan"), float("nan"), float("nan")
    rhat, ess_bulk, ess_tail = rank_diagnostics(values.reshape(chains, -1, 1))
    return float(rhat[0]), float(ess_bulk[0]), float(ess_tail[0])


def diagnose(idata: xr.DataTree, var_names: list[str] | None = None,
             sampling_seconds: float | None = None) -> tuple[Diagnostics, pd.DataFrame]:
    """Compute :class:`Diagnostics` and the per-parameter table."""
    table = convergence_table(idata, var_names)
    stats = idata["sample_stats"].to_dataset()
    divergences = int(stats["diverging"].sum()) if "diverging" in stats else 0
    posterior = idata["posterior"]
    rhat = table["r_hat"].replace([np.inf], np.nan)
    worst = str(rhat.idxmax()) if rhat.notna().any() else ""
    diag = Diagnostics(
        max_rhat=float(rhat.max()) if rhat.notna().any() else float("nan"),
        min_ess_bulk=float(table["ess_bulk"].min()),
        min_ess_tail=float(table["ess_tail"].min()),
        divergences=divergences,
        draws=int(posterior.sizes["draw"]),
        chains=int(posterior.sizes["chain"]),
        worst_parameter=worst,
        sampling_seconds=sampling_seconds,
    )
    return diag, table


def warn_if_unconverged(diag: Diagnostics, model_name: str) -> None:
    """Issue a :class:`ConvergenceWarning` naming every failed check."""
    if not diag.ok:
        warnings.warn(
            f"{model_name}: {diag.status()}. Treat intervals with caution; try more tuning "
            "steps (tune=), more draws, or a coarser time grid.",
            ConvergenceWarning,
            stacklevel=3,
        )
