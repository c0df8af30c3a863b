"""Every model by name, imported only when asked for (batch, calibration, loading fits)."""

from __future__ import annotations

import importlib
from typing import Any

from opinion.errors import ModelInputError, unknown_name_message

MODELS: dict[str, tuple[str, str]] = {
    "poll_average": ("opinion.models.poll_average.model:PollAverage",
                     "opinion.models.poll_average.results:PollAverageResults"),
    "issue_salience": ("opinion.models.salience.model:IssueSalience",
                       "opinion.models.salience.results:IssueSalienceResults"),
    "issue_vote": ("opinion.models.election.model:IssueVote",
                   "opinion.models.election.results:IssueVoteResults"),
    "vote_mrp": ("opinion.models.election.mrp:VoteMRP",
                 "opinion.models.election.mrp_results:VoteMRPResults"),
    "coalition_pressure": ("opinion.models.coalition.model:CoalitionPressure",
                           "opinion.models.coalition.results:CoalitionResults"),
}
"""Model name -> ("module:Model", "module:Results")."""


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def known_models() -> list[str]:
    """Names of every model (``PollAverage.name`` is ``"poll_average"``, ...)."""
    return sorted(MODELS)


def _entry(name: str) -> tuple[str, str]:
    if name not in MODELS:
        raise ModelInputError(unknown_name_message(name, known_models(), "model"))
    return MODELS[name]


def model_class_for(name: str) -> type:
    """The model class registered under ``name``."""
    return _load(_entry(name)[0])


def results_class_for(name: str) -> type:
    """The results class of the model registered under ``name``."""
    return _load(_entry(name)[1])
