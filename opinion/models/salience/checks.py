"""Model checks of the issue-salience model on the published scale: replicated published
shares beside the published ones (posterior and prior predictive), and the single-poll
baseline beside the pooled model's estimate of the same poll."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.core.results import interval as _interval

if TYPE_CHECKING:
    from opinion.models.salience.results import IssueSalienceResults


def replicated_shares(results: IssueSalienceResults, group: str
                      ) -> list[tuple[pd.DataFrame, np.ndarray]]:
    """(cells, replicated published shares in percent) per likelihood term.

    Single-choice cells are stick-breaking counts (each issue's count out of what the
    earlier issues left); the published share is that count out of the block's whole
    effective sample, the first cell's trials. Multi-mention and rating cells are counts
    out of their own trials.
    """
    data = results.observations()
    out = []
    for mask, name in ((data["format"] == "single_choice", "y_single"),
                       (data["format"] != "single_choice", "y_scaled")):
        if group not in results.idata.children or name not in results.idata[group]:
            continue
        sub = data[mask.to_numpy()]
        pred = results.draws(name, group).astype(float)
        if results.meta.get("likelihood") == "normal":  # draws of the empirical logit
            share = 100 / (1 + np.exp(-pred))
        else:
            base = sub.groupby(["poll_id", "question_id", "group"])["trials"]
            whole = base.transform("max") if name == "y_single" else sub["trials"]
            share = 100 * pred / np.maximum(whole.to_numpy(), 1)
        out.append((sub, share))
    return out


def posterior_predictive(results: IssueSalienceResults, level: float) -> pd.DataFrame:
    """Each published share beside its replicated interval (percent; the interval columns
    name ``level``: ``lower_90``, ``upper_90``)."""
    lo, hi = interval_columns(level)
    frames = []
    for sub, share in replicated_shares(results, "posterior_predictive"):
        observed = 100 * sub["share"].to_numpy()
        _, lower, upper = _interval(share, level)
        frames.append(pd.DataFrame({
            "poll_id": sub["poll_id"].to_numpy(), "question_id": sub["question_id"].to_numpy(),
            "group": sub["group"].to_numpy(), "issue": sub["issue"].to_numpy(),
            "observed": observed, lo: lower, hi: upper,
            "inside": (observed >= lower) & (observed <= upper)}))
    return pd.concat(frames, ignore_index=True)


def prior_columns(level: float) -> list[str]:
    """Columns of :func:`prior_predictive` at ``level``."""
    lo, hi = interval_columns(level)
    return ["question_id", "format", "observed_min", "observed_max", lo, "median", hi]


def prior_predictive(results: IssueSalienceResults, level: float) -> pd.DataFrame:
    """Prior predictive interval of one published share per question, beside the observed
    range (percent; the interval columns name ``level``)."""
    columns = prior_columns(level)
    lo, hi = columns[4], columns[6]
    if "prior_predictive" not in results.idata.children:
        return pd.DataFrame(columns=columns)
    rows = []
    for sub, share in replicated_shares(results, "prior_predictive"):
        observed = 100 * sub["share"].to_numpy()
        for q in dict.fromkeys(sub["question_id"]):
            cols = (sub["question_id"] == q).to_numpy()
            values = share[:, cols].ravel()
            rows.append({"question_id": q, "format": sub.loc[cols, "format"].iloc[0],
                         "observed_min": float(observed[cols].min()),
                         "observed_max": float(observed[cols].max()),
                         lo: float(np.quantile(values, (1 - level) / 2)),
                         "median": float(np.median(values)),
                         hi: float(np.quantile(values, 1 - (1 - level) / 2))})
    return pd.DataFrame(rows, columns=columns)


def compare_baseline(results: IssueSalienceResults, level: float, simultaneous: bool
                     ) -> pd.DataFrame:
    """Each reference-question poll on its own beside the pooled model's estimate of it
    (percent; interval columns ``poll_lower_90``... name ``level``)."""
    lo, hi = interval_columns(level)
    base = results.baseline(level, simultaneous=simultaneous)
    base = base[base["question_id"] == results.reference_question]
    rows = []
    for (poll_id, group), block in base.groupby(["poll_id", "group"], sort=False):
        reported, draws = results.block_share_draws(poll_id, group)
        mean, lower, upper = _interval(draws, level)
        for r in block.to_dict("records"):
            k = reported.index(r["issue"])
            rows.append({"poll_id": poll_id, "group": group, "issue": r["issue"],
                         "poll_share": r["share"], f"poll_{lo}": r[lo],
                         f"poll_{hi}": r[hi], "model_mean": float(mean[k]),
                         f"model_{lo}": float(lower[k]), f"model_{hi}": float(upper[k]),
                         "width_ratio": float((upper[k] - lower[k])
                                              / max(r[hi] - r[lo], 1e-9))})
    return pd.DataFrame(rows)
