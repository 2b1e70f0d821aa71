"""The two-proportion z test, as R's ``prop.test(correct=FALSE)``."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from abkit.engines.moments import Summary
from abkit.errors import ParameterError
from abkit.results import ConfidenceInterval
from abkit.stats.inference import Comparison, Estimate, compare

__all__ = ["proportion_estimate", "ztest_proportions"]


def proportion_estimate(control: Summary, treatment: Summary, column: str) -> Estimate:
    """Difference of proportions: unpooled variance for the interval, pooled variance under the null."""
    nc, nt = control.n, treatment.n
    pc, pt = control.mean_of(column), treatment.mean_of(column)
    var_c, var_t = pc * (1 - pc) / nc, pt * (1 - pt) / nt
    pool = (pc * nc + pt * nt) / (nc + nt)
    return Estimate(
        control=pc,
        treatment=pt,
        effect=pt - pc,
        var_effect=var_c + var_t,
        df=math.inf,
        base=pc,
        var_base=var_c,
        cov_effect_base=-var_c,
        null_var=pool * (1 - pool) * (1 / nc + 1 / nt),
    )


def _check_counts(successes: object, n: object, arm: str) -> tuple[int, int]:
    try:
        x, m = float(successes), float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"successes and n of the {arm} arm must be numbers; got {successes!r}, {n!r}.") from None
    if not (m >= 1 and 0 <= x <= m and x == int(x) and m == int(m)):
        raise ParameterError(
            f"The {arm} arm needs whole counts with 0 <= successes <= n and n >= 1; got successes={successes!r}, "
            f"n={n!r}."
        )
    return int(x), int(m)


def ztest_proportions(
    successes_control: int,
    n_control: int,
    successes_treatment: int,
    n_treatment: int,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    rel_method: str = "delta",
) -> Comparison:
    """Two-proportion z test of ``p_treatment - p_control``.

    The p-value uses the pooled proportion under the null; the interval uses the unpooled (Wald) variance, and is
    clipped to [-1, 1] as R's ``prop.test(c(x_t, x_c), c(n_t, n_c), correct=FALSE)`` does (so a one-sided interval
    ends at -1 or 1, not at infinity). ``statistic`` is z; R's X-squared is ``z**2``.

    Examples
    --------
    >>> import abkit as ab
    >>> r = ab.stats.ztest_proportions(100, 1000, 130, 1000)
    >>> round(r.effect, 3), round(r.pvalue, 4)
    (0.03, 0.0355)
    """
    xc, nc = _check_counts(successes_control, n_control, "control")
    xt, nt = _check_counts(successes_treatment, n_treatment, "treatment")
    sc, stt = _summary(xc, nc), _summary(xt, nt)
    r = compare(
        proportion_estimate(sc, stt, "converted"),
        metric="proportion",
        variant="treatment",
        n_control=nc,
        n_treatment=nt,
        method="two-proportion z (pooled p-value, Wald CI)",
        alternative=alternative,
        confidence_level=confidence_level,
        rel_method=rel_method,
        owner="ztest_proportions",
    )
    return clip_to_unit(r)


def clip_to_unit(r: Comparison) -> Comparison:
    """Clip a difference of proportions' interval to [-1, 1], as R does."""
    lo, hi = ConfidenceInterval(max(-1.0, r.ci_low), min(1.0, r.ci_high))
    return replace(r, ci_low=lo, ci_high=hi, _bounds=(-1.0, 1.0))


def _summary(successes: int, n: int) -> Summary:
    p = successes / n
    var = p * (1 - p) * n / (n - 1) if n > 1 else float("nan")
    return Summary(n, ("converted",), np.array([p]), np.array([[var]]))
