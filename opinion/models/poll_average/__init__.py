"""Poll average (opinion over time) model."""

from opinion.models.poll_average.config import PollAverageConfig
from opinion.models.poll_average.model import PollAverage

__all__ = ["PollAverage", "PollAverageConfig"]
