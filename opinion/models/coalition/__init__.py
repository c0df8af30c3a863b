"""Coalition negotiation pressure: which members' publics push to negotiate, and the odds
that the coalition splits."""

from opinion.lazy import lazy_exports

_EXPORTS = {
    "CoalitionPressure": "opinion.models.coalition.model",
    "CoalitionConfig": "opinion.models.coalition.config",
    "CoalitionResults": "opinion.models.coalition.results",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
