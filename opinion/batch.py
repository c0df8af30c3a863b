"""Many fits at once: batch runs and scenario sweeps on a Dask cluster.

Every fit goes through the content-hash cache (:mod:`opinion.io.cache`), so its results land
as open-format files (``posterior.nc`` + ``meta.json``) in a folder that every worker and the
client can read; a re-run skips the fits already stored. Tasks are pure and idempotent (the
Dask key is the fit's content hash and the cache writer is atomic), so a task whose worker
dies is simply run again elsewhere (``retries=``). One failing fit never stops the batch: its
error is collected in the tidy report.

Only plain data travels to the workers: the model's main input and tables as Parquet
bytes, the configuration and sampler settings as JSON-safe values (opinion itself pickles
nothing; Dask's own messages between client, scheduler and workers are pickled, so run
``--scheduler`` only on a network and cluster you trust). Every model can be batched: the
model is built and validated on the client, and rebuilt on the worker from the same inputs.
Sampler settings come from the model's own :meth:`~opinion.models.BayesianModel.
default_sampler_settings`, exactly as ``fit`` uses them, so a batch fit and an interactive
fit of the same request share one cache entry. Convergence is reported per fit (columns
``converged, max_rhat, min_ess_bulk, min_ess_tail, divergences``), never silenced.

The cache folder must be a local or mounted shared folder (URLs are refused); it is trusted
storage (see :mod:`opinion.io.cache`).
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

import numpy as np
import pandas as pd

from opinion.errors import OpinionError

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a named scheduler before giving up."""

