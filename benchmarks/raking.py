"""Raking speed: opinion.survey.Design.rake against weightipy on the same data, same run.

1,000,000 simulated respondents, 4 margins (age 6, sex 2, education 4, region 9 categories,
correlated with each other so raking needs several sweeps). Both tools start from equal
weights and rake to the same percentages; each runs with its default convergence rule, and
the largest remaining margin error (percentage points) is printed next to the time, together
with the largest relative difference between the two sets of weights.

Run: ``uv run python benchmarks/raking.py [--n 1000000] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def simulate(n: int, seed: int = 20261101) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.choice(6, n, p=[0.08, 0.14, 0.17, 0.2, 0.21, 0.2])
    sex = (rng.random(n) < 0.44 + 0.02 * age).astype(int)
    educ = np.clip(rng.poisson(1.2 + 0.15 * (age < 3), n), 0, 3)
    region = (rng.integers(0, 9, n) + (educ == 3)) % 9
    return pd.DataFrame({
        "age": pd.Categorical.from_codes(age, ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]),
        "sex": pd.Categorical.from_codes(sex, ["F", "M"]),
        "educ": pd.Categorical.from_codes(educ, ["none", "hs", "some", "ba"]),
        "region": pd.Categorical.from_codes(region, [f"R{i}" for i in range(9)]),
    })


TARGETS = {
    "age": {"18-24": 11, "25-34": 17, "35-44": 16, "45-54": 16, "55-64": 17, "65+": 23},
    "sex": {"F": 51, "M": 49},
    "educ": {"none": 10, "hs": 28, "some": 27, "ba": 35},
    "region": {f"R{i}": p for i, p in enumerate([14, 9, 12, 10, 11, 13, 8, 12, 11])},
}


def margin_error(df: pd.DataFrame, w: np.ndarray) -> float:
    """Largest |weighted % - target %| over all categories, in percentage points."""
    worst = 0.0
    for var, dist in TARGETS.items():
        shares = pd.Series(w).groupby(df[var].to_numpy(), observed=True).sum() / w.sum() * 100
        for cat, target in dist.items():
            worst = max(worst, abs(float(shares[cat]) - target))
    return worst


def best_of(fn, repeats: int) -> tuple[float, np.ndarray]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import weightipy as wp

    from opinion.survey import design as sd

    df = simulate(args.n)

    def ours() -> np.ndarray:
        return sd.Design(df).rake(TARGETS, kind="percent", total=args.n).weights.to_numpy()

    def theirs() -> np.ndarray:
        scheme = wp.scheme_from_dict(TARGETS, name="bench")
        return wp.weight(df, scheme).to_numpy()

    t_ours, w_ours = best_of(ours, args.repeats)
    t_theirs, w_theirs = best_of(theirs, args.repeats)
    print(f"raking {args.n:,} respondents on {len(TARGETS)} margins "
          f"(best of {args.repeats})")
    print(f"  opinion.survey  {t_ours:8.3f} s   max margin error "
          f"{margin_error(df, w_ours):.2e} pp")
    print(f"  weightipy       {t_theirs:8.3f} s   max margin error "
          f"{margin_error(df, w_theirs):.2e} pp")
    print(f"  max relative difference between the two weight vectors: "
          f"{np.max(np.abs(w_ours / w_theirs - 1)):.2e}")
    print(f"  ratio weightipy / opinion: {t_theirs / t_ours:.1f}x "
          f"({'opinion faster' if t_ours < t_theirs else 'weightipy faster'})")


if __name__ == "__main__":
    main()
