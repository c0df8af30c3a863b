"""Issue salience and rank (single-choice, multi-mention and rating questions): config,
inputs, model, results, plots, simulator and the single-poll baseline."""

from opinion.lazy import lazy_exports

_EXPORTS = {
    "IssueSalience": "opinion.models.salience.model",
    "IssueSalienceConfig": "opinion.models.salience.config",
    "IssueSalienceResults": "opinion.models.salience.results",
    "poll_baseline": "opinion.models.salience.baseline",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