REPORT_COLUMNS = ["spec_id", "model", "status", "error", "cache_path", "seconds", "random_seed",
                  "converged", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences"]

FIT_KEYS = ("draws", "tune", "chains", "sampler", "target_accept", "cores")
"""Keyword arguments of ``fit`` a spec may set (``cores`` defaults to 1 on workers)."""


class BatchError(OpinionError):
    """A batch that cannot run: bad spec, unknown model, unusable cache folder."""


class SchedulerUnreachableError(BatchError):
    """The named Dask scheduler could not be reached in time."""


def model_registry() -> dict[str, type]:
    """Models a spec can name, by their ``name`` (every model of opinion)."""
    from opinion.models.registry import known_models, model_class_for

    return {name: model_class_for(name) for name in known_models()}


def resolve_model(model: str | type) -> type:
    """The model class named by ``model`` (a registered name or a class)."""
    from opinion.models.registry import known_models, model_class_for

    if isinstance(model, type):
        return model
    if not isinstance(model, str) or model not in known_models():
        raise BatchError(f"unknown model {model!r} (known: {', '.join(known_models())})")
    return model_class_for(model)


@dataclass
class FitSpec:
    """One fit of a batch.

    Attributes
    ----------
    model
        A registered model name (``"poll_average"``, ``"issue_salience"``, ``"issue_vote"``,
        ``"vote_mrp"``, ...) or a model class.
    data
        The model's main input (a PollFrame, Microdata or DataFrame, as the model takes).
    config
        Model configuration fields, e.g. ``{"questions": ["q"], "house_pp": 2.0}``.
    tables
        The model's extra tables by name (e.g. ``{"population": cells}`` for VoteMRP).
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
    tables: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- payloads (plain data)
def _frame_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _frame_from_bytes(blob: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(blob))


def _payload(spec: FitSpec, index: int, cache_dir: Path) -> dict[str, Any]:
    """Build the model on the client (validation, defaults) and describe it as plain data."""
    cls = resolve_model(spec.model)
    unknown = sorted(set(spec.fit_kwargs) - set(FIT_KEYS) - {"cache", "progressbar"})
    if unknown:
        raise BatchError(f"spec {spec.spec_id or index}: unknown fit settings "
                         f"{', '.join(unknown)} (allowed: {', '.join(FIT_KEYS)})")
    model = cls(spec.data, config=dict(spec.config), **dict(spec.tables))
    fit = {k: v for k, v in spec.fit_kwargs.items() if k in FIT_KEYS}
    fit.setdefault("cores", 1)
    settings = model.default_sampler_settings(**fit)
    request = model.request(settings, int(spec.random_seed))
    from opinion.models.core.hashing import hash_json

    key = hash_json(request)
    return {
        "spec_id": str(spec.spec_id if spec.spec_id is not None else index),
        "model": cls.name, "frame": _frame_bytes(model.transport_frame()),
        "tables": {k: _frame_bytes(v) for k, v in model.tables.items()
                   if isinstance(v, pd.DataFrame)},
        "config": model.config.to_dict(), "settings": settings.to_dict(),
        "random_seed": int(spec.random_seed), "cache_dir": str(cache_dir), "key": key,
        "cache_path": str(Path(cache_dir) / cls.name / key),
    }


def _build(payload: dict[str, Any]) -> Any:
    cls = resolve_model(payload["model"])
    tables = {k: _frame_from_bytes(v) for k, v in payload["tables"].items()}
    frame = cls.frame_from_transport(_frame_from_bytes(payload["frame"]))
    return cls(frame, config=payload["config"], **tables)


def _diagnostic_columns(diagnostics: Any) -> dict[str, Any]:
    d = diagnostics.to_dict()
    return {"converged": bool(diagnostics.ok), "max_rhat": d["max_rhat"],
            "min_ess_bulk": d["min_ess_bulk"], "min_ess_tail": d["min_ess_tail"],
            "divergences": int(d["divergences"])}


def _empty_row(payload: dict[str, Any], status: str) -> dict[str, Any]:
    return {"spec_id": payload["spec_id"], "model": payload["model"], "status": status,
            "error": "", "cache_path": payload.get("cache_path", ""), "seconds": 0.0,
            "random_seed": payload["random_seed"], "converged": None, "max_rhat": None,
            "min_ess_bulk": None, "min_ess_tail": None, "divergences": None}


def run_fit(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one fit (on a worker) and return a JSON-safe report row. Never raises.

    Convergence warnings are not silenced: they reach the worker's log, and the row carries
    the fit's diagnostics.
    """
    start = time.perf_counter()
    row = _empty_row(payload, "ok")
    try:
        model = _build(payload)
        s = payload["settings"]
        results = model.fit(random_seed=payload["random_seed"], cache=payload["cache_dir"],
                            progressbar=False, **{k: s[k] for k in FIT_KEYS})
        row.update(_diagnostic_columns(results.diagnostics))
        if results.meta.get("content_hash") != payload["key"]:
            row["error"] = "the worker computed another cache key than the client"
    except Exception as exc:  # one failing fit must not stop the batch
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


# ---------------------------------------------------------------------- progress
class FitProgress:
    """Progress lines for many fits, on stderr: ``sbc: 12/100 fits, 1 failed, 3 min elapsed,
    ~20 min left``.

    On a terminal a line follows each completed fit (at most one a second); elsewhere (a
    log file, CI) at most one line every :attr:`quiet_every` seconds, so that a long run
    stays readable. With nothing completed for :attr:`heartbeat` seconds a line says the
    run is still going. :meth:`finish` prints the last count once, unless it was the last
    line printed. ``stream`` and ``clock`` are for tests.
    """

    quiet_every = 10.0
    """Seconds between two lines when the stream is not a terminal."""
    heartbeat = 60.0
    """Seconds without a completed fit after which a line is printed anyway."""

    def __init__(self, label: str, total: int, *, stream: Any = None,
                 clock: Any = time.monotonic, tty: bool | None = None) -> None:
        self.label, self.total = label, total
        self.done = self.failed = 0
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._start = self._last_line = clock()
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)()) if tty is None \
            else tty
        self._printed: tuple[int, int] | None = None

    def update(self, done: int, failed: int = 0) -> None:
        """Record ``done`` completed fits (of which ``failed`` failed) and print a line if
        it is time to."""
        changed = (done, failed) != (self.done, self.failed)
        self.done, self.failed = done, failed
        now = self._clock()
        since = now - self._last_line
        if changed and since >= (1.0 if self._tty else self.quiet_every):
            self._print(now)
        elif since >= self.heartbeat:
            self._print(now)

    def finish(self) -> None:
        """Print the final count (once)."""
        if self._printed != (self.done, self.failed):
            self._print(self._clock())

    def line(self, now: float | None = None) -> str:
        """The progress line for the current counts."""
        now = self._clock() if now is None else now
        elapsed = now - self._start
        parts = [f"{self.label}: {self.done}/{self.total} fits",
                 f"{self.failed} failed", f"{_duration(elapsed)} elapsed"]
        if 0 < self.done < self.total:
            parts.append(f"~{_duration(elapsed / self.done * (self.total - self.done))} left")
        return ", ".join(parts)

    def _print(self, now: float) -> None:
        print(self.line(now), file=self._stream, flush=True)
        self._last_line, self._printed = now, (self.done, self.failed)


