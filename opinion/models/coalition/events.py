r"""Stage 2: the event model on member-months, fitted with stage 1's latent series.

For member :math:`m` and month :math:`t` (1 = at least one selected defection event):

.. math::

    \eta_{m,t} = \alpha + u_m + \beta_o (O_{m,t} - \bar O) + \beta_s (S_{m,t} - \bar S)
        + \beta_e e^{-D_{m,t} / \lambda} + \beta_g G_{m,t} + \beta_p P_{m,t},

with :math:`u_m = \sigma_u z_m` the member's own history (partially pooled), :math:`O, S`
latent opinion and salience (log-odds, centred at their member-month means), :math:`D` the
months to the next government-forming election, :math:`G` a change of government in the
last ``change_window`` months and :math:`P` a government that came in with a change coded
less supportive of Ukraine (off by default). Terms can be switched off (data container
``terms_on``), so every variant of the back-test reuses one compiled model.

Stage 1's uncertainty enters as a measurement-error term: :math:`O_{m,t} \sim N(\hat O_{m,t},
s_{m,t}^2)` from stage 1's posterior mean and sd, integrated out of the likelihood with the
probit approximation of the logistic-normal integral,

.. math::

    P(y_{m,t} = 1) \approx \operatorname{logit}^{-1}\!\Big(\hat\eta_{m,t} \big/
        \sqrt{1 + \tfrac{\pi}{8}(\beta_o^2 s^2_{O,m,t} + \beta_s^2 s^2_{S,m,t})}\Big),

so events never feed back into the measured opinion (the measurement is cut from the event
model). Predictions and derived quantities instead use stage 1's joint draws of the whole
series, paired draw by draw with stage 2's parameters (:func:`probability_draws`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from opinion.models.coalition.config import TERMS
from opinion.models.coalition.data import CoalitionInputs
from opinion.models.coalition.event_inputs import change_indicators
from opinion.models.coalition.measurement import logit

FAR = 1e6
"""Months to an election when none is known (its proximity term is then exactly 0)."""
PARAMETERS = ("event_base", "history_sd", "history", "beta_opinion", "beta_salience",
              "beta_election", "decay_months", "beta_change", "beta_partisanship")


def switches(terms: tuple[str, ...]) -> np.ndarray:
    """0/1 per term of :data:`TERMS`."""
    return np.array([1.0 if t in terms else 0.0 for t in TERMS])


def latent_summaries(draws: np.ndarray, n_members: int) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of a latent series ``(draws, unit, month)`` for the members."""
    members = draws[:, :n_members, :]
    return members.mean(axis=0), members.std(axis=0)


