"""Opinion over time: a Bayesian poll average with house effects (config, inputs, model,
results, plots, simulator, Kalman smoother)."""

from opinion.lazy import lazy_exports

_EXPORTS = {
    "KalmanResult": "opinion.models.poll_average.kalman",
    "PollAverage": "opinion.models.poll_average.model",
    "PollAverageConfig": "opinion.models.poll_average.config",
    "PollAverageResults": "opinion.models.poll_average.results",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
