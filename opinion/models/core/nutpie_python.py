"""nutpie's NUTS on PyTensor's disk-cached numba function, called back from Python.

``pm.sample(nuts_sampler="nutpie")`` compiles the whole model once more in every process:
nutpie wraps PyTensor's numba function in a C callback whose data layout is keyed by fresh
random names, so numba can cache none of it (measured: 8-12 s on the poll average's Kalman
arm, 16 s on the election model, 20-27 s on each coalition stage, against 0.8-6 s of
sampling). PyTensor itself caches its numba function on disk, keyed by the graph: loading it
takes a fraction of a second. This module hands that function to nutpie as a Python
callback (``nutpie.from_pyfunc``) instead. Each gradient call then costs more - about 20
microseconds on the poll average's Kalman arm, far more for models with many data arrays
(the salience fit's sampling took 42 s instead of 6.8 s) - and the chains take turns on one
core (the function holds the GIL), so the link pays only where compiling costs more than
sampling: a choice each model makes from measurements
(:meth:`~opinion.models.core.base.BayesianModel.default_link`).

Same function, start points and seeds as ``pm.sample``; on the test model the draws are
bit-identical (``tests/test_nutpie_python.py``). They need not be in general: PyTensor
compiles with fast-math, and the native link inlines and re-optimises the function, which
can reorder floating-point operations (the ANES held-out fit's draws differed at Monte Carlo
level). The link is therefore part of a fit's cache key.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np


def compile_python_link(model: Any, initvals: dict | None, jitter: bool) -> Any:
    """A nutpie model that calls ``model``'s PyTensor numba function from Python.

    Parameters
    ----------
    model
        The PyMC model.
    initvals
        Start values by variable name (as ``pm.sample``'s ``initvals``), or None.
    jitter
        Jitter the start values of every free variable (``pm.sample``'s default with
        nutpie); False keeps the given start point exactly.
    """
    # nutpie's own helpers that turn a PyMC model into the functions its sampler calls (the
    # same ones its native path compiles), pinned with nutpie in uv.lock
    from nutpie.compile_pymc import _make_functions, _prepare_dims_and_coords, _wrap_with_lock
    from nutpie.compiled_pyfunc import from_pyfunc
    from pymc.initial_point import make_initial_point_fn

    # nutpie calls the start-point function from every chain's thread; it is a compiled
    # PyTensor function with shared state, so it takes nutpie's own lock, as in nutpie's
    # native path (without it, chains starting together intermittently failed with
    # "'NoneType' object has no attribute 'transpose'")
    start = _wrap_with_lock(make_initial_point_fn(
        model=model, overrides=initvals, default_strategy="support_point",
        jitter_rvs=set(model.free_RVs) if jitter else set()))
    n_dim, _, logp_fn, expand_fn, initial_point, shape_info, reparameterized = _make_functions(
        model, mode="NUMBA", compute_grad=True, join_expanded=False,
        pymc_initial_point_fn=start)
    # the jitted functions are pure (data passed in, nothing stored): safe on every chain's
    # thread at once
    logp_jit, expand_jit = logp_fn.vm.jit_fn, expand_fn.vm.jit_fn
    logp_data = [shared.get_value(borrow=True) for shared in logp_fn.get_shared()]
    expand_data = [shared.get_value(borrow=True) for shared in expand_fn.get_shared()]
    names, _, shapes = shape_info

    def make_logp():
        def logp(x):
            value, grad = logp_jit(x, *logp_data)
            return float(value), np.asarray(grad, dtype="float64", order="C")

        return logp

    def make_expand(seed1, seed2, chain):
        def expand(x):
            values = expand_jit(x, *expand_data)
            return {name: np.asarray(value, dtype="float64", order="C").reshape(shape)
                    for name, value, shape in zip(names, values, shapes, strict=True)}

        return expand

    dims, coords = _prepare_dims_and_coords(model, shape_info, reparameterized)
    return from_pyfunc(ndim=n_dim, make_logp_fn=make_logp, make_expand_fn=make_expand,
                       make_initial_point_fn=initial_point,
                       expanded_dtypes=[np.dtype("float64")] * len(names),
                       expanded_shapes=shapes, expanded_names=names, dims=dims,
                       coords=coords, reparameterized_names=reparameterized)


def sample_python_link(model: Any, *, draws: int, tune: int, chains: int, cores: int,
                       random_seed: int, target_accept: float, initvals: dict | None,
                       jitter: bool, progressbar: bool) -> Any:
    """What ``pm.sample(nuts_sampler="nutpie", ...)`` returns, through the Python link.

    Seeds are derived as ``pm.sample`` derives them, and the tree gets the same constant and
    observed data groups, so results and downstream code are unchanged.
    """
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata
    from pymc.util import get_random_generator

    logging.getLogger("pymc").info(f"NUTS[nutpie]: {model.free_RVs}")
    seed = int(get_random_generator(random_seed).spawn(chains)[0].integers(2**30))
    compiled = compile_python_link(model, initvals, jitter)
    start = time.time()
    idata = nutpie.sample(compiled, draws=draws, tune=max(tune, 1), chains=chains, cores=cores,
                          seed=seed, save_warmup=False, store_unconstrained=False,
                          progress_bar=progressbar, target_accept=target_accept)
    patch_nutpie_idata(idata, model, sampling_time=time.time() - start)
    return idata
