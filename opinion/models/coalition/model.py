r"""Coalition pressure: which members' publics push their governments to negotiate now.

The model
---------
Member :math:`m` (region :math:`r(m)`) has a static latent public preference for negotiating
now, :math:`\theta_m`, on the log-odds scale of the reference item (by default the share of
ECFR's 'Peace' camp), partially pooled by region:

.. math::

    \theta_m = \mu + \sigma_r z_{r(m)} + \sigma_m z_m, \qquad z \sim N(0, 1).

Heterogeneous poll items measure it. Item :math:`q` (a ``question_id:response``) has an
intercept :math:`a_q` and a loading :math:`b_q = d_q e^{\ell_q}` whose sign :math:`d_q = \pm 1`
is given (ECFR 'Justice' and Eurobarometer 'approve EU support' fall as :math:`\theta` rises);
the reference item has :math:`a = 0, b = 1`. A reported share :math:`y` of item :math:`q` in
member :math:`m` enters as

.. math::

    \operatorname{logit} y \sim N\!\left(a_q + b_q \theta_m,\;
        \frac{1}{n\,y(1-y)} + \tau^2\right),

the normal approximation of a binomial on the logit scale with :math:`n` the country's sample
size (``country_n`` when the poll does not publish it) plus item-by-country non-sampling error
:math:`\tau`.

Pressure on member :math:`m`'s government at date :math:`t` adds the domestic salience of the
cost of living against the war and the approach of the member's next government-forming
election (:math:`D_{m,t}` days away; no election in the calendar: term 0):

.. math::

    P_{m,t} = \theta_m + \gamma (s_m - \mu_s) + \beta \exp(-D_{m,t} / \lambda).

Salience :math:`s_m = \mu_s + \sigma_s z^s_m` (log-odds of domestic issues against the war) is
measured where a ``salience=`` table gives it (:math:`\operatorname{logit}` of its share, binomial
error on its ``n``) and pooled otherwise: **with no salience data (the bundled case) it is a
pooled parameter known only through its prior**, so it widens every member's pressure equally.
No bundled poll measures :math:`\beta`, :math:`\lambda` or :math:`\gamma` either: they are
prior-only assumptions, carried into every interval (and varied in ``sensitivity()``).

Priors
------
- :math:`\mu \sim N(\text{mu\_center}, \text{mu\_sd})` (logit 35%, 1);
  :math:`\sigma_r \sim HN(\text{region\_sd})`, :math:`\sigma_m \sim HN(\text{member\_sd})` (0.5);
- :math:`a_q \sim N(0, 1.5)`, :math:`\ell_q \sim N(0, 0.5)`, :math:`\tau \sim
  \text{Gamma}(4, 4/\text{poll\_error})` (mean 0.2 log-odds);
- :math:`\mu_s \sim N(0, 1)`, :math:`\sigma_s \sim HN(0.5)`, :math:`\gamma \sim HN(0.5)`;
- :math:`\beta \sim HN(\text{election\_effect\_sd})` (0.5), :math:`\lambda \sim
  \text{LogNormal}(\log \text{decay\_days}, \text{decay\_sd})` (180 days, 0.5).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from opinion.models.coalition.config import CoalitionConfig
from opinion.models.coalition.inputs import CoalitionData, prepare
from opinion.models.coalition.results import CoalitionResults
from opinion.models.core.base import BayesianModel
from opinion.models.core.hashing import records_to_frame


class CoalitionPressure(BayesianModel):
    """Which members' publics push to negotiate, pooled by region, over an election calendar.

    Parameters
    ----------
    frame
        A :class:`~opinion.frames.PollFrame`, a DataFrame in the poll-frame layout (e.g. the
        Eurobarometer table) or a list of them. Country rows (``country`` set) of the items in
        ``items`` are used.
    config
        A :class:`CoalitionConfig` or a dict of its fields.
    **overrides
        Fields of :class:`CoalitionConfig` (``country_n``, priors, dates, ``items``,
        ``weights``) and the tables ``members``, ``elections``, ``salience``:

    members
        DataFrame with ``iso2, name, region`` (default: the bundled 30 NATO members of
        November 2022; a ``next_election`` column extends the default calendar).
    elections
        DataFrame ``iso2, date`` of government-forming elections (default: the bundled
        2022-24 calendar plus each member's next election).
    weights
        ``"equal"`` (default), ``"aid"`` (Kiel 2022 allocations) or a Series ``iso2 ->
        weight`` summing to 1 (e.g. GDP or population shares).
    salience
        Optional DataFrame ``iso2, pct, n``: share naming domestic issues rather than the war.

    Examples
    --------
    >>> polls = [opinion.datasets.load("ecfr_peace_justice_2022"),
    ...          opinion.datasets.load("eurobarometer_support_2022")]  # doctest: +SKIP
    >>> fit = CoalitionPressure(polls).fit(random_seed=1)  # doctest: +SKIP
    >>> fit.pressure().head()  # doctest: +SKIP
    """

    name = "coalition_pressure"
    config_class = CoalitionConfig
    results_class = CoalitionResults
    table_arguments = ("members", "elections", "salience")
    inputs: CoalitionData

    def validate_frame(self, frame: Any) -> Any:
        return frame  # one or several poll tables, checked by prepare()

    @classmethod
    def rebuild_frame(cls, results: Any) -> Any:
        return records_to_frame(results.meta["data"], ("end_date",))

    @classmethod
    def from_results(cls, results: Any, *, frame: Any = None, **changes: Any
                     ) -> CoalitionPressure:
        """The model behind ``results`` with its saved tables (members, elections, weights,
        salience), configuration fields changed by ``changes``."""
        sal = pd.DataFrame(results.meta["salience_data"])
        tables = {"members": results.members, "elections": results.elections,
                  "salience": sal if len(sal) else None}
        config = {k: v for k, v in results.meta["config"].items() if k != "weights"}
        config["weights"] = dict(zip(results.iso2, results.weights, strict=True))
        source = frame if frame is not None else cls.rebuild_frame(results)
        return cls(source, config={**config, **{k: v for k, v in changes.items()
                                                if k not in cls.table_arguments}},
                   **{**tables, **{k: v for k, v in changes.items()
                                   if k in cls.table_arguments}})

    def prepare_inputs(self) -> CoalitionData:
        inputs = prepare(self.frame, self.tables.get("members"), self.tables.get("elections"),
                         self.config.weights, self.tables.get("salience"), self.config)
        if not isinstance(self.config.weights, str):
            self.config = self.config.replace(weights=dict(zip(
                inputs.members["iso2"], inputs.weights.tolist(), strict=True)))
        return inputs

    # ------------------------------------------------------------------ protocol
    def observations(self) -> pd.DataFrame:
        return self.inputs.cells.copy()

    def code_modules(self) -> list[str]:
        return ["opinion.models.coalition.inputs"]

    def summary_var_names(self) -> list[str]:
        return ["mu", "sigma_region", "sigma_member", "theta", "tau", "item_intercept",
                "item_log_loading"]

    def results_metadata(self) -> dict[str, Any]:
        d = self.inputs
        polled = sorted(set(d.cells["country"]))
        return {
            "members": d.members.to_dict(orient="list"),
            "regions": d.regions,
            "items": d.items,
            "dates": [f"{t:%Y-%m-%d}" for t in d.dates],
            "weights": d.weights.tolist(),
            "elections": {"iso2": d.elections["iso2"].tolist(),
                          "date": [f"{t:%Y-%m-%d}" for t in d.elections["date"]]},
            "polled_members": polled,
            "salience_data": d.salience.to_dict(orient="list"),
        }

    # ------------------------------------------------------------------ model
    def coords(self) -> dict[str, list]:
        d = self.inputs
        return {"member": d.members["iso2"].tolist(), "region": d.regions,
                "item": d.items[1:], "cell": list(range(len(d.cells)))}

    def build_model(self) -> pm.Model:
        d, c = self.inputs, self.config
        region_idx = d.members["region"].map({r: i for i, r in enumerate(d.regions)}).to_numpy()
        member_idx = d.cells["country"].map(
            {m: i for i, m in enumerate(d.members["iso2"])}).to_numpy()
        item_idx = d.cells["item"].map({q: i for i, q in enumerate(d.items)}).to_numpy()
        share = d.cells["pct"].to_numpy(float) / 100
        y = np.log(share / (1 - share))
        se2 = 1.0 / (d.cells["n"].to_numpy(float) * share * (1 - share))
        with pm.Model(coords=self.coords()) as model:
            mu = pm.Normal("mu", c.mu_center, c.mu_sd)
            sigma_region = pm.HalfNormal("sigma_region", c.region_sd)
            sigma_member = pm.HalfNormal("sigma_member", c.member_sd)
            z_region = pm.Normal("z_region", 0, 1, dims="region")
            z_member = pm.Normal("z_member", 0, 1, dims="member")
            theta = pm.Deterministic(
                "theta", mu + sigma_region * z_region[region_idx] + sigma_member * z_member,
                dims="member")
            n_other = len(d.items) - 1
            if n_other:
                a_free = pm.Normal("item_intercept", 0, c.item_intercept_sd, dims="item")
                l_free = pm.Normal("item_log_loading", 0, c.item_loading_sd, dims="item")
                a = pt.concatenate([pt.zeros(1), a_free])
                b = pt.concatenate([pt.ones(1), d.directions[1:] * pt.exp(l_free)])
            else:
                a, b = pt.zeros(1), pt.ones(1)
            tau = pm.Gamma("tau", alpha=4.0, beta=4.0 / c.poll_error)
            mean = a[item_idx] + b[item_idx] * theta[member_idx]
            pm.Normal("y", mean, pt.sqrt(se2 + tau**2), observed=y, dims="cell")
            if len(d.salience):
                self._salience_block(d)
        return model

    def _salience_block(self, d: CoalitionData) -> None:
        """Salience of domestic issues against the war (log-odds), measured where given."""
        c = self.config
        mu_s = pm.Normal("salience_mean", 0, 1)
        sigma_s = pm.HalfNormal("salience_sd", c.salience_sd)
        z_s = pm.Normal("z_salience", 0, 1, dims="member")
        salience = pm.Deterministic("salience", mu_s + sigma_s * z_s, dims="member")
        s_share = d.salience["pct"].to_numpy(float) / 100
        s_idx = d.salience["iso2"].map({m: i for i, m in enumerate(d.members["iso2"])}).to_numpy()
        s_se = np.sqrt(1 / (d.salience["n"].to_numpy(float) * s_share * (1 - s_share)))
        pm.Normal("salience_obs", salience[s_idx], s_se, observed=np.log(s_share / (1 - s_share)))

    # ------------------------------------------------------------------ sampling
    def _prior_only(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Exact draws of the parameters no data inform (independent of the posterior)."""
        c, m = self.config, len(self.inputs.members)
        out = {
            "salience_effect": np.abs(rng.normal(0, c.salience_effect_sd, n)),
            "election_effect": np.abs(rng.normal(0, c.election_effect_sd, n)),
            "decay_days": np.exp(rng.normal(np.log(c.decay_days), c.decay_sd, n)),
        }
        if not len(self.inputs.salience):
            mu_s = rng.normal(0, 1, n)
            sd_s = np.abs(rng.normal(0, c.salience_sd, n))
            out["salience_mean"] = mu_s
            out["salience_sd"] = sd_s
            out["salience"] = mu_s[:, None] + sd_s[:, None] * rng.standard_normal((n, m))
        return out

    def postprocess_posterior(self, idata: xr.DataTree, rng: np.random.Generator
                              ) -> xr.DataTree:
        """Add exact prior draws of the prior-only parameters (election effect and decay,
        salience effect, and salience when no salience data are given) to the posterior."""
        post = idata["posterior"]
        chains, draws = post.sizes["chain"], post.sizes["draw"]
        members = self.inputs.members["iso2"].tolist()
        new = {}
        for name, values in self._prior_only(chains * draws, rng).items():
            if name in post:
                continue
            shape = (chains, draws) + values.shape[1:]
            dims = ("chain", "draw") + (("member",) if values.ndim > 1 else ())
            new[name] = (dims, values.reshape(shape))
        ds = post.to_dataset().assign(**{k: v for k, v in new.items()})
        ds = ds.assign_coords(member=members)
        idata["posterior"] = xr.DataTree(ds)
        return idata
