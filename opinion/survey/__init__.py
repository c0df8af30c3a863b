"""Survey statistics: margins of error, intervals, weighting and design-based estimates."""

from opinion.survey.design import Design, WeightingStep
from opinion.survey.diagnostics import kish_deff, weights_summary
from opinion.survey.estimation import poll_difference
from opinion.survey.intervals import (
    DifferenceTest,
    LeadTest,
    deff_from_moe,
    difference_test,
    effective_n,
    lead_moe,
    lead_test,
    margin_of_error,
    multinomial_ci,
    proportion_ci,
    z_value,
)
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
    "DifferenceTest",
    "LeadTest",
    "deff_from_moe",
    "difference_test",
    "effective_n",
    "lead_moe",
    "lead_test",
    "margin_of_error",
    "multinomial_ci",
    "proportion_ci",
    "z_value",
]
