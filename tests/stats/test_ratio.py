"""Ratio metrics by the delta method (abkit/stats/ratio.py).

The delta-method variance of a ratio of means ``R = mean(num) / mean(den)`` is ``var(num - R den) / (n mean(den)^2)``
(Deng, Knoblich, Lu 2018, section 3): checked against that unit-level linearisation, against a 20,000-resample
unit-level bootstrap on fixed data, and against Welch's z when every denominator is 1.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import abkit as ab
from abkit.errors import DataError, ParameterError
from abkit.stats import ratio_test

RTOL = 1e-10


def _arm(rng: np.random.Generator, n: int, ctr: float) -> tuple[np.ndarray, np.ndarray]:
    activity = rng.gamma(1.2, 1.0, n)
    displays = 1 + rng.poisson(12 * activity)
    p = np.clip(ctr * rng.beta(2, 8, n) / 0.2 * (0.7 + 0.3 * activity), 0, 1)
    return rng.binomial(displays, p).astype(float), displays.astype(float)


def _data(seed: int = 0, n_c: int = 1500, n_t: int = 1600):
    rng = np.random.default_rng(seed)
    nc, dc = _arm(rng, n_c, 0.05)
    nt, dt = _arm(rng, n_t, 0.055)
    return nc, dc, nt, dt


def _delta_var(num: np.ndarray, den: np.ndarray) -> float:
    r = num.mean() / den.mean()
    return float(np.var(num - r * den, ddof=1) / (len(num) * den.mean() ** 2))


def test_ratio_test_equals_linearisation() -> None:
    nc, dc, nt, dt = _data()
    r = ratio_test(nc, dc, nt, dt)
    rc, rt = nc.sum() / dc.sum(), nt.sum() / dt.sum()
    se = math.sqrt(_delta_var(nc, dc) + _delta_var(nt, dt))
    assert r.control == pytest.approx(rc, rel=RTOL)
    assert r.treatment == pytest.approx(rt, rel=RTOL)
    assert r.effect == pytest.approx(rt - rc, rel=RTOL)
    assert r.se == pytest.approx(se, rel=RTOL)
    assert r.pvalue == pytest.approx(2 * st.norm.sf(abs(rt - rc) / se), rel=1e-9)
    z = st.norm.ppf(0.975)
    assert (r.ci_low, r.ci_high) == (pytest.approx(rt - rc - z * se, rel=RTOL), pytest.approx(rt - rc + z * se))
    assert math.isinf(r.df)
    assert r.method == "ratio of means, delta method"


def test_ratio_relative_interval_delta_method() -> None:
    # rel = R_t / R_c - 1 with independent arms: Var = v_t / R_c^2 + R_t^2 v_c / R_c^4
    nc, dc, nt, dt = _data(1)
    rc, rt = nc.sum() / dc.sum(), nt.sum() / dt.sum()
    vc, vt = _delta_var(nc, dc), _delta_var(nt, dt)
    se = math.sqrt(vt / rc**2 + rt**2 * vc / rc**4)
    r = ratio_test(nc, dc, nt, dt)
    assert r.rel_effect == pytest.approx(rt / rc - 1, rel=RTOL)
    assert r.rel_se == pytest.approx(se, rel=RTOL)
    log_se = math.sqrt(vt / rt**2 + vc / rc**2)
    lg = ratio_test(nc, dc, nt, dt, rel_method="log")
    assert lg.rel_se == pytest.approx(log_se, rel=RTOL)
    assert lg.rel_ci_high == pytest.approx(math.exp(math.log(rt / rc) + st.norm.ppf(0.975) * log_se) - 1, rel=RTOL)


def test_ratio_delta_se_within_3_percent_of_bootstrap() -> None:
    nc, dc, nt, dt = _data(2)
    rng = np.random.default_rng(20260101)
    b, chunk = 20_000, 2_000

    def replicates(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        out = np.empty(b)
        for s in range(0, b, chunk):
            idx = rng.integers(0, len(num), size=(chunk, len(num)))
            out[s : s + chunk] = num[idx].sum(axis=1) / den[idx].sum(axis=1)
        return out

    boot_c, boot_t = replicates(nc, dc), replicates(nt, dt)
    r = ratio_test(nc, dc, nt, dt)
    assert r.se == pytest.approx(np.std(boot_t - boot_c, ddof=1), rel=0.03)
    assert math.sqrt(_delta_var(nc, dc)) == pytest.approx(np.std(boot_c, ddof=1), rel=0.03)
    assert math.sqrt(_delta_var(nt, dt)) == pytest.approx(np.std(boot_t, ddof=1), rel=0.03)


def test_ratio_with_unit_denominators_is_welch_z() -> None:
    rng = np.random.default_rng(3)
    yc, yt = rng.exponential(2.0, 400), rng.exponential(2.2, 500)
    r = ratio_test(yc, np.ones(400), yt, np.ones(500))
    se = math.sqrt(yc.var(ddof=1) / 400 + yt.var(ddof=1) / 500)
    assert r.se == pytest.approx(se, rel=RTOL)
    assert r.pvalue == pytest.approx(2 * st.norm.sf(abs(yt.mean() - yc.mean()) / se), rel=1e-9)


def test_ratio_scaling_denominator_scales_ratio_keeps_pvalue() -> None:
    nc, dc, nt, dt = _data(4)
    a = ratio_test(nc, dc, nt, dt)
    b = ratio_test(nc, 10 * dc, nt, 10 * dt)
    assert b.effect == pytest.approx(a.effect / 10, rel=1e-9)
    assert b.pvalue == pytest.approx(a.pvalue, rel=1e-9)
    assert b.rel_effect == pytest.approx(a.rel_effect, rel=1e-9)


def test_ratio_swapping_arms_flips_effect() -> None:
    nc, dc, nt, dt = _data(5)
    a, b = ratio_test(nc, dc, nt, dt), ratio_test(nt, dt, nc, dc)
    assert b.effect == pytest.approx(-a.effect, rel=RTOL)
    assert b.pvalue == pytest.approx(a.pvalue, rel=RTOL)
    assert (b.ci_low, b.ci_high) == (pytest.approx(-a.ci_high, rel=RTOL), pytest.approx(-a.ci_low, rel=RTOL))


def test_analyze_ratio_equals_ratio_test() -> None:
    nc, dc, nt, dt = _data(6)
    df = pd.DataFrame(
        {"variant": ["control"] * len(nc) + ["treatment"] * len(nt), "clicks": np.r_[nc, nt], "displays": np.r_[dc, dt]}
    )
    row = ab.analyze(df, [ab.Ratio("clicks", "displays", name="ctr")]).table.iloc[0]
    ref = ratio_test(nc, dc, nt, dt)
    assert row["metric"] == "ctr"
    for col in ("control", "treatment", "effect", "ci_low", "ci_high", "pvalue", "rel_effect", "rel_ci_low"):
        assert row[col] == pytest.approx(getattr(ref, col), rel=1e-9), col


def test_ratio_test_zero_denominator_raises() -> None:
    with pytest.raises(DataError, match="denominator 'denominator' sums to zero"):
        ratio_test([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0], [3.0, 4.0])


def test_ratio_test_length_mismatch_and_nan_raise() -> None:
    with pytest.raises(DataError, match="treatment: numerator has 2 values and denominator 3"):
        ratio_test([1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [3.0, 4.0, 5.0])
    with pytest.raises(ParameterError, match="'den_control'"):
        ratio_test([1.0, 2.0], [3.0, np.inf], [1.0, 2.0], [3.0, 4.0])


def test_analyze_ratio_arm_with_zero_denominators_raises() -> None:
    den_t = np.array([0.188, 2.15, 1.185, 0.363, 2.015, 2.801, 0.701])
    df = pd.DataFrame(
        {"variant": ["treatment"] * 7 + ["control"] * 7, "num": np.r_[0.3 * den_t, np.zeros(7)],
         "den": np.r_[den_t, np.zeros(7)]}
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="sums to zero"):
            ab.analyze(df, [ab.Ratio("num", "den")])
