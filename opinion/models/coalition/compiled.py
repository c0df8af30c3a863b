"""Compile once, sample many: the stage-2 fit and every refit (back-test origins, held-out
cells, simulation studies) sample a nutpie-compiled model with new data containers
(``with_data``) instead of recompiling (a cold numba compile of stage 1 costs 10-30 s;
sampling it costs about as much)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from opinion.models.core.sampling import quiet


class CompiledModel:
    """A PyMC model compiled once by nutpie.

    Parameters
    ----------
    model
        The PyMC model (its data containers can be replaced per sampling run).
    var_names
        Variables to keep in the draws (default: every free and deterministic variable).
    """

    def __init__(self, model: Any, var_names: list[str] | None = None) -> None:
        import nutpie

        self.model = model
        with quiet():
            self.compiled = nutpie.compile_pymc_model(model, var_names=var_names)

    def sample(self, data: dict[str, np.ndarray] | None = None, *, draws: int, tune: int,
               chains: int, cores: int, seed: int, target_accept: float) -> xr.DataTree:
        """NUTS draws with ``data`` replacing the model's data containers."""
        import nutpie

        compiled = self.compiled.with_data(**data) if data else self.compiled
        with quiet():
            return nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=cores,
                                 seed=int(seed), target_accept=target_accept,
                                 progress_bar=False)


def flat(dataset: xr.Dataset | xr.DataTree, name: str) -> np.ndarray:
    """Draws of ``name`` with chains and draws stacked on the first axis."""
    values = np.asarray(dataset[name].values)
    return values.reshape((-1,) + values.shape[2:])


def divergences(tree: xr.DataTree) -> int:
    stats = tree["sample_stats"]
    return int(stats["diverging"].sum()) if "diverging" in stats else 0
