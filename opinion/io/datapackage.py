"""Bundled datasets on disk: safe name resolution, metadata and checksum verification.

Each dataset is a folder ``datasets/<name>/`` with a data file and a Frictionless
``datapackage.json`` whose resource carries ``"hash": "sha256:<hex>"``; loading recomputes the
hash and refuses a file that does not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from opinion.errors import DatasetError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
ENV_VAR = "OPINION_DATASETS_DIR"


def datasets_dir() -> Path:
    """The folder holding the bundled datasets.

    ``$OPINION_DATASETS_DIR`` if set; else the repository's ``datasets/`` (source checkout or
    editable install); else the copy installed inside the package (``opinion/_datasets``).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).resolve()
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "datasets", package / "_datasets"):
        if candidate.is_dir():
            return candidate
    raise DatasetError("no datasets folder found (set OPINION_DATASETS_DIR)")


def dataset_path(name: str) -> Path:
    """Resolve a dataset name to its folder, refusing names that could leave the folder."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise DatasetError(
            f"invalid dataset name {name!r}: use lower-case letters, digits, '_' and '-' "
            "(run `opinion datasets list`)"
        )
    root = datasets_dir()
    folder = (root / name).resolve()
    if folder.parent != root.resolve():
        raise DatasetError(f"invalid dataset name {name!r}")
    if not (folder / "datapackage.json").is_file():
        known = ", ".join(available()) or "none"
        raise DatasetError(f"unknown dataset {name!r} (available: {known})")
    return folder


def available() -> list[str]:
    """Names of all bundled datasets, sorted."""
    root = datasets_dir().resolve()
    return sorted(
        p.name for p in root.iterdir()
        if p.is_dir() and _NAME.fullmatch(p.name) and p.resolve().parent == root
        and (p / "datapackage.json").is_file()
    )


def read_descriptor(name: str) -> dict[str, Any]:
    """The parsed ``datapackage.json`` of a dataset."""
    folder = dataset_path(name)
    try:
        return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"dataset {name!r}: datapackage.json is not valid JSON ({exc})") from exc


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resource_file(name: str, *, verify: bool = True) -> tuple[Path, dict[str, Any]]:
    """Path of a dataset's (first) data resource, checked against its recorded hash."""
    descriptor = read_descriptor(name)
    resources = descriptor.get("resources") or []
    if not resources:
        raise DatasetError(f"dataset {name!r}: datapackage.json lists no resources")
    resource = resources[0]
    folder = dataset_path(name)
    path = (folder / resource["path"]).resolve()
    if path.parent != folder:
        raise DatasetError(f"dataset {name!r}: resource path leaves the dataset folder")
    if not path.is_file():
        raise DatasetError(f"dataset {name!r}: data file {resource['path']} is missing")
    if verify:
        expected = str(resource.get("hash", "")).removeprefix("sha256:")
        if not expected:
            raise DatasetError(f"dataset {name!r}: no sha256 hash recorded for {path.name}")
        actual = sha256_of(path)
        if actual != expected:
            raise DatasetError(
                f"dataset {name!r}: checksum mismatch for {path.name} "
                f"(expected {expected[:12]}…, got {actual[:12]}…): the file was changed"
            )
    return path, descriptor
