"""Issue salience and rank model (single-choice, multi-mention and rating questions)."""

from opinion.models.salience.baseline import poll_baseline
from opinion.models.salience.config import IssueSalienceConfig
from opinion.models.salience.model import IssueSalience

__all__ = ["IssueSalience", "IssueSalienceConfig", "poll_baseline"]
