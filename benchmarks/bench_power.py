"""Sample sizes over a baseline x MDE grid: abkit in one vectorised call vs statsmodels' solvers in a loop.

The same 10,000-point grid (100 baselines x 100 relative MDEs) is solved for

- a Mean metric (two-sample t test, noncentral t): ``abkit.sample_size("mean", ..., strict=True)`` against
  ``TTestIndPower().solve_power`` (statsmodels counts both tails of a two-sided test, abkit's ``strict=True``);
- a Proportion metric with Cohen's h: ``abkit.sample_size("proportion", ..., method="arcsine", strict=True)``
  against ``NormalIndPower().solve_power`` (statsmodels' proportion power is the arcsine one).

Every answer is checked to agree within 1e-6 relative; the script prints both times and their ratio, and the time
of abkit's default methods (one tail, R's conventions) on the same grid.

Run: ``python benchmarks/bench_power.py [--points 10000]`` (statsmodels needs about 1-2 minutes per metric here).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from abkit.protocols.sizing import sample_size

ALPHA, POWER, SD = 0.05, 0.8, 50.0


def _grids(points: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    side = math.isqrt(points)
    rel = np.linspace(0.01, 0.10, side)[None, :]
    return {
        "mean": (np.linspace(10.0, 100.0, side)[:, None], rel),  # revenue-like baselines, sd 50
        "proportion": (np.linspace(0.01, 0.5, side)[:, None], 2 * rel),  # conversion rates, +2% to +20%
    }


def _best_of(repeats: int, fn):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="grid size (a square number)")
    args = parser.parse_args()
    grids = _grids(args.points)
    rows = []
    for kind, (base, rel) in grids.items():
        delta = rel * base
        if kind == "mean":
            abkit_args = dict(mde=delta, sd=SD, strict=True)
            effect = np.broadcast_to(delta / SD, np.broadcast_shapes(base.shape, rel.shape))
            solver = TTestIndPower()
            default_args = dict(mde=delta, sd=SD)
        else:
            abkit_args = dict(baseline=base, mde=delta, method="arcsine", strict=True)
            h = 2 * np.arcsin(np.sqrt(base + delta)) - 2 * np.arcsin(np.sqrt(base))
            effect = np.broadcast_to(h, np.broadcast_shapes(base.shape, rel.shape))
            solver = NormalIndPower()
            default_args = dict(baseline=base, mde=delta)
        t_abkit, n_abkit = _best_of(5, lambda k=kind, a=abkit_args: sample_size(k, alpha=ALPHA, power=POWER, **a))
        t_default, _ = _best_of(5, lambda k=kind, a=default_args: sample_size(k, alpha=ALPHA, power=POWER, **a))

        def loop(s=solver, e=effect):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.array([s.solve_power(effect_size=x, alpha=ALPHA, power=POWER) for x in e.ravel()])

        t_sm, n_sm = _best_of(1, loop)
        worst = float(np.max(np.abs(n_abkit.ravel() / n_sm - 1)))
        rows.append((kind, n_abkit.size, t_abkit, t_default, t_sm, t_sm / t_abkit, worst))
        if not worst < 1e-6:
            raise SystemExit(f"{kind}: abkit and statsmodels disagree by {worst:.2e} relative")

    print(f"{'metric':<11}{'points':>8}{'abkit (s)':>11}{'abkit R-style (s)':>19}{'statsmodels (s)':>17}"
          f"{'ratio':>9}{'max rel diff':>14}")  # fmt: skip
    for kind, size, t_a, t_d, t_s, ratio, worst in rows:
        print(f"{kind:<11}{size:>8}{t_a:>11.4f}{t_d:>19.4f}{t_s:>17.2f}{ratio:>8.0f}x{worst:>14.1e}")


if __name__ == "__main__":
    main()
