"""Reading files and bundled data from disk, and writing safe outputs.

Modules: :mod:`~opinion.io.tables` (poll tables of every format, as text),
:mod:`~opinion.io.text` and :mod:`~opinion.io.excel` (their decoding and splitting),
:mod:`~opinion.io.microdata` (respondent files), :mod:`~opinion.io.datasets` (the bundled
datasets), :mod:`~opinion.io.outputs` (CSV that is safe to open in a spreadsheet) and
:mod:`~opinion.io.cache` (fitted models). Names are imported lazily: importing
``opinion.io`` does not import pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MICRODATA_SUFFIXES", "RawMicrodata", "read_microdata_file"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from opinion.io import microdata

        return getattr(microdata, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
