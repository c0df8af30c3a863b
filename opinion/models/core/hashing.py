"""Content hashes and versions: what makes a fit reproducible and its cache key honest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from opinion.versions import package_versions

__all__ = ["frame_to_records", "hash_frame", "hash_json", "package_versions",
           "records_to_frame"]


def hash_frame(frame: pd.DataFrame) -> str:
    """Stable content hash of a DataFrame (values, column names and order)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(map(str, frame.columns))).encode())
    digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def hash_json(payload: Any) -> str:
    """SHA-256 of a JSON-serialisable payload (keys sorted)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def frame_to_records(frame: pd.DataFrame) -> dict[str, Any]:
    """JSON-safe split-orient representation of a table (dates as ISO strings)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return json.loads(out.to_json(orient="split", index=False, date_format="iso"))


def records_to_frame(records: dict[str, Any], date_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Inverse of :func:`frame_to_records`."""
    frame = pd.DataFrame(records["data"], columns=records["columns"])
    for column in date_columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame
