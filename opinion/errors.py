"""Exceptions raised by opinion.

Every error a *user* can cause (a missing file, a bad column, an unknown dataset) derives from
:class:`OpinionError`; the CLI prints those as one line and exits non-zero, while anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib


class OpinionError(Exception):
    """Base class for errors caused by user input or usage."""


class DataValidationError(OpinionError, ValueError):
    """Input data breaks the schema in a way that prevents building a frame at all.

    Row-level problems do not raise: they go to ``PollFrame.rejects`` with their reasons.
    """


class DatasetError(OpinionError, LookupError):
    """An unknown, unsafe or corrupted bundled dataset."""


class ModelInputError(OpinionError, ValueError):
    """Data that a model cannot be fitted to (e.g. one poll in a question family)."""


class NotFittedError(OpinionError, RuntimeError):
    """A results-only method was called on a model that has not been fitted."""


class WeightingError(OpinionError, ValueError):
    """Weighting targets or variables that cannot produce valid weights."""


class ConvergenceError(WeightingError):
    """An iterative weighting procedure did not converge."""


class OutputError(OpinionError, OSError):
    """A file the toolkit was asked to write cannot be written (path, permission, disk)."""


def did_you_mean(name: object, valid: list[str] | tuple[str, ...] | set[str] | dict) -> str:
    """`` (did you mean 'macron'?)`` for the closest valid names (difflib), else ``''``."""
    close = difflib.get_close_matches(str(name), [str(v) for v in valid], n=3, cutoff=0.6)
    if not close:
        return ""
    # only the ones as close as the closest (a typo has one answer; a tie has two)
    score = [difflib.SequenceMatcher(None, str(name), c).ratio() for c in close]
    close = [c for c, r in zip(close, score, strict=True) if r >= score[0] - 0.02]
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)"


def unknown_name_message(name: object, valid: list[str] | tuple[str, ...] | set[str] | dict,
                         what: str = "name") -> str:
    """``unknown response 'macon' (did you mean 'macron'?); valid: le_pen, macron``."""
    listed = [str(v) for v in valid]
    shown = ", ".join(listed[:30]) + (f", ... ({len(listed)} in all)" if len(listed) > 30
                                      else "")
    return (f"unknown {what} {name!r}{did_you_mean(name, listed)}; valid: "
            f"{shown or 'none'}")


def check_name(name: object, valid: list[str] | tuple[str, ...] | set[str] | dict,
               what: str = "name", error: type[OpinionError] | None = None) -> None:
    """Raise ``error`` (default :class:`ModelInputError`) when ``name`` is not one of
    ``valid``, listing the valid names and suggesting the closest."""
    if name in valid:
        return
    raise (error or ModelInputError)(unknown_name_message(name, valid, what))


def unknown_names_message(names: list | tuple | set, valid: list[str] | tuple[str, ...] | set[str]
                          | dict, what: str = "name(s)") -> str:
    """Several unknown names at once: ``unknown question_id(s): 'fr_r2' (did you mean
    'fr2022_r2'?), 'x'; valid: ...`` (``what`` as it should read: ``"question_id(s)"``)."""
    listed = [str(v) for v in valid]
    shown = ", ".join(listed[:30]) + (f", ... ({len(listed)} in all)" if len(listed) > 30
                                      else "")
    parts = [f"{n!r}{did_you_mean(n, listed)}" for n in names]
    return f"unknown {what}: {', '.join(parts)}; valid: {shown or 'none'}"
