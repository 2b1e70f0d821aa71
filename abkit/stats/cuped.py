"""CUPED: variance reduction with a pre-experiment covariate, for means and ratio metrics.

For a mean, the adjusted effect is ``(ybar_t - ybar_c) - theta (xbar_t - xbar_c)`` with ``theta = cov(y, x) / var(x)``
the pooled marginal slope (both arms together), and each arm's variance is that of ``y - theta x`` (Welch
degrees of freedom). It is Welch's t test on the regression-adjusted values ``y - theta (x - xbar)``. For a ratio
metric the ratio of means and the covariate ratio (pre-period numerator over denominator) are linearised by the
delta method and ``theta`` is the pooled slope of the two estimates, ``sum cov(R, X) / sum var(X)`` over the arms.

``control`` is the observed control value and ``treatment`` is ``control + effect`` (the adjusted estimate).

References
----------
Deng, Xu, Kohavi, Walker (2013). Improving the Sensitivity of Online Controlled Experiments by Utilizing
Pre-Experiment Data. WSDM.
"""

from __future__ import annotations

import math

from abkit.engines.moments import Summary
from abkit.errors import DataError
from abkit.stats.inference import Comparison, Estimate, compare, paired_summaries, welch_df
from abkit.stats.ratio import check_denominator, ratio_gradient, ratio_variance

__all__ = ["cuped", "cuped_estimate", "cuped_ratio_estimate", "cuped_theta"]


def cuped_theta(control: Summary, treatment: Summary, y: str, x: str) -> float:
    """The pooled marginal slope ``cov(y, x) / var(x)`` over both arms."""
    pooled = Summary.pool(control, treatment)
    var_x = pooled.var_of(x)
    if not var_x > 0:
        raise DataError(f"the covariate {x!r} has zero variance; CUPED needs a varying pre-experiment column.")
    return pooled.cov_of(y, x) / var_x


def cuped_estimate(control: Summary, treatment: Summary, y: str, x: str) -> Estimate:
    """CUPED-adjusted difference of means of ``y`` with covariate ``x``."""
    theta = cuped_theta(control, treatment, y, x)

    def adjusted_var(s: Summary) -> float:
        return s.var_of(y) - 2 * theta * s.cov_of(y, x) + theta**2 * s.var_of(x)

    nc, nt = control.n, treatment.n
    vc, vt = adjusted_var(control) / nc, adjusted_var(treatment) / nt
    effect = (treatment.mean_of(y) - control.mean_of(y)) - theta * (treatment.mean_of(x) - control.mean_of(x))
    base = control.mean_of(y)
    return Estimate(
        control=base,
        treatment=base + effect,
        effect=effect,
        var_effect=vc + vt,
        df=welch_df(vc, nc, vt, nt),
        base=base,
        var_base=control.var_of(y) / nc,
        cov_effect_base=-(control.var_of(y) - theta * control.cov_of(y, x)) / nc,
    )


def cuped_ratio_estimate(
    control: Summary, treatment: Summary, num: str, den: str, num_pre: str, den_pre: str
) -> Estimate:
    """CUPED on a ratio of means, linearised by the delta method (normal reference)."""
    parts = []
    for s in (control, treatment):
        check_denominator(s, den)
        check_denominator(s, den_pre)
        r, gr = ratio_gradient(s, num, den)
        xr, gx = ratio_gradient(s, num_pre, den_pre)
        parts.append((r, xr, gr @ s.cov @ gr / s.n, gr @ s.cov @ gx / s.n, gx @ s.cov @ gx / s.n))
    (rc, xc, vrc, crc, vxc), (rt, xt, vrt, crt, vxt) = parts
    if not vxc + vxt > 0:
        raise DataError(f"the covariate ratio {num_pre}/{den_pre} has zero variance; CUPED cannot use it.")
    theta = (crc + crt) / (vxc + vxt)
    effect = (rt - rc) - theta * (xt - xc)
    var_c = vrc - 2 * theta * crc + theta**2 * vxc
    var_t = vrt - 2 * theta * crt + theta**2 * vxt
    return Estimate(
        control=rc,
        treatment=rc + effect,
        effect=effect,
        var_effect=var_c + var_t,
        df=math.inf,
        base=rc,
        var_base=ratio_variance(control, num, den)[1],
        cov_effect_base=-(vrc - theta * crc),
    )


def cuped(
    y_control: object,
    x_control: object,
    y_treatment: object,
    x_treatment: object,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    rel_method: str = "delta",
) -> Comparison:
    """CUPED-adjusted comparison of means with one pre-experiment covariate.

    Parameters
    ----------
    y_control, x_control, y_treatment, x_treatment : array_like
        Metric and covariate per unit, by arm.

    Returns
    -------
    Comparison
        Equal to Welch's t test on ``y - theta (x - mean(x))`` with ``theta`` the pooled slope.

    Examples
    --------
    >>> import abkit as ab
    >>> r = ab.stats.cuped([1.0, 2.0, 3.0, 5.0], [1.0, 2.0, 2.5, 4.0], [2.0, 3.5, 4.0, 6.0], [1.0, 2.5, 3.0, 4.5])
    >>> r.method
    'CUPED (Welch t)'
    """
    owner = "cuped"
    arms = {"control": (y_control, x_control), "treatment": (y_treatment, x_treatment)}
    c, t = paired_summaries(arms, ("y", "x"), owner, ("y", "x"))
    est = cuped_estimate(c, t, "y", "x")
    return compare(
        est,
        metric="y",
        variant="treatment",
        n_control=c.n,
        n_treatment=t.n,
        method="CUPED (Welch t)",
        alternative=alternative,
        confidence_level=confidence_level,
        rel_method=rel_method,
        owner=owner,
    )
