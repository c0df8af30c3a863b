"""Many fits at once: batch runs and scenario sweeps on a Dask cluster.

Every fit goes through the content-hash cache (:mod:`opinion.io.cache`), so its results land
as open-format files (``posterior.nc`` + ``meta.json``) in a folder that every worker and the
client can read; a re-run skips the fits already stored. Tasks are pure and idempotent (the
Dask key is the fit's content hash and the cache writer is atomic), so a task whose worker
dies is simply run again elsewhere (``retries=``). One failing fit never stops the batch: its
error is collected in the tidy report.

Only plain data travels to the workers: the data frame as Parquet bytes and the
configuration as JSON-safe values (nothing is pickled by opinion itself).

Future work: ``cache_dir`` as an fsspec URL (object store) instead of a shared folder.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from opinion.errors import OpinionError

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a named scheduler before giving up."""

REPORT_COLUMNS = ["spec_id", "model", "status", "error", "cache_path", "seconds", "random_seed"]

_DEFAULT_FIT = {"draws": 1000, "tune": 1000, "chains": 4, "sampler": "nutpie",
                "target_accept": None}


class BatchError(OpinionError):
    """A batch that cannot run: bad spec, unknown model, unusable cache folder."""


class SchedulerUnreachableError(BatchError):
    """The named Dask scheduler could not be reached in time."""


def model_registry() -> dict[str, type]:
    """Models a spec can name, by their ``name``."""
    from opinion.models import PollAverage

    return {PollAverage.name: PollAverage}


def resolve_model(model: str | type) -> type:
    """The model class named by ``model`` (a registered name or a class)."""
    if isinstance(model, type):
        return model
    registry = model_registry()
    if model not in registry:
        raise BatchError(f"unknown model {model!r} (known: {', '.join(sorted(registry))})")
    return registry[model]


@dataclass
class FitSpec:
    """One fit of a batch.

    Attributes
    ----------
    model
        A registered model name (``"poll_average"``) or a model class.
    data
        A :class:`~opinion.frames.PollFrame` (or a DataFrame in its ``data`` layout).
    config
        Model configuration (keyword arguments of the model's constructor, e.g.
        ``{"questions": ["q"], "house_pp": 2.0}``).
    fit_kwargs
        Keyword arguments of ``fit`` (draws, tune, chains, sampler, target_accept, cores).
        ``cores`` defaults to 1: each worker runs one fit.
    random_seed
        Seed of the fit.
    spec_id
        Label in the report (default: the position in the batch).
    """

    model: str | type
    data: Any
    config: dict[str, Any] = field(default_factory=dict)
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    random_seed: int = 0
    spec_id: str | None = None


# ---------------------------------------------------------------------- payloads (plain data)
def _frame_bytes(data: Any) -> bytes:
    from opinion.frames.pollframe import PollFrame

    frame = data.data if isinstance(data, PollFrame) else data
    if not isinstance(frame, pd.DataFrame):
        raise BatchError(f"spec data must be a PollFrame or DataFrame, not {type(data).__name__}")
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _frame_from_bytes(blob: bytes) -> Any:
    from opinion.frames.pollframe import PollFrame

    return PollFrame(pd.read_parquet(io.BytesIO(blob)), source="batch")


def _payload(spec: FitSpec, index: int, cache_dir: Path) -> dict[str, Any]:
    cls = resolve_model(spec.model)
    kwargs = {**_DEFAULT_FIT, "cores": 1, **spec.fit_kwargs}
    kwargs.pop("cache", None)
    kwargs.pop("progressbar", None)
    return {
        "spec_id": str(spec.spec_id if spec.spec_id is not None else index),
        "model_module": cls.__module__, "model_class": cls.__qualname__, "model": cls.name,
        "data": _frame_bytes(spec.data), "config": dict(spec.config), "fit_kwargs": kwargs,
        "random_seed": int(spec.random_seed), "cache_dir": str(cache_dir),
    }


