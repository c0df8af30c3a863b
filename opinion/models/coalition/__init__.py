"""Coalition pressure: which members' publics push to negotiate (issue 8)."""

from opinion.models.coalition.config import CoalitionConfig
from opinion.models.coalition.model import CoalitionPressure

__all__ = ["CoalitionConfig", "CoalitionPressure"]
