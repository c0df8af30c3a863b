"""Bayesian models (PyMC) on a shared core, one package per model.

``PollAverage`` (opinion over time), ``IssueSalience`` (issue ranks), ``IssueVote`` and
``VoteMRP`` (election impact), ``CoalitionPressure`` (negotiation pressure). Names are
imported on first use, so ``import opinion.models`` does not load PyMC.
"""

from __future__ import annotations

from opinion.lazy import lazy_exports

_EXPORTS = {
    "BayesianModel": "opinion.models.core.base",
    "ModelConfig": "opinion.models.core.config",
    "ModelResults": "opinion.models.core.results",
    "SamplerSettings": "opinion.models.core.sampling",
    "ConvergenceWarning": "opinion.models.core.diagnostics",
    "Diagnostics": "opinion.models.core.diagnostics",
    "load_results": "opinion.models.core.results",
    "PollAverage": "opinion.models.poll_average.model",
    "PollAverageConfig": "opinion.models.poll_average.config",
    "PollAverageResults": "opinion.models.poll_average.results",
    "IssueSalience": "opinion.models.salience.model",
    "IssueSalienceConfig": "opinion.models.salience.config",
    "IssueSalienceResults": "opinion.models.salience.results",
    "IssueVote": "opinion.models.election.model",
    "IssueVoteConfig": "opinion.models.election.config",
    "IssueVoteResults": "opinion.models.election.results",
    "VoteMRP": "opinion.models.election.mrp",
    "VoteMRPConfig": "opinion.models.election.mrp_config",
    "VoteMRPResults": "opinion.models.election.mrp_results",
    "CoalitionPressure": "opinion.models.coalition.model",
    "CoalitionConfig": "opinion.models.coalition.config",
    "CoalitionResults": "opinion.models.coalition.results",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
