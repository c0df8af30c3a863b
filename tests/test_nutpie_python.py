"""nutpie's Python link draws exactly what its native link draws.

Known answer: the native link (``pm.sample(nuts_sampler="nutpie")``, nutpie compiling the
model itself) is the reference; the Python link calls PyTensor's numba function of the same
graph with the same start points and seeds, so on this model every draw is bit-identical -
with jittered starts and with a given start point, through transforms, data containers and
deterministics. (Fast-math re-optimisation inside the native link can make larger models'
draws differ at Monte Carlo level, so the link is part of the cache key.)
"""

from __future__ import annotations

import numpy as np
import pytest

from opinion.errors import ModelInputError
from opinion.models.core.sampling import SamplerSettings

RUN = dict(draws=150, tune=150, chains=2, cores=2, target_accept=0.9)


def small_model():
    import pymc as pm

    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(4), 10)
    y = rng.normal(0.3 * groups, 1.0)
    with pm.Model(coords={"group": list("abcd"), "obs": np.arange(40)}) as model:
        data = pm.Data("y_data", y, dims="obs")
        index = pm.Data("group_index", groups, dims="obs")
        scale = pm.HalfNormal("scale", 1.0)
        z = pm.Normal("z", 0.0, 1.0, dims="group")
        effect = pm.Deterministic("effect", z * scale, dims="group")
        noise = pm.Gamma("noise", 4.0, 4.0)
        pm.Normal("y", effect[index], noise, observed=data, dims="obs")
    return model


def draw_both(initvals):
    import pymc as pm

    from opinion.models.core.nutpie_python import sample_python_link

    model = small_model()
    with model:
        kwargs = dict(initvals=initvals, compile_kwargs={"jitter_rvs": set()}) if initvals \
            else {}
        native = pm.sample(**{k: v for k, v in RUN.items() if k != "target_accept"},
                           nuts={"target_accept": RUN["target_accept"]}, random_seed=7,
                           nuts_sampler="nutpie", progressbar=False, **kwargs)
    python = sample_python_link(model, random_seed=7, initvals=initvals,
                                jitter=initvals is None, progressbar=False, **RUN)
    return native, python


@pytest.mark.parametrize("initvals", [None, {"scale": 0.5, "z": np.zeros(4), "noise": 1.0}],
                         ids=["jittered", "given start"])
def test_python_link_draws_what_the_native_link_draws(initvals):
    native, python = draw_both(initvals)
    a, b = native["posterior"], python["posterior"]
    assert sorted(a.data_vars) == sorted(b.data_vars) == ["effect", "noise", "scale", "z"]
    for name in a.data_vars:
        assert a[name].dims == b[name].dims
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    np.testing.assert_array_equal(native["sample_stats"]["diverging"].values,
                                  python["sample_stats"]["diverging"].values)
    assert list(b["effect"].coords["group"].values) == list("abcd")
    for group in ("constant_data", "observed_data"):
        assert sorted(native[group].data_vars) == sorted(python[group].data_vars)


def test_link_is_part_of_the_cache_key():
    assert SamplerSettings(link="native").identity() != SamplerSettings(link="python").identity()


def test_unknown_link_is_named():
    with pytest.raises(ModelInputError, match="link must be 'native' or 'python'.*pyton"):
        SamplerSettings(link="pyton")
