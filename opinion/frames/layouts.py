"""Map other poll layouts onto the tidy poll-frame schema.

Two layouts besides the tidy long one are accepted:

* **named mappings** for public aggregator CSVs (e.g. ``"fivethirtyeight"``: ``sample_size``
  -> ``n``, ``answer`` -> ``response``, ``sponsors`` -> ``sponsor``, ``url`` -> ``source_url``,
  ``methodology`` -> ``mode``), or any user dict ``{their column: our column}``;
* **wide toplines**: one row per poll x question, one column per response option.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError
from opinion.frames.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

NAMED_MAPPINGS: dict[str, dict[str, str]] = {
    "fivethirtyeight": {
        "poll_id": "poll_id",
        "pollster": "pollster",
        "sponsors": "sponsor",
        "start_date": "start_date",
        "end_date": "end_date",
        "sample_size": "n",
        "population": "population",
        "question_id": "question_id",
        "answer": "response",
        "pct": "pct",
        "url": "source_url",
        "methodology": "mode",
        "state": "country_region",
        "notes": "notes",
    },
}
"""Column mappings for layouts published by major aggregators."""

NAMED_MAPPING_VALUES: dict[str, dict[str, dict[str, str]]] = {
    "fivethirtyeight": {
        "mode": {
            "online panel": "online",
            "online": "online",
            "live phone": "phone",
            "live phone/online": "mixed",
            "ivr/online panel": "mixed",
            "ivr/online": "mixed",
            "ivr": "ivr",
            "text": "text",
            "text-to-web": "text",
            "online/text": "mixed",
            "probability panel": "online",
            "mail": "other",
        }
    }
}

NAMED_DATE_ORDERS: dict[str, str] = {"fivethirtyeight": "mdy"}
"""Slash-date order of each named layout (its publisher's convention)."""

KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS + ("question_format",))

WIDE_ID_COLUMNS = frozenset(KNOWN_COLUMNS - {"response", "pct"})


def apply_mapping(
    frame: pd.DataFrame, mapping: str | Mapping[str, str] | None
) -> tuple[pd.DataFrame, str | None]:
    """Rename columns by a named or explicit mapping.

    Returns the renamed frame and the mapping's name (for value maps), or ``None``.
    """
    if mapping is None:
        return frame, None
    if not isinstance(mapping, (str, Mapping)) or (isinstance(mapping, Mapping) and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())):
        raise DataValidationError(
            "mapping must be a named mapping (e.g. 'fivethirtyeight') or a dict "
            "{their column: schema column} of text"
        )
    name = None
    if isinstance(mapping, str):
        key = mapping.lower()
        if key not in NAMED_MAPPINGS:
            known = ", ".join(sorted(NAMED_MAPPINGS))
            raise DataValidationError(f"unknown mapping '{mapping}' (known mappings: {known})")
        name, mapping = key, NAMED_MAPPINGS[key]
    present = {src: dst for src, dst in mapping.items() if src in frame.columns}
    renamed = frame.rename(columns=present)
    for column, values in NAMED_MAPPING_VALUES.get(name or "", {}).items():
        if column in renamed.columns:
            renamed[column] = renamed[column].astype(object).map(
                lambda v, table=values: v if v is None else table.get(str(v).strip().lower(), v)
            )
    if renamed.columns.duplicated().any():
        dupes = sorted(set(renamed.columns[renamed.columns.duplicated()]))
        raise DataValidationError(f"mapping produces duplicate columns: {', '.join(dupes)}")
    return renamed, name


def is_wide(frame: pd.DataFrame) -> bool:
    """A frame is a wide topline when it has neither ``response`` nor ``pct`` columns."""
    return "response" not in frame.columns and "pct" not in frame.columns


def melt_wide(
    frame: pd.DataFrame, *, response_columns: list[str] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Turn one-column-per-response toplines into the long layout.

    Parameters
    ----------
    frame
        Raw text frame; rows are poll x question (x subgroup).
    response_columns
        The response columns; by default every column that is not a schema column.

    Returns
    -------
    tuple
        Long frame and, aligned with it, the position of each long row's wide row (so that
        a problem in a melted cell is reported at the row the user wrote). A wide row with no
        response values becomes one long row with empty response and pct (to be rejected).
    """
    if response_columns is None:
        response_columns = [c for c in frame.columns if c not in WIDE_ID_COLUMNS]
    elif isinstance(response_columns, str) or not all(
            isinstance(c, str) for c in response_columns):
        raise DataValidationError("response_columns must be a list of column names")
    missing = [c for c in response_columns if c not in frame.columns]
    if missing:
        raise DataValidationError(f"response columns not in the data: {', '.join(missing)}")
    if not response_columns:
        raise DataValidationError(
            "no 'response'/'pct' columns and no response-option columns: cannot read as a poll "
            "frame (long layout needs 'response' and 'pct'; a wide topline needs one column per "
            "response option)"
        )
    id_columns = [c for c in frame.columns if c not in response_columns]
    work = frame.assign(__row__=np.arange(len(frame)))
    long = work.melt(
        id_vars=id_columns + ["__row__"], value_vars=response_columns,
        var_name="response", value_name="pct",
    )
    # a wide row with no response values at all stays, as one row with empty response
    # and pct, so that it is rejected (with its line) instead of vanishing
    answered = long["pct"].notna().groupby(long["__row__"]).transform("any")
    first = ~long.duplicated("__row__", keep="first")
    long.loc[~answered & first, "response"] = None
    long = long[long["pct"].notna() | (~answered & first)]
    order = {c: i for i, c in enumerate(response_columns)}
    long["__order__"] = long["response"].map(order)
    long = long.sort_values(["__row__", "__order__"], kind="stable")
    rows = long["__row__"].reset_index(drop=True)
    long = long.drop(columns=["__row__", "__order__"]).reset_index(drop=True)
    return long, rows
