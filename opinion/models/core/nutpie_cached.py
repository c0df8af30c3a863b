"""nutpie's native link, compiled once per graph and kept on disk.

``nutpie.compile_pymc_model`` wraps PyTensor's numba function in two C callbacks (log density
with gradient, and the expansion to every stored variable) and compiles them afresh in every
process: their data layout is keyed by fresh random names and their helpers are closures,
so numba can cache none of it. Measured here: 8-12 s on the poll average's Kalman arm, 16 s
on the election model, 20-27 s on each coalition stage, against 0.8-6 s of sampling.

This module builds the same two callbacks from generated source that names nothing random:
each shared (data) variable is read at a fixed position of nutpie's own ``user_data``
record (a packed run of pointers, then sizes, then shapes, all 64-bit), so the callbacks
depend only on the graph and the number, rank and dtype of the data arrays. They are
registered in PyTensor's numba cache under a key made of PyTensor's own key for the graph
and the callbacks' source, so a second process loads them from disk instead of compiling.
Everything else - start points, data updates through ``with_data``, the sampler - is
nutpie's own :class:`nutpie.compile_pymc.CompiledPyMCModel`.

Graphs that PyTensor cannot cache get nutpie's own compilation
(:func:`nutpie.compile_pymc_model`), as before.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

# bump to invalidate every cached callback (the source below is part of the key too)
_LAYOUT_VERSION = "1"


def compile_cached(model: Any, *, initial_points: dict | None = None,
                   jitter_rvs: set | None = None, var_names: Sequence[str] | None = None) -> Any:
    """``nutpie.compile_pymc_model(model, ...)`` with callbacks cached on disk by graph.

    Parameters
    ----------
    model
        The PyMC model.
    initial_points
        Start values by variable name (nutpie's ``initial_points``), or None.
    jitter_rvs
        Free variables whose start values are jittered (nutpie's ``jitter_rvs``); None
        jitters every free variable, as nutpie does.
    var_names
        Variables to store in the trace (nutpie's ``var_names``); None stores all.

    Returns
    -------
    nutpie.compile_pymc.CompiledPyMCModel
        Ready for ``nutpie.sample`` and ``with_data``.
    """
    import nutpie
    from nutpie.compile_pymc import (
        CompiledPyMCModel,
        _make_functions,
        _prepare_dims_and_coords,
        _wrap_with_lock,
        make_user_data,
    )
    from pymc.initial_point import make_initial_point_fn
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    if jitter_rvs is None:
        jitter_rvs = set(model.free_RVs)
    start = _wrap_with_lock(make_initial_point_fn(
        model=model, overrides=initial_points, default_strategy="support_point",
        jitter_rvs=jitter_rvs, return_transformed=True))
    n_dim, n_expanded, logp_fn, expand_fn, initial_point, shape_info, reparameterized = (
        _make_functions(model, mode="NUMBA", compute_grad=True, join_expanded=True,
                        pymc_initial_point_fn=start, var_names=var_names))
    logp_jit, expand_jit = logp_fn.vm.jit_fn, expand_fn.vm.jit_fn
    graph_keys = (CACHED_SRC_FUNCTIONS.get(logp_jit.py_func),
                  CACHED_SRC_FUNCTIONS.get(expand_jit.py_func))
    if None in graph_keys:
        return nutpie.compile_pymc_model(model, initial_points=initial_points,
                                         jitter_rvs=jitter_rvs, var_names=var_names)

    # nutpie's record layout: one entry per distinct shared variable, in this order
    position: dict[int, int] = {}
    shared: list[Any] = []
    for variable in [*logp_fn.get_shared(), *expand_fn.get_shared()]:
        if id(variable) not in position:
            position[id(variable)] = len(shared)
            shared.append(variable)
    keys = {variable: f"v{i}" for i, variable in enumerate(shared)}
    data = {keys[v]: np.array(v.get_value(), order="C", copy=True) for v in shared}
    for value in data.values():
        value.flags.writeable = False
    user_data = make_user_data(keys, data)
    layout = [(data[keys[v]].ndim, data[keys[v]].dtype) for v in shared]
    if user_data.dtype.itemsize != 8 * _record_length(layout):
        # nutpie changed its record: its own compilation reads it correctly
        return nutpie.compile_pymc_model(model, initial_points=initial_points,
                                         jitter_rvs=jitter_rvs, var_names=var_names)

    logp_args = [position[id(v)] for v in logp_fn.get_shared()]
    expand_args = [position[id(v)] for v in expand_fn.get_shared()]
    logp_c = _cached_cfunc(_logp_source(n_dim, layout, logp_args), "opinion_nutpie_logp",
                           logp_jit, graph_keys[0], _logp_signature())
    expand_c = _cached_cfunc(_expand_source(n_dim, n_expanded, layout, expand_args),
                             "opinion_nutpie_expand", expand_jit, graph_keys[1],
                             _expand_signature())
    dims, coords = _prepare_dims_and_coords(model, shape_info, reparameterized)
    return CompiledPyMCModel(
        _n_dim=n_dim, dims=dims, _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=logp_c, compiled_expand_func=expand_c,
        initial_point_func=initial_point, shared_data=data, shared_var_keys=keys,
        user_data=user_data, n_expanded=n_expanded, shape_info=shape_info,
        logp_func=logp_fn, expand_func=expand_fn, reparameterized_names=reparameterized)


def _array_expressions(layout: list[tuple[int, np.dtype]], indices: list[int]) -> str:
    """Source for the data arrays at ``indices`` of the record, as call arguments."""
    count = len(layout)
    shape_at = np.cumsum([0] + [ndim for ndim, _ in layout]) + 2 * count
    parts = []
    for i in indices:
        ndim, dtype = layout[i]
        dims = "".join(f"np.intp(record[{shape_at[i] + d}]), " for d in range(ndim))
        parts.append(f"carray(as_pointer(record[{i}]), ({dims}), np.{dtype.type.__name__})")
    return "".join(f"{part}, " for part in parts)


def _record_length(layout: list[tuple[int, np.dtype]]) -> int:
    return 2 * len(layout) + sum(ndim for ndim, _ in layout)


def _logp_source(n_dim: int, layout: list[tuple[int, np.dtype]], indices: list[int]) -> str:
    return f"""
def opinion_nutpie_logp(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    try:
        record = carray(user_data_, ({_record_length(layout)},), np.uint64)
        x = carray(x_, ({n_dim},))
        out = carray(out_, ({n_dim},))
        logp = carray(logp_, ())
        logp_val, grad = inner(x, {_array_expressions(layout, indices)})
        logp[()] = logp_val
        out[...] = grad
        if not np.all(np.isfinite(out)):
            return 3
        if not np.isfinite(logp_val):
            return 4
    except Exception:  # noqa: BLE001
        return 1
    return 0
"""


def _expand_source(n_dim: int, n_expanded: int, layout: list[tuple[int, np.dtype]],
                   indices: list[int]) -> str:
    return f"""
def opinion_nutpie_expand(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    if expanded != {n_expanded}:
        return -1
    try:
        record = carray(user_data_, ({_record_length(layout)},), np.uint64)
        x = carray(x_, ({n_dim},))
        out = carray(out_, ({n_expanded},))
        (values,) = inner(x, {_array_expressions(layout, indices)})
        out[...] = values
    except Exception:  # noqa: BLE001
        return -2
    return 0
"""


def _logp_signature() -> Any:
    from numba import types

    return types.int64(types.uint64, types.CPointer(types.double),
                       types.CPointer(types.double), types.CPointer(types.double),
                       types.voidptr)


def _expand_signature() -> Any:
    from numba import types

    return types.int64(types.uint64, types.uint64, types.CPointer(types.double),
                       types.CPointer(types.double), types.voidptr)


def _cached_cfunc(source: str, name: str, inner: Any, graph_key: str, signature: Any) -> Any:
    """A numba C callback from ``source`` that calls ``inner``, cached under PyTensor's
    numba cache by ``graph_key`` and the source."""
    import numba
    import nutpie
    from nutpie.compile_pymc import address_as_void_pointer
    from pytensor.link.numba.cache import compile_numba_function_src

    # nutpie's version: its record layout and pointer intrinsic are compiled in
    key = hashlib.sha256("\0".join([_LAYOUT_VERSION, nutpie.__version__, graph_key, source])
                         .encode()).hexdigest()
    function = compile_numba_function_src(
        source, name, global_env={"__name__": __name__, "np": np, "carray": numba.carray,
                                  "as_pointer": address_as_void_pointer, "inner": inner},
        cache_key=f"opinion_nutpie_{key}")
    with warnings.catch_warnings():
        # a graph holding an uncacheable object still compiles; it is then compiled again
        # in the next process, as nutpie's own callbacks always are
        warnings.filterwarnings("ignore", category=numba.NumbaWarning, message="Cannot cache")
        return numba.cfunc(signature, cache=True)(function)
