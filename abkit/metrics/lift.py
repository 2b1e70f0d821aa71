"""Offline A/B test: a candidate's estimated value against the logged (production) value, and candidates between them.

The logged policy's value is the mean reward of the logs; a candidate's is an estimator's value on the same rows.
Both are functions of the joint means of the same rows, so the difference gets its standard error from the joint
covariance (a paired delta method): ``lift = V(candidate) - mean(r)``, ``rel_lift = V(candidate) / mean(r) - 1``.
The call follows Gilotte et al. (2018): "positive" when the interval of the lift is above zero, "negative" when it is
below, "neutral" otherwise.

References
----------
Gilotte, Calauzènes, Nedelec, Abraham, Dollé (2018). Offline A/B testing for Recommender Systems. WSDM.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as st

from abkit.metrics.delta import Dual, GroupMeans

__all__ = ["CALLS", "call", "difference_columns", "estimate_columns", "z_value"]

CALLS = ("positive", "neutral", "negative")


def z_value(confidence_level: float) -> float:
    """The two-sided normal quantile of ``confidence_level``."""
    return float(st.norm.isf((1.0 - confidence_level) / 2.0))


def call(ci_low: float, ci_high: float) -> str:
    """ "positive", "negative" or "neutral" from an interval of a lift; "neutral" when it is undefined.

    Examples
    --------
    >>> call(0.1, 0.3), call(-0.2, 0.1), call(-0.3, -0.1)
    ('positive', 'neutral', 'negative')
    """
    if ci_low > 0:
        return "positive"
    if ci_high < 0:
        return "negative"
    return "neutral"


def estimate_columns(d: Dual, gm: GroupMeans, z: float, name: str = "value") -> dict[str, np.ndarray]:
    """``name``, its standard error and normal interval per group (``se``, ``ci_low``, ``ci_high`` for "value")."""
    with np.errstate(invalid="ignore"):
        se = np.sqrt(gm.variance(d))
    v = d.value
    pre = "" if name == "value" else f"{name}_"
    return {name: v, f"{pre}se": se, f"{pre}ci_low": v - z * se, f"{pre}ci_high": v + z * se}


def difference_columns(treatment: Dual, control: Dual, gm: GroupMeans, z: float, name: str) -> dict[str, np.ndarray]:
    """Absolute and relative difference ``treatment - control`` with paired intervals, and the call."""
    out = estimate_columns(treatment - control, gm, z, name)
    out.update(estimate_columns(treatment / control - 1.0, gm, z, f"rel_{name}"))
    lows, highs = out[f"{name}_ci_low"], out[f"{name}_ci_high"]
    out["call"] = np.array([call(lo, hi) for lo, hi in zip(lows, highs, strict=True)], dtype=object)
    return out
