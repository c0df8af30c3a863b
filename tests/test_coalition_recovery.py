"""Coverage of CoalitionPressure on simulated coalitions with known preferences and salience.

The truth is drawn from the model's priors (opinion.models.coalition.simulate), so the 90%
posterior intervals of each member's pressure should cover the true pressure for about 90%
of members; the acceptance bar is 85% over 20 seeded simulations.
"""

from __future__ import annotations

import numpy as np
import pytest

from opinion.models.coalition import CoalitionPressure
from opinion.models.coalition.inputs import default_members
from opinion.models.coalition.simulate import simulate

N_SIMULATIONS = 20


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pressure_intervals_cover_simulated_truth(tmp_path):
    members = default_members()
    covered = []
    for seed in range(N_SIMULATIONS):
        sim = simulate(members, seed=seed)
        model = CoalitionPressure(sim.polls, members=members, salience=sim.salience)
        fit = model.fit(random_seed=seed, draws=400, tune=500, chains=2, cores=1,
                        cache=False, progressbar=False)
        truth = sim.pressure(model.inputs.days)
        table = fit.pressure(0.9)
        lower = table["lower"].to_numpy().reshape(truth.shape)
        upper = table["upper"].to_numpy().reshape(truth.shape)
        inside = (truth >= lower) & (truth <= upper)
        covered.append(inside.mean(axis=1))  # per member, share of months covered
    coverage = float(np.mean(covered))
    print(f"coverage of 90% pressure intervals over {N_SIMULATIONS} simulations: {coverage:.3f}")
    assert coverage >= 0.85, f"coverage {coverage:.3f}"