def _duration(seconds: float) -> str:
    """``45 s``, ``3 min``, ``1 h 20 min``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def wait_with_progress(futures: Sequence[Any], progress: FitProgress | None, *,
                       timeout: float | None, count: Any, poll: float = 0.5) -> None:
    """Wait for ``futures`` (Dask), updating ``progress`` with ``count()`` -> ``(done,
    failed)`` every ``poll`` seconds; :class:`TimeoutError` after ``timeout`` seconds."""
    start = time.monotonic()
    while True:
        pending = [f for f in futures if not f.done()]
        if progress is not None:
            progress.update(*count())
        if not pending:
            return
        if timeout is not None and time.monotonic() - start > timeout:
            raise TimeoutError(f"{len(pending)} of {len(futures)} tasks not done after "
                               f"{timeout:g} s")
        time.sleep(poll)


# ---------------------------------------------------------------------- cluster & cache
def check_cache_dir(cache_dir: str | Path | None) -> Path:
    """The cache folder, created if needed; :class:`BatchError` when it is a URL or not
    writable."""
    from opinion.io.cache import default_cache_dir

    if cache_dir is not None and "://" in str(cache_dir):
        raise BatchError(f"cache folder {cache_dir}: URLs are not supported (use a shared "
                         "folder that every worker can read and write)")
    path = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
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
    _probe(client, timeout)
    try:
        return Client(client, timeout=timeout), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {client!r} within {timeout:g} s "
            f"({type(exc).__name__})") from None


def _probe(address: str, timeout: float) -> None:
    """Fail at once when nothing listens at a ``tcp://host:port`` address (Dask itself keeps
    retrying a refused connection until its timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        return
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {address!r}: connection refused") from None
    except OSError:
        return  # let Dask try (and time out) on other network errors


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
        Print progress lines to stderr (``batch: 3/10 fits, 0 failed, 45 s elapsed, ~2 min
        left``; see :class:`FitProgress`). Default: when stderr is a terminal.
    timeout
        Seconds to wait for the whole batch (``None``: no limit).

    Returns
    -------
    pandas.DataFrame
        One row per spec: ``spec_id, model, status`` (``ok``/``cached``/``error``),
        ``error, cache_path, seconds, random_seed`` and the fit's diagnostics ``converged,
        max_rhat, min_ess_bulk, min_ess_tail, divergences``. ``attrs`` count ``new_fits``,
        ``cached``, ``errors`` and ``unconverged`` fits.
    """
    root = check_cache_dir(cache_dir)
    rows: dict[str, dict[str, Any]] = {}
    payloads = []
    for i, spec in enumerate(specs):
        try:
            payloads.append(_payload(spec, i, root))
        except BatchError:
            raise
        except Exception as exc:  # reported per spec: the model cannot be built
            spec_id = str(spec.spec_id if spec.spec_id is not None else i)
            row = _empty_row({"spec_id": spec_id, "model": str(getattr(
                spec.model, "name", spec.model)), "random_seed": spec.random_seed}, "error")
            row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            rows[spec_id] = row
    ids = [str(s.spec_id if s.spec_id is not None else i) for i, s in enumerate(specs)]
    if len(set(ids)) != len(ids):
        raise BatchError("spec_id values must be unique")
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
    report.attrs["unconverged"] = int((report["converged"] == False).sum())  # noqa: E712
    return report


def _client_side_check(payload: dict[str, Any]) -> dict[str, Any] | None:
    """A report row when the fit is cached and verifies; ``None`` when it must run."""
    from opinion.io.cache import CacheError, read_fit

    folder = Path(payload["cache_path"])
    if not folder.exists():
        return None
    try:
        idata, meta = read_fit(folder)
        from opinion.models.core.diagnostics import Diagnostics

        diagnostics = Diagnostics(**meta["diagnostics"])
    except (CacheError, KeyError, TypeError):
        return None  # a bad entry is re-sampled by the worker (fit replaces it)
    row = _empty_row(payload, "cached")
    row.update(_diagnostic_columns(diagnostics))
    return row


def _submit(todo: list[dict[str, Any]], client: Any, *, retries: int, progress: bool | None,
            timeout: float | None) -> dict[str, dict[str, Any]]:
    dask_client, owned = connect(client)
    try:
        futures = {}
        for payload in todo:
            key = f"opinion-fit-{payload['key']}-{payload['spec_id']}"
            futures[dask_client.submit(run_fit, payload, key=key, retries=retries,
                                       pure=False)] = payload
        show = sys.stderr.isatty() if progress is None else progress
        meter = FitProgress("batch", len(futures)) if show else None
        out: dict[str, dict[str, Any]] = {}

        def collect() -> tuple[int, int]:
            for future in futures:
                payload = futures[future]
                if payload["spec_id"] in out or not future.done():
                    continue
                try:
                    out[payload["spec_id"]] = future.result()
                except Exception as exc:  # e.g. KilledWorker after all retries
                    row = _empty_row(payload, "error")
                    row.update(error=f"{type(exc).__name__}: {exc}".splitlines()[0],
                               seconds=float("nan"))
                    out[payload["spec_id"]] = row
            return len(out), sum(row["status"] == "error" for row in out.values())

        wait_with_progress(list(futures), meter, timeout=timeout, count=collect)
        collect()
        if meter is not None:
            meter.finish()
        return out
    finally:
        _close(dask_client, owned)


# ---------------------------------------------------------------------- sweeps
def headline_outputs(results: Any) -> dict[str, float]:
    """Headline numbers of a fitted model, flat (for one row of a sweep).

    Poll average: the last day's mean and interval per response, in percent, named after the
    table's columns (``support_mean``, ``support_lower_90``, ``support_upper_90``). Other
    models: the posterior mean of each headline quantity (shares in percent), else of each
    row of their ``summary()``.
    """
    if hasattr(results, "latest"):
        latest = results.latest()
        stats = [c for c in latest.columns
                 if c == "mean" or str(c).split("_")[0] in ("lower", "upper")]
        out = {}
        for r in latest.to_dict("records"):
            for stat in stats:
                out[f"{r['response']}_{stat}"] = float(r[stat])
        return out
    quantities = results.headline_quantities()
    if quantities:
        return {name: float(np.mean(fn(results))) for name, fn in quantities.items()}
    summary = results.summary()
    if "mean" in summary:
        return {str(k): float(v) for k, v in summary["mean"].items()}
    return {}


def load_results(cache_path: str | Path, model: str | type | None = None) -> Any:
    """Read one cached fit back as its results object (verified; see
    :func:`opinion.load_results`)."""
    from opinion.models.core.results import load_results as load

    return load(Path(cache_path))


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
        One row per grid point: the grid values, ``status``, ``error``, ``cache_path``, the
        fit's diagnostics (``converged, max_rhat, min_ess_bulk, min_ess_tail,
        divergences``) and its headline outputs (:func:`headline_outputs`).
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
        row.update(status=r["status"], error=r["error"], cache_path=r["cache_path"],
                   **{k: r[k] for k in ("converged", "max_rhat", "min_ess_bulk",
                                        "min_ess_tail", "divergences")})
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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BatchError(f"spec file {path} is not valid JSON: {type(exc).__name__}"
                         ) from None
    fits = raw.get("fits") if isinstance(raw, dict) else raw
    if not isinstance(fits, list) or not fits:
        raise BatchError(f"spec file {path}: expected a non-empty list of fits")
    specs, loaded = [], {}
    for i, entry in enumerate(fits):
        where = f"spec file {path}, fit {i}"
        _check_entry(entry, where)
        source = ("dataset", entry["dataset"]) if "dataset" in entry else (
            "data", str((path.parent / entry["data"]).resolve()))
        if source not in loaded:
            loaded[source] = (datasets.load(source[1]) if source[0] == "dataset"
                              else read_polls(source[1]))
        specs.append(FitSpec(entry["model"], loaded[source], config=entry.get("config", {}),
                             fit_kwargs=entry.get("fit", {}),
                             random_seed=entry.get("random_seed", 0),
                             spec_id=str(entry.get("id", i))))
    return specs


def _check_entry(entry: Any, where: str) -> None:
    """Every problem of one fit of a spec file, as one :class:`BatchError`."""
    if not isinstance(entry, dict):
        raise BatchError(f"{where}: each fit must be a JSON object")
    problems = []
    unknown = set(entry) - _SPEC_KEYS
    if unknown:
        problems.append(f"unknown keys {', '.join(sorted(map(str, unknown)))} (allowed: "
                        f"{', '.join(sorted(_SPEC_KEYS))})")
    if "model" not in entry:
        problems.append("missing 'model'")
    else:
        try:
            resolve_model(entry["model"])
        except BatchError as exc:
            problems.append(str(exc))
    if ("dataset" in entry) == ("data" in entry):
        problems.append("give exactly one of 'dataset' or 'data'")
    elif not isinstance(entry.get("dataset", entry.get("data")), str):
        problems.append("'dataset' / 'data' must be a name or a path (text)")
    if not isinstance(entry.get("config", {}), dict) or not isinstance(entry.get("fit", {}),
                                                                         dict):
        problems.append("'config' and 'fit' must be JSON objects")
    seed = entry.get("random_seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.append("random_seed must be an integer")
    if problems:
        raise BatchError(f"{where}: " + "; ".join(problems))