def event_arrays(inputs: CoalitionInputs, opinion: np.ndarray, salience: np.ndarray | None,
                 config: Any, *, origin: int | None = None,
                 terms: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Data of the event model from stage-1 draws ``(draws, unit, month)``.

    ``origin``: the first month not used (a back-test origin); events and changes of
    government from that month on are not known. Default: every month with data.
    """
    m = inputs.n_members
    ev = inputs.events
    stop = inputs.end + 1 if origin is None else min(origin, inputs.end + 1)
    weight = ev.observed.astype(float)
    weight[:, stop:] = 0.0
    o_mean, o_sd = latent_summaries(opinion, m)
    if salience is not None:
        s_mean, s_sd = latent_summaries(salience, m)
    else:
        s_mean, s_sd = np.zeros_like(o_mean), np.zeros_like(o_sd)
    recent, less = change_indicators(ev.changes, inputs.members, len(inputs.months),
                                     config.change_window, known_before=stop)
    return {
        "event_y": ev.y, "event_weight": weight,
        "opinion_hat": o_mean, "opinion_se": o_sd, "salience_hat": s_mean, "salience_se": s_sd,
        "opinion_center": np.array(o_mean[:, :stop].mean()),
        "salience_center": np.array(s_mean[:, :stop].mean()),
        "election_months": np.where(np.isinf(ev.months_to_election), FAR,
                                    ev.months_to_election),
        "change_recent": recent, "change_less": less,
        "terms_on": switches(inputs.terms if terms is None else terms),
        **prior_arrays(config),
    }


def prior_arrays(config: Any) -> dict[str, np.ndarray]:
    """The event model's prior scales as data containers (a sensitivity refit changes
    them without recompiling)."""
    return {"prior_base": np.array([logit(100 * config.base_rate), config.base_rate_sd]),
            "prior_scales": np.array([config.history_sd, config.effect_sd]),
            "prior_decay": np.array([np.log(config.decay_months), config.decay_sd_log])}


def _priors(d: dict[str, Any]) -> dict[str, Any]:
    base, scales, decay = d["prior_base"], d["prior_scales"], d["prior_decay"]
    history_sd = pm.HalfNormal("history_sd", scales[0])
    return {
        "base": pm.Normal("event_base", base[0], base[1]),
        "history": pm.Deterministic("history", history_sd * pm.Normal(
            "history_z", 0.0, 1.0, dims="member"), dims="member"),
        "opinion": pm.Normal("beta_opinion", 0.0, scales[1]),
        "salience": pm.Normal("beta_salience", 0.0, scales[1]),
        "election": pm.Normal("beta_election", 0.0, scales[1]),
        "decay": pm.LogNormal("decay_months", decay[0], decay[1]),
        "change": pm.Normal("beta_change", 0.0, scales[1]),
        "partisanship": pm.Normal("beta_partisanship", 0.0, scales[1]),
    }


def build_event_model(arrays: dict[str, np.ndarray], inputs: CoalitionInputs, config: Any
                      ) -> pm.Model:
    """The stage-2 PyMC model (likelihood: a weighted Bernoulli ``Potential``)."""
    model_coords = {"member": inputs.members, "month": [f"{t:%Y-%m}" for t in inputs.months],
                    "term": list(TERMS)}
    with pm.Model(coords=model_coords) as model:
        d = {k: pm.Data(k, v) for k, v in arrays.items()}
        on = d["terms_on"]
        p = _priors(d)
        eta = (p["base"] + on[0] * p["history"][:, None]
               + on[1] * p["opinion"] * (d["opinion_hat"] - d["opinion_center"])
               + on[2] * p["salience"] * (d["salience_hat"] - d["salience_center"])
               + on[3] * p["election"] * pt.exp(-d["election_months"] / p["decay"])
               + on[4] * p["change"] * d["change_recent"]
               + on[5] * p["partisanship"] * d["change_less"])
        var = (on[1] * p["opinion"] ** 2 * d["opinion_se"] ** 2
               + on[2] * p["salience"] ** 2 * d["salience_se"] ** 2)
        x = eta / pt.sqrt(1.0 + np.pi / 8.0 * var)
        y = d["event_y"]
        logp = y * -pt.softplus(-x) + (1.0 - y) * -pt.softplus(x)
        pm.Potential("event_likelihood", (d["event_weight"] * logp).sum())
    return model


def probability_draws(params: dict[str, np.ndarray], arrays: dict[str, np.ndarray],
                      opinion: np.ndarray, salience: np.ndarray | None, n_members: int,
                      terms_on: np.ndarray | None = None) -> np.ndarray:
    """Monthly event probabilities ``(draws, member, month)``.

    ``params``: stage-2 draws (``event_base`` ..., 1-D per scalar, ``history`` (draws,
    member)); ``opinion``/``salience``: stage-1 draws ``(draws, unit, month)`` paired with
    them draw by draw (the first ``len(event_base)`` draws are used).
    """
    on = arrays["terms_on"] if terms_on is None else terms_on
    k = len(params["event_base"])
    col = {name: np.asarray(params[name])[:k, None, None] for name in PARAMETERS
           if name not in ("history", "history_sd")}
    eta = col["event_base"] + on[0] * np.asarray(params["history"])[:k, :, None]
    eta = eta + on[1] * col["beta_opinion"] * (opinion[:k, :n_members] -
                                               arrays["opinion_center"])
    if salience is not None:
        eta = eta + on[2] * col["beta_salience"] * (salience[:k, :n_members] -
                                                    arrays["salience_center"])
    eta = eta + on[3] * col["beta_election"] * np.exp(-arrays["election_months"][None] /
                                                      col["decay_months"])
    eta = eta + on[4] * col["beta_change"] * arrays["change_recent"][None]
    eta = eta + on[5] * col["beta_partisanship"] * arrays["change_less"][None]
    return 1.0 / (1.0 + np.exp(-eta))
