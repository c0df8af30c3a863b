"""NUTS through nutpie on either link, as ``pm.sample(nuts_sampler="nutpie")`` runs it.

``pm.sample`` compiles nutpie's native callbacks afresh in every process. This module
samples the model compiled by :func:`~opinion.models.core.nutpie_cached.compile_cached`
(``link="native"``: the same callbacks, kept on disk by graph) or by
:func:`~opinion.models.core.nutpie_python.compile_python_link` (``link="python"``), with
``pm.sample``'s seed rule, start points, progress bar and result tree, so the draws are
those ``pm.sample`` gives (``tests/test_nutpie_links.py``).
"""

from __future__ import annotations

import logging
import time
from typing import Any


def sample_nutpie(model: Any, *, link: str, draws: int, tune: int, chains: int, cores: int,
                  random_seed: int, target_accept: float, initvals: dict | None, jitter: bool,
                  progressbar: bool) -> Any:
    """What ``pm.sample(nuts_sampler="nutpie", ...)`` returns, through ``link``.

    Parameters
    ----------
    model
        The PyMC model.
    link
        ``"native"`` or ``"python"`` (:class:`~opinion.models.core.sampling.SamplerSettings`).
    draws, tune, chains, cores, random_seed, target_accept
        As in ``pm.sample``.
    initvals
        Start values by variable name, or None.
    jitter
        Jitter every free variable's start value (``pm.sample``'s default); False keeps the
        given start point exactly.
    progressbar
        Show PyMC's progress bar.
    """
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata
    from pymc.progress_bar.progress import NutpieProgressBarManager
    from pymc.util import get_random_generator

    logging.getLogger("pymc").info(f"NUTS[nutpie]: {model.free_RVs}")
    # pm.sample's rule: one seed per chain from the generator, nutpie gets the first
    seed = int(get_random_generator(random_seed).spawn(chains)[0].integers(2**30))
    if link == "python":
        from opinion.models.core.nutpie_python import compile_python_link

        compiled = compile_python_link(model, initvals, jitter)
    else:
        from opinion.models.core.nutpie_cached import compile_cached

        compiled = compile_cached(model, initial_points=initvals,
                                  jitter_rvs=None if jitter else set())
    bar = NutpieProgressBarManager(chains=chains, draws=draws, progressbar=progressbar)
    start = time.time()
    with bar:
        idata = nutpie.sample(compiled, draws=draws, tune=max(tune, 1), chains=chains,
                              cores=cores, seed=seed, save_warmup=False,
                              store_unconstrained=False, progress_bar=False,
                              progress_callback=bar.update, target_accept=target_accept)
    patch_nutpie_idata(idata, model, sampling_time=time.time() - start)
    return idata
