"""Fits with prior draws in NUTS' place, for tests of the results API and storage (as
pymc-marketing's tests do): every hook of a real fit runs (prior and posterior predictive,
post-processing, the cache), only ``pymc.sample`` is replaced."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest


def prior_as_posterior(*args: Any, **kwargs: Any):
    """Stand-in for ``pymc.sample``: prior draws shaped as ``chains x draws`` posterior
    draws, with the data groups and sampler statistics a real fit carries."""
    import pymc as pm
    import xarray as xr

    chains, draws = kwargs["chains"], kwargs["draws"]
    prior = pm.sample_prior_predictive(chains * draws, random_seed=kwargs["random_seed"],
                                       compile_kwargs={"mode": "FAST_COMPILE"})
    posterior = prior["prior"].to_dataset().squeeze("chain", drop=True)
    posterior = posterior.assign_coords(draw=np.arange(chains * draws)).coarsen(
        draw=draws).construct(draw=("chain", "draw"))
    posterior = posterior.assign_coords(chain=np.arange(chains), draw=np.arange(draws))
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((chains, draws), bool))})
    groups = {"posterior": posterior, "sample_stats": stats}
    groups.update({name: prior[name].to_dataset() for name in ("constant_data", "observed_data")
                   if name in prior.children})
    return xr.DataTree.from_dict(groups)


def mocked_fit(model: Any, cache: Path | str | None, **settings: Any):
    """``model.fit(...)`` with :func:`prior_as_posterior` in place of NUTS.

    Prior draws are independent, but they are not a converged posterior of these data, so
    the fit's convergence report on them means nothing: its ConvergenceWarning is expected
    here (and only here; every real fit in the suite asserts convergence)."""
    import pymc

    from opinion.models import ConvergenceWarning

    settings = {"random_seed": 3, "progressbar": False, **settings}
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        patch.setattr(pymc, "sample", prior_as_posterior)
        return model.fit(cache=cache, **settings)


@functools.cache
def mocked_coalition_fit():
    """One mocked fit of the coalition model on the bundled panel (about 15 s to build),
    shared by every test module that needs a coalition results object."""
    import opinion
    from opinion.models import CoalitionPressure

    panel, tables = opinion.datasets.coalition_inputs()
    return mocked_fit(CoalitionPressure(panel, **tables), False, draws=40, tune=10, chains=2)
