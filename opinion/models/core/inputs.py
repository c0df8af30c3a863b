"""Model inputs arrive validated: DataFrames go through the frame layer first."""

from __future__ import annotations

from typing import Any

import pandas as pd

from opinion.errors import DataValidationError, ModelInputError


def as_pollframe(polls: Any, model_name: str) -> Any:
    """A :class:`~opinion.frames.PollFrame` of ``polls``.

    A PollFrame passes as it is; a DataFrame is validated with :func:`opinion.read_polls`
    and refused, with the problems, when any row fails (nothing is dropped silently: build
    the frame yourself with ``opinion.read_polls(df)`` to keep the valid rows and inspect
    ``frame.rejects``).
    """
    from opinion.frames import PollFrame, read_polls

    if isinstance(polls, PollFrame):
        return polls
    if not isinstance(polls, pd.DataFrame):
        raise ModelInputError(f"{model_name} needs polls as a PollFrame or a pandas "
                              f"DataFrame, not {type(polls).__name__}")
    frame = read_polls(polls)
    if len(frame.rejects):
        problems = frame.problems.head(5)
        unit = frame.row_numbering.unit  # "index" for a DataFrame (its index labels)
        listed = "; ".join(f"{unit} {r.row}, {r.column}: {r.problem}"
                           for r in problems.itertuples())
        raise DataValidationError(
            f"{model_name}: {len(frame.rejects)} of {len(polls)} rows fail validation "
            f"({listed}{'; ...' if len(frame.problems) > 5 else ''}); validate with "
            "opinion.read_polls(df) and pass the PollFrame (its rejects are kept)")
    return frame


def as_table(table: Any, name: str, model_name: str) -> pd.DataFrame:
    """A copy of a DataFrame argument (other types are refused)."""
    if not isinstance(table, pd.DataFrame):
        raise ModelInputError(f"{model_name}: {name}= must be a pandas DataFrame, not "
                              f"{type(table).__name__}")
    return table.copy()


def problems_message(prefix: str, problems: list[str]) -> str:
    """One line naming every problem: ``prefix: a`` or ``prefix (3 problems): a; b; c``."""
    if len(problems) == 1:
        return f"{prefix}: {problems[0]}"
    return f"{prefix} ({len(problems)} problems): " + "; ".join(problems)
