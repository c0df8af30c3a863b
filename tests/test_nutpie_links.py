"""Both of nutpie's links draw exactly what ``pm.sample(nuts_sampler="nutpie")`` draws.

Known answer: ``pm.sample`` with nutpie compiling the model itself is the reference. The
native link (:mod:`opinion.models.core.nutpie_cached`) builds the same C callbacks from
generated source that is cached on disk by graph; the Python link calls PyTensor's numba
function of the same graph. Same start points and seeds, so on this model every draw is
bit-identical - with jittered starts and with a given start point, through transforms, data
containers of every rank and integer and float dtypes, deterministics, and new data through
``with_data``. (Fast-math re-optimisation inside the native callbacks can make larger
models' draws differ between the links at Monte Carlo level, so the link is part of the
cache key.)
"""

from __future__ import annotations

import numpy as np
import pytest

from opinion.errors import ModelInputError
from opinion.models.core.sampling import SamplerSettings

RUN = dict(draws=150, tune=150, chains=2, cores=2, target_accept=0.9)


def small_model(n_per_group: int = 10):
    import pymc as pm

    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(4), n_per_group)
    design = rng.normal(size=(4 * n_per_group, 2))
    y = rng.normal(0.3 * groups + design @ [0.5, -0.2], 1.0)
    with pm.Model(coords={"group": list("abcd"), "obs": np.arange(4 * n_per_group),
                          "term": ["x1", "x2"]}) as model:
        data = pm.Data("y_data", y, dims="obs")
        index = pm.Data("group_index", groups, dims="obs")
        x = pm.Data("design", design, dims=("obs", "term"))
        offset = pm.Data("offset", 0.1)
        scale = pm.HalfNormal("scale", 1.0)
        z = pm.Normal("z", 0.0, 1.0, dims="group")
        beta = pm.Normal("beta", 0.0, 1.0, dims="term")
        effect = pm.Deterministic("effect", z * scale + offset, dims="group")
        noise = pm.Gamma("noise", 4.0, 4.0)
        pm.Normal("y", effect[index] + x @ beta, noise, observed=data, dims="obs")
    return model


def reference(model, initvals):
    import pymc as pm

    with model:
        kwargs = dict(initvals=initvals, compile_kwargs={"jitter_rvs": set()}) if initvals \
            else {}
        return pm.sample(**{k: v for k, v in RUN.items() if k != "target_accept"},
                         nuts={"target_accept": RUN["target_accept"]}, random_seed=7,
                         nuts_sampler="nutpie", progressbar=False, **kwargs)


def assert_same_draws(a_tree, b_tree):
    a, b = a_tree["posterior"], b_tree["posterior"]
    assert sorted(a.data_vars) == sorted(b.data_vars) == ["beta", "effect", "noise", "scale",
                                                          "z"]
    for name in a.data_vars:
        assert a[name].dims == b[name].dims
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    np.testing.assert_array_equal(a_tree["sample_stats"]["diverging"].values,
                                  b_tree["sample_stats"]["diverging"].values)


@pytest.mark.parametrize("link", ["native", "python"])
@pytest.mark.parametrize("initvals", [None, {"scale": 0.5, "z": np.zeros(4), "noise": 1.0}],
                         ids=["jittered", "given start"])
def test_each_link_draws_what_pm_sample_draws(link, initvals):
    from opinion.models.core.nutpie_sampling import sample_nutpie

    model = small_model()
    expected = reference(model, initvals)
    got = sample_nutpie(model, link=link, random_seed=7, initvals=initvals,
                        jitter=initvals is None, progressbar=False, **RUN)
    assert_same_draws(expected, got)
    assert list(got["posterior"]["effect"].coords["group"].values) == list("abcd")
    for group in ("constant_data", "observed_data"):
        assert sorted(expected[group].data_vars) == sorted(got[group].data_vars)


def test_cached_native_model_takes_new_data_like_nutpies_own():
    """``with_data`` with arrays of another length: the cached callbacks read the new shapes
    from nutpie's record, exactly as nutpie's own callbacks do."""
    import nutpie

    from opinion.models.core.nutpie_cached import compile_cached

    model = small_model()
    bigger = small_model(n_per_group=15)
    new = {name: bigger[name].get_value() for name in ("y_data", "group_index", "design")}
    new["offset"] = np.array(-0.4)
    sample = dict(draws=100, tune=100, chains=2, cores=2, seed=11, progress_bar=False)
    ours = nutpie.sample(compile_cached(model).with_data(**new), **sample)
    theirs = nutpie.sample(nutpie.compile_pymc_model(model).with_data(**new), **sample)
    for name in ("beta", "z", "noise", "effect"):
        np.testing.assert_array_equal(ours["posterior"][name].values,
                                      theirs["posterior"][name].values, err_msg=name)
    # the new scalar reached the model: effect = z * scale + offset in every draw
    post = ours["posterior"]
    np.testing.assert_allclose(
        post["effect"].values - post["z"].values * post["scale"].values[..., None], -0.4,
        atol=1e-12)


def test_second_compile_loads_the_callbacks_from_disk():
    from opinion.models.core.nutpie_cached import compile_cached

    compile_cached(small_model())
    again = compile_cached(small_model())
    assert again.compiled_logp_func.cache_hits == 1
    assert again.compiled_expand_func.cache_hits == 1


def test_link_is_part_of_the_cache_key():
    assert SamplerSettings(link="native").identity() != SamplerSettings(link="python").identity()


def test_unknown_link_is_named():
    with pytest.raises(ModelInputError, match="link must be 'native' or 'python'.*pyton"):
        SamplerSettings(link="pyton")
