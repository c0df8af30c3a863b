"""Bundled real poll data: ``opinion.datasets.list()`` and ``opinion.datasets.load(name)``.

Every dataset records its sources (URL and date) and a SHA-256 checksum that loading verifies.
This module is the public facade: the disk side (where the datasets are, descriptors,
checksums, typed tables) is :mod:`opinion.io.datasets`; poll data become validated
:class:`~opinion.frames.PollFrame` objects through the frames layer.

Examples
--------
>>> import opinion
>>> opinion.datasets.list()["name"].tolist()  # doctest: +SKIP
>>> polls = opinion.datasets.load("us_ukraine_support")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opinion.io import datasets as disk

if TYPE_CHECKING:
    import pandas as pd

    from opinion.frames.pollframe import PollFrame

__all__ = ["checksum", "info", "list", "load"]

LISTING_COLUMNS = ["name", "title", "kind", "rows", "sources", "description"]


def list() -> pd.DataFrame:
    """All bundled datasets: name, title, kind, rows, sources, description.

    A dataset whose ``datapackage.json`` cannot be read is listed, not skipped: its kind is
    ``"invalid"`` and its description is the error (loading it raises that error).
    """
    import pandas as pd

    rows = [disk.listing_row(name) for name in disk.available()]
    return pd.DataFrame(rows, columns=LISTING_COLUMNS)


def info(name: str) -> dict[str, Any]:
    """The dataset's Frictionless ``datapackage.json`` (sources, licence, schema)."""
    return disk.read_descriptor(name)


def checksum(name: str) -> str:
    """SHA-256 of the dataset's data file (verified against its datapackage)."""
    path, _ = disk.resource_file(name, verify=True)
    return disk.sha256_of(path)


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
        Unknown or unsafe name, broken datapackage, missing file, checksum mismatch, or a
        cell that does not fit its declared type.
    """
    path, descriptor = disk.resource_file(name, verify=verify)
    if descriptor.get("opinion_kind") == "polls":
        from opinion.errors import DatasetError, DataValidationError
        from opinion.frames.pollframe import read_polls

        tolerance = float(descriptor.get("opinion_sum_tolerance", 1.0))
        try:
            frame = read_polls(path, sum_tolerance=tolerance)
        except DataValidationError as exc:
            raise DatasetError(f"dataset {name!r}: {exc}") from None
        frame.source = f"datasets/{name}"
        return frame
    table = disk.read_typed_table(path, descriptor, name)
    table.attrs["source"] = f"datasets/{name}"
    return table
