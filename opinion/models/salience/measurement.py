r"""How polls see the latent salience: constructs, wording, pollsters, formats, likelihood.

For block :math:`b` (one poll x question x group) of question :math:`q` in construct
:math:`C`, with :math:`\lambda_{b,k} = \theta_{g(b),k,t(b)} + h_{p(b),k}`:

- construct offsets :math:`d_{C,k}` (zero on the reference construct): the issue's standing
  on construct :math:`C` minus its standing on the reference, :math:`\tau_C z`; zero-sum over
  the issues :math:`C` shares with other constructs (their common shift is the question's
  intercept), free for issues measured only on :math:`C`;
- wording offsets :math:`\delta_{q,k} = \sigma_\delta z` for every question that is not its
  construct's primary question (zero-sum per question);
- single choice: utilities :math:`\mu = \lambda + d_C + \delta_q`, "other" utility
  :math:`\gamma_q` (0 on the reference question), nested-logit choice among the block's
  offered issues (:mod:`.choice`), stick-breaking (beta-)binomial cells;
- multi-mention and rating: :math:`\operatorname{logit} q = a_q + b_q (\lambda - \bar\theta
  - c_q) + d_C + \delta_q + u_b` with :math:`\bar\theta` the mean level of the reference
  question's issues at the anchor knot (so that the intercept does not trade off against
  the issues' common level, and issues without reference data do not move the pivot) and
  :math:`c_q` a constant pivot (the question's average issue), :math:`u_b` a poll intercept
  shared by the block's issues. Offsets are added on the question's own logit scale, outside
  the slope: inside it they would trade off against the slope (a product, measured as
  divergences at steep slopes and extreme offsets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from opinion.models.salience.choice import nested_log_probs
from opinion.models.salience.config import pp_to_logit
from opinion.models.salience.likelihood import add_cells

if TYPE_CHECKING:
    from opinion.models.salience.config import IssueSalienceConfig
    from opinion.models.salience.inputs import SalienceData

_PHI_MAX = 1e7
SCALED = ("multi_mention", "rating")
NEST_FLOOR = 0.05


def one_hot(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Rows x levels indicator matrix."""
    index = {v: i for i, v in enumerate(levels)}
    out = np.zeros((len(values), len(levels)))
    out[np.arange(len(values)), [index[v] for v in values]] = 1.0
    return out


def zero_sum_basis(labels: np.ndarray) -> np.ndarray:
    """Orthonormal basis of vectors that sum to zero within each label (block-diagonal).

    ``basis @ z`` with ``z ~ N(0, s^2 I)`` has the law of a zero-sum normal within each label
    (a label with one member gets 0). Columns: ``len(labels) - number of labels``.
    """
    labels = np.asarray(labels)
    columns = []
    for label in dict.fromkeys(labels.tolist()):
        members = np.flatnonzero(labels == label)
        m = len(members)
        if m < 2:
            continue
        # Helmert contrasts, normalised: orthonormal and orthogonal to the ones vector
        helmert = np.zeros((m, m - 1))
        for j in range(1, m):
            helmert[:j, j - 1] = 1.0
            helmert[j, j - 1] = -j
            helmert[:, j - 1] /= np.sqrt(j * (j + 1))
        block = np.zeros((len(labels), m - 1))
        block[members] = helmert
        columns.append(block)
    return np.hstack(columns) if columns else np.zeros((len(labels), 0))


