"""Bootstrap over hash buckets of moments (DESIGN.md section 1).

The engine returns the moments of every bucket (a stable hash of the unit id modulo ``B``) in the same pass as the
estimates. A replicate draws a Poisson(1) weight per bucket, sums the weighted bucket sums, and recomputes every
estimator from the reweighted means, so self-normalised estimators recompute their normaliser in each replicate.
Cost: O(rows) once, then O(replicates x buckets x columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abkit.engines.moments import Moments
from abkit.errors import DataError, ParameterError

__all__ = ["BootstrapMeans", "bucket_replicates", "percentile_interval"]


@dataclass(frozen=True)
class BootstrapMeans:
    """Means of every column in each replicate: ``means[name]`` is an array (replicates,)."""

    means: dict[str, np.ndarray]
    replicates: int
    buckets: int


def bucket_replicates(
    moments: Moments, replicates: int, *, rng: int | np.random.Generator | None = 0
) -> BootstrapMeans:
    """Poisson-reweighted means of the columns of ``moments`` (which must have a ``"_bucket"`` key).

    Other keys are summed over (the bootstrap is of the whole table).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from abkit.engines import MomentsRequest, compute_moments
    >>> from dataclasses import replace
    >>> df = pd.DataFrame({"y": np.arange(100.0), "b": np.arange(100) % 10})
    >>> m = compute_moments(df, MomentsRequest(columns=("y",), by=("b",)))
    >>> m = replace(m, keys=m.keys.rename(columns={"b": "_bucket"}))  # the engine's bucket key
    >>> b = bucket_replicates(m, 200, rng=1)
    >>> b.means["y"].shape, bool(abs(b.means["y"].mean() - 49.5) < 2)
    ((200,), True)
    """
    if "_bucket" not in moments.keys.columns:
        raise DataError("bucket_replicates needs moments per bootstrap bucket (a '_bucket' key).")
    if not isinstance(replicates, int | np.integer) or isinstance(replicates, bool) or replicates < 2:
        raise ParameterError(f"The 'bootstrap' parameter must be an int >= 2 replicates. Got {replicates!r} instead.")
    m = moments.reduce(["_bucket"])
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    weights = gen.poisson(1.0, size=(int(replicates), len(m))).astype(float)
    n = weights @ m.n.astype(float)
    sums = weights @ m.sums
    with np.errstate(divide="ignore", invalid="ignore"):
        means = m.shift[None, :] + sums / n[:, None]
    return BootstrapMeans({c: means[:, j] for j, c in enumerate(m.columns)}, int(replicates), len(m))


def percentile_interval(values: np.ndarray, confidence_level: float) -> tuple[float, float, float]:
    """Bootstrap standard error and percentile interval of replicate ``values`` (non-finite replicates ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return float("nan"), float("nan"), float("nan")
    a = (1.0 - confidence_level) / 2.0
    lo, hi = np.quantile(v, [a, 1.0 - a])
    return float(np.std(v, ddof=1)), float(lo), float(hi)
