"""Bundled datasets on disk: where they are, safe name resolution, descriptors, checksums.

Each dataset is a folder ``<root>/<name>/`` with a data file and a Frictionless
``datapackage.json`` whose first resource carries ``"hash": "sha256:<hex>"``; reading
recomputes the hash and refuses a file that does not match. The public facade that builds
poll frames is :mod:`opinion.datasets`.

The root is, in order: ``$OPINION_DATASETS_DIR`` when set; the copy packaged in the wheel
(``opinion/_bundled/datasets``, found with :mod:`importlib.resources`); the repository's
``datasets/`` next to the package (a source checkout or editable install).

Names are lower-case letters, digits, ``_`` and ``-`` (at most 64), and must resolve to a
folder directly inside the root (a symbolic link out of it is refused). Every defect of a
descriptor (not JSON, nested too deeply, a field of the wrong type, a resource path leaving
the folder) is a :class:`~opinion.errors.DatasetError` with a one-line message.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

from opinion.errors import DatasetError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
ENV_VAR = "OPINION_DATASETS_DIR"
PACKAGED = ("_bundled", "datasets")
"""Where the wheel carries the datasets, inside the ``opinion`` package."""
KINDS = ("polls", "table")


def _packaged_dir() -> Path | None:
    try:
        folder = resources.files("opinion").joinpath(*PACKAGED)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - opinion is importable here
        return None
    path = Path(str(folder))
    return path if path.is_dir() else None


def datasets_dir() -> Path:
    """The folder holding the bundled datasets (see the module notes for the order)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser().resolve()
        if not path.is_dir():
            raise DatasetError(f"{ENV_VAR}={env} is not a folder")
        return path
    packaged = _packaged_dir()
    if packaged is not None:
        return packaged.resolve()
    repository = Path(__file__).resolve().parents[2] / "datasets"
    if repository.is_dir():
        return repository
    raise DatasetError(f"no datasets folder found (set {ENV_VAR})")


def _valid_name(name: object) -> bool:
    return isinstance(name, str) and bool(_NAME.fullmatch(name))


def dataset_path(name: str) -> Path:
    """Resolve a dataset name to its folder, refusing names that could leave the folder."""
    if not _valid_name(name):
        raise DatasetError(
            f"invalid dataset name {name!r}: use lower-case letters, digits, '_' and '-' "
            "(run `opinion datasets list`)"
        )
    root = datasets_dir()
    folder = (root / name).resolve()
    if folder.parent != root:
        raise DatasetError(f"invalid dataset name {name!r}: it leaves the datasets folder")
    if not (folder / "datapackage.json").is_file():
        known = ", ".join(available()) or "none"
        raise DatasetError(f"unknown dataset {name!r} (available: {known})")
    return folder


def available() -> list[str]:
    """Names of all bundled datasets (folders with a ``datapackage.json``), sorted."""
    root = datasets_dir()
    try:
        entries = list(root.iterdir())
    except OSError as exc:
        raise DatasetError(f"cannot list {root}: {exc.strerror}") from None
    return sorted(
        p.name for p in entries
        if _valid_name(p.name) and p.is_dir() and p.resolve().parent == root
        and (p / "datapackage.json").is_file()
    )


