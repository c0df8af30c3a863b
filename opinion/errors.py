"""Exceptions raised by opinion.

Every error a *user* can cause (a missing file, a bad column, an unknown dataset) derives from
:class:`OpinionError`; the CLI prints those as one line and exits non-zero, while anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations


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