class Measurement:
    """Adds the measurement terms and likelihoods of an :class:`IssueSalience` model."""

    def __init__(self, data: SalienceData, config: IssueSalienceConfig, centered: bool,
                 likelihood: str, slope_centres: dict[str, float]) -> None:
        self.d, self.c, self.centered = data, config, centered
        self.likelihood = likelihood
        self.slope_centres = slope_centres

    # ------------------------------------------------------------------ labels
    def other_constructs(self) -> list[str]:
        return [c for c in self.d.constructs if c != self.d.reference_construct]

    def construct_pairs(self) -> list[tuple[str, int]]:
        """(construct, issue) of every construct offset: issues measured on a non-reference
        construct. An issue the reference construct does not measure takes its reference
        salience from the first other construct that measures it, with no offset there (it
        would not be identified: only their sum is), unless ``choice_set="all"`` puts it on
        the reference lists (it then competes in their remainders)."""
        d = self.d
        reference = set(d.measured[d.reference_construct])
        home: dict[int, str] = {}
        if self.c.choice_set != "all":
            for c in self.other_constructs():
                for k in d.measured[c]:
                    if k not in reference:
                        home.setdefault(k, c)
        return [(c, k) for c in self.other_constructs() for k in d.measured[c]
                if home.get(k) != c]

    def wording_pairs(self) -> list[tuple[str, int]]:
        """(question, issue) of every wording offset: questions that are not the primary
        question of their construct, issues they report."""
        d = self.d
        primary = set(d.questions.loc[d.questions["construct_primary"], "question_id"])
        cells = d.cells.assign(question_id=d.blocks["question_id"].to_numpy()[d.cells["block"]])
        pairs = cells.loc[~cells["question_id"].isin(primary), ["question_id", "issue"]]
        pairs = pairs.drop_duplicates().sort_values(["question_id", "issue"])
        return [(str(a), int(b)) for a, b in pairs.itertuples(index=False)]

    def scaled_questions(self) -> list[str]:
        """Multi-mention/rating questions with their own intercept and slope."""
        q = self.d.questions
        keep = q["format"].isin(SCALED) & (q["question_id"] != self.d.reference_question)
        return list(q.loc[keep, "question_id"])

    def other_questions(self) -> list[str]:
        """Single-choice questions with their own "other" intercept."""
        q = self.d.questions
        keep = (q["format"] == "single_choice") & (q["question_id"] != self.d.reference_question)
        return list(q.loc[keep, "question_id"])

    def intercept_blocks(self) -> pd.DataFrame:
        d = self.d
        with_u = set(d.questions.loc[d.questions["poll_intercepts"], "question_id"])
        return d.blocks[d.blocks["question_id"].isin(with_u)]

    def _effect(self, name: str, sigma: pt.TensorVariable, dims) -> pt.TensorVariable:
        """Normal(0, sigma) effects: ``{name}_c`` (centred) or ``sigma * {name}_z``."""
        if self.centered:
            return pm.Normal(f"{name}_c", 0.0, sigma, dims=dims)
        return sigma * pm.Normal(f"{name}_z", 0.0, 1.0, dims=dims)

    # ------------------------------------------------------------------ offset tables
    def construct_table(self) -> pt.TensorVariable:
        """(constructs x issues) offsets of each construct from the reference (row 0)."""
        d, c = self.d, self.c
        n_issues = len(d.issues)
        others = self.other_constructs()
        table = pt.zeros((len(d.constructs), n_issues))
        if not others:
            return table
        pairs = self.construct_pairs()
        columns = []
        for construct in others:
            members = [i for i, (cc, _) in enumerate(pairs) if cc == construct]
            shared = set(d.shared(construct)) & {pairs[i][1] for i in members}
            block_shared = [i for i in members if pairs[i][1] in shared]
            basis = zero_sum_basis(np.zeros(len(block_shared)))
            for j in range(basis.shape[1]):
                col = np.zeros(len(pairs))
                col[block_shared] = basis[:, j]
                columns.append(col)
            for i in members:
                if pairs[i][1] not in shared:
                    col = np.zeros(len(pairs))
                    col[i] = 1.0
                    columns.append(col)
        model = pm.modelcontext(None)
        model.add_coord("other_construct", others)
        rows = np.array([d.constructs.index(cc) for cc, _ in pairs])
        cols = np.array([k for _, k in pairs])
        sigma = pm.HalfNormal("sigma_construct", pp_to_logit(c.construct_pp),
                              dims="other_construct")
        if columns:
            basis = np.column_stack(columns)
            model.add_coord("construct_free", np.arange(basis.shape[1]))
            z = pm.Normal("construct_z", 0.0, 1.0, dims="construct_free")
            scale = sigma[np.array([others.index(cc) for cc, _ in pairs])]
            offsets = scale * pt.dot(basis, z)
            table = pt.set_subtensor(table[rows, cols], offsets)
        pm.Deterministic("construct_offset", table[1:], dims=("other_construct", "issue"))
        return table

    def wording_table(self) -> pt.TensorVariable:
        """(questions x issues) wording offsets, rows in :meth:`question_rows` order.

        Zero-sum, per question, over the issues its construct's primary question also
        reports (a common shift of those is the question's intercept, not a wording effect);
        free for the issues only this question places on its construct: their offset and
        their level are known only together, and outside the zero-sum they no longer pull
        the identified offsets along that ridge (ESS of such a level 396 -> measured higher).
        """
        d, c = self.d, self.c
        q_rows = self.question_rows()
        table = pt.zeros((len(q_rows), len(d.issues)))
        pairs = self.wording_pairs()
        if not pairs:
            return table
        rows = np.array([q_rows[q] for q, _ in pairs])
        cols = np.array([k for _, k in pairs])
        basis = self._wording_basis(pairs)
        if basis.shape[1] == 0:
            return table
        model = pm.modelcontext(None)
        model.add_coord("wording_free", np.arange(basis.shape[1]))
        sigma = pm.HalfNormal("sigma_wording", pp_to_logit(c.wording_pp))
        effect = pm.Deterministic("wording", pt.dot(basis, self._effect(
            "wording", sigma, "wording_free")), dims="wording_pair")
        return pt.set_subtensor(table[rows, cols], effect)

    def _wording_basis(self, pairs: list[tuple[str, int]]) -> np.ndarray:
        """Pairs x free columns: zero-sum over each question's issues that its construct's
        primary question reports, unit columns for its other issues."""
        d = self.d
        reported = {}
        for question in set(d.questions["question_id"]):
            blocks = np.flatnonzero((d.blocks["question_id"] == question).to_numpy())
            reported[question] = set(d.cells.loc[d.cells["block"].isin(blocks), "issue"])
        construct_of = dict(zip(d.questions["question_id"], d.questions["construct"],
                                strict=True))
        primary = {c: d.construct_questions(c)[0] for c in d.constructs}
        anchored = np.array([k in reported[primary[construct_of[q]]] for q, k in pairs])
        labels = np.array([q if a else f"{q}|{k}" for (q, k), a in zip(pairs, anchored,
                                                                        strict=True)])
        basis = zero_sum_basis(np.where(anchored, labels, ""))
        keep = [j for j in range(basis.shape[1]) if np.abs(basis[~anchored, j]).sum() == 0]
        columns = [basis[:, keep]]
        for i in np.flatnonzero(~anchored):
            unit = np.zeros((len(pairs), 1))
            unit[i] = 1.0
            columns.append(unit)
        return np.hstack(columns)

    def question_rows(self) -> dict[str, int]:
        """Row of each question in the wording table (0 = the reference question)."""
        d = self.d
        nonref = [q for q in d.questions["question_id"] if q != d.reference_question]
        return {d.reference_question: 0, **{q: i + 1 for i, q in enumerate(nonref)}}

    def offsets(self) -> tuple[pt.TensorVariable, pt.TensorVariable]:
        """Blocks x issues construct offsets and wording offsets of each block's question."""
        d = self.d
        construct_of = dict(zip(d.questions["question_id"], d.questions["construct"],
                                strict=True))
        blocks_construct = d.blocks["question_id"].map(construct_of)
        construct = pt.dot(one_hot(blocks_construct, d.constructs), self.construct_table())
        rows = self.question_rows()
        order = sorted(rows, key=rows.get)
        wording = pt.dot(one_hot(d.blocks["question_id"], order), self.wording_table())
        return construct, wording

    # ------------------------------------------------------------------ other terms
    def house(self) -> pt.TensorVariable | None:
        """Pollster effects (issue x pollster), always non-centred: pollster effects are
        small next to sampling error, so even data-rich fits have a funnel at sigma_house ->
        0 (measured: a chain stuck at sigma_house = 0.002 with 103 divergences when
        centred)."""
        if not self.d.use_house:
            return None
        sigma_house = pm.HalfNormal("sigma_house", pp_to_logit(self.c.house_pp))
        house_z = pm.ZeroSumNormal("house_z", sigma=1.0, dims=("issue", "pollster"))
        return pm.Deterministic("house", sigma_house * house_z, dims=("issue", "pollster"))

    def poll_errors(self, formats: list[str]) -> tuple[pt.TensorVariable, dict] | None:
        """Dirichlet-multinomial concentration per format, and the format -> index map."""
        if self.c.poll_error_pp <= 0:
            return None
        err = pm.LogNormal("poll_error", np.log(self.c.poll_error_pp / 100.0),
                           self.c.poll_error_sd_log, dims="error_format")
        phi = pt.clip(0.16 / err ** 2 - 1.0, 1.0, _PHI_MAX)
        return phi, {f: i for i, f in enumerate(formats)}

    def nest_lambda(self) -> pt.TensorVariable | None:
        """Dissimilarity of each declared nest, in (0.05, 1]."""
        if not self.d.nest_names:
            return None
        a, b = self.c.nest_lambda_prior
        unit = pm.Beta("nest_lambda_unit", float(a), float(b), dims="nest")
        return pm.Deterministic("nest_lambda", NEST_FLOOR + (1 - NEST_FLOOR) * unit,
                                dims="nest")

    def flat_index(self, cells: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """Position of each cell in the raveled (rows x issues) matrix."""
        local = {b: i for i, b in enumerate(rows)}
        return (cells["block"].map(local).to_numpy() * len(self.d.issues)
                + cells["issue"].to_numpy())

    # ------------------------------------------------------------------ likelihoods
    def single_choice(self, linear: pt.TensorVariable, rows: np.ndarray,
                      errors: tuple | None, lam: pt.TensorVariable | None) -> None:
        """Nested-logit (Luce without nests) stick-breaking cells of single-choice blocks."""
        d, c = self.d, self.c
        blocks = d.blocks.iloc[rows]
        mu = linear[rows]
        others = self.other_questions()
        if others:
            other = pm.Normal("other_intercept", 0.0, c.other_sd_logit, dims="other_question")
            padded = pt.concatenate([pt.zeros(1), other])
            idx = blocks["question_id"].map(
                {q: i + 1 for i, q in enumerate(others)}).fillna(0).astype(int).to_numpy()
            gamma = padded[idx]
        else:
            gamma = pt.zeros(len(rows))
        reported, offered = d.reported[rows], d.offered[rows]
        log_p, log_other = nested_log_probs(mu, gamma, offered, d.nest_of,
                                            pt.ones(0) if lam is None else lam)
        p = pt.exp(log_p) * offered  # issues not offered are not in the choice set
        p_rem = pt.exp(log_other) + (p * (1.0 - reported)).sum(axis=1)
        p_rep = p * reported
        after = p_rep.sum(axis=1)[:, None] - pt.cumsum(p_rep, axis=1)
        tail = p_rem[:, None] + after
        cells = d.cells[d.cells["format"] == "single_choice"]
        flat = self.flat_index(cells, rows)
        pc = pt.clip(p.ravel()[flat], 1e-12, 1.0)
        tc = pt.clip(tail.ravel()[flat], 1e-12, 1.0)
        phi = None if errors is None else errors[0][errors[1]["single_choice"]]
        add_cells("y_single", "single_cell", cells, self.likelihood, pc, tc, phi,
                  pt.log(pc) - pt.log(tc), log_p=pt.maximum(log_p.ravel()[flat], -27.6))

    def scaled(self, salience: pt.TensorVariable, offsets: pt.TensorVariable,
               rows: np.ndarray, errors: tuple | None, mean_level: pt.TensorVariable) -> None:
        """One (beta-)binomial cell per issue of multi-mention and rating blocks.

        ``salience`` is blocks x issues on the reference scale (theta + house), ``offsets``
        the blocks' construct and wording offsets (on the question's logit scale).
        """
        d, c = self.d, self.c
        blocks = d.blocks.iloc[rows]
        scaled_q = self.scaled_questions()
        is_ref = (blocks["question_id"] == d.reference_question).to_numpy()
        if scaled_q:
            a_free = pm.Normal("intercept", 0.0, c.intercept_sd_logit, dims="scaled_question")
            log_b = pm.Normal("log_slope", 0.0, c.slope_sd, dims="scaled_question")
            a_all = pt.concatenate([pt.zeros(1), a_free])
            b_all = pt.concatenate([pt.ones(1), pt.exp(log_b)])
            idx = blocks["question_id"].map(
                {q: i + 1 for i, q in enumerate(scaled_q)}).fillna(0).astype(int).to_numpy()
            a, b = a_all[idx], b_all[idx]
            centre = np.array([0.0 if r else self.slope_centres[q]
                               for q, r in zip(blocks["question_id"], is_ref, strict=True)])
        else:
            a, b = pt.zeros(len(rows)), pt.ones(len(rows))
            centre = np.zeros(len(rows))
        # the slope pivots at the question's average issue relative to the reference
        # question's issues: the intercept then does not trade off against their level
        pivot = pt.switch(is_ref, 0.0, mean_level) + centre
        eta = a[:, None] + b[:, None] * (salience[rows] - pivot[:, None]) + offsets[rows]
        with_u = self.intercept_blocks()
        if len(with_u):
            # zero-sum within each question: the question's mean is its intercept a_q
            basis = zero_sum_basis(with_u["question_id"].to_numpy())
            pm.modelcontext(None).add_coord("intercept_free", np.arange(basis.shape[1]))
            sigma_u = pm.HalfNormal("sigma_poll", pp_to_logit(c.poll_intercept_pp))
            u = pt.dot(basis, self._effect("poll", sigma_u, "intercept_free"))
            padded = pt.concatenate([pt.zeros(1), u])
            pos = {b_: i + 1 for i, b_ in enumerate(with_u.index)}
            u_idx = np.array([pos.get(b_, 0) for b_ in blocks.index])
            eta = eta + padded[u_idx][:, None]
        cells = d.cells[d.cells["format"].isin(SCALED)]
        eta_c = pt.clip(eta.ravel()[self.flat_index(cells, rows)], -30.0, 30.0)
        q = pm.math.invlogit(eta_c)
        phi = None
        if errors is not None:
            phi_all, index = errors
            phi = phi_all[cells["format"].map(index).to_numpy()]
        add_cells("y_scaled", "scaled_cell", cells, self.likelihood, q, None, phi, eta_c)
