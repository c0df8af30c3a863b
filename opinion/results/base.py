"""Results objects: what a fitted model hands back to users.

Every results object holds the ArviZ ``DataTree`` (``.idata``) and JSON metadata (config,
sampler settings, seed, versions, diagnostics, the modelled data). It offers ``summary()``
with named parameters, ``diagnostics`` surfaced as a status line, ``save()``/``load()`` in
open formats (NetCDF + JSON; never pickle) and an HTML view for notebooks.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from opinion.io.cache import read_fit, write_fit
from opinion.models.diagnostics import Diagnostics, convergence_table


def interval(draws: np.ndarray, level: float, axis: int = 0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and central ``level`` interval of ``draws`` along ``axis``."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    return (draws.mean(axis=axis), np.quantile(draws, lo, axis=axis),
            np.quantile(draws, hi, axis=axis))


class ModelResults:
    """Base results object.

    Parameters
    ----------
    idata
        Posterior, prior, predictive draws and sampler statistics.
    meta
        JSON-serialisable metadata written by the model's ``fit``.
    """

    model_label: ClassVar[str] = "model"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        self.idata = idata
        self.meta = meta

    # ------------------------------------------------------------- diagnostics
    @property
    def diagnostics(self) -> Diagnostics:
        """Headline convergence figures (R-hat, ESS, divergences) of this fit."""
        return Diagnostics(**self.meta["diagnostics"])

    def convergence(self) -> pd.DataFrame:
        """R-hat and bulk/tail ESS for every parameter, worst R-hat first."""
        return convergence_table(self.idata).sort_values("r_hat", ascending=False)

    @property
    def random_seed(self) -> int:
        return int(self.meta["random_seed"])

    # ------------------------------------------------------------- to override
    def summary(self) -> pd.DataFrame:
        """Named-parameter summary (override in subclasses)."""
        return self.convergence()

    def headline(self) -> str:
        """One sentence with the main finding (override in subclasses)."""
        return self.diagnostics.status()

    # ------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Save to a folder: ``posterior.nc`` (NetCDF DataTree) and ``meta.json``."""
        return write_fit(Path(path), self.idata, self.meta)

    @classmethod
    def load(cls, path: str | Path) -> ModelResults:
        """Load results saved with :meth:`save` (or found in the fit cache)."""
        idata, meta = read_fit(Path(path))
        return cls(idata, meta)

    # ------------------------------------------------------------- display
    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.headline()} | {self.diagnostics.status()}>"

    def _diagnostics_html(self) -> str:
        d = self.diagnostics
        colour = "#1b7837" if d.ok else "#b2182b"
        return (
            f"<div style='border-left:4px solid {colour};padding:2px 8px;margin:4px 0'>"
            f"{html.escape(d.status())}</div>"
        )

    def _repr_html_(self) -> str:
        return "\n".join([
            f"<div><strong>{html.escape(type(self).__name__)}</strong>: "
            f"{html.escape(self.headline())}</div>",
            self._diagnostics_html(),
            self.summary().to_html(escape=True, float_format=lambda v: f"{v:.3g}"),
        ])
