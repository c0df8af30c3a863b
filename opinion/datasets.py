"""Bundled real poll data: ``opinion.datasets.list()`` and ``opinion.datasets.load(name)``.

Every dataset records its sources (URL and date) and a SHA-256 checksum that loading verifies.

Examples
--------
>>> import opinion
>>> opinion.datasets.list()["name"].tolist()  # doctest: +SKIP
>>> polls = opinion.datasets.load("us_ukraine_support")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from opinion.frames.pollframe import PollFrame, read_polls
from opinion.io.datapackage import available, read_descriptor, resource_file, sha256_of

__all__ = ["checksum", "info", "list", "load"]


def list() -> pd.DataFrame:
    """All bundled datasets: name, title, kind, rows, sources."""
    rows = []
    for name in available():
        d = read_descriptor(name)
        resource = (d.get("resources") or [{}])[0]
        rows.append({
            "name": name,
            "title": d.get("title", ""),
            "kind": d.get("opinion_kind", "table"),
            "rows": resource.get("rows"),
            "sources": len(d.get("sources", [])),
            "description": d.get("description", ""),
        })
    return pd.DataFrame(rows, columns=["name", "title", "kind", "rows", "sources", "description"])


def info(name: str) -> dict[str, Any]:
    """The dataset's Frictionless ``datapackage.json`` (sources, licence, schema)."""
    return read_descriptor(name)


def checksum(name: str) -> str:
    """SHA-256 of the dataset's data file (verified against its datapackage)."""
    path, _ = resource_file(name, verify=True)
    return sha256_of(path)


def load(name: str, *, verify: bool = True) -> PollFrame | pd.DataFrame:
    """Load a bundled dataset.

    Parameters
    ----------
    name
        Dataset name from :func:`list` (a plain name: paths are refused).
    verify
        Check the data file's SHA-256 against the datapackage (default True).

    Returns
    -------
    PollFrame or pandas.DataFrame
        A validated :class:`PollFrame` for poll data (``opinion_kind == "polls"``; a
        datapackage may set ``opinion_sum_tolerance`` when its source's responses are known to
        sum above 100), otherwise a DataFrame typed by the datapackage schema.

    Raises
    ------
    opinion.errors.DatasetError
        Unknown or unsafe name, missing file, or checksum mismatch.
    """
    path, descriptor = resource_file(name, verify=verify)
    if descriptor.get("opinion_kind") == "polls":
        tolerance = float(descriptor.get("opinion_sum_tolerance", 1.0))
        frame = read_polls(path, sum_tolerance=tolerance)
        frame.source = f"datasets/{name}"
        return frame
    fields = ((descriptor.get("resources") or [{}])[0].get("schema") or {}).get("fields", [])
    types = {f["name"]: f.get("type", "string") for f in fields}
    table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column, kind in types.items():
        if column not in table:
            continue
        if kind in {"number", "integer"}:
            table[column] = pd.to_numeric(table[column], errors="coerce")
        elif kind in {"date", "datetime"}:
            table[column] = pd.to_datetime(table[column], errors="coerce", format="ISO8601")
        elif kind == "boolean":
            table[column] = table[column].str.lower().map(
                {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False})
    table.attrs["source"] = f"datasets/{name}"
    return table



