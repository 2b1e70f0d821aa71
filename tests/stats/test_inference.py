"""The shared Estimate -> Comparison core (abkit/stats/inference.py) and the t and z tests built on it.

References are independent: scipy's ``ttest_ind`` (with its ``confidence_interval``), statsmodels'
``proportions_ztest`` and ``confint_proportions_2indep``, and the closed-form delta-method variances of a ratio of
two independent means written out here, not taken from abkit.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from abkit.engines.moments import Summary
from abkit.errors import AbkitError, DegenerateDataWarning, ParameterError
from abkit.stats import ttest, ztest_proportions
from abkit.stats.inference import Estimate, compare, interval, pvalue

RTOL = 1e-10


def _arms(seed: int = 0, n_c: int = 40, n_t: int = 55) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.lognormal(1.0, 0.8, n_c), rng.lognormal(1.1, 1.0, n_t)


# ---------------------------------------------------------------------------------------------- pvalue / interval
@pytest.mark.parametrize("df", [3.5, 40.0, math.inf])
@pytest.mark.parametrize("stat", [-2.7, -0.1, 0.0, 1.3, 4.2])
def test_pvalue_matches_scipy_distribution(stat: float, df: float) -> None:
    d = st.norm if math.isinf(df) else st.t(df)
    assert pvalue(stat, df, "greater") == pytest.approx(d.sf(stat), rel=1e-12)
    assert pvalue(stat, df, "less") == pytest.approx(d.cdf(stat), rel=1e-12)
    assert pvalue(stat, df, "two-sided") == pytest.approx(min(1.0, 2 * d.cdf(-abs(stat))), rel=1e-12)


def test_pvalue_does_not_underflow_in_far_tail() -> None:
    # 2 * Phi(-37) = 1.1e-299 and t(50).sf(200) ~ 1e-70 are representable: 1 - cdf would give 0
    assert pvalue(37.0, math.inf, "two-sided") == pytest.approx(2 * st.norm.sf(37.0), rel=1e-9)
    assert 0.0 < pvalue(37.0, math.inf, "two-sided") < 1e-290
    assert 0.0 < pvalue(-200.0, 50.0, "less") < 1e-60
    assert pvalue(float("nan"), 10.0, "two-sided") != pvalue(float("nan"), 10.0, "two-sided")  # nan


@pytest.mark.parametrize("df", [7.0, math.inf])
def test_interval_two_sided_and_one_sided_quantiles(df: float) -> None:
    d = st.norm if math.isinf(df) else st.t(df)
    lo, hi = interval(1.0, 0.5, df, "two-sided", 0.9)
    assert lo == pytest.approx(1.0 - 0.5 * d.ppf(0.95), rel=1e-12)
    assert hi == pytest.approx(1.0 + 0.5 * d.ppf(0.95), rel=1e-12)
    lo, hi = interval(1.0, 0.5, df, "greater", 0.9)
    assert (lo, hi) == (pytest.approx(1.0 - 0.5 * d.ppf(0.9), rel=1e-12), math.inf)
    lo, hi = interval(1.0, 0.5, df, "less", 0.9)
    assert (lo, hi) == (-math.inf, pytest.approx(1.0 + 0.5 * d.ppf(0.9), rel=1e-12))


# ---------------------------------------------------------------------------------------------- compare()
def _mean_estimate(c: np.ndarray, t: np.ndarray) -> Estimate:
    vc, vt = c.var(ddof=1) / len(c), t.var(ddof=1) / len(t)
    df = (vc + vt) ** 2 / (vc**2 / (len(c) - 1) + vt**2 / (len(t) - 1))
    return Estimate(c.mean(), t.mean(), t.mean() - c.mean(), vc + vt, df, c.mean(), vc, -vc)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_compare_equals_scipy_welch(alternative: str) -> None:
    c, t = _arms()
    r = compare(_mean_estimate(c, t), metric="m", variant="t", n_control=len(c), n_treatment=len(t), method="x",
                alternative=alternative, confidence_level=0.9)  # fmt: skip
    ref = st.ttest_ind(t, c, equal_var=False, alternative=alternative)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert r.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=RTOL)
    assert r.df == pytest.approx(ref.df, rel=RTOL)
    assert (r.ci_low, r.ci_high) == (pytest.approx(ci.low, rel=RTOL), pytest.approx(ci.high, rel=RTOL))


def test_compare_relative_delta_equals_closed_form() -> None:
    # rel = T/C - 1 for independent means: Var = v_T / C^2 + T^2 v_C / C^4 (first-order delta method)
    c, t = _arms(1)
    est = _mean_estimate(c, t)
    r = compare(est, metric="m", variant="t", n_control=len(c), n_treatment=len(t), method="x", rel_method="delta")
    mc, mt = c.mean(), t.mean()
    vc, vt = c.var(ddof=1) / len(c), t.var(ddof=1) / len(t)
    se = math.sqrt(vt / mc**2 + mt**2 * vc / mc**4)
    z = st.norm.ppf(0.975)
    assert r.rel_effect == pytest.approx(mt / mc - 1, rel=RTOL)
    assert r.rel_se == pytest.approx(se, rel=RTOL)
    assert r.rel_ci_low == pytest.approx(mt / mc - 1 - z * se, rel=RTOL)
    assert r.rel_ci_high == pytest.approx(mt / mc - 1 + z * se, rel=RTOL)
    assert r.rel_method == "delta"


def test_compare_relative_log_equals_closed_form() -> None:
    # log(T/C): Var = v_T / T^2 + v_C / C^2; the interval is exp(log(T/C) -+ z se) - 1
    c, t = _arms(2)
    est = _mean_estimate(c, t)
    r = compare(est, metric="m", variant="t", n_control=len(c), n_treatment=len(t), method="x", rel_method="log",
                alternative="greater", confidence_level=0.9)  # fmt: skip
    mc, mt = c.mean(), t.mean()
    vc, vt = c.var(ddof=1) / len(c), t.var(ddof=1) / len(t)
    se = math.sqrt(vt / mt**2 + vc / mc**2)
    assert r.rel_se == pytest.approx(se, rel=RTOL)
    assert r.rel_ci_low == pytest.approx(math.exp(math.log(mt / mc) - st.norm.ppf(0.9) * se) - 1, rel=RTOL)
    assert r.rel_ci_high == math.inf
    assert r.rel_method == "log"


def test_compare_relative_log_nan_when_a_mean_is_not_positive() -> None:
    est = Estimate(control=2.0, treatment=-1.0, effect=-3.0, var_effect=1.0, df=math.inf, base=2.0, var_base=0.5,
                   cov_effect_base=-0.5)  # fmt: skip
    r = compare(est, metric="m", variant="t", n_control=10, n_treatment=10, method="x", rel_method="log")
    assert r.rel_effect == pytest.approx(-1.5)
    assert math.isnan(r.rel_ci_low) and math.isnan(r.rel_ci_high)
    assert r.pvalue == pytest.approx(2 * st.norm.sf(3.0), rel=RTOL)


def test_compare_confidence_interval_at_other_levels() -> None:
    c, t = _arms(3)
    r = ttest(c, t)
    for cl in (0.8, 0.95, 0.99):
        ci = st.ttest_ind(t, c, equal_var=False).confidence_interval(confidence_level=cl)
        lo, hi = r.confidence_interval(cl)
        assert (lo, hi) == (pytest.approx(ci.low, rel=RTOL), pytest.approx(ci.high, rel=RTOL))
    assert tuple(r.confidence_interval()) == (r.ci_low, r.ci_high)
    assert tuple(r.rel_confidence_interval()) == (r.rel_ci_low, r.rel_ci_high)
    lo99, hi99 = r.rel_confidence_interval(0.99)
    assert lo99 < r.rel_ci_low and hi99 > r.rel_ci_high


def test_compare_zero_variance_warns_and_is_nan() -> None:
    est = Estimate(control=1.0, treatment=1.0, effect=0.0, var_effect=0.0, df=10.0, base=1.0, var_base=0.0,
                   cov_effect_base=0.0)  # fmt: skip
    with pytest.warns(DegenerateDataWarning, match="standard error"):
        r = compare(est, metric="m", variant="t", n_control=6, n_treatment=6, method="x")
    for v in (r.pvalue, r.ci_low, r.ci_high, r.rel_ci_low, r.rel_ci_high, r.statistic):
        assert math.isnan(v)
    assert r.effect == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alternative": "larger"}, "'alternative' parameter of compare"),
        ({"confidence_level": 95}, "'confidence_level' parameter of compare"),
        ({"confidence_level": "high"}, "'confidence_level' parameter of compare"),
        ({"rel_method": "fieller"}, "'rel_method' parameter of compare"),
    ],
)
def test_compare_bad_parameters_raise(kwargs: dict, match: str) -> None:
    est = _mean_estimate(*_arms())
    with pytest.raises(ParameterError, match=match):
        compare(est, metric="m", variant="t", n_control=40, n_treatment=55, method="x", **kwargs)


# ---------------------------------------------------------------------------------------------- ttest
@pytest.mark.parametrize("equal_var", [False, True])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_ttest_equals_scipy_ttest_ind(equal_var: bool, alternative: str) -> None:
    c, t = _arms(4, 33, 71)
    r = ttest(c, t, equal_var=equal_var, alternative=alternative, confidence_level=0.9)
    ref = st.ttest_ind(t, c, equal_var=equal_var, alternative=alternative)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert r.effect == pytest.approx(t.mean() - c.mean(), rel=RTOL)
    assert r.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=RTOL)
    assert r.df == pytest.approx(ref.df, rel=RTOL)
    assert r.ci_low == pytest.approx(ci.low, rel=RTOL)
    assert r.ci_high == pytest.approx(ci.high, rel=RTOL)
    assert r.n_control == 33 and r.n_treatment == 71


def test_ttest_on_summaries_equals_arrays() -> None:
    c, t = _arms(5)
    a = ttest(c, t)
    b = ttest(Summary.from_arrays({"y": c}), Summary.from_arrays({"z": t}))
    assert b.pvalue == pytest.approx(a.pvalue, rel=1e-13)
    assert b.ci_low == pytest.approx(a.ci_low, rel=1e-13)


def test_ttest_nan_input_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"'control'.*1 NaN"):
        ttest([1.0, float("nan"), 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match=r"'treatment'.*numeric"):
        ttest([1.0, 2.0], ["a", "b"])


@pytest.mark.parametrize("control", [[1.0], []])
def test_ttest_arm_with_fewer_than_two_values_is_handled(control: list[float]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = ttest(control, [1.0, 2.0, 4.0])
        except AbkitError:
            return
    assert any(issubclass(w.category, DegenerateDataWarning) for w in caught)
    assert math.isnan(r.pvalue)


# ---------------------------------------------------------------------------------------------- ztest_proportions
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_ztest_proportions_equals_statsmodels(alternative: str) -> None:
    xc, nc, xt, nt = 412, 5000, 468, 5100
    r = ztest_proportions(xc, nc, xt, nt, alternative=alternative, confidence_level=0.9)
    sm_alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alternative]
    z, p = proportions_ztest([xt, xc], [nt, nc], alternative=sm_alt)  # pooled variance under the null
    assert r.statistic == pytest.approx(z, rel=RTOL)
    assert r.pvalue == pytest.approx(p, rel=RTOL)
    if alternative == "two-sided":
        lo, hi = confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=0.1)
        assert (r.ci_low, r.ci_high) == (pytest.approx(lo, rel=RTOL), pytest.approx(hi, rel=RTOL))
    assert r.effect == pytest.approx(xt / nt - xc / nc, rel=RTOL)


@pytest.mark.parametrize("args", [(-1, 10, 2, 10), (11, 10, 2, 10), (1.5, 10, 2, 10), (1, 0, 2, 10), ("a", 10, 2, 10)])
def test_ztest_proportions_bad_counts_raise(args: tuple) -> None:
    with pytest.raises(ParameterError):
        ztest_proportions(*args)


def test_ztest_proportions_all_zero_warns_and_is_nan() -> None:
    with pytest.warns(DegenerateDataWarning):
        r = ztest_proportions(0, 100, 0, 120)
    assert math.isnan(r.pvalue) and r.effect == 0.0


def test_ztest_proportions_confidence_interval_method_matches_fields() -> None:
    r = ztest_proportions(100, 1000, 130, 1000, alternative="greater")
    assert tuple(r.confidence_interval()) == (r.ci_low, r.ci_high)
