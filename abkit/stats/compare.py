"""A metric's comparison of one treatment arm with control, from per-arm moments."""

from __future__ import annotations

from abkit.engines.moments import Moments
from abkit.errors import DataError
from abkit.stats.columns import outside_column
from abkit.stats.cuped import cuped_estimate, cuped_ratio_estimate
from abkit.stats.inference import Comparison, Estimate, compare
from abkit.stats.metrics import Mean, Metric, Proportion, Ratio
from abkit.stats.proportion import clip_to_unit, proportion_estimate
from abkit.stats.ratio import ratio_estimate
from abkit.stats.ttest import mean_estimate

__all__ = ["compare_arms", "metric_pairs"]


def metric_pairs(metric: Metric) -> list[tuple[str, str]]:
    """The cross-products a metric needs (squares of its columns and every pair among them)."""
    cols = metric.columns
    return [(a, b) for i, a in enumerate(cols) for b in cols[i:]]


def _estimate(metric: Metric, moments: Moments, control: int, treatment: int) -> tuple[Estimate, str]:
    cols = metric.columns
    sc, st = moments.summary(control, cols), moments.summary(treatment, cols)
    if isinstance(metric, Ratio):
        if metric.covariate is None:
            return ratio_estimate(sc, st, metric.numerator, metric.denominator), "ratio of means, delta method"
        num_pre, den_pre = metric.covariate
        est = cuped_ratio_estimate(sc, st, metric.numerator, metric.denominator, num_pre, den_pre)
        return est, "ratio of means, delta method, CUPED"
    if isinstance(metric, Proportion):
        check = outside_column(metric.column)
        if check in moments.columns:
            for i in (control, treatment):
                outside = moments.summary(i, (check,)).mean[0] * moments.n[i]
                if outside > 0.5:
                    raise DataError(
                        f"column {metric.column!r} of Proportion must hold 0/1 values; arm "
                        f"{moments.keys.iloc[i, 0]!r} has {round(outside)} values outside [0, 1]. "
                        "Use ab.Mean for a non-binary column."
                    )
        for s, arm in ((sc, control), (st, treatment)):
            p = s.mean_of(metric.column)
            second = s.var_of(metric.column) * (s.n - 1) / s.n + p * p  # mean of x^2
            if not (0.0 <= p <= 1.0) or abs(second - p) > 1e-9 * max(1.0, abs(p)):
                name = moments.keys.iloc[arm, 0]
                raise DataError(
                    f"column {metric.column!r} of Proportion must hold 0/1 values; arm {name!r} has mean {p:.6g} "
                    f"and mean square {second:.6g}. Use ab.Mean for a non-binary column."
                )
        if metric.covariate is not None:
            return cuped_estimate(sc, st, metric.column, metric.covariate), "CUPED (Welch t)"
        return proportion_estimate(sc, st, metric.column), "two-proportion z (pooled p-value, Wald CI)"
    if isinstance(metric, Mean):
        if metric.covariate is not None:
            return cuped_estimate(sc, st, metric.column, metric.covariate), "CUPED (Welch t)"
        return mean_estimate(sc, st, metric.column), "Welch t"
    raise TypeError(f"unknown metric {metric!r}")


def compare_arms(
    metric: Metric,
    moments: Moments,
    control: int,
    treatment: int,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    rel_method: str = "delta",
) -> Comparison:
    """Compare group ``treatment`` with group ``control`` of ``moments`` on ``metric``."""
    arm_t = str(moments.keys.iloc[treatment, 0])
    est, method = _estimate(metric, moments, control, treatment)
    r = compare(
        est,
        metric=metric.label,
        variant=arm_t,
        n_control=int(moments.n[control]),
        n_treatment=int(moments.n[treatment]),
        method=method,
        alternative=alternative,
        confidence_level=confidence_level,
        rel_method=rel_method,
        owner="analyze",
    )
    if isinstance(metric, Proportion) and metric.covariate is None:
        r = clip_to_unit(r)
    return r
