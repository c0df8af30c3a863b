"""Bayesian models (PyMC) and their frequentist baselines."""

from opinion.models.base import BayesianModel, SamplerSettings
from opinion.models.coalition import CoalitionConfig, CoalitionPressure
from opinion.models.diagnostics import ConvergenceWarning, Diagnostics
from opinion.models.election import IssueVote, IssueVoteConfig, VoteMRP
from opinion.models.poll_average import PollAverage, PollAverageConfig
from opinion.models.salience import IssueSalience, IssueSalienceConfig

__all__ = [
    "BayesianModel",
    "CoalitionConfig",
    "CoalitionPressure",
    "ConvergenceWarning",
    "Diagnostics",
    "IssueSalience",
    "IssueSalienceConfig",
    "IssueVote",
    "IssueVoteConfig",
    "PollAverage",
    "PollAverageConfig",
    "SamplerSettings",
    "VoteMRP",
]
