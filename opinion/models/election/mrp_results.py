"""Results of the MRP vote model: poststratified vote, vote by issue, counterfactuals.

Shares and changes are in percent / percentage points, shifts of issue priority are
proportions of each cell's voters (``0.08`` = 8 points), intervals are equal-tailed posterior
intervals at ``level`` (default 90%). Everything is computed on the posterior draws (numpy,
vectorised), never by re-fitting; see :mod:`opinion.models.election.mrp` for the maths. The
interface is :class:`~opinion.models.election.impact.VoteImpactResults`, shared with
:class:`~opinion.models.election.results.IssueVoteResults`.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError
from opinion.models.core.hashing import records_to_frame
from opinion.models.core.results import DEFAULT_LEVEL, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.election.impact import VoteImpactResults

if TYPE_CHECKING:
    pass


def shift_cells(mass: np.ndarray, probs: np.ndarray, deltas: dict[int, float],
                source: np.ndarray | None = None, *, issues: list[str] | None = None,
                cell_labels: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Poststratified vote before and after shifting issue priority inside every cell.

    Parameters
    ----------
    mass
        Population counts (base cells, issues); every base cell has a positive total.
    probs
        Modelled vote probabilities (draws, base cells, issues, parties).
    deltas
        ``{issue index: change}``, changes as proportions of each cell's voters.
    source
        Weights (issues,) of the issues that give up the net shift (summing to 1), or
        ``None`` for every unshifted issue in proportion to its share in the cell.
    issues, cell_labels
        Names used in error messages.

    Returns
    -------
    tuple of numpy.ndarray
        Baseline and counterfactual vote (draws, parties), proportions. With no shift the
        counterfactual is the baseline exactly.

    Raises
    ------
    ModelInputError
        If a share in some cell would leave [0, 1] (or a cell has nothing to give).
    """
    mass = np.asarray(mass, dtype=float)
    total = mass.sum()
    base = np.einsum("dbik,bi->dk", probs, mass) / total
    if not deltas or all(float(d) == 0 for d in deltas.values()):
        return base, base.copy()
    cell_total = mass.sum(axis=1, keepdims=True)
    share = mass / cell_total
    change = np.zeros_like(share)
    for k, delta in deltas.items():
        change[:, k] += float(delta)
    net = float(sum(deltas.values()))
    free = np.ones(mass.shape[1], dtype=bool)
    free[list(deltas)] = False
    names = issues or [str(i) for i in range(mass.shape[1])]
    if source is None:
        avail = (share * free).sum(axis=1, keepdims=True)
        empty = (avail[:, 0] <= 0) & (net != 0)
        if empty.any():
            first = int(np.flatnonzero(empty)[0])
            where = cell_labels[first] if cell_labels else f"cell {first}"
            raise ModelInputError(
                f"{int(empty.sum())} population cell(s) have no voters outside the shifted "
                f"issue(s) to take the shift from (e.g. {where}); name sources explicitly")
        weights = share * free / np.where(avail > 0, avail, 1.0)
    else:
        weights = np.broadcast_to(np.asarray(source, dtype=float), share.shape)
    change -= net * weights
    new = share + change
    bad = (new < -1e-9) | (new > 1 + 1e-9)
    if bad.any():
        cells, cols = np.nonzero(bad)
        k = int(cols[0])
        n_bad = int(bad[:, k].sum())
        first = int(cells[0])
        where = cell_labels[first] if cell_labels else f"cell {first}"
        raise ModelInputError(
            f"the shift would push the share of {names[k]!r} outside 0-100% in {n_bad} of "
            f"{len(share)} population cell(s) (e.g. {where}: {100 * share[first, k]:.1f}% -> "
            f"{100 * new[first, k]:.1f}%). Use a smaller shift or other sources")
    diff = np.einsum("dbik,bi->dk", probs, cell_total * change) / total
    return base, base + diff


