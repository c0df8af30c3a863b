"""Coalition negotiation pressure from evidence: measured opinion, measured salience and an
event model of what governments did, fitted in two linked stages.

Stage 1 (:mod:`.measurement`) is the PyMC model sampled by the shared machinery: each
member's latent preference for negotiating, and the salience of the economy against the war,
follow monthly random walks pooled by region and are measured by many survey items (item
intercepts and direction-signed loadings, item x country bias, beta-binomial likelihood on
effective n). Stage 2 (:mod:`.events`) is fitted in :meth:`CoalitionPressure.postprocess_posterior`
on stage 1's posterior: the probability of a defection event in a member-month given
opinion, salience, election proximity and a change of government, with the member's own
history as a pooled effect. Its draws join the same posterior (same chains and draws) and
its divergences count in the fit's diagnostics.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError
from opinion.models.coalition.compiled import divergences, flat
from opinion.models.coalition.config import CoalitionConfig
from opinion.models.coalition.data import CoalitionInputs
from opinion.models.coalition.events import event_arrays
from opinion.models.coalition.inputs import prepare
from opinion.models.coalition.measurement import RAW_NAMES, build_measurement_model
from opinion.models.coalition.refits import compiled_event_model
from opinion.models.coalition.results import CoalitionResults
from opinion.models.coalition.tables import rebuild_tables, stored_tables
from opinion.models.core.base import BayesianModel
from opinion.models.core.hashing import frame_to_records
from opinion.models.core.inputs import as_table
from opinion.models.core.sampling import SamplerSettings, quiet

STAGE2_MAX_TUNE = 1000
"""Tuning steps of stage 2 at most (a 40-parameter logistic model adapts well within them;
its draws are as many as stage 1's)."""
TABLES = ("members", "salience", "events", "government_changes", "elections", "aid", "polls")


class CoalitionPressure(BayesianModel):
    """Which members' publics push to negotiate, and did it predict what governments did.

    Parameters
    ----------
    frame
        The opinion panel: one row per country, wave and item with ``iso2, item, direction,
        pct, field_start, field_end, n`` (the layout of the bundled ``europe_ukraine_panel``;
        ``n_basis``, ``construct``, ``question_wording``, ``survey``, ``wave``, ``row_id``,
        ``aggregate``, ``nato_member``, ``region`` are used when present).
    config
        A :class:`CoalitionConfig` or a dict of its fields.
    **overrides
        Fields of :class:`CoalitionConfig` and the tables (DataFrames):

    members
        Required: ``iso2, name, region`` (+ ``next_election``) of the coalition's members.
    events
        Required: dated acts ``date, iso2, event_type, actor_type`` (+ ``actor_types``,
        ``subtype``, ``event_id``): the ``coalition_events`` layout.
    salience
        Issue salience per country and wave (``europe_salience_panel`` layout).
    polls
        A poll frame (e.g. U.S. polls) whose ``question_id:response`` items are coded in
        ``poll_items``.
    elections
        Elections ``iso2, date`` (+ ``government_forming``); members' ``next_election``
        dates are added.
    government_changes
        ``iso2, date`` (+ ``election_type``, ``ukraine_position_change``).
    aid
        Cumulative aid per donor and cut-off (``kiel_aid_by_period`` layout): the weights of
        the blocking-share split.

    Examples
    --------
    >>> load = opinion.datasets.load                                          # doctest: +SKIP
    >>> model = CoalitionPressure(load("europe_ukraine_panel"),
    ...     members=load("nato_members_2022"), events=load("coalition_events"),
    ...     salience=load("europe_salience_panel"), polls=load("us_ukraine_support"),
    ...     elections=load("nato_elections_2022_2024"),
    ...     government_changes=load("government_changes"),
    ...     aid=load("kiel_aid_by_period"))                                   # doctest: +SKIP
    >>> fit = model.fit(random_seed=1)                                        # doctest: +SKIP
    >>> fit.opinion().head()                                                  # doctest: +SKIP
    """

    name = "coalition_pressure"
    config_class = CoalitionConfig
    results_class = CoalitionResults
    table_arguments = TABLES
    inputs: CoalitionInputs

    # ------------------------------------------------------------------ inputs
    def validate_frame(self, frame: Any) -> pd.DataFrame:
        if hasattr(frame, "data") and not isinstance(frame, pd.DataFrame):
            raise ModelInputError(
                "CoalitionPressure: frame is the opinion panel table (europe_ukraine_panel "
                "layout); pass poll frames as polls=")
        return as_table(frame, "frame", "CoalitionPressure")

    def prepare_inputs(self) -> CoalitionInputs:
        return prepare(self.frame, self.tables, self.config)

    def observations(self) -> pd.DataFrame:
        parts = [latent.cells.assign(latent=latent.name)
                 for latent in (self.inputs.opinion, self.inputs.salience) if latent is not None]
        cells = pd.concat(parts, ignore_index=True)
        columns = ["latent", "row_id", "survey", "wave", "iso2", "item", "month", "pct", "n",
                   "n_basis", "n_eff", "trials", "y", "direction", "member"]
        return cells[columns]

    def code_modules(self) -> list[str]:
        return [f"opinion.models.coalition.{m}" for m in
                ("checks", "checks_tables", "inputs", "event_inputs", "data", "measurement",
                 "events", "compiled")]

    @classmethod
    def rebuild_frame(cls, results: Any) -> pd.DataFrame:
        return rebuild_tables(results.meta["tables"])["frame"]

    @classmethod
    def from_results(cls, results: Any, *, frame: Any = None, **changes: Any
                     ) -> CoalitionPressure:
        """The model behind ``results`` (its tables were saved with it); ``changes`` override
        configuration fields and tables."""
        if results.meta.get("model") != cls.name:
            raise ModelInputError(f"these are results of {results.meta.get('model')!r}")
        tables = rebuild_tables(results.meta["tables"])
        source = tables.pop("frame") if frame is None else frame
        config = cls.config_class.merged(results.meta["config"])
        tables.update({k: v for k, v in changes.items() if k in TABLES})
        fields = {k: v for k, v in changes.items() if k not in TABLES}
        return cls(source, config=config.replace(**fields), **tables)

    # ------------------------------------------------------------------ stage 1
    def build_model(self) -> Any:
        return build_measurement_model(self.inputs, self.config)

    def quiet_messages(self) -> tuple[str, ...]:
        # the likelihoods are Potentials: prior draws of the parameters are exact
        return ("The effect of Potentials on other parameters is ignored",)

    def default_target_accept(self) -> float:
        # measured on the bundled panels, 4 x 1,000 draws: 0.9 left 2 divergences of 4,000
        return 0.95

    def default_sampler_settings(self, **given: Any) -> SamplerSettings:
        """Also remembered for stage 2, which samples the same chains and draws."""
        settings = super().default_sampler_settings(**given)
        self._settings = settings
        return settings

    def summary_var_names(self) -> list[str]:
        names = []
        for latent in ("opinion", "salience"):
            if getattr(self.inputs, latent) is not None:
                names += [latent, f"{latent}_mean", f"{latent}_region_sd",
                          f"{latent}_country_sd", f"{latent}_common_sd", f"{latent}_walk_sd",
                          f"{latent}_bias_sd", f"{latent}_poll_error", f"{latent}_intercept",
                          f"{latent}_loading"]
        return names + ["event_base", "history_sd", "history", *self._event_terms()]

    def _event_terms(self) -> list[str]:
        names = {"opinion": ["beta_opinion"], "salience": ["beta_salience"],
                 "election": ["beta_election", "decay_months"], "change": ["beta_change"],
                 "partisanship": ["beta_partisanship"]}
        return [n for term in self.inputs.terms for n in names.get(term, [])]

    # ------------------------------------------------------------------ stage 2
    def postprocess_posterior(self, idata: xr.DataTree, rng: np.random.Generator
                              ) -> xr.DataTree:
        """Fit the event model on stage 1's posterior and join its draws (see module doc)."""
        post = idata["posterior"].to_dataset()
        opinion = flat(post, "opinion")
        salience = flat(post, "salience") if "salience" in post else None
        arrays = event_arrays(self.inputs, opinion, salience, self.config)
        settings = getattr(self, "_settings", None) or self.default_sampler_settings()
        start = time.perf_counter()
        compiled = compiled_event_model(arrays, self.inputs, self.config)
        tree = compiled.sample(arrays, draws=post.sizes["draw"],
                               tune=min(settings.tune, STAGE2_MAX_TUNE),
                               chains=post.sizes["chain"], cores=settings.cores,
                               seed=int(rng.integers(2**31 - 1)),
                               target_accept=settings.target_accept)
        prior = _event_prior(compiled.model, arrays, idata, int(rng.integers(2**31 - 1)))
        self._stage2 = {"seconds": time.perf_counter() - start,
                        "divergences": divergences(tree),
                        "tune": min(settings.tune, STAGE2_MAX_TUNE)}
        self._arrays = arrays
        return _joined(idata, tree, prior)

    def results_metadata(self) -> dict[str, Any]:
        d = self.inputs
        arrays = getattr(self, "_arrays", None)
        return {
            "units": frame_to_records(d.units), "regions": d.regions,
            "months": [f"{m:%Y-%m-%d}" for m in d.months], "end": d.end,
            "terms": list(d.terms), "notes": d.notes,
            "latents": {lat.name: {"items": lat.items, "directions": lat.directions.tolist(),
                                   "pairs": lat.pairs, "anchor": lat.anchor}
                        for lat in (d.opinion, d.salience) if lat is not None},
            "events": frame_to_records(d.events.events.drop(columns=["t"])),
            "aid": None if d.events.aid is None else d.events.aid.tolist(),
            "aid_date": d.events.aid_date,
            "arrays": None if arrays is None else {k: np.asarray(v).tolist()
                                                   for k, v in arrays.items()},
            "stage2": getattr(self, "_stage2", {}),
            "tables": stored_tables(self.frame, self.tables),
        }


def _event_prior(model: Any, arrays: dict[str, np.ndarray], idata: xr.DataTree, seed: int
                 ) -> xr.Dataset:
    """Prior draws of the event model (its data set to ``arrays``: the compiled model is
    shared), as many as stage 1's prior draws."""
    import pymc as pm

    n = idata["prior"].sizes["draw"] if "prior" in idata.children else 500
    with model, quiet(("The effect of Potentials on other parameters is ignored",)):
        pm.set_data(arrays)
        prior = pm.sample_prior_predictive(n, random_seed=seed)
    return prior["prior"].to_dataset()


def _joined(idata: xr.DataTree, events: xr.DataTree, prior: xr.Dataset) -> xr.DataTree:
    """Stage 2's draws added to the posterior and prior; raw variables dropped; the latent
    series kept in single precision; divergences of both stages counted together."""
    post = idata["posterior"].to_dataset()
    extra = events["posterior"].to_dataset()
    joined = post.merge(extra.assign_coords(chain=post["chain"], draw=post["draw"]),
                        compat="override", join="override")
    idata["posterior"] = xr.DataTree(_trim(joined))
    if "prior" in idata.children:
        base = idata["prior"].to_dataset()
        idata["prior"] = xr.DataTree(_trim(base.merge(
            prior.assign_coords(chain=base["chain"], draw=base["draw"]), compat="override",
            join="override")))
    stats = idata["sample_stats"].to_dataset()
    stage2 = events["sample_stats"]["diverging"].values.astype(bool)
    stats["diverging_events"] = (("chain", "draw"), stage2)
    stats["diverging"] = stats["diverging"] | stats["diverging_events"]
    idata["sample_stats"] = xr.DataTree(stats)
    return idata


def _trim(ds: xr.Dataset) -> xr.Dataset:
    drop = [v for v in ds.data_vars if v.endswith(RAW_NAMES) or v == "history_z"]
    ds = ds.drop_vars(drop)
    for name in ("opinion", "salience"):
        if name in ds:
            ds[name] = ds[name].astype("float32")
    return ds
