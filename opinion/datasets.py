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

__all__ = ["checksum", "coalition_inputs", "info", "list", "load"]

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


COALITION_TABLES = {"members": "nato_members_2022", "events": "coalition_events",
                    "salience": "europe_salience_panel", "polls": "us_ukraine_support",
                    "elections": "nato_elections_2022_2024",
                    "government_changes": "government_changes", "aid": "kiel_aid_by_period"}
"""The coalition model's keyword tables and the bundled dataset each one comes from."""

COALITION_PANEL = "europe_ukraine_panel"


def coalition_inputs() -> tuple[PollFrame | pd.DataFrame, dict[str, PollFrame | pd.DataFrame]]:
    """The bundled cross-national panel and the tables the coalition model reads.

    Returns
    -------
    tuple
        ``(panel, tables)`` such that ``CoalitionPressure(panel, **tables)`` is the model of
        the ``coalition_pressure`` report (:data:`COALITION_TABLES` names the datasets).

    Examples
    --------
    >>> from opinion.models import CoalitionPressure  # doctest: +SKIP
    >>> panel, tables = opinion.datasets.coalition_inputs()  # doctest: +SKIP
    >>> model = CoalitionPressure(panel, **tables)  # doctest: +SKIP
    """
    return load(COALITION_PANEL), {key: load(name) for key, name in COALITION_TABLES.items()}
