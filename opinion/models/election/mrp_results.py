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

from opinion.errors import ModelInputError, unknown_name_message
from opinion.formatting import interval_columns
from opinion.models.core.hashing import records_to_frame
from opinion.models.core.results import DEFAULT_LEVEL, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.election.impact import (
    VoteImpactResults,
    inside_by_mid_p,
    mid_p,
    shift_cells,
)
from opinion.models.election.mrp_inputs import interaction_name

if TYPE_CHECKING:
    pass

__all__ = ["PPC_SEED_TAG", "VoteMRPResults", "shift_cells"]


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
        self.interactions: list[tuple[str, str]] = [tuple(p) for p in
                                                    meta.get("interactions") or []]
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
        """Modelled vote probabilities (draws, base cells, issues, parties) of every cell,
        calibrated to ``calibrate_to`` when the fit was given one (:meth:`calibration_shift`).

        Held in memory (8 bytes x draws x cells x parties: 4,000 draws x 10,000 cells x 2
        parties is 640 MB); computed once and cached on the results object.
        """
        if self._probs is None:
            self._probs = self._cell_probabilities("posterior")
        return self._probs

    def _effect_codes(self, name: str, pair: tuple[str, str] | None) -> np.ndarray:
        """Level codes of a varying effect in every (base cell, issue): (base,) or
        (base, issues)."""
        if pair is None:
            if name == self.issue:
                return np.arange(len(self.issues))[None, :]
            labels = self.base[name].astype(str)
        else:
            a, b = (np.broadcast_to(self._labels_of(g), (len(self.base), len(self.issues)))
                    for g in pair)
            labels = pd.Series(np.char.add(np.char.add(a.ravel().astype(str), " | "),
                                           b.ravel().astype(str)))
            codes = pd.Categorical(labels, categories=self.all_levels(name)).codes
            return codes.reshape(len(self.base), len(self.issues))
        return pd.Categorical(labels, categories=self.all_levels(name)).codes[:, None]

    def _labels_of(self, group: str) -> np.ndarray:
        if group == self.issue:
            return np.asarray(self.issues, dtype=object)[None, :]
        return self.base[group].astype(str).to_numpy(dtype=object)[:, None]

    def _cell_logits(self, source: str) -> np.ndarray:
        """Log-odds against the reference party (draws, base cells, issues, contrasts)."""
        eta = self.draws("intercept", source)[:, None, None, :]
        effects = [(g, None) for g in self.groups] + [
            (interaction_name(a, b), (a, b)) for a, b in self.interactions]
        for name, pair in effects:
            codes = self._effect_codes(name, pair)
            eta = eta + self.group_effects(name, source)[:, codes, :]
        if self.covariates:
            x = ((self.base[self.covariates].to_numpy(dtype=float)
                  - np.asarray(self.meta["cov_mean"])) / np.asarray(self.meta["cov_sd"]))
            eta = eta + np.einsum("bc,dck->dbk", x, self.draws("slope", source))[
                :, :, None, :]
        shape = np.broadcast_shapes(eta.shape, (1, len(self.base), len(self.issues), 1))
        return np.broadcast_to(eta, shape)

    def _cell_probabilities(self, source: str) -> np.ndarray:
        """Cell probabilities (draws, base cells, issues, parties) from ``source`` draws."""
        eta = self._cell_logits(source)
        if self.meta.get("config", {}).get("calibrate_to"):
            eta = eta + self._shift(eta, source)[:, None, None, :]
        return _softmax_with_reference(eta)

    # ------------------------------------------------------------------ calibration
    def calibration_target(self, n_draws: int, source: str = "posterior") -> np.ndarray:
        """The known result per draw (draws, parties), proportions: ``calibrate_to``,
        drawn with sd ``calibrate_sd_pp`` when it is uncertain."""
        c = self.meta["config"]
        given = {str(k): float(v) for k, v in c["calibrate_to"].items()}
        target = np.array([given[p] for p in self.parties])
        target = target / target.sum()
        sd = float(c.get("calibrate_sd_pp") or 0.0) / 100
        if sd <= 0:
            return np.broadcast_to(target, (n_draws, len(target))).copy()
        rng = np.random.default_rng([self.random_seed, zlib.crc32(b"calibration"),
                                     zlib.crc32(source.encode())])
        noisy = np.clip(target + rng.normal(0, sd, (n_draws, len(target))), 1e-6, None)
        return noisy / noisy.sum(axis=1, keepdims=True)

    def _shift(self, eta: np.ndarray, source: str) -> np.ndarray:
        """Per draw, the log-odds shift (draws, contrasts) that makes the poststratified vote
        equal the target: a fixed point, ``shift_k += log(t_k / v_k) - log(t_0 / v_0)``,
        iterated to 1e-10."""
        memo = self.__dict__.setdefault("_shift_memo", {})
        if source not in memo:
            memo[source] = self._solve_shift(eta, source)
        return memo[source]

    def _solve_shift(self, eta: np.ndarray, source: str) -> np.ndarray:
        """The shift of :meth:`_shift`, by Newton's method per draw (computed once per
        source of draws).

        Solves ``log(v_k / v_0) = log(t_k / t_0)`` for every contrast ``k``, where ``v`` is
        the poststratified vote under ``eta + shift``; the Jacobian is
        ``d v_k / d shift_j = sum_c w_c p_ck (1[k = j] - p_cj)``. Steps are capped at 2
        logits; converged when every residual is below 1e-10 (the slower fixed point
        ``shift_k += log(t_k / v_k) - log(t_0 / v_0)`` has the same solution).
        """
        target = self.calibration_target(len(eta), source)
        goal = np.log(target[:, 1:]) - np.log(target[:, :1])
        weights = self.mass / self.mass.sum()
        shift = np.zeros((len(eta), eta.shape[-1]))
        contrasts = np.arange(1, eta.shape[-1] + 1)
        for _ in range(100):
            probs = _softmax_with_reference(eta + shift[:, None, None, :])
            vote = np.einsum("dbik,bi->dk", probs, weights)
            residual = np.log(vote[:, 1:]) - np.log(vote[:, :1]) - goal
            if np.abs(residual).max() < 1e-10:
                break
            second = np.einsum("dbik,dbij,bi->dkj", probs, probs[..., contrasts], weights)
            slope = -second
            slope[:, contrasts, np.arange(len(contrasts))] += vote[:, contrasts]
            jacobian = slope[:, 1:, :] / vote[:, 1:, None] - slope[:, :1, :] / vote[:, :1, None]
            step = np.linalg.solve(jacobian, residual[..., None])[..., 0]
            shift = shift - np.clip(step, -2.0, 2.0)
        return shift

    def calibration_shift(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The logit shift applied to every cell (log-odds against the reference party) so
        that the poststratified vote matches ``calibrate_to``: ``contrast, mean, lower_90,
        upper_90`` (log-odds, not shares; the interval named after ``level``). Large shifts
        say the sample (or the population table) is far from the result; the interval is its
        posterior uncertainty."""
        if not self.meta.get("config", {}).get("calibrate_to"):
            raise ModelInputError("this fit has no calibrate_to= result")
        shift = self._shift(self._cell_logits("posterior"), "posterior")
        mean, lower, upper = _interval(shift, level)
        lo, hi = interval_columns(level)
        return pd.DataFrame({"contrast": [f"{k} vs {self.parties[0]}" for k in
                                          self.parties[1:]],
                             "mean": mean, lo: lower, hi: upper})

    def vote_draws(self) -> np.ndarray:
        """Poststratified vote (draws, party), proportions."""
        return np.einsum("dbik,bi->dk", self.cell_probabilities(), self.mass) / self.mass.sum()

    # ------------------------------------------------------------------ tables
    def poststratify(self, by: str | list[str] | None = None,
                     level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Poststratified vote (percent): ``group, party, mean, lower_90, upper_90``.

        Parameters
        ----------
        by
            A column of the population table (group, covariate or the issue), a list of
            columns (labels joined with " / "), or ``None`` for the whole population
            (``group = "all"``).
        level
            Interval level (the interval columns are named after it).
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
        lo, hi = interval_columns(level)
        rows = [{"group": g, "party": p, "mean": mean[i, j], lo: lower[i, j],
                 hi: upper[i, j]}
                for i, g in enumerate(names) for j, p in enumerate(self.parties)]
        return pd.DataFrame(rows)

    def vote_by_issue(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Poststratified vote among each issue's voters (percent): ``issue, party, mean,
        lower_90, upper_90``."""
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
        raise ModelInputError(unknown_name_message(name, self.issues, "issue"))

    def _cell_labels(self) -> list[str]:
        if not self.base_cols:
            return ["the whole population"]
        return self.base.astype(str).apply(
            lambda r: ", ".join(f"{c}={v}" for c, v in r.items()), axis=1).tolist()

    def counterfactual_draws(self, shift: dict[str, float],
                             source: str | dict[str, float] = "proportional", *,
                             check: bool = True, split: str = "fitted",
                             split_sd: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
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
        if split != "fitted" or split_sd:
            raise ModelInputError("VoteMRP counterfactuals use the modelled vote of each cell "
                                  "(split='fitted', split_sd=0)")
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
                           issues=self.issues, cell_labels=self._cell_labels(), check=check)

    def held_fixed(self, **_: Any) -> str:
        """What a counterfactual holds fixed (plain language)."""
        cells = ", ".join(self.base_cols) or "the whole population"
        return ("Accounting, not a causal effect: within every population cell ("
                f"{cells}), each issue's voters keep their modelled vote (with the issue x "
                "group interactions of the fit), and voters who newly name an issue vote like "
                "its current voters in their cell.")

    def _issue_share_draws(self, issue: str) -> np.ndarray:
        share = self.mass[:, self._issue_index(issue)].sum() / self.mass.sum()
        return np.full(len(self.vote_draws()), share)

    # ------------------------------------------------------------------ checks
    def respondents(self, heldout: bool | None = False) -> pd.DataFrame:
        """The respondents (one row each): vote, group levels, covariates, ``weight`` (raw
        survey weight, 1 when unweighted), ``weight_scaled`` (Kish-rescaled) and
        ``heldout``. ``heldout=False`` (default): those in the fit; ``True``: those left out
        (``holdout_fraction``); ``None``: all."""
        if "data" not in self.meta:
            raise ModelInputError("these results hold no respondent data (meta['data'], written "
                                  "by VoteMRP.fit): the predictive checks need it")
        frame = records_to_frame(self.meta["data"])
        if heldout is None or "heldout" not in frame:
            return frame
        return frame[frame["heldout"].astype(bool) == heldout].reset_index(drop=True)

    def _effects(self) -> list[tuple[str, tuple[str, str] | None]]:
        return [(g, None) for g in self.groups] + [
            (interaction_name(a, b), (a, b)) for a, b in self.interactions]

    def _respondent_design(self, heldout: bool = False
                           ) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray],
                                      np.ndarray, np.ndarray]:
        """Respondents, vote codes, level codes per varying effect, standardised covariates,
        raw weights."""
        frame = self.respondents(heldout)
        vote = self.meta["config"]["vote"] if "config" in self.meta else "vote"
        y = pd.Categorical(frame[vote].astype(str), categories=self.parties).codes
        idx = {}
        for name, pair in self._effects():
            labels = (frame[name].astype(str) if pair is None
                      else frame[pair[0]].astype(str).str.cat(frame[pair[1]].astype(str),
                                                               sep=" | "))
            idx[name] = pd.Categorical(labels, categories=self.all_levels(name)).codes
        if (y < 0).any() or any((codes < 0).any() for codes in idx.values()):
            raise ModelInputError("the stored respondents do not match the fit's parties or "
                                  "levels")
        if self.covariates:
            X = ((frame[self.covariates].to_numpy(dtype=float)
                  - np.asarray(self.meta["cov_mean"])) / np.asarray(self.meta["cov_sd"]))
        else:
            X = np.zeros((len(frame), 0))
        return frame, y, idx, X, frame["weight"].to_numpy(dtype=float)

    def _check_groups(self, frame: pd.DataFrame, w: np.ndarray,
                      by: str | list[str | tuple[str, str]] | None
                      ) -> tuple[list[tuple[str, str]], np.ndarray]:
        """Labels (variable, level) and member weights (levels, respondents) of the checked
        groups: ``all``, single group variables, or crossed pairs ``(a, b)``."""
        variables: list[Any] = (["all", *self.groups] if by is None
                                else [by] if isinstance(by, str | tuple) else list(by))
        labels: list[tuple[str, str]] = []
        members: list[np.ndarray] = []
        for var in variables:
            if var == "all":
                labels.append(("all", "all"))
                members.append(w.copy())
                continue
            cols = [var] if isinstance(var, str) else list(var)
            unknown = [c for c in cols if c not in self.groups]
            if unknown:
                raise ModelInputError(f"cannot check by {unknown}: not a group variable "
                                      f"({self.groups})")
            key = frame[cols].astype(str).agg(" | ".join, axis=1)
            name = " x ".join(cols)
            for lv in dict.fromkeys(key):
                labels.append((name, lv))
                members.append(np.where(key.to_numpy() == lv, w, 0.0))
        member = np.array(members)
        keep = member.sum(axis=1) > 0
        return [lab for lab, k in zip(labels, keep, strict=True) if k], member[keep]

    def _redrawn_shares(self, y_len: int, idx: dict[str, np.ndarray], X: np.ndarray,
                        member: np.ndarray, draws: int | None, tag: int) -> np.ndarray:
        """Weighted vote shares (draws, groups, parties), percent, with every respondent's
        vote redrawn from their modelled probabilities (uncalibrated: respondents, not the
        population) once per posterior draw."""
        n_parties = len(self.parties)
        n_total = self._posterior("intercept").shape[0]
        chosen = (np.arange(n_total) if draws is None or draws >= n_total
                  else np.unique(np.linspace(0, n_total - 1, max(1, int(draws))).round()
                                 .astype(int)))
        intercept = self._posterior("intercept")
        effects = {name: self.group_effects(name) for name, _ in self._effects()}
        slope = self._posterior("slope") if self.covariates else None
        rng = np.random.default_rng([self.random_seed, tag])
        step = max(1, _PPC_CHUNK // max(1, y_len * n_parties))
        shares = np.empty((len(chosen), len(member), n_parties))
        for start in range(0, len(chosen), step):
            sel = chosen[start:start + step]
            eta = np.broadcast_to(intercept[sel][:, None, :],
                                  (len(sel), y_len, n_parties - 1))
            for name, effect in effects.items():
                eta = eta + effect[sel][:, idx[name], :]
            if slope is not None:
                eta = eta + np.einsum("nc,dck->dnk", X, slope[sel])
            cum = np.cumsum(_softmax_with_reference(eta), axis=-1)
            u = rng.random((len(sel), y_len))
            redrawn = np.minimum((cum < u[..., None]).sum(axis=-1), n_parties - 1)
            for k in range(n_parties):
                shares[start:start + len(sel), :, k] = (redrawn == k) @ member.T
        return 100 * shares / member.sum(axis=1)[None, :, None]

    def _respondent_check(self, heldout: bool, by: Any, level: float, draws: int | None,
                          tag: int) -> pd.DataFrame:
        frame, y, idx, X, w = self._respondent_design(heldout)
        labels, member = self._check_groups(frame, w, by)
        observed = 100 * (member @ np.eye(len(self.parties))[y]) / member.sum(axis=1)[:, None]
        shares = self._redrawn_shares(len(y), idx, X, member, draws, tag)
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        lower = np.quantile(shares, lo, axis=0)
        upper = np.quantile(shares, hi, axis=0)
        counts = (member > 0).sum(axis=1)
        # shares of a few respondents are discrete: compare as published-scale values
        p = mid_p(np.round(shares, 9), np.round(observed, 9))
        inside = inside_by_mid_p(p, level)
        lo_col, hi_col = interval_columns(level)
        rows = [{"variable": var, "level": lv, "party": party, "respondents": int(counts[i]),
                 "observed": observed[i, k], lo_col: lower[i, k], hi_col: upper[i, k],
                 "mid_p": p[i, k], "inside": bool(inside[i, k])}
                for i, (var, lv) in enumerate(labels) for k, party in enumerate(self.parties)]
        return pd.DataFrame(rows)

    def posterior_predictive_check(self, by: str | list[Any] | None = None,
                                   level: float = DEFAULT_LEVEL,
                                   draws: int | None = None) -> pd.DataFrame:
        """Weighted observed vote shares of the fitted respondents against their posterior
        predictive intervals.

        For every posterior draw every respondent's vote is redrawn from their fitted
        probabilities (a categorical draw by inverse CDF: the first party, in model order,
        whose cumulative probability exceeds a uniform ``u``; the ``u`` come from
        ``np.random.default_rng([random_seed, PPC_SEED_TAG]).random((draws, respondents))``,
        so repeated calls agree), and the survey-weighted vote share is computed in every
        checked group exactly as for the observed votes.

        Parameters
        ----------
        by
            A group variable, a pair ``(a, b)`` of them (crossed cells: every combination
            of their levels), or a list of these (default: the whole sample and every group
            variable).
        level
            Interval level (equal-tailed).
        draws
            Number of posterior draws used (evenly spaced over the chains; default: all).

        Returns
        -------
        pandas.DataFrame
            ``variable, level, party, respondents, observed, lower_90, upper_90, mid_p,
            inside`` (shares percent, the interval named after ``level``; ``mid_p`` 0-1;
            ``inside``: a mid-p value in the central ``level`` range, so ties with
            the replicated shares of small groups count half and cannot over-cover by
            construction). For single group variables coverage near 100% is normal and says
            little: every level has its own intercept, fitted to these very data. Crossed
            cells of two variables without their own interaction are a real check, and
            :meth:`heldout_check` (respondents left out of the fit) is one by construction.
        """
        return self._respondent_check(False, by, level, draws, PPC_SEED_TAG)

    def heldout_check(self, by: str | list[Any] | None = None, level: float = DEFAULT_LEVEL,
                      draws: int | None = None) -> pd.DataFrame:
        """The respondents left out of the fit (``holdout_fraction``): their observed vote
        shares in every checked group beside the predictive interval of the same shares
        (their votes redrawn from the fitted model, so the interval includes their own
        sampling noise). Same columns as :meth:`posterior_predictive_check`; coverage near
        ``level`` means calibrated predictions, well below means over-confident ones."""
        if not self.respondents(True).shape[0]:
            raise ModelInputError("no respondents were held out: fit with "
                                  "holdout_fraction=0.2 (for example)")
        return self._respondent_check(True, by, level, draws, zlib.crc32(b"heldout"))

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL,
                               by: str | None = None) -> pd.DataFrame:
        """The poststratified vote implied by the priors alone (percent), overall or in every
        level of a population column ``by``: ``group, party, lower_90, median, upper_90`` (empty
        when the fit stored no prior draws). Every ``prior`` draw (each free parameter from
        its prior) is turned into cell probabilities and poststratified exactly as the
        posterior draws; ``by`` shows whether the group-sd prior allows the spread of level
        effects the data may need (e.g. party-ID levels from 5% to 95%)."""
        lo_col, hi_col = interval_columns(level)
        columns = ["group", "party", lo_col, "median", hi_col]
        if "prior" not in self.idata.children:
            return pd.DataFrame(columns=columns)
        if by is not None and by not in self.cells.columns:
            raise ModelInputError(f"cannot check by {by!r}: not a column of the population "
                                  "table")
        probs = self.prior_view().cell_probabilities().reshape(-1, len(self.cells),
                                                                len(self.parties))
        labels = (pd.Series("all", index=self.cells.index) if by is None
                  else self.cells[by].astype(str))
        order = (self.all_levels(by) if by in self.levels else list(dict.fromkeys(labels))
                 ) if by is not None else ["all"]
        mass = self.mass.ravel()
        rows = []
        for g in [lv for lv in order if lv in set(labels)]:
            members = (labels == g).to_numpy() * mass
            share = 100 * np.einsum("c,dck->dk", members, probs) / members.sum()
            lo, hi = np.quantile(share, [(1 - level) / 2, (1 + level) / 2], axis=0)
            rows += [{"group": g, "party": p, lo_col: lo[k],
                      "median": np.median(share[:, k]), hi_col: hi[k]}
                     for k, p in enumerate(self.parties)]
        return pd.DataFrame(rows, columns=columns)

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
        for name, pair in self._effects():
            sd = self._posterior(f"sd_{name}")
            what = f"{name} intercepts" if pair is None else f"{' x '.join(pair)} interaction"
            rows += [(f"sd of {what}{suffix(k)}", sd[:, j]) for j, k in enumerate(contrasts)]
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
        """The poststratified vote of each party, and among each issue's voters."""
        out: dict[str, Quantity] = {
            f"vote {party}": (lambda r, p=p: 100 * r.vote_draws()[:, p])
            for p, party in enumerate(self.parties)}
        if self.issue:
            for k, issue in enumerate(self.issues):
                for p, party in enumerate(self.parties):
                    out[f"P({party} | {issue})"] = (
                        lambda r, p=p, k=k: 100 * np.einsum(
                            "db,b->d", r.cell_probabilities()[:, :, k, p], r.mass[:, k])
                        / r.mass[:, k].sum())
        return out

    def model_description(self) -> list[str]:
        from opinion.models.election.describe import describe_vote_mrp

        return describe_vote_mrp(self.meta)

    def next_steps(self) -> list[str]:
        return ["poststratify(by=...)", "counterfactual(shift=...)",
                "posterior_predictive_check()", "prior_predictive_check()",
                "contraction_table()"]

    def headline(self) -> str:
        if self.focus is not None:
            return "Poststratified vote: " + self._focus_vote()
        vote = self.vote().sort_values("mean", ascending=False)
        lo, hi = interval_columns(DEFAULT_LEVEL)
        parts = [f"{r['party']} {r['mean']:.0f}% ({r[lo]:.0f}-{r[hi]:.0f}%)"
                 for r in vote.to_dict("records")]
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
