"""Ratio metrics (sum(numerator) / sum(denominator)) for unit-randomised tests, by the delta method."""

from __future__ import annotations

import math

import numpy as np

from abkit.engines.moments import Summary
from abkit.errors import DataError
from abkit.stats.inference import Comparison, Estimate, compare, paired_summaries

__all__ = ["check_denominator", "ratio_estimate", "ratio_gradient", "ratio_test"]


def check_denominator(s: Summary, den: str) -> None:
    """DataError when the denominator sums to zero in this group (the ratio is undefined)."""
    if s.is_zero_mean(den):
        raise DataError(f"the denominator {den!r} sums to zero in an arm ({s.n} units); the ratio is undefined.")


def ratio_gradient(s: Summary, num: str, den: str) -> tuple[float, np.ndarray]:
    """The ratio of means and its gradient with respect to (mean(num), mean(den)) over ``s.columns``."""
    mn, md = s.mean_of(num), s.mean_of(den)
    g = np.zeros(len(s.columns))
    g[s.index(num)] = 1.0 / md
    g[s.index(den)] += -mn / md**2
    return mn / md, g


def ratio_variance(s: Summary, num: str, den: str) -> tuple[float, float]:
    """The ratio of means and the delta-method variance of its estimate (numerator-denominator covariance included)."""
    check_denominator(s, den)
    r, g = ratio_gradient(s, num, den)
    return r, float(g @ s.cov @ g) / s.n


def ratio_estimate(control: Summary, treatment: Summary, num: str, den: str) -> Estimate:
    """Difference of the arms' ratios of means; normal reference (delta method)."""
    rc, vc = ratio_variance(control, num, den)
    rt, vt = ratio_variance(treatment, num, den)
    return Estimate(
        control=rc,
        treatment=rt,
        effect=rt - rc,
        var_effect=vc + vt,
        df=math.inf,
        base=rc,
        var_base=vc,
        cov_effect_base=-vc,
    )


def ratio_test(
    num_control: object,
    den_control: object,
    num_treatment: object,
    den_treatment: object,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    rel_method: str = "delta",
) -> Comparison:
    """Test of the difference of ratios of means, ``sum(num)/sum(den)`` per arm, by the delta method.

    Each unit (the randomisation unit, e.g. a user) contributes its numerator and denominator (clicks and displays);
    the per-arm variance is ``(var(num) - 2 R cov(num, den) + R^2 var(den)) / (n mean(den)^2)``.

    Parameters
    ----------
    num_control, den_control, num_treatment, den_treatment : array_like
        Unit-level arrays.

    References
    ----------
    Deng, Knoblich, Lu (2018). Applying the Delta Method in Metric Analytics: A Practical Guide with Novel Ideas. KDD.

    Examples
    --------
    >>> import abkit as ab
    >>> r = ab.stats.ratio_test([1, 0, 2, 1], [3, 2, 4, 3], [2, 1, 2, 2], [3, 3, 4, 2])
    >>> round(r.control, 4), round(r.treatment, 4)
    (0.3333, 0.5833)
    """
    owner = "ratio_test"
    arms = {"control": (num_control, den_control), "treatment": (num_treatment, den_treatment)}
    c, t = paired_summaries(arms, ("numerator", "denominator"), owner, ("num", "den"))
    est = ratio_estimate(c, t, "numerator", "denominator")
    return compare(
        est,
        metric="ratio",
        variant="treatment",
        n_control=c.n,
        n_treatment=t.n,
        method="ratio of means, delta method",
        alternative=alternative,
        confidence_level=confidence_level,
        rel_method=rel_method,
        owner=owner,
    )
