"""On-disk store for fitted models, keyed by a content hash (open formats only).

A fit is saved as a folder ``<cache>/<model>/<hash>/`` holding ``posterior.nc`` (the ArviZ
DataTree as NetCDF) and ``meta.json``. Nothing is pickled.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import xarray as xr

from opinion.errors import OpinionError

CACHE_ENV = "OPINION_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$OPINION_CACHE_DIR`` or ``~/.cache/opinion``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "opinion"


def write_fit(folder: Path, idata: xr.DataTree, meta: dict[str, Any]) -> Path:
    """Write a fit atomically (to a temporary sibling folder, then rename)."""
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    except OSError as exc:
        raise OpinionError(f"cannot write results to {folder}: {exc.strerror or exc}") from exc
    try:
        idata.to_netcdf(tmp / "posterior.nc", engine="netcdf4")
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read_fit(folder: Path) -> tuple[xr.DataTree, dict[str, Any]]:
    """Read a fit written by :func:`write_fit` (fully loaded into memory)."""
    folder = Path(folder)
    posterior, meta = folder / "posterior.nc", folder / "meta.json"
    if not posterior.is_file() or not meta.is_file():
        raise OpinionError(f"{folder}: not a saved opinion fit (needs posterior.nc and meta.json)")
    with xr.open_datatree(posterior, engine="netcdf4") as tree:
        idata = tree.load().copy()
    return idata, json.loads(meta.read_text(encoding="utf-8"))


def cached_fit_folder(cache_dir: Path, model_name: str, key: str) -> Path:
    """Folder of a cached fit (may not exist)."""
    return Path(cache_dir) / model_name / key


def is_cached(folder: Path) -> bool:
    """True when a complete fit is stored in ``folder``."""
    return (Path(folder) / "posterior.nc").is_file() and (Path(folder) / "meta.json").is_file()
