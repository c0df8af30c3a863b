"""How every model is sampled: explicit settings, one procedure, hooks for what differs.

:class:`SamplerSettings` names the sampler and its tuning explicitly (PyMC's defaults change
with what is installed: with nutpie present ``pm.sample`` switches sampler and tuning
length). :func:`sample_model` is the one sampling procedure: prior and prior-predictive draws,
NUTS, posterior-predictive draws, with the model's hooks (start values, predictive settings,
known-harmless messages, post-processing) instead of per-model copies of the procedure.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from opinion.errors import ModelInputError, did_you_mean
from opinion.models.core.inputs import problems_message

if TYPE_CHECKING:
    import xarray as xr

    from opinion.models.core.base import BayesianModel

SAMPLERS = ("nutpie", "pymc")
LINKS = ("native", "python")


@dataclass(frozen=True)
class SamplerSettings:
    """How to sample. Always explicit: PyMC's defaults change with what is installed.

    Attributes
    ----------
    sampler
        ``"nutpie"`` (default; Rust NUTS on a numba-compiled model) or ``"pymc"``.
    draws, tune, chains
        Posterior draws per chain, tuning steps per chain, number of chains.
    cores
        Chains run in parallel (default: the machine's cores, at most 4). It changes how long
        a fit takes, not its draws, so it is not part of the fit's cache key.
    target_accept
        NUTS target acceptance rate.
    prior_draws
        Draws from the prior (and prior predictive) kept with the fit for prior-predictive
        checks and prior-to-posterior contraction.
    link
        How nutpie reaches the model's log density: ``"native"`` (nutpie compiles the whole
        model into one native function in every process: fastest per gradient, 5-30 s to
        compile) or ``"python"`` (nutpie calls PyTensor's disk-cached numba function from
        Python: under a second to load, slower per gradient (20 microseconds more on the
        poll average's Kalman arm, far more on larger graphs), chains take turns on one
        core; :mod:`~opinion.models.core.nutpie_python`). Same start points and seeds; the
        draws are often bit-identical, but PyTensor compiles with fast-math and
        the native link inlines and re-optimises the function, which can reorder
        floating-point operations and so change the draws at Monte Carlo level: the link is
        part of the cache key. Models choose by measurement
        (:meth:`~opinion.models.core.base.BayesianModel.default_link`).
    """

    sampler: str = "nutpie"
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    cores: int = min(4, os.cpu_count() or 1)
    target_accept: float = 0.9
    prior_draws: int = 500
    link: str = "native"

    def __post_init__(self) -> None:
        problems = []
        if self.sampler not in SAMPLERS:
            problems.append(f"sampler must be 'nutpie' or 'pymc', not {self.sampler!r}"
                            f"{did_you_mean(self.sampler, ('nutpie', 'pymc'))}")
        for name in ("draws", "chains", "cores", "prior_draws"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive whole number, not {value!r}")
        if not isinstance(self.tune, int | np.integer) or self.tune < 0:
            problems.append(f"tune must be a whole number >= 0, not {self.tune!r}")
        if self.link not in LINKS:
            problems.append(f"link must be 'native' or 'python', not {self.link!r}"
                            f"{did_you_mean(str(self.link), LINKS)}")
        if not 0 < float(self.target_accept) < 1:
            problems.append(f"target_accept must be between 0 and 1, not {self.target_accept!r}")
        if problems:
            raise ModelInputError(problems_message("sampler settings", problems))

    def to_dict(self) -> dict[str, Any]:
        """All settings, JSON-ready."""
        return asdict(self)

    def identity(self) -> dict[str, Any]:
        """The settings that change the draws (everything but ``cores``): the cache key."""
        out = self.to_dict()
        out.pop("cores")
        return out


def sample_model(model: BayesianModel, settings: SamplerSettings, random_seed: int,
                 progressbar: bool | None) -> tuple[xr.DataTree, float]:
    """Prior draws, NUTS and posterior-predictive draws of ``model``; returns the tree and
    the seconds spent in NUTS (compilation included).

    The model's hooks decide the start point (:meth:`~BayesianModel.initial_values`; chains
    then start there without jitter), the predictive draws' compilation and thinning
    (:meth:`~BayesianModel.predictive_settings`), the known-harmless messages to silence
    (:meth:`~BayesianModel.quiet_messages`; never convergence warnings) and a last
    post-processing step (:meth:`~BayesianModel.postprocess_posterior`).
    """
    import pymc as pm

    seeds = np.random.default_rng(random_seed).integers(0, 2**31 - 1, size=3)
    show = interactive() if progressbar is None else progressbar
    graph = model.build_model()
    start_point = model.initial_values(graph, int(seeds[0]))
    predictive = model.predictive_settings()
    compile_kwargs = predictive.get("compile_kwargs")
    with graph, quiet(model.quiet_messages()):
        prior = pm.sample_prior_predictive(settings.prior_draws, random_seed=int(seeds[0]),
                                           compile_kwargs=compile_kwargs)
        kwargs: dict[str, Any] = dict(
            draws=settings.draws, tune=settings.tune, chains=settings.chains,
            cores=settings.cores, random_seed=int(seeds[1]), progressbar=show,
            nuts_sampler=settings.sampler,
        )
        if start_point is not None:
            kwargs["initvals"] = start_point
        if settings.sampler == "pymc":
            kwargs["target_accept"] = settings.target_accept
            if start_point is not None:
                kwargs["init"] = "adapt_diag"  # no jitter around the given start
        else:
            kwargs["nuts"] = {"target_accept": settings.target_accept}
            if start_point is not None:
                kwargs["compile_kwargs"] = {"jitter_rvs": set()}
        start = time.perf_counter()
        if settings.sampler == "nutpie" and settings.link == "python":
            from opinion.models.core.nutpie_python import sample_python_link

            idata = sample_python_link(
                graph, draws=settings.draws, tune=settings.tune, chains=settings.chains,
                cores=settings.cores, random_seed=int(seeds[1]),
                target_accept=settings.target_accept, initvals=start_point,
                jitter=start_point is None, progressbar=show)
        else:
            idata = pm.sample(**kwargs)
        seconds = time.perf_counter() - start
        if graph.observed_RVs:
            _posterior_predictive(idata, int(seeds[2]), predictive)
    for group in ("prior", "prior_predictive"):
        if group in prior.children:
            idata[group] = prior[group]
    idata = model.postprocess_posterior(idata, np.random.default_rng([int(random_seed), 8]))
    return idata, seconds


def _posterior_predictive(idata: xr.DataTree, seed: int, predictive: dict[str, Any]) -> None:
    """Replicated data from (at most ``max_draws``, evenly thinned) posterior draws."""
    import pymc as pm

    posterior = idata["posterior"].to_dataset()
    limit = predictive.get("max_draws")
    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    step = 1 if not limit else max(1, int(np.ceil(total / limit)))
    source = posterior.isel(draw=slice(None, None, step)) if step > 1 else idata
    replicated = pm.sample_posterior_predictive(
        source, random_seed=seed, progressbar=False,
        compile_kwargs=predictive.get("compile_kwargs"))
    idata["posterior_predictive"] = replicated["posterior_predictive"]


KNOWN_HARMLESS = (
    # numba notes that the beta-binomial *random number generator* (predictive draws only)
    # runs in object mode
    "Numba will use object mode",
    # the C VM's note that it found no BLAS: irrelevant for predictive draws
    "PyTensor could not link to a BLAS",
)


@contextlib.contextmanager
def quiet(messages: tuple[str, ...] = ()) -> Iterator[None]:
    """Silence known-harmless compile-time messages (never sampler diagnostics).

    PyTensor logs a traceback when one optional graph rewrite fails (the rewrite is skipped;
    results are unaffected); the messages in :data:`KNOWN_HARMLESS` and ``messages`` are
    filtered by text. Convergence warnings are untouched.
    """
    logger = logging.getLogger("pytensor.graph.rewriting.basic")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            for message in (*KNOWN_HARMLESS, *messages):
                warnings.filterwarnings("ignore", message=message)
            yield
    finally:
        logger.setLevel(level)


def interactive() -> bool:
    """True in a notebook or when stderr is a terminal (show progress bars)."""
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        try:
            if ipython.get_ipython() is not None:
                return True
        except AttributeError:  # pragma: no cover - a partial IPython install
            pass
    return sys.stderr.isatty()
