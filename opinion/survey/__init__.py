"""Survey statistics: margins of error, intervals, weighting and design-based estimates."""

from opinion.survey import intervals as _intervals
from opinion.survey.design import Design, WeightingStep
from opinion.survey.diagnostics import kish_deff, weights_summary
from opinion.survey.estimation import poll_difference
from opinion.survey.intervals import *  # noqa: F403 - re-exported, listed in intervals.__all__
from opinion.survey.tables import RaoScott
from opinion.survey.weighting import rake_weights

__all__ = [
    "Design",
    "RaoScott",
    "WeightingStep",
    "kish_deff",
    "poll_difference",
    "rake_weights",
    "weights_summary",
    *_intervals.__all__,
]
