"""The shared core every model stands on: configuration, sampling, fit cache, results,
diagnostics, contraction and the plot theme."""

from opinion.models.core.base import BayesianModel
from opinion.models.core.config import ModelConfig
from opinion.models.core.diagnostics import ConvergenceWarning, Diagnostics
from opinion.models.core.results import ModelResults, interval, load_results
from opinion.models.core.sampling import SamplerSettings

__all__ = ["BayesianModel", "ConvergenceWarning", "Diagnostics", "ModelConfig",
           "ModelResults", "SamplerSettings", "interval", "load_results"]
