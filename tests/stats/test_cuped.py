"""CUPED for means and ratio metrics (abkit/stats/cuped.py).

CUPED on a mean must be exactly Welch's t test (scipy) on the regression-adjusted values ``y - theta (x - mean(x))``
with the pooled marginal slope ``theta = cov(y, x) / var(x)`` over both arms (Deng, Xu, Kohavi, Walker 2013). CUPED
on a ratio is checked against an independent unit-level linearisation written here:
``l_i = (num_i - R den_i) / mean(den)`` (Deng, Knoblich, Lu 2018), whose sample variance over n is the delta-method
variance of the ratio of means. Simulations (bias, coverage, false positives) are in test_simulation.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import abkit as ab
from abkit.errors import DataError
from abkit.stats import cuped, ratio_test, ttest

RTOL = 1e-10


def _data(seed: int = 0, n_c: int = 300, n_t: int = 340, rho: float = 0.8, lift: float = 0.4):
    rng = np.random.default_rng(seed)
    x_c, x_t = rng.gamma(2.0, 5.0, n_c), rng.gamma(2.0, 5.0, n_t)
    noise = math.sqrt(2.0) * 5.0 * math.sqrt(1 - rho**2) / rho  # sd(x) = sqrt(2) * 5, so corr(y, x) = rho
    y_c = x_c + noise * rng.standard_normal(n_c) + 3.0
    y_t = x_t + noise * rng.standard_normal(n_t) + 3.0 + lift
    return y_c, x_c, y_t, x_t


def _pooled_theta(y_c, x_c, y_t, x_t) -> float:
    y, x = np.r_[y_c, y_t], np.r_[x_c, x_t]
    return float(np.cov(y, x, ddof=1)[0, 1] / np.var(x, ddof=1))


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_cuped_equals_welch_on_adjusted_values(alternative: str) -> None:
    y_c, x_c, y_t, x_t = _data()
    theta = _pooled_theta(y_c, x_c, y_t, x_t)
    xbar = np.r_[x_c, x_t].mean()
    adj_c, adj_t = y_c - theta * (x_c - xbar), y_t - theta * (x_t - xbar)
    ref = st.ttest_ind(adj_t, adj_c, equal_var=False, alternative=alternative)
    ci = ref.confidence_interval(confidence_level=0.9)
    r = cuped(y_c, x_c, y_t, x_t, alternative=alternative, confidence_level=0.9)
    assert r.effect == pytest.approx(adj_t.mean() - adj_c.mean(), rel=RTOL)
    assert r.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=RTOL)
    assert r.df == pytest.approx(ref.df, rel=RTOL)
    assert r.ci_low == pytest.approx(ci.low, rel=RTOL)
    assert r.ci_high == pytest.approx(ci.high, rel=RTOL)
    assert r.se == pytest.approx(math.sqrt(adj_c.var(ddof=1) / len(adj_c) + adj_t.var(ddof=1) / len(adj_t)), rel=RTOL)
    assert r.control == pytest.approx(y_c.mean(), rel=RTOL)
    assert r.treatment == pytest.approx(y_c.mean() + r.effect, rel=RTOL)


def test_cuped_relative_interval_delta_method() -> None:
    # rel = effect / mean(y_c) with effect = mean_t(a) - mean_c(a), a = y - theta x (theta held fixed):
    # Var(effect) = v_t(a)/n_t + v_c(a)/n_c, Var(C) = v_c(y)/n_c, Cov(effect, C) = -cov_c(a, y)/n_c
    y_c, x_c, y_t, x_t = _data(1)
    theta = _pooled_theta(y_c, x_c, y_t, x_t)
    a_c, a_t = y_c - theta * x_c, y_t - theta * x_t
    n_c, n_t = len(y_c), len(y_t)
    eff, base = a_t.mean() - a_c.mean(), y_c.mean()
    v_eff = a_t.var(ddof=1) / n_t + a_c.var(ddof=1) / n_c
    v_base = y_c.var(ddof=1) / n_c
    cov = -np.cov(a_c, y_c, ddof=1)[0, 1] / n_c
    se = math.sqrt(v_eff / base**2 + eff**2 * v_base / base**4 - 2 * eff * cov / base**3)
    r = cuped(y_c, x_c, y_t, x_t)
    assert r.rel_effect == pytest.approx(eff / base, rel=RTOL)
    assert r.rel_se == pytest.approx(se, rel=1e-9)
    z = st.norm.ppf(0.975)
    assert r.rel_ci_low == pytest.approx(eff / base - z * se, rel=1e-9)


def test_cuped_reduces_standard_error_by_sqrt_one_minus_rho_squared() -> None:
    y_c, x_c, y_t, x_t = _data(2, 5000, 5000, rho=0.8)
    plain, adjusted = ttest(y_c, y_t), cuped(y_c, x_c, y_t, x_t)
    rho = np.corrcoef(np.r_[y_c, y_t], np.r_[x_c, x_t])[0, 1]
    assert adjusted.se / plain.se == pytest.approx(math.sqrt(1 - rho**2), rel=0.02)
    assert adjusted.se < 0.7 * plain.se


def test_cuped_with_uncorrelated_covariate_matches_ttest_closely() -> None:
    rng = np.random.default_rng(3)
    y_c, y_t = rng.normal(10, 2, 4000), rng.normal(10.1, 2, 4000)
    x_c, x_t = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
    plain, adjusted = ttest(y_c, y_t), cuped(y_c, x_c, y_t, x_t)
    assert adjusted.se == pytest.approx(plain.se, rel=0.01)
    assert abs(adjusted.effect - plain.effect) < 0.1 * plain.se


def test_cuped_swapping_arms_flips_effect() -> None:
    y_c, x_c, y_t, x_t = _data(4)
    a, b = cuped(y_c, x_c, y_t, x_t), cuped(y_t, x_t, y_c, x_c)
    assert b.effect == pytest.approx(-a.effect, rel=RTOL)
    assert b.pvalue == pytest.approx(a.pvalue, rel=RTOL)


def test_analyze_mean_with_covariate_equals_cuped() -> None:
    y_c, x_c, y_t, x_t = _data(5)
    df = pd.DataFrame(
        {"variant": ["control"] * len(y_c) + ["treatment"] * len(y_t), "y": np.r_[y_c, y_t], "x": np.r_[x_c, x_t]}
    )
    row = ab.analyze(df, [ab.Mean("y", covariate="x")]).table.iloc[0]
    ref = cuped(y_c, x_c, y_t, x_t)
    assert row["metric"] == "y (CUPED)"
    assert row["method"] == "CUPED (Welch t)"
    for col in ("effect", "ci_low", "ci_high", "pvalue", "rel_effect", "rel_ci_low", "rel_ci_high"):
        assert row[col] == pytest.approx(getattr(ref, col), rel=1e-9), col


def test_cuped_constant_covariate_raises() -> None:
    y_c, _, y_t, _ = _data(6)
    with pytest.raises(DataError, match="covariate 'x' has zero variance"):
        cuped(y_c, np.ones(len(y_c)), y_t, np.ones(len(y_t)))


def test_cuped_length_mismatch_raises() -> None:
    with pytest.raises(DataError, match="control: y has 3 values and x 2"):
        cuped([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0])


def test_proportion_with_covariate_is_labelled_as_the_welch_t_it_uses() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=400)
    y = (x + rng.normal(size=400) > 0).astype(int)
    df = pd.DataFrame({"variant": np.repeat(["control", "treatment"], 200), "c": y, "x": x})
    row = ab.analyze(df, [ab.Proportion("c", covariate="x")]).table.iloc[0]
    assert row["method"] == "CUPED (Welch t)"
    assert math.isfinite(row["df"]) and row["df"] > 300  # Welch-Satterthwaite df of the adjusted values


# ---------------------------------------------------------------------------------------------- CUPED on ratios
def _ratio_frame(seed: int = 0, n: int = 3000, lift: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    activity = rng.gamma(1.5, 1.0, n)
    ctr = rng.beta(1.5, 20, n)
    den_pre = 1 + rng.poisson(20 * activity)
    num_pre = rng.binomial(den_pre, ctr)
    den = 1 + rng.poisson(20 * activity)
    num = rng.binomial(den, np.clip(ctr * (1 + lift * arm), 0, 1))
    return pd.DataFrame(
        {"variant": np.where(arm == 1, "treatment", "control"), "num": num, "den": den, "num_pre": num_pre,
         "den_pre": den_pre}
    )  # fmt: skip


def _linearised(num, den, num_pre, den_pre):
    r, x = num.mean() / den.mean(), num_pre.mean() / den_pre.mean()
    lr = (num - r * den) / den.mean()
    lx = (num_pre - x * den_pre) / den_pre.mean()
    n = len(num)
    return r, x, lr.var(ddof=1) / n, np.cov(lr, lx, ddof=1)[0, 1] / n, lx.var(ddof=1) / n


def test_cuped_ratio_equals_linearised_reference() -> None:
    df = _ratio_frame(1)
    parts = {}
    for arm, g in df.groupby("variant"):
        parts[arm] = _linearised(*(g[c].to_numpy(float) for c in ("num", "den", "num_pre", "den_pre")))
    rc, xc, vrc, crc, vxc = parts["control"]
    rt, xt, vrt, crt, vxt = parts["treatment"]
    theta = (crc + crt) / (vxc + vxt)
    effect = (rt - rc) - theta * (xt - xc)
    var = vrc + vrt - 2 * theta * (crc + crt) + theta**2 * (vxc + vxt)
    row = ab.analyze(df, [ab.Ratio("num", "den", covariate=("num_pre", "den_pre"))]).table.iloc[0]
    assert row["metric"] == "num/den (CUPED)"
    assert row["method"] == "ratio of means, delta method, CUPED"
    assert row["effect"] == pytest.approx(effect, rel=1e-9)
    assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-9)
    assert row["pvalue"] == pytest.approx(2 * st.norm.sf(abs(effect) / math.sqrt(var)), rel=1e-8)
    assert row["control"] == pytest.approx(rc, rel=1e-12)
    assert math.isinf(row["df"])


def test_cuped_ratio_reduces_standard_error_when_pre_period_correlates() -> None:
    df = _ratio_frame(2, n=20_000)
    t = ab.analyze(df, [ab.Ratio("num", "den"), ab.Ratio("num", "den", covariate=("num_pre", "den_pre"))]).table
    plain, adjusted = t.iloc[0], t.iloc[1]
    g = df[df.variant == "control"]
    _, _, vr, c, vx = _linearised(*(g[k].to_numpy(float) for k in ("num", "den", "num_pre", "den_pre")))
    rho = c / math.sqrt(vr * vx)
    assert rho > 0.4  # the pre-period ctr is the same user's ctr
    assert adjusted["se"] < 0.92 * plain["se"]
    assert adjusted["se"] / plain["se"] == pytest.approx(math.sqrt(1 - rho**2), rel=0.05)
    # the plain ratio is unchanged by the covariate's presence in the same pass
    ref = ratio_test(*(df[df.variant == a][c] for a in ("control", "treatment") for c in ("num", "den")))
    assert plain["effect"] == pytest.approx(ref.effect, rel=1e-10)


def test_cuped_ratio_zero_pre_denominator_raises_data_error() -> None:
    df = _ratio_frame(3, n=200)
    df["den_pre"] = 0.0
    with pytest.raises(DataError, match="denominator"):
        ab.analyze(df, [ab.Ratio("num", "den", covariate=("num_pre", "den_pre"))])
