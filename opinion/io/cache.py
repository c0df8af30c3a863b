"""On-disk store for fitted models, keyed by a content hash, that verifies what it returns.

A fit is a folder ``<cache>/<model>/<key>/`` holding

- ``posterior.nc``: the ArviZ DataTree as NetCDF (never pickle);
- ``meta.json``: configuration, settings, seed, versions, diagnostics, the modelled data;
- ``entry.json``: the manifest — the full request the fit answers (model, code and data
  hashes, configuration, sampler settings, seed, package versions) and the SHA-256 of the two
  files above.

Reading an entry checks the manifest: the files must have the recorded checksums (a file
changed, truncated or replaced after writing is caught) and the recorded request must be the
one being asked (an entry planted under another key, with another seed or settings, is
caught). A failed check raises :class:`CacheError`; the model then samples again (or stops,
if asked to), so a bad entry is never returned as a fit.

Trust model: the checks catch corruption, accidents and entries that answer a different
question. They are not signatures: someone who can write to the cache folder can also write
a consistent forged manifest. Treat a cache folder as trusted storage — keep it private, and
share it (batch workers, ``--cache``) only with machines and people you trust. Dask's
``--scheduler`` moves pickled task data between client and workers: run it only on a
network and cluster you trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opinion.errors import OpinionError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

CACHE_ENV = "OPINION_CACHE_DIR"
FILES = ("posterior.nc", "meta.json")
MANIFEST = "entry.json"
FORMAT = 1


class CacheError(OpinionError):
    """A stored fit that fails verification (changed files, another request, unreadable)."""


def default_cache_dir() -> Path:
    """``$OPINION_CACHE_DIR`` or ``~/.cache/opinion``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "opinion"