def _softmax_with_reference(eta: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis, the reference (log-odds 0) prepended."""
    full = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
    full = full - full.max(axis=-1, keepdims=True)
    probs = np.exp(full)
    return probs / probs.sum(axis=-1, keepdims=True)


PPC_SEED_TAG = zlib.crc32(b"posterior_predictive")
"""Second element of the seed of the posterior predictive redraws:
``np.random.default_rng([random_seed, PPC_SEED_TAG])``."""

_PPC_CHUNK = 2_000_000  # respondent-draws per block of the posterior predictive check


class VoteMRPResults(VoteImpactResults):
    """What a fitted :class:`~opinion.models.election.mrp.VoteMRP` returns."""

    model_label = "Vote MRP"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.parties: list[str] = list(meta["parties"])
        self.groups: list[str] = list(meta["groups"])
        self.covariates: list[str] = list(meta["covariates"])
        self.issue: str | None = meta.get("issue")
        self.levels: dict[str, list[str]] = {g: list(v) for g, v in meta["levels"].items()}
        self.new_levels: dict[str, list[str]] = {g: list(v) for g, v in
                                                 (meta.get("new_levels") or {}).items()}
        self.base_cols: list[str] = list(meta["base_cols"])
        pop = meta["population"]
        self.cells = pd.DataFrame(pop["data"], columns=pop["columns"])
        for g in self.groups:
            if g in self.cells:
                self.cells[g] = self.cells[g].astype(str)
        self.issues: list[str] = (self.all_levels(self.issue) if self.issue else ["(all)"])
        n_issue = len(self.issues)
        self.mass = self.cells["count"].to_numpy(dtype=float).reshape(-1, n_issue)
        self.base = self.cells.iloc[::n_issue][self.base_cols].reset_index(drop=True)
        self._probs: np.ndarray | None = None

    # ------------------------------------------------------------------ draws
    def all_levels(self, group: str) -> list[str]:
        """Sample levels of a group followed by population-only (new) levels."""
        return self.levels[group] + self.new_levels.get(group, [])

    def group_effects(self, group: str, source: str = "posterior") -> np.ndarray:
        """Varying intercepts (draws, levels incl. new ones, contrasts), log-odds.

        New levels (population only) get ``sd * sqrt(1 + 1/L) * N(0, 1)`` per draw (``L``
        sample levels, whose effects sum to zero) from a generator seeded by the fit's seed
        and the group's name (and ``source`` when it is not the posterior), so repeated calls
        agree.
        """
        sd = self.draws(f"sd_{group}", source)
        z = self.draws(f"z_{group}", source)  # (draws, contrast, level): zero-sum over levels
        effect = np.swapaxes(z, 1, 2) * sd[:, None, :]
        new = self.new_levels.get(group, [])
        if new:
            key = [self.random_seed, zlib.crc32(group.encode())]
            if source != "posterior":
                key.append(zlib.crc32(source.encode()))
            rng = np.random.default_rng(key)
            scale = sd * np.sqrt(1 + 1 / z.shape[2])
            fresh = rng.standard_normal((len(sd), len(new), sd.shape[1])) * scale[:, None, :]
            effect = np.concatenate([effect, fresh], axis=1)
        return effect

    def cell_probabilities(self) -> np.ndarray:
        """Modelled vote probabilities (draws, base cells, issues, parties) of every cell.

        Held in memory (8 bytes x draws x cells x parties: 4,000 draws x 10,000 cells x 2
        parties is 640 MB); computed once and cached on the results object.
        """
        if self._probs is None:
            self._probs = self._cell_probabilities("posterior")
        return self._probs

    def _cell_probabilities(self, source: str) -> np.ndarray:
        """Cell probabilities (draws, base cells, issues, parties) from ``source`` draws."""
        eta = self.draws("intercept", source)[:, None, None, :]
        for g in self.groups:
            effect = self.group_effects(g, source)
            if g == self.issue:
                eta = eta + effect[:, None, :, :]
            else:
                codes = pd.Categorical(self.base[g], categories=self.all_levels(g)).codes
                eta = eta + effect[:, codes, None, :]
        if self.covariates:
            x = ((self.base[self.covariates].to_numpy(dtype=float)
                  - np.asarray(self.meta["cov_mean"])) / np.asarray(self.meta["cov_sd"]))
            eta = eta + np.einsum("bc,dck->dbk", x, self.draws("slope", source))[
                :, :, None, :]
        shape = np.broadcast_shapes(eta.shape, (1, len(self.base), len(self.issues), 1))
        return _softmax_with_reference(np.broadcast_to(eta, shape))

    def vote_draws(self) -> np.ndarray:
        """Poststratified vote (draws, party), proportions."""
        return np.einsum("dbik,bi->dk", self.cell_probabilities(), self.mass) / self.mass.sum()

    # ------------------------------------------------------------------ tables
    def poststratify(self, by: str | list[str] | None = None,
                     level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Poststratified vote (percent): ``group, party, mean, lower, upper``.

        Parameters
        ----------
        by
            A column of the population table (group, covariate or the issue), a list of
            columns (labels joined with " / "), or ``None`` for the whole population
            (``group = "all"``).
        level
            Interval level.
        """
        cells = self.cells if self.issue else self.cells.assign(**{"(all)": "(all)"})
        probs = self.cell_probabilities().reshape(-1, len(cells), len(self.parties))
        mass = self.mass.ravel()
        if by is None:
            labels = pd.Series("all", index=cells.index)
            order = ["all"]
        else:
            cols = [by] if isinstance(by, str) else list(by)
            unknown = [c for c in cols if c not in self.cells.columns or c == "count"]
            if unknown:
                raise ModelInputError(f"cannot poststratify by {unknown}: not a column of the "
                                      f"population table ({[*self.base_cols, self.issue]})")
            labels = cells[cols].astype(str).agg(" / ".join, axis=1)
            order = list(dict.fromkeys(labels))
            if len(cols) == 1 and cols[0] in self.levels:
                known = self.all_levels(cols[0])
                order = [lv for lv in known if lv in order]
        codes = pd.Categorical(labels, categories=order).codes
        member = np.zeros((len(order), len(cells)))
        member[codes, np.arange(len(cells))] = mass
        totals = member.sum(axis=1)
        keep = totals > 0
        draws = np.einsum("gc,dck->dgk", member[keep], probs) / totals[keep][None, :, None]
        mean, lower, upper = _interval(100 * draws, level)
        names = [o for o, k in zip(order, keep, strict=True) if k]
        rows = [{"group": g, "party": p, "mean": mean[i, j], "lower": lower[i, j],
                 "upper": upper[i, j]}
                for i, g in enumerate(names) for j, p in enumerate(self.parties)]
        return pd.DataFrame(rows)

    def vote(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Poststratified vote of the whole population (percent): ``party, mean, lower,
        upper``."""
        return self.poststratify(None, level).drop(columns="group")

    def vote_by_issue(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Poststratified vote among each issue's voters (percent): ``issue, party, mean,
        lower, upper``."""
        self._require_issue()
        return self.poststratify(self.issue, level).rename(columns={"group": "issue"})

    def issue_shares(self) -> pd.DataFrame:
        """Share of the population naming each issue (percent; from the population table)."""
        self._require_issue()
        shares = 100 * self.mass.sum(axis=0) / self.mass.sum()
        return pd.DataFrame({"issue": self.issues, "share": shares})

    # ------------------------------------------------------------------ counterfactuals
    def _require_issue(self) -> None:
        if not self.issue:
            raise ModelInputError("this model has no issue column (issue=None): fit it with "
                                  "the issue-priority column among groups and issue='...'")

    def _issue_index(self, name: str) -> int:
        if name in self.issues:
            return self.issues.index(name)
        lower = [i.lower() for i in self.issues]
        if str(name).lower() in lower:
            return lower.index(str(name).lower())
        raise ModelInputError(f"unknown issue {name!r} (have: {', '.join(self.issues)})")

    def _cell_labels(self) -> list[str]:
        if not self.base_cols:
            return ["the whole population"]
        return self.base.astype(str).apply(
            lambda r: ", ".join(f"{c}={v}" for c, v in r.items()), axis=1).tolist()

    def counterfactual_draws(self, shift: dict[str, float],
                             source: str | dict[str, float] = "proportional"
                             ) -> tuple[np.ndarray, np.ndarray]:
        """Baseline and counterfactual vote draws, each (draws, party), proportions.

        Parameters
        ----------
        shift
            ``{issue: change}``: within every population cell, ``change`` (a proportion of
            the cell's voters; +0.08 = 8 points) moves into the issue.
        source
            Where the net shift comes from: ``"proportional"`` (default: every other issue in
            proportion to its share in the cell), one issue name, or ``{issue: weight}`` with
            weights summing to 1.
        """
        self._require_issue()
        if not isinstance(shift, dict):
            raise ModelInputError("shift must be a dict {issue: change as a proportion}")
        deltas: dict[int, float] = {}
        for name, delta in shift.items():
            delta = float(delta)
            if not -1 < delta < 1:
                raise ModelInputError(f"shift of {name!r} is {delta}: shifts are proportions "
                                      "of each cell's voters (8 points = 0.08)")
            k = self._issue_index(name)
            deltas[k] = deltas.get(k, 0.0) + delta
        weights = None
        if not (isinstance(source, str) and source == "proportional"):
            spec = {source: 1.0} if isinstance(source, str) else source
            if not isinstance(spec, dict) or not spec:
                raise ModelInputError("source must be 'proportional', an issue name or "
                                      "{issue: weight}")
            weights = np.zeros(len(self.issues))
            for name, weight in spec.items():
                k = self._issue_index(name)
                if k in deltas:
                    raise ModelInputError(f"issue {name!r} is both shifted and a source")
                if float(weight) < 0:
                    raise ModelInputError("source weights must be >= 0")
                weights[k] += float(weight)
            if abs(weights.sum() - 1) > 1e-6:
                raise ModelInputError(f"source weights must sum to 1 (got {weights.sum():g})")
        return shift_cells(self.mass, self.cell_probabilities(), deltas, weights,
                           issues=self.issues, cell_labels=self._cell_labels())

    @property
    def _margin_pair(self) -> tuple[int, int] | None:
        if len(self.parties) < 2:
            return None
        order = np.argsort(-self.vote_draws().mean(axis=0), kind="stable")
        return int(order[0]), int(order[1])

    @property
    def margin_label(self) -> str:
        a, b = self._margin_pair or (0, 0)
        return f"margin ({self.parties[a]} - {self.parties[b]})"

    def _quantities(self, vote: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Party votes and the margin (draws, quantity), percent."""
        labels = list(self.parties)
        cols = [100 * vote]
        pair = self._margin_pair
        if pair is not None:
            a, b = pair
            labels.append(self.margin_label)
            cols.append(100 * (vote[:, a] - vote[:, b])[:, None])
        return labels, np.concatenate(cols, axis=1)

    def counterfactual(self, shift: dict[str, float],
                       source: str | dict[str, float] = "proportional",
                       split: str = "fitted", split_sd: float = 0.0,
                       level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Vote shares and margin under shifted issue priority (percent / points).

        Same interface and columns as :meth:`IssueVoteResults.counterfactual
        <opinion.results.election.IssueVoteResults.counterfactual>`: ``quantity, baseline,
        counterfactual, mean, lower, upper, p_increase``, one row per party and one for the
        margin between the two largest parties; ``mean, lower, upper`` are the *change* in
        points. Voters who newly name an issue vote like the modelled voters of that issue in
        their cell (``split="fitted"``, the only option here: the model has the split of
        every cell).
        """
        if split != "fitted" or split_sd:
            raise ModelInputError("VoteMRP counterfactuals use the modelled vote of each cell "
                                  "(split='fitted', split_sd=0)")
        base, new = self.counterfactual_draws(shift, source)
        labels, b = self._quantities(base)
        _, c = self._quantities(new)
        diff = c - b
        mean, lower, upper = _interval(diff, level)
        out = pd.DataFrame({"quantity": labels, "baseline": b.mean(axis=0),
                            "counterfactual": c.mean(axis=0), "mean": mean, "lower": lower,
                            "upper": upper, "p_increase": (diff > 0).mean(axis=0)})
        out.attrs.update({"shift": shift, "source": source, "split": split, "level": level})
        return out

    def shift_curve(self, issue: str, shifts: np.ndarray | list[float] | None = None,
                    source: str | dict[str, float] = "proportional",
                    quantity: str | None = None, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Change of one quantity (default: the margin) over a range of priority shifts.

        Returns ``shift`` (points of issue priority), ``mean, lower, upper`` (points of vote).
        """
        shifts = np.linspace(0, 0.3, 31) if shifts is None else np.asarray(shifts, float)
        rows = []
        for delta in shifts:
            base, new = self.counterfactual_draws({issue: float(delta)}, source)
            labels, b = self._quantities(base)
            _, c = self._quantities(new)
            name = quantity or labels[-1]
            if name not in labels:
                raise ModelInputError(f"unknown quantity {name!r} (have: {labels})")
            mean, lower, upper = _interval((c - b)[:, labels.index(name)], level)
            rows.append({"shift": 100 * float(delta), "mean": float(mean),
                         "lower": float(lower), "upper": float(upper)})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ checks
    def respondents(self) -> pd.DataFrame:
        """The modelled respondents (one row each): vote, group levels, covariates, ``weight``
        (raw survey weight, 1 when unweighted) and ``weight_scaled`` (Kish-rescaled)."""
        if "data" not in self.meta:
            raise ModelInputError("these results hold no respondent data (meta['data'], written "
                                  "by VoteMRP.fit): the posterior predictive check needs it")
        return records_to_frame(self.meta["data"])

    def _respondent_design(self) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray],
                                          np.ndarray, np.ndarray]:
        """Respondents, vote codes, level codes per group, standardised covariates, weights."""
        frame = self.respondents()
        vote = self.meta["config"]["vote"] if "config" in self.meta else "vote"
        y = pd.Categorical(frame[vote].astype(str), categories=self.parties).codes
        idx = {g: pd.Categorical(frame[g].astype(str), categories=self.levels[g]).codes
               for g in self.groups}
        if (y < 0).any() or any((codes < 0).any() for codes in idx.values()):
            raise ModelInputError("the stored respondents do not match the fit's parties or "
                                  "levels")
        if self.covariates:
            X = ((frame[self.covariates].to_numpy(dtype=float)
                  - np.asarray(self.meta["cov_mean"])) / np.asarray(self.meta["cov_sd"]))
        else:
            X = np.zeros((len(frame), 0))
        w = frame["weight"].to_numpy(dtype=float)
        return frame, y, idx, X, w

    def posterior_predictive_check(self, by: str | list[str] | None = None,
                                   level: float = DEFAULT_LEVEL,
                                   draws: int | None = None) -> pd.DataFrame:
        """Weighted observed vote shares against their posterior predictive intervals.

        For every posterior draw every respondent's vote is redrawn from their fitted
        probabilities (a categorical draw by inverse CDF: the first party, in model order,
        whose cumulative probability exceeds a uniform ``u``; the ``u`` come from
        ``np.random.default_rng([random_seed, PPC_SEED_TAG]).random((draws, respondents))``,
        so repeated calls agree), and the survey-weighted vote share is computed in every
        level of the grouping variables exactly as for the observed votes.

        Parameters
        ----------
        by
            A group variable or a list of them (default: every group variable, and the whole
            sample as ``variable = level = "all"``).
        level
            Interval level (equal-tailed).
        draws
            Number of posterior draws used (evenly spaced over the chains; default: all).

        Returns
        -------
        pandas.DataFrame
            ``variable, level, party, observed, lower, upper, inside`` (percent);
            ``inside.mean()`` should be at least about ``level`` when the model fits (often
            near 1: every level checked has its own intercept, fitted to these very data);
            coverage well below ``level`` signals misfit. Levels with no weight are left
            out.
        """
        frame, y, idx, X, w = self._respondent_design()
        if by is None:
            variables = ["all", *self.groups]
        else:
            variables = [by] if isinstance(by, str) else list(by)
            unknown = [v for v in variables if v not in self.groups and v != "all"]
            if unknown:
                raise ModelInputError(f"cannot check by {unknown}: not a group variable "
                                      f"({self.groups})")
        labels: list[tuple[str, str]] = []
        members: list[np.ndarray] = []
        for var in variables:
            if var == "all":
                labels.append(("all", "all"))
                members.append(w.copy())
                continue
            for j, lv in enumerate(self.levels[var]):
                labels.append((var, lv))
                members.append(np.where(idx[var] == j, w, 0.0))
        member = np.array(members)  # (levels, respondents), the weights of the members
        totals = member.sum(axis=1)
        keep = totals > 0
        member, totals = member[keep], totals[keep]
        labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
        n_parties = len(self.parties)
        onehot = np.eye(n_parties)[y]
        observed = 100 * (member @ onehot) / totals[:, None]  # (levels, parties)

        n_total = self._posterior("intercept").shape[0]
        chosen = (np.arange(n_total) if draws is None or draws >= n_total
                  else np.unique(np.linspace(0, n_total - 1, max(1, int(draws))).round()
                                 .astype(int)))
        intercept = self._posterior("intercept")
        effects = {g: self.group_effects(g) for g in self.groups}
        slope = self._posterior("slope") if self.covariates else None
        rng = np.random.default_rng([self.random_seed, PPC_SEED_TAG])
        n = len(y)
        step = max(1, _PPC_CHUNK // max(1, n * n_parties))
        shares = np.empty((len(chosen), len(labels), n_parties))
        for start in range(0, len(chosen), step):
            sel = chosen[start:start + step]
            eta = np.broadcast_to(intercept[sel][:, None, :], (len(sel), n, n_parties - 1))
            for g in self.groups:
                eta = eta + effects[g][sel][:, idx[g], :]
            if slope is not None:
                eta = eta + np.einsum("nc,dck->dnk", X, slope[sel])
            cum = np.cumsum(_softmax_with_reference(eta), axis=-1)
            u = rng.random((len(sel), n))
            redrawn = np.minimum((cum < u[..., None]).sum(axis=-1), n_parties - 1)
            for k in range(n_parties):
                shares[start:start + len(sel), :, k] = (redrawn == k) @ member.T
        shares = 100 * shares / totals[None, :, None]
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        lower = np.quantile(shares, lo, axis=0)
        upper = np.quantile(shares, hi, axis=0)
        rows = [{"variable": var, "level": lv, "party": party,
                 "observed": observed[i, k], "lower": lower[i, k], "upper": upper[i, k],
                 "inside": bool(lower[i, k] <= observed[i, k] <= upper[i, k])}
                for i, (var, lv) in enumerate(labels) for k, party in enumerate(self.parties)]
        return pd.DataFrame(rows)

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Range of the overall poststratified vote implied by the priors alone (percent).

        Every draw of the ``prior`` group (each free parameter drawn from its prior) is
        turned into cell probabilities and poststratified exactly as the posterior draws.
        Columns ``party, lower, median, upper`` (empty when the fit stored no prior draws).
        """
        columns = ["party", "lower", "median", "upper"]
        if "prior" not in self.idata.children:
            return pd.DataFrame(columns=columns)
        probs = self._cell_probabilities("prior")
        vote = 100 * np.einsum("dbik,bi->dk", probs, self.mass) / self.mass.sum()
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        return pd.DataFrame({"party": self.parties,
                             "lower": np.quantile(vote, lo, axis=0),
                             "median": np.median(vote, axis=0),
                             "upper": np.quantile(vote, hi, axis=0)})[columns]

    # ------------------------------------------------------------------ summaries
    def _parameter_rows(self) -> list[tuple[str, np.ndarray]]:
        """Baseline log-odds, group sds (log-odds) and slopes (log-odds per sd)."""
        ref = self.parties[0]
        contrasts = self.parties[1:]

        def suffix(k: str) -> str:
            return "" if len(contrasts) == 1 else f" [{k} vs {ref}]"

        intercept = self._posterior("intercept")
        rows = [(f"baseline log-odds of {k} vs {ref}", intercept[:, j])
                for j, k in enumerate(contrasts)]
        for g in self.groups:
            sd = self._posterior(f"sd_{g}")
            rows += [(f"sd of {g} intercepts{suffix(k)}", sd[:, j])
                     for j, k in enumerate(contrasts)]
        if self.covariates:
            slope = self._posterior("slope")
            for c, cov in enumerate(self.covariates):
                rows += [(f"slope of {cov}{suffix(k)}", slope[:, c, j])
                         for j, k in enumerate(contrasts)]
        return rows

    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """Named parameters (log-odds) and the poststratified vote (percent)."""
        rows = self._parameter_rows()
        vote = 100 * self.vote_draws()
        rows += [(f"vote {party} (poststratified)", vote[:, p])
                 for p, party in enumerate(self.parties)]
        return rows

    def headline_quantities(self) -> dict[str, Quantity]:
        """The poststratified vote of each party."""
        return {f"vote {party}": (lambda r, p=p: 100 * r.vote_draws()[:, p])
                for p, party in enumerate(self.parties)}

    def next_steps(self) -> list[str]:
        return ["poststratify(by=...)", "counterfactual(shift=...)",
                "posterior_predictive_check()", "prior_predictive_check()",
                "contraction_table()"]

    def headline(self) -> str:
        vote = self.vote().sort_values("mean", ascending=False)
        parts = [f"{r.party} {r.mean:.0f}% ({r.lower:.0f}-{r.upper:.0f}%)"
                 for r in vote.itertuples(index=False)]
        return "Poststratified vote: " + ", ".join(parts)

    # ------------------------------------------------------------------ plots
    def vote_chart_text(self) -> tuple[str, str | None, frozenset[str]]:
        return ("Who votes {party}, by most important issue (MRP; dashed: overall)",
                "Multilevel regression of survey respondents, poststratified to the "
                "population table.", frozenset())

    def default_shifts(self, issue: str | None) -> tuple[str, np.ndarray | None, str, str]:
        """Default issue: the one named by the largest share of the population; shifts up
        to the largest every population cell can take (at most 30 points)."""
        shares = self.issue_shares().sort_values("share", ascending=False)
        issue = issue or str(shares["issue"].iloc[0])
        k = self._issue_index(issue)
        room = float((1 - self.mass[:, k] / self.mass.sum(axis=1)).min())
        return (issue, np.linspace(0, min(0.3, room), 31), " in every cell",
                "New voters of the issue vote like its modelled voters in their cell; they "
                "come from other issues ({source}). Dotted lines: one point either way.")
