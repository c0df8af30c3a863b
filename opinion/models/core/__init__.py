"""The shared core every model stands on: configuration, sampling, fit cache, results,
diagnostics, contraction and the plot theme (names imported on first use)."""

from opinion.lazy import lazy_exports

_EXPORTS = {
    "BayesianModel": "opinion.models.core.base",
    "ModelConfig": "opinion.models.core.config",
    "ConvergenceWarning": "opinion.models.core.diagnostics",
    "Diagnostics": "opinion.models.core.diagnostics",
    "ModelResults": "opinion.models.core.results",
    "interval": "opinion.models.core.results",
    "load_results": "opinion.models.core.results",
    "SamplerSettings": "opinion.models.core.sampling",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