def check_cache_root(root: str | Path) -> Path:
    """A local folder usable as a cache (URLs such as ``s3://...`` are refused)."""
    text = str(root)
    if "://" in text:
        raise OpinionError(f"cache {text!r}: only local (or mounted shared) folders are "
                           "supported, not URLs")
    return Path(root).expanduser()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_fit(folder: Path, idata: xr.DataTree, meta: dict[str, Any],
              request: dict[str, Any] | None = None) -> Path:
    """Write a fit atomically (to a temporary sibling folder, then rename), with its
    manifest (the ``request`` it answers and the checksums of its files)."""
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    except OSError as exc:
        raise OpinionError(f"cannot write results to {folder}: {exc.strerror or exc}") from exc
    try:
        idata.to_netcdf(tmp / "posterior.nc", engine="netcdf4")
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        manifest = {"format": FORMAT, "request": request,
                    "files": {name: sha256_file(tmp / name) for name in FILES}}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True,
                                               default=str), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OpinionError(f"cannot write results to {folder}: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def verify_fit(folder: Path, request: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check a stored fit's manifest: file checksums, and (when given) the request.

    Returns the manifest; raises :class:`CacheError` naming what failed.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CacheError(f"{folder}: no {MANIFEST} (written by an older version or not by "
                         "opinion): cannot verify it") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CacheError(f"{folder}: unreadable {MANIFEST} ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CacheError(f"{folder}: malformed {MANIFEST}")
    for name in FILES:
        expected = manifest["files"].get(name)
        path = folder / name
        if not path.is_file():
            raise CacheError(f"{folder}: {name} is missing")
        if sha256_file(path) != expected:
            raise CacheError(f"{folder}: {name} was changed after it was written "
                             "(checksum mismatch)")
    if request is not None:
        stored = _canonical(manifest.get("request"))
        if stored != _canonical(request):
            differs = sorted(k for k in set(stored or {}) | set(request)
                             if (stored or {}).get(k) != _canonical(request).get(k))
            raise CacheError(f"{folder}: the stored fit answers a different request "
                             f"(differs in: {', '.join(differs) or 'everything'})")
    return manifest


def read_fit(folder: Path, request: dict[str, Any] | None = None,
             verify: bool = True) -> tuple[xr.DataTree, dict[str, Any]]:
    """Read a fit written by :func:`write_fit` (fully loaded into memory).

    With ``verify`` (default) the manifest is checked first (:func:`verify_fit`); any
    problem, including unreadable files, raises :class:`CacheError`.
    """
    import xarray as xr

    folder = Path(folder)
    if not all((folder / name).is_file() for name in FILES):
        raise CacheError(f"{folder}: not a saved opinion fit (needs posterior.nc and "
                         "meta.json)")
    if verify:
        verify_fit(folder, request)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        with xr.open_datatree(folder / "posterior.nc", engine="netcdf4") as tree:
            idata = tree.load().copy()
    except (OSError, ValueError, UnicodeDecodeError, RecursionError, KeyError) as exc:
        raise CacheError(f"{folder}: unreadable fit ({type(exc).__name__}: {exc})") from None
    if not isinstance(meta, dict):
        raise CacheError(f"{folder}: meta.json is not a JSON object")
    return idata, meta


def _canonical(value: Any) -> Any:
    """JSON round trip: tuples and lists compare equal, keys are strings."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


class FitCache:
    """A folder of fits keyed by model name and content hash.

    Parameters
    ----------
    root
        The cache folder (default :func:`default_cache_dir`). URLs are refused.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = check_cache_root(root) if root is not None else default_cache_dir()

    def folder(self, model_name: str, key: str) -> Path:
        """Folder of a fit (may not exist)."""
        return self.root / model_name / key

    def has(self, model_name: str, key: str) -> bool:
        """True when an entry (verified or not) is stored under this key."""
        folder = self.folder(model_name, key)
        return any((folder / name).exists() for name in (*FILES, MANIFEST))

    def read(self, model_name: str, key: str, *, request: dict[str, Any]
             ) -> tuple[xr.DataTree, dict[str, Any]]:
        """The stored fit, verified against ``request`` (:class:`CacheError` otherwise)."""
        return read_fit(self.folder(model_name, key), request=request)

    def write(self, model_name: str, key: str, idata: xr.DataTree, meta: dict[str, Any], *,
              request: dict[str, Any]) -> Path:
        """Store a fit with its manifest (replacing a bad entry under the same key)."""
        return write_fit(self.folder(model_name, key), idata, meta, request=request)


class DerivedTables:
    """Tables computed from a cached fit (a back-test, held-out refits), kept in the fit's
    entry under ``derived/`` and verified like it: each file holds the request it answers
    and the SHA-256 of its tables; a mismatch or damage means the tables are computed again
    (never returned), a folder that cannot be written means they are not kept.

    Parameters
    ----------
    folder
        The fit's cache entry (:meth:`FitCache.folder`).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / "derived"

    def get(self, name: str, request: dict[str, Any],
            compute: Callable[[], list[pd.DataFrame]]) -> list[pd.DataFrame]:
        """The tables ``compute()`` returns for ``request``, from disk when verified."""
        path = self.folder / f"{name}-{hashlib.sha256(_dump(request).encode()).hexdigest()}.json"
        stored = self._read(path, request)
        if stored is not None:
            return stored
        tables = compute()
        texts = [table.to_json(orient="table", date_format="iso", double_precision=15)
                 for table in tables]
        payload = {"request": _canonical(request), "tables": texts,
                   "sha256": hashlib.sha256("\n".join(texts).encode()).hexdigest()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(payload), encoding="utf-8")
            os.replace(temporary, path)
        except OSError:
            pass  # a read-only cache still answers; the tables are just not kept
        return tables

    @staticmethod
    def _read(path: Path, request: dict[str, Any]) -> list[pd.DataFrame] | None:
        import io

        import pandas as pd

        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            texts = payload["tables"]
            if (payload["request"] != _canonical(request) or payload["sha256"]
                    != hashlib.sha256("\n".join(texts).encode()).hexdigest()):
                return None
            return [pd.read_json(io.StringIO(text), orient="table") for text in texts]
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def cached_fit_folder(cache_dir: Path, model_name: str, key: str) -> Path:
    """Folder of a cached fit (may not exist)."""
    return FitCache(cache_dir).folder(model_name, key)


def is_cached(folder: Path) -> bool:
    """True when a complete fit (with its manifest) is stored in ``folder``."""
    return all((Path(folder) / name).is_file() for name in (*FILES, MANIFEST))
