"""The inference every two-sample comparison shares: an effect, its variance, degrees of freedom -> test and CIs.

Each test (t, z for proportions, ratio delta method, CUPED) reduces to an effect ``treatment - control`` with a
variance, a reference distribution (Student t with ``df`` degrees of freedom, or normal when ``df`` is infinite), the
control ("base") value with its variance and its covariance with the effect. Relative effects ``effect / base`` get an
interval by the delta method, or on the log scale (``log(treatment / control)``, then exponentiated).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

from abkit.engines.moments import Summary
from abkit.errors import DataError, DegenerateDataWarning, ParameterError
from abkit.results import ConfidenceInterval, Result

__all__ = ["ALTERNATIVES", "REL_METHODS", "Comparison", "Estimate", "check_alternative", "check_confidence_level"]

ALTERNATIVES = ("two-sided", "greater", "less")
REL_METHODS = ("delta", "log")


def check_alternative(alternative: str, owner: str) -> str:
    if alternative not in ALTERNATIVES:
        raise ParameterError(
            f"The 'alternative' parameter of {owner} must be one of 'two-sided', 'greater', 'less'. "
            f"Got {alternative!r} instead."
        )
    return alternative


def check_confidence_level(confidence_level: float, owner: str) -> float:
    try:
        cl = float(confidence_level)
    except (TypeError, ValueError):
        cl = float("nan")
    if not 0.0 < cl < 1.0:
        raise ParameterError(
            f"The 'confidence_level' parameter of {owner} must be a float in (0, 1). Got {confidence_level!r} instead."
        )
    return cl


def _sf(x: float, df: float) -> float:
    return float(st.norm.sf(x)) if not math.isfinite(df) else float(st.t.sf(x, df))


def _isf(q: float, df: float) -> float:
    return float(st.norm.isf(q)) if not math.isfinite(df) else float(st.t.isf(q, df))


def pvalue(statistic: float, df: float, alternative: str) -> float:
    """p-value of ``statistic`` under a t(df) (normal when df is inf), with survival functions (no underflow)."""
    if not math.isfinite(statistic) and not math.isinf(statistic):
        return float("nan")
    if alternative == "greater":
        return _sf(statistic, df)
    if alternative == "less":
        return _sf(-statistic, df)
    return min(1.0, 2.0 * _sf(abs(statistic), df))


def interval(center: float, se: float, df: float, alternative: str, confidence_level: float) -> ConfidenceInterval:
    """``center +- q * se``; one-sided alternatives get an infinite bound."""
    if alternative == "two-sided":
        q = _isf((1.0 - confidence_level) / 2.0, df)
        return ConfidenceInterval(center - q * se, center + q * se)
    q = _isf(1.0 - confidence_level, df)
    if alternative == "greater":
        return ConfidenceInterval(center - q * se, math.inf)
    return ConfidenceInterval(-math.inf, center + q * se)


@dataclass(frozen=True)
class Estimate:
    """An effect and what its inference needs.

    ``var_*`` are variances of the estimates (squared standard errors). ``null_var`` is the variance of the effect
    under the null hypothesis when the test uses another one than the interval (the pooled two-proportion z test).
    """

    control: float
    treatment: float
    effect: float
    var_effect: float
    df: float
    base: float
    var_base: float
    cov_effect_base: float
    null_var: float | None = None


@dataclass(frozen=True)
class Comparison(Result):
    """One treatment arm against control on one metric.

    ``effect = treatment - control``; ``rel_effect = effect / control``; intervals at ``confidence_level`` for
    ``alternative`` (one-sided intervals have an infinite bound). ``se`` is the standard error of the effect;
    ``statistic`` is t (or z when ``df`` is infinite).
    """

    metric: str
    variant: str
    n_control: int
    n_treatment: int
    control: float
    treatment: float
    effect: float
    se: float
    ci_low: float
    ci_high: float
    rel_effect: float
    rel_ci_low: float
    rel_ci_high: float
    pvalue: float
    statistic: float
    df: float
    method: str
    alternative: str
    confidence_level: float
    rel_method: str
    rel_se: float
    _estimate: Estimate | None = None
    _bounds: tuple[float, float] | None = None

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The interval of the effect at ``confidence_level`` (default: the result's)."""
        cl = self.confidence_level if confidence_level is None else check_confidence_level(confidence_level, "ci")
        lo, hi = interval(self.effect, self.se, self.df, self.alternative, cl)
        if self._bounds is not None:  # a difference of proportions lies in [-1, 1], as R clips it
            lo, hi = max(lo, self._bounds[0]), min(hi, self._bounds[1])
        return ConfidenceInterval(lo, hi)

    def rel_confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The interval of the relative effect at ``confidence_level`` (default: the result's)."""
        cl = self.confidence_level if confidence_level is None else check_confidence_level(confidence_level, "ci")
        if self._estimate is None:
            return ConfidenceInterval(self.rel_ci_low, self.rel_ci_high)
        return _relative(self._estimate, self.alternative, cl, self.rel_method)[1]


def _relative(est: Estimate, alternative: str, cl: float, method: str) -> tuple[float, ConfidenceInterval, float]:
    base, eff = est.base, est.effect
    nan = float("nan")
    if not base or not math.isfinite(base):
        return nan, ConfidenceInterval(nan, nan), nan
    rel = eff / base
    if method == "log":
        treat = base + eff
        if treat <= 0 or base <= 0:
            return rel, ConfidenceInterval(nan, nan), nan
        var_t = est.var_effect + est.var_base + 2.0 * est.cov_effect_base
        cov_tc = est.var_base + est.cov_effect_base
        var_log = var_t / treat**2 + est.var_base / base**2 - 2.0 * cov_tc / (treat * base)
        se = math.sqrt(max(var_log, 0.0))
        lo, hi = interval(math.log(treat / base), se, math.inf, alternative, cl)
        return rel, ConfidenceInterval(math.expm1(lo), math.expm1(hi)), se
    var_rel = est.var_effect / base**2 + eff**2 * est.var_base / base**4 - 2.0 * eff * est.cov_effect_base / base**3
    se = math.sqrt(max(var_rel, 0.0))
    return rel, interval(rel, se, math.inf, alternative, cl), se


def compare(
    est: Estimate,
    *,
    metric: str,
    variant: str,
    n_control: int,
    n_treatment: int,
    method: str,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    rel_method: str = "delta",
    owner: str = "compare",
) -> Comparison:
    """Test and intervals for an :class:`Estimate`."""
    check_alternative(alternative, owner)
    cl = check_confidence_level(confidence_level, owner)
    if rel_method not in REL_METHODS:
        raise ParameterError(
            f"The 'rel_method' parameter of {owner} must be 'delta' or 'log'. Got {rel_method!r} instead."
        )
    se = math.sqrt(est.var_effect) if est.var_effect >= 0 else float("nan")
    null_se = se if est.null_var is None else math.sqrt(max(est.null_var, 0.0))
    nan = float("nan")
    if not (se > 0 and math.isfinite(se)) or not (null_se > 0) or not math.isfinite(est.effect):
        warnings.warn(
            f"{metric!r}, arm {variant!r}: the standard error is {se!r} (zero variance or too few units); "
            "the test and intervals are nan.",
            DegenerateDataWarning,
            stacklevel=3,
        )
        return Comparison(
            metric, variant, int(n_control), int(n_treatment), est.control, est.treatment, est.effect, se,
            nan, nan, est.effect / est.base if est.base else nan, nan, nan, nan, nan, est.df, method,
            alternative, cl, rel_method, nan, est,
        )  # fmt: skip
    statistic = est.effect / null_se
    p = pvalue(statistic, est.df, alternative)
    lo, hi = interval(est.effect, se, est.df, alternative, cl)
    rel, (rlo, rhi), rse = _relative(est, alternative, cl, rel_method)
    return Comparison(
        metric=metric,
        variant=variant,
        n_control=int(n_control),
        n_treatment=int(n_treatment),
        control=float(est.control),
        treatment=float(est.treatment),
        effect=float(est.effect),
        se=se,
        ci_low=lo,
        ci_high=hi,
        rel_effect=rel,
        rel_ci_low=rlo,
        rel_ci_high=rhi,
        pvalue=p,
        statistic=float(statistic),
        df=float(est.df),
        method=method,
        alternative=alternative,
        confidence_level=cl,
        rel_method=rel_method,
        rel_se=rse,
        _estimate=est,
    )


def welch_df(v_control: float, n_control: float, v_treatment: float, n_treatment: float) -> float:
    """Welch-Satterthwaite degrees of freedom from the variances of the two means."""
    num = (v_control + v_treatment) ** 2
    den = v_control**2 / (n_control - 1) + v_treatment**2 / (n_treatment - 1)
    return float(num / den) if den > 0 else float("nan")


def paired_summaries(
    arrays: dict[str, tuple[object, object]], names: tuple[str, str], owner: str, params: tuple[str, str]
) -> tuple[Summary, Summary]:
    """Control and treatment summaries of two unit-level columns given as paired arrays per arm.

    ``arrays`` maps "control" and "treatment" to ``(first, second)``; ``names`` names the two columns in the
    summaries and in errors, ``params`` the parameters' prefixes (``"num"`` for ``num_control``).
    """
    out = []
    for arm in ("control", "treatment"):
        first, second = (as_float_array(a, f"{p}_{arm}", owner) for a, p in zip(arrays[arm], params, strict=True))
        if len(first) != len(second):
            raise DataError(
                f"{arm}: {names[0]} has {len(first)} values and {names[1]} {len(second)}; they must pair up by unit."
            )
        out.append(Summary.from_arrays({names[0]: first, names[1]: second}))
    return out[0], out[1]


def as_float_array(x: object, name: str, owner: str) -> np.ndarray:
    """A 1-d float array from ``x``; ParameterError on NaN or non-numeric values."""
    try:
        a = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError(f"The {name!r} parameter of {owner} must be numeric. Got {type(x).__name__}.") from None
    bad = int((~np.isfinite(a)).sum())
    if bad:
        raise ParameterError(f"The {name!r} parameter of {owner} has {bad} NaN or infinite values; drop them first.")
    return a
