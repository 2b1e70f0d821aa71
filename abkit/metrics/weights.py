"""Importance weights as expressions: plain, max-capped, zero-capped, shrunk.

Each function returns an :class:`abkit.engines.expr.Expr`, evaluated by whichever engine holds the logs (numpy per
block in memory, SQL in DuckDB or Spark). Normalisation (dividing by the mean weight) is not a per-row operation: the
self-normalised estimators divide means of these expressions (see :mod:`abkit.metrics.ips`).

Examples
--------
>>> from abkit.engines.expr import col
>>> w = importance_weight(col("target_propensity"), col("propensity"))
>>> import numpy as np
>>> capped(w, 10.0, "max").evaluate({"target_propensity": np.array([0.5, 0.2]), "propensity": np.array([0.01, 0.4])})
array([10. ,  0.5])
"""

from __future__ import annotations

import math

from abkit.engines.expr import Expr
from abkit.errors import ParameterError

__all__ = ["CAPPINGS", "capped", "capped_share", "check_cap", "importance_weight", "shrunk"]

CAPPINGS = ("max", "zero")


def check_cap(cap: object, owner: str = "evaluate", name: str = "cap") -> float:
    """``cap`` as a float > 0 (``inf`` allowed: no capping); ParameterError otherwise."""
    ok = isinstance(cap, int | float) and not isinstance(cap, bool) and not math.isnan(float(cap)) and float(cap) > 0
    if not ok:
        raise ParameterError(f"The {name!r} parameter of {owner} must be a float > 0. Got {cap!r} instead.")
    return float(cap)  # type: ignore[arg-type]


def check_capping(capping: str, owner: str) -> str:
    if capping not in CAPPINGS:
        raise ParameterError(
            f"The 'capping' parameter of {owner} must be 'max' (min(w, cap)) or 'zero' (w if w <= cap else 0). "
            f"Got {capping!r} instead."
        )
    return capping


def importance_weight(target: Expr, propensity: Expr) -> Expr:
    """``target / propensity``: the candidate's over the logging policy's probability of the logged action."""
    return target / propensity


def capped(w: Expr, cap: float, capping: str = "max") -> Expr:
    """Capped weight: ``min(w, cap)`` (max-capping) or ``w * 1[w <= cap]`` (zero-capping); ``w`` if cap is inf.

    References
    ----------
    Gilotte, Calauzènes, Nedelec, Abraham, Dollé (2018). Offline A/B testing for Recommender Systems. WSDM.
    """
    if math.isinf(cap):
        return w
    if capping == "max":
        return w.minimum(cap)
    if capping == "zero":
        return w.le(cap).where(w, 0.0)
    raise ParameterError(f"unknown capping {capping!r}; use 'max' or 'zero'.")


def capped_share(w: Expr, cap: float) -> Expr:
    """The indicator ``1[w > cap]`` (rows whose weight the cap changes)."""
    return w.gt(cap)


def shrunk(w: Expr, lambda_: float) -> Expr:
    """Optimistic shrinkage ``lambda w / (w^2 + lambda)`` (Su et al. 2020); ``w`` when lambda is inf.

    References
    ----------
    Su, Dimakopoulou, Krishnamurthy, Dudík (2020). Doubly robust off-policy evaluation with shrinkage. ICML.
    """
    if math.isinf(lambda_):
        return w
    return lambda_ * w / (w * w + lambda_)
