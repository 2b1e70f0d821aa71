"""Properties of the statistics (Hypothesis): swapping arms flips the effect and keeps the two-sided p-value,
p-values lie in [0, 1], intervals contain their estimate and agree with the test, adjusted p-values are monotone and
never below the raw ones, moments do not depend on how groups are split."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

from abkit.engines import MomentsRequest
from abkit.engines.memory import frame_moments
from abkit.errors import DegenerateDataWarning
from abkit.stats import adjust_pvalues, cuped, ratio_test, ttest, ztest_proportions
from abkit.stats.inference import Comparison

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALTERNATIVES = ["two-sided", "greater", "less"]
METHODS = ["bonferroni", "holm", "hochberg", "BH", "BY"]

values = hnp.arrays(
    np.float64,
    hs.integers(3, 40),
    elements=hs.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
positive = hnp.arrays(np.float64, hs.integers(3, 40), elements=hs.floats(0.5, 1e3, allow_subnormal=False))
pvals = hs.lists(hs.one_of(hs.floats(0.0, 1.0), hs.sampled_from([0.0, 0.01, 0.05, 0.5, 1.0])), min_size=1, max_size=30)


def _run(fn, *args, **kw) -> Comparison:
    try:
        return fn(*args, **kw)
    except DegenerateDataWarning:  # filterwarnings=error turns the warning into an exception
        assume(False)
        raise


def _spread(a: np.ndarray) -> bool:
    return bool(np.std(a) > 1e-6 * max(1.0, float(np.abs(a).max())))


def _check_common(r: Comparison) -> None:
    assert 0.0 <= r.pvalue <= 1.0
    assert r.ci_low <= r.effect <= r.ci_high
    if math.isfinite(r.rel_ci_low) and math.isfinite(r.rel_ci_high) and r.rel_method == "delta":
        assert r.rel_ci_low <= r.rel_effect <= r.rel_ci_high


def _check_swap(a: Comparison, b: Comparison, rtol: float = 0.0) -> None:
    tol = rtol * max(abs(a.effect), a.se) + 1e-300
    assert abs(b.effect + a.effect) <= tol
    assert b.pvalue == pytest.approx(a.pvalue, rel=max(rtol, 1e-15), abs=1e-300)
    assert abs(b.ci_low + a.ci_high) <= tol + rtol * abs(a.ci_high)
    assert abs(b.ci_high + a.ci_low) <= tol + rtol * abs(a.ci_low)


@SETTINGS
@given(c=values, t=values, alternative=hs.sampled_from(ALTERNATIVES), equal_var=hs.booleans())
def test_ttest_properties(c: np.ndarray, t: np.ndarray, alternative: str, equal_var: bool) -> None:
    assume(_spread(c) and _spread(t))
    r = _run(ttest, c, t, alternative=alternative, equal_var=equal_var)
    _check_common(r)
    if alternative == "two-sided":
        _check_swap(r, _run(ttest, t, c, equal_var=equal_var))
        # duality: the 95% interval excludes 0 exactly when p < 0.05
        assume(abs(r.pvalue - 0.05) > 1e-9)
        assert (r.ci_low > 0 or r.ci_high < 0) == (r.pvalue < 0.05)
    else:
        other = "less" if alternative == "greater" else "greater"
        assert r.pvalue + _run(ttest, c, t, alternative=other, equal_var=equal_var).pvalue == pytest.approx(1.0)


@SETTINGS
@given(
    nc=hs.integers(2, 5000), nt=hs.integers(2, 5000), fc=hs.floats(0, 1), ft=hs.floats(0, 1),
    alternative=hs.sampled_from(ALTERNATIVES),
)  # fmt: skip
def test_ztest_proportions_properties(nc: int, nt: int, fc: float, ft: float, alternative: str) -> None:
    xc, xt = round(fc * nc), round(ft * nt)
    r = _run(ztest_proportions, xc, nc, xt, nt, alternative=alternative)
    _check_common(r)
    assert r.ci_low >= -1.0 and r.ci_high <= 1.0
    if alternative == "two-sided":
        _check_swap(r, _run(ztest_proportions, xt, nt, xc, nc), rtol=1e-12)


@SETTINGS
@given(num_c=positive, num_t=positive, data=hs.data())
def test_ratio_test_properties(num_c: np.ndarray, num_t: np.ndarray, data: hs.DataObject) -> None:
    den_c = data.draw(hnp.arrays(np.float64, len(num_c), elements=hs.floats(1.0, 100.0)))
    den_t = data.draw(hnp.arrays(np.float64, len(num_t), elements=hs.floats(1.0, 100.0)))
    assume(_spread(num_c / den_c) and _spread(num_t / den_t))
    r = _run(ratio_test, num_c, den_c, num_t, den_t)
    _check_common(r)
    _check_swap(r, _run(ratio_test, num_t, den_t, num_c, den_c))
    assume(abs(r.pvalue - 0.05) > 1e-9)
    assert (r.ci_low > 0 or r.ci_high < 0) == (r.pvalue < 0.05)


@SETTINGS
@given(yc=values, yt=values, data=hs.data())
def test_cuped_properties(yc: np.ndarray, yt: np.ndarray, data: hs.DataObject) -> None:
    xc = data.draw(hnp.arrays(np.float64, len(yc), elements=hs.floats(-100, 100, allow_subnormal=False)))
    xt = data.draw(hnp.arrays(np.float64, len(yt), elements=hs.floats(-100, 100, allow_subnormal=False)))
    assume(_spread(np.r_[xc, xt]) and _spread(yc) and _spread(yt))
    r = _run(cuped, yc, xc, yt, xt)
    _check_common(r)
    _check_swap(r, _run(cuped, yt, xt, yc, xc), rtol=1e-7)


@SETTINGS
@given(p=pvals, method=hs.sampled_from(METHODS))
def test_adjust_pvalues_monotone_and_at_least_raw(p: list[float], method: str) -> None:
    raw = np.array(p)
    adj = adjust_pvalues(raw, method=method)
    assert adj.shape == raw.shape
    assert np.all(adj >= raw - 1e-15) and np.all(adj <= 1.0)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)  # the ranking of the raw p-values is kept
    perm = np.random.default_rng(len(p)).permutation(len(p))
    np.testing.assert_allclose(adjust_pvalues(raw[perm], method=method), adj[perm], rtol=1e-15)


@SETTINGS
@given(p=pvals)
def test_adjust_pvalues_orderings_between_methods(p: list[float]) -> None:
    raw = np.array(p)
    bonf, holm, hoch = (adjust_pvalues(raw, method=m) for m in ("bonferroni", "holm", "hochberg"))
    bh, by = adjust_pvalues(raw, method="BH"), adjust_pvalues(raw, method="BY")
    eps = 1e-15
    assert np.all(holm <= bonf + eps) and np.all(hoch <= holm + eps)
    assert np.all(bh <= hoch + eps) and np.all(bh <= by + eps)


@SETTINGS
@given(
    y=hnp.arrays(np.float64, hs.integers(4, 200), elements=hs.floats(-1e4, 1e4, allow_subnormal=False)),
    groups=hs.integers(1, 12),
    seed=hs.integers(0, 2**16),
)
def test_moments_do_not_depend_on_group_split_or_row_order(y: np.ndarray, groups: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, len(y))
    df = pd.DataFrame({"g": g, "y": y, "x": y**2 / 1e3})
    m = frame_moments(df, MomentsRequest(columns=("y", "x"), group="g"))
    shuffled = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    m2 = frame_moments(shuffled, MomentsRequest(columns=("y", "x"), group="g"))
    scale = float(np.abs(df[["y", "x"]].to_numpy()).max()) + 1.0
    for i in range(len(m)):
        sub = df.loc[g == m.keys["g"].iloc[i], ["y", "x"]].to_numpy()
        s, s2 = m.summary(i), m2.summary(i)
        assert s.n == s2.n == len(sub)
        np.testing.assert_allclose(s.mean, sub.mean(axis=0), rtol=1e-12, atol=1e-12 * scale)
        np.testing.assert_allclose(s2.mean, s.mean, rtol=1e-12, atol=1e-12 * scale)
        if len(sub) > 1:
            np.testing.assert_allclose(s.cov, np.cov(sub, rowvar=False), rtol=1e-9, atol=1e-9 * scale**2)