def _build(payload: dict[str, Any]) -> Any:
    import importlib

    cls = getattr(importlib.import_module(payload["model_module"]), payload["model_class"])
    return cls(_frame_from_bytes(payload["data"]), **payload["config"])


def _cache_folder(model: Any, payload: dict[str, Any]) -> Path:
    from opinion.io.cache import cached_fit_folder
    from opinion.models.base import SamplerSettings

    kw = payload["fit_kwargs"]
    settings = SamplerSettings(sampler=kw["sampler"], draws=kw["draws"], tune=kw["tune"],
                               chains=kw["chains"], cores=kw["cores"],
                               target_accept=model.default_target_accept()
                               if kw["target_accept"] is None else kw["target_accept"])
    key = model.content_hash(settings, payload["random_seed"])
    return cached_fit_folder(Path(payload["cache_dir"]), model.name, key)


def run_fit(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one fit (on a worker) and return a JSON-safe report row. Never raises."""
    import warnings

    start = time.perf_counter()
    row = {"spec_id": payload["spec_id"], "model": payload["model"], "status": "ok",
           "error": "", "cache_path": "", "seconds": 0.0,
           "random_seed": payload["random_seed"]}
    try:
        from opinion.io.cache import is_cached

        model = _build(payload)
        folder = _cache_folder(model, payload)
        row["cache_path"] = str(folder)
        if is_cached(folder):
            row["status"] = "cached"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(random_seed=payload["random_seed"], cache=payload["cache_dir"],
                          progressbar=False, **payload["fit_kwargs"])
    except Exception as exc:  # one failing fit must not stop the batch
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


# ---------------------------------------------------------------------- cluster & cache
def check_cache_dir(cache_dir: str | Path | None) -> Path:
    """The cache folder, created if needed; :class:`BatchError` when it is not writable."""
    from opinion.io.cache import default_cache_dir

    if cache_dir is not None and "://" in str(cache_dir):
        raise BatchError(f"cache folder {cache_dir}: URLs are not supported yet (use a shared "
                         "folder that every worker can read and write)")
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise BatchError(f"cache folder {path} is not writable: {exc.strerror or exc}") from None
    return path.resolve()


def connect(client: Any = None, *, timeout: float = CONNECT_TIMEOUT) -> tuple[Any, bool]:
    """A Dask client and whether we own it (and must close it).

    ``None`` starts a LocalCluster sized to the machine (one single-threaded worker process
    per core); a string is a scheduler address; a ``distributed.Client`` is used as is.
    """
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        return client, False
    if client is None:
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        return Client(cluster), True
    if not isinstance(client, str):
        raise BatchError(f"client must be a dask Client or an address, not {type(client)}")
    try:
        return Client(client, timeout=timeout), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {client!r} within {timeout:g} s "
            f"({type(exc).__name__})") from None


def _close(client: Any, owned: bool) -> None:
    if owned:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------- fit_many
def fit_many(
    specs: Sequence[FitSpec],
    client: Any = None,
    *,
    cache_dir: str | Path | None = None,
    retries: int = 2,
    progress: bool | None = None,
    timeout: float | None = None,
) -> pd.DataFrame:
    """Run many fits on a Dask cluster, through the content-hash cache.

    Parameters
    ----------
    specs
        The fits (:class:`FitSpec`).
    client
        ``None`` (a LocalCluster sized to the machine), a scheduler address such as
        ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client``.
    cache_dir
        Folder shared by the client and every worker (default: the opinion cache folder).
    retries
        How often a task is re-run after an error or its worker's death.
    progress
        Show Dask's progress bar (default: when stderr is a terminal).
    timeout
        Seconds to wait for the whole batch (``None``: no limit).

    Returns
    -------
    pandas.DataFrame
        One row per spec: ``spec_id, model, status`` (``ok``/``cached``/``error``),
        ``error, cache_path, seconds, random_seed``. ``attrs["new_fits"]`` counts the fits
        actually run.
    """
    root = check_cache_dir(cache_dir)
    payloads = [_payload(spec, i, root) for i, spec in enumerate(specs)]
    ids = [p["spec_id"] for p in payloads]
    if len(set(ids)) != len(ids):
        raise BatchError("spec_id values must be unique")
    rows: dict[str, dict[str, Any]] = {}
    todo = []
    for payload in payloads:  # check the cache on the client before submitting
        row = _client_side_check(payload)
        if row is None:
            todo.append(payload)
        else:
            rows[payload["spec_id"]] = row
    if todo:
        rows.update(_submit(todo, client, retries=retries, progress=progress, timeout=timeout))
    report = pd.DataFrame([rows[i] for i in ids], columns=REPORT_COLUMNS)
    report.attrs["new_fits"] = int((report["status"] == "ok").sum())
    report.attrs["cached"] = int((report["status"] == "cached").sum())
    report.attrs["errors"] = int((report["status"] == "error").sum())
    return report


def _client_side_check(payload: dict[str, Any]) -> dict[str, Any] | None:
    """A report row when the fit is cached or cannot be built; ``None`` when it must run."""
    from opinion.io.cache import is_cached

    row = {"spec_id": payload["spec_id"], "model": payload["model"], "status": "cached",
           "error": "", "cache_path": "", "seconds": 0.0, "random_seed": payload["random_seed"]}
    try:
        folder = _cache_folder(_build(payload), payload)
    except Exception as exc:  # reported per spec
        row.update(status="error", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
        return row
    row["cache_path"] = payload["cache_path"] = str(folder)
    return row if is_cached(folder) else None


def _submit(todo: list[dict[str, Any]], client: Any, *, retries: int, progress: bool | None,
            timeout: float | None) -> dict[str, dict[str, Any]]:
    from distributed import as_completed

    dask_client, owned = connect(client)
    try:
        futures = {}
        for payload in todo:
            key = f"opinion-fit-{Path(payload['cache_path']).name}-{payload['spec_id']}"
            futures[dask_client.submit(run_fit, payload, key=key, retries=retries,
                                       pure=False)] = payload
        show = sys.stderr.isatty() if progress is None else progress
        if show:
            from distributed import progress as dask_progress

            dask_progress(list(futures), notebook=False)
        out = {}
        for future in as_completed(list(futures), timeout=timeout):
            payload = futures[future]
            try:
                out[payload["spec_id"]] = future.result()
            except Exception as exc:  # e.g. KilledWorker after all retries
                out[payload["spec_id"]] = {
                    "spec_id": payload["spec_id"], "model": payload["model"],
                    "status": "error", "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
                    "cache_path": payload["cache_path"], "seconds": float("nan"),
                    "random_seed": payload["random_seed"]}
        return out
    finally:
        _close(dask_client, owned)


# ---------------------------------------------------------------------- sweeps
def headline_outputs(results: Any) -> dict[str, float]:
    """Headline numbers of a fitted model, flat (for one row of a sweep).

    Poll average: the last day's ``mean/lower/upper`` per response. Other models: the mean
    of each row of their ``summary()``.
    """
    if hasattr(results, "latest"):
        latest = results.latest()
        out = {}
        for _, r in latest.iterrows():
            for stat in ("mean", "lower", "upper"):
                out[f"{r['response']}_{stat}"] = float(r[stat])
        return out
    summary = results.summary()
    if "mean" in summary:
        return {str(k): float(v) for k, v in summary["mean"].items()}
    return {}


def load_results(cache_path: str | Path, model: str | type) -> Any:
    """Read one cached fit back as its model's results object."""
    from opinion.io.cache import read_fit

    idata, meta = read_fit(Path(cache_path))
    return resolve_model(model).results_class(idata, meta)


def sweep(
    base_spec: FitSpec,
    grid: Mapping[str, Sequence[Any]],
    client: Any = None,
    *,
    cache_dir: str | Path | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Fit ``base_spec`` at every point of a grid of configuration values.

    Parameters
    ----------
    base_spec
        The fit to vary.
    grid
        ``{config field: [values]}``; the full product is run. A key ``"random_seed"``
        varies the seed instead.
    client, cache_dir, **kwargs
        As for :func:`fit_many`.

    Returns
    -------
    pandas.DataFrame
        One row per grid point: the grid values, ``status``, ``error``, ``cache_path`` and the
        fit's headline outputs (:func:`headline_outputs`).
    """
    keys = list(grid)
    if not keys:
        raise BatchError("sweep needs at least one grid entry")
    points = list(itertools.product(*(list(grid[k]) for k in keys)))
    specs = []
    for i, values in enumerate(points):
        point = dict(zip(keys, values, strict=True))
        seed = point.pop("random_seed", base_spec.random_seed)
        specs.append(replace(base_spec, config={**base_spec.config, **point},
                             random_seed=seed, spec_id=str(i)))
    report = fit_many(specs, client, cache_dir=cache_dir, **kwargs)
    rows = []
    for values, (_, r) in zip(points, report.iterrows(), strict=True):
        row = dict(zip(keys, values, strict=True))
        row.update(status=r["status"], error=r["error"], cache_path=r["cache_path"])
        if r["status"] != "error":
            row.update(headline_outputs(load_results(r["cache_path"], base_spec.model)))
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(report.attrs)
    return out


# ---------------------------------------------------------------------- JSON spec files
_SPEC_KEYS = {"model", "dataset", "data", "config", "random_seed", "fit", "id"}


def specs_from_json(path: str | Path) -> list[FitSpec]:
    """Read a batch spec file: a JSON list of fits (or ``{"fits": [...]}``).

    Each fit is ``{"model": "poll_average", "dataset": "<bundled name>"`` or
    ``"data": "<poll file>", "config": {...}, "random_seed": 1, "fit": {"draws": 500},
    "id": "label"}``; a relative ``data`` path is relative to the spec file.
    """
    from opinion import datasets
    from opinion.frames import read_polls

    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"spec file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BatchError(f"spec file {path} is not valid JSON: {exc}") from None
    fits = raw.get("fits") if isinstance(raw, dict) else raw
    if not isinstance(fits, list) or not fits:
        raise BatchError(f"spec file {path}: expected a non-empty list of fits")
    specs, loaded = [], {}
    for i, entry in enumerate(fits):
        where = f"spec file {path}, fit {i}"
        if not isinstance(entry, dict):
            raise BatchError(f"{where}: each fit must be a JSON object")
        unknown = set(entry) - _SPEC_KEYS
        if unknown:
            raise BatchError(f"{where}: unknown keys {', '.join(sorted(unknown))} "
                             f"(allowed: {', '.join(sorted(_SPEC_KEYS))})")
        if "model" not in entry:
            raise BatchError(f"{where}: missing 'model'")
        resolve_model(entry["model"])
        if ("dataset" in entry) == ("data" in entry):
            raise BatchError(f"{where}: give exactly one of 'dataset' or 'data'")
        source = ("dataset", entry["dataset"]) if "dataset" in entry else (
            "data", str((path.parent / entry["data"]).resolve()))
        if source not in loaded:
            loaded[source] = (datasets.load(source[1]) if source[0] == "dataset"
                              else read_polls(source[1]))
        config, fit = entry.get("config", {}), entry.get("fit", {})
        if not isinstance(config, dict) or not isinstance(fit, dict):
            raise BatchError(f"{where}: 'config' and 'fit' must be JSON objects")
        seed = entry.get("random_seed", 0)
        if not isinstance(seed, int):
            raise BatchError(f"{where}: random_seed must be an integer")
        specs.append(FitSpec(entry["model"], loaded[source], config=config, fit_kwargs=fit,
                             random_seed=seed, spec_id=str(entry.get("id", i))))
    return specs
