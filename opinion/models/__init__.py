"""Bayesian models (PyMC) on a shared core, one package per model.

``PollAverage`` (opinion over time), ``IssueSalience`` (issue ranks), ``IssueVote`` and
``VoteMRP`` (election impact), ``CoalitionPressure`` (negotiation pressure). Names are
imported on first use, so ``import opinion.models`` does not load PyMC.
"""

from __future__ import annotations

from opinion.lazy import lazy_exports
from opinion.models import coalition, core, election, poll_average, salience

_EXPORTS = {
    name: module
    for package in (core, poll_average, salience, election, coalition)
    for name, module in package._EXPORTS.items()
    if name != "interval"
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