def read_descriptor(name: str) -> dict[str, Any]:
    """The parsed and checked ``datapackage.json`` of a dataset."""
    folder = dataset_path(name)
    path = folder / "datapackage.json"
    try:
        text = path.read_text(encoding="utf-8")
        descriptor = json.loads(text)
    except OSError as exc:
        raise DatasetError(f"dataset {name!r}: cannot read datapackage.json "
                           f"({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DatasetError(f"dataset {name!r}: datapackage.json is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"dataset {name!r}: datapackage.json is not valid JSON "
                           f"({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise DatasetError(f"dataset {name!r}: datapackage.json is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise DatasetError(f"dataset {name!r}: datapackage.json: {exc}") from None
    check_descriptor(descriptor, name)
    return descriptor


def check_descriptor(descriptor: Any, name: str) -> None:
    """Refuse a descriptor whose fields the loader relies on have the wrong shape.

    Every problem is named in one :class:`DatasetError`.
    """
    if not isinstance(descriptor, dict):
        problems = ["must be a JSON object"]
    else:
        problems = _top_level_problems(descriptor)
        resources_ = descriptor.get("resources")
        if not isinstance(resources_, list) or not resources_:
            problems.append("'resources' must be a non-empty list")
        elif not isinstance(resources_[0], dict):
            problems.append("each resource must be an object")
        else:
            problems += _resource_problems(resources_[0])
    if problems:
        raise DatasetError(f"dataset {name!r}: datapackage.json: {'; '.join(problems)}")


def _top_level_problems(d: dict[str, Any]) -> list[str]:
    problems = [f"'{key}' must be text" for key in ("title", "description", "name")
                if key in d and not isinstance(d[key], str)]
    kind = d.get("opinion_kind", "table")
    if kind not in KINDS:
        problems.append(f"'opinion_kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    tolerance = d.get("opinion_sum_tolerance", 1.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) \
            or not 0 <= tolerance < 1e6:
        problems.append("'opinion_sum_tolerance' must be a number >= 0")
    sources = d.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, dict) for x in sources):
        problems.append("'sources' must be a list of objects")
    return problems


def _resource_problems(resource: dict[str, Any]) -> list[str]:
    problems = []
    if not isinstance(resource.get("path"), str) or not resource["path"].strip():
        problems.append("the resource needs a 'path' (text)")
    if "hash" in resource and not isinstance(resource["hash"], str):
        problems.append("the resource's 'hash' must be text")
    rows = resource.get("rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int)):
        problems.append("the resource's 'rows' must be a whole number")
    schema = resource.get("schema", {})
    fields = schema.get("fields", []) if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str)
        and isinstance(f.get("type", "string"), str) for f in fields
    ):
        problems.append("the resource's schema must have a list of fields with a name")
    return problems


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    return digest.hexdigest()


def resource_file(name: str, *, verify: bool = True) -> tuple[Path, dict[str, Any]]:
    """Path of a dataset's (first) data resource, checked against its recorded hash."""
    descriptor = read_descriptor(name)
    resource = descriptor["resources"][0]
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


def listing_row(name: str) -> dict[str, Any]:
    """One row of the dataset listing; a broken descriptor gives ``kind="invalid"`` and
    the error as the description, instead of breaking the whole listing."""
    try:
        d = read_descriptor(name)
    except DatasetError as exc:
        return {"name": name, "title": "(unreadable datapackage.json)", "kind": "invalid",
                "rows": None, "sources": 0, "description": str(exc)}
    resource = d["resources"][0]
    return {
        "name": name,
        "title": d.get("title", ""),
        "kind": d.get("opinion_kind", "table"),
        "rows": resource.get("rows"),
        "sources": len(d.get("sources", [])),
        "description": d.get("description", ""),
    }


def read_typed_table(path: Path, descriptor: dict[str, Any], name: str) -> Any:
    """A table resource typed by its schema (number, integer, date, datetime, boolean).

    Every cell is checked: a non-empty cell that does not fit its declared type is a
    :class:`DatasetError` naming the column, line and value (bundled data is never coerced
    to NaN silently).
    """
    import pandas as pd

    fields = descriptor["resources"][0].get("schema", {}).get("fields", [])
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:  # pandas parser errors of several types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"dataset {name!r}: cannot read {path.name} ({first})") from None
    for field in fields:
        column, kind = field["name"], field.get("type", "string")
        if column not in table:
            continue
        text = table[column]
        if kind in {"number", "integer"}:
            values = pd.to_numeric(text, errors="coerce")
        elif kind in {"date", "datetime"}:
            values = pd.to_datetime(text, errors="coerce", format="ISO8601")
        elif kind == "boolean":
            values = text.str.lower().map({"true": True, "yes": True, "1": True,
                                           "false": False, "no": False, "0": False})
        else:
            continue
        bad = text.notna() & values.isna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DatasetError(
                f"dataset {name!r}: {path.name} line {i + 2}, column {column}: "
                f"{text.iloc[i]!r} is not a {kind} ({int(bad.sum())} such cells)"
            )
        table[column] = values
    return table
