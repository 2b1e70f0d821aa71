"""Seeded simulations: a design for 80% power reaches 77.5-82.5% realised power with the analysis' own test.

Each simulates thousands of experiments at the planned size (``ceil`` of the solver's answer) in one vectorised
pass and runs the test the analysis uses. With 4,000 experiments the binomial sd of the realised power is 0.63%,
so the band is about four sd wide on each side: it fails for a design that is off by a few units of power.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from abkit.protocols.sizing import ratio_sd, sample_size

pytestmark = pytest.mark.slow

ALPHA = 0.05
LOW, HIGH = 0.775, 0.825


def _welch_reject(control: np.ndarray, treatment: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Two-sided Welch t test per row (scipy takes (a, b); the sign does not matter two-sided)."""
    return stats.ttest_ind(treatment, control, axis=1, equal_var=False).pvalue < alpha


def test_sample_size_mean_reaches_power_with_welch_t():
    rng = np.random.default_rng(20240601)
    sd, delta, ratio, sims = 2.0, 0.9, 0.5, 4000
    n = sample_size("mean", mde=delta, sd=sd, ratio=ratio)
    n_c, n_t = math.ceil(n), math.ceil(ratio * n)
    control = rng.normal(10.0, sd, (sims, n_c))
    treatment = rng.normal(10.0 + delta, sd, (sims, n_t))
    realised = _welch_reject(control, treatment).mean()
    assert LOW <= realised <= HIGH, f"realised power {realised:.4f} at n = {n_c}, {n_t}"


def test_sample_size_proportion_reaches_power_with_pooled_z():
    rng = np.random.default_rng(7)
    p1, delta, sims = 0.1, 0.02, 20000
    n = math.ceil(sample_size("proportion", baseline=p1, mde=delta))
    x_c = rng.binomial(n, p1, sims)
    x_t = rng.binomial(n, p1 + delta, sims)
    pooled = (x_c + x_t) / (2 * n)
    z = (x_t - x_c) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    realised = (2 * stats.norm.sf(np.abs(z)) < ALPHA).mean()
    assert LOW <= realised <= HIGH, f"realised power {realised:.4f} at n = {n}"


def _clicks_displays(rng: np.random.Generator, shape: tuple[int, ...], lift: float) -> tuple[np.ndarray, np.ndarray]:
    """Units with their own click-through rate (Beta) and number of displays (1 + Poisson)."""
    displays = 1 + rng.poisson(8.0, shape)
    ctr = rng.beta(2.0, 30.0, shape) * lift
    return rng.binomial(displays, ctr).astype(float), displays.astype(float)


def test_sample_size_ratio_reaches_power_with_delta_method_z():
    """The lift scales every unit's CTR, so the treatment arm's linearised variance is larger than the control's:
    the design takes the sd whose square is the mean of the two arms' variances (exact for equal allocation)."""
    rng = np.random.default_rng(99)
    lift, sims = 0.12, 2000
    moments = []
    for arm_lift in (1.0, 1.0 + lift):  # pilot data the design reads its moments from
        num, den = _clicks_displays(rng, (500_000,), arm_lift)
        cov = np.cov(num, den)
        moments.append((num.mean() / den.mean(), ratio_sd(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1])))
    baseline = moments[0][0]
    sd = math.sqrt((moments[0][1] ** 2 + moments[1][1] ** 2) / 2)
    n = math.ceil(sample_size("ratio", baseline=baseline, mde=lift, relative=True, sd=sd))

    def arm(shape: tuple[int, int], lift_: float) -> tuple[np.ndarray, np.ndarray]:
        c, d = _clicks_displays(rng, shape, lift_)
        r = c.sum(1) / d.sum(1)
        lin = (c - r[:, None] * d) / d.mean(1)[:, None]
        return r, lin.var(1, ddof=1) / shape[1]

    r_c, v_c = arm((sims, n), 1.0)
    r_t, v_t = arm((sims, n), 1.0 + lift)
    z = (r_t - r_c) / np.sqrt(v_c + v_t)
    realised = (2 * stats.norm.sf(np.abs(z)) < ALPHA).mean()
    assert LOW <= realised <= HIGH, f"realised power {realised:.4f} at n = {n}"


def test_sample_size_cuped_reaches_power_with_pooled_theta():
    rng = np.random.default_rng(5)
    sd, rho, delta, sims = 3.0, 0.7, 0.8, 4000
    n = math.ceil(sample_size("mean", mde=delta, sd=sd, covariate_correlation=rho))

    def arm(effect: float) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(0.0, 1.0, (sims, n))
        y = 5.0 + effect + sd * (rho * x + math.sqrt(1 - rho**2) * rng.normal(0.0, 1.0, (sims, n)))
        return y, x

    y_c, x_c = arm(0.0)
    y_t, x_t = arm(delta)
    x_all, y_all = np.hstack([x_c, x_t]), np.hstack([y_c, y_t])
    xm = x_all.mean(1, keepdims=True)
    theta = ((x_all - xm) * (y_all - y_all.mean(1, keepdims=True))).sum(1) / ((x_all - xm) ** 2).sum(1)
    adj_c = y_c - theta[:, None] * (x_c - xm)
    adj_t = y_t - theta[:, None] * (x_t - xm)
    realised = _welch_reject(adj_c, adj_t).mean()
    assert LOW <= realised <= HIGH, f"realised power {realised:.4f} at n = {n}"
    plain = _welch_reject(y_c, y_t).mean()
    assert plain < 0.65, "without CUPED the same n must be clearly underpowered"


def test_sample_size_three_arms_holm_reaches_power():
    """Each comparison is sized at alpha / 2, Holm's first step; that is exact when the other arm has no effect.

    When both treatments work, Holm's second step (at alpha) rejects more often, so the power only grows.
    """
    rng = np.random.default_rng(11)
    sd, delta, sims = 1.0, 0.5, 4000
    n = math.ceil(sample_size("mean", mde=delta, sd=sd, arms=3, correction="holm"))
    control = rng.normal(0.0, sd, (sims, n))
    p_a = stats.ttest_ind(rng.normal(delta, sd, (sims, n)), control, axis=1, equal_var=False).pvalue
    p_null = stats.ttest_ind(rng.normal(0.0, sd, (sims, n)), control, axis=1, equal_var=False).pvalue
    p_b = stats.ttest_ind(rng.normal(delta, sd, (sims, n)), control, axis=1, equal_var=False).pvalue

    def holm_rejects_first(p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
        smallest = np.minimum(p1, p2)
        return (smallest <= ALPHA / 2) & (p1 <= np.where(p1 <= p2, ALPHA / 2, ALPHA))

    realised = holm_rejects_first(p_a, p_null).mean()
    assert LOW <= realised <= HIGH, f"realised power {realised:.4f} at n = {n}"
    both = holm_rejects_first(p_a, p_b).mean()
    assert both >= realised
    single = (p_a < ALPHA).mean()
    assert single > HIGH, "an uncorrected test at the same n has more power: the split was applied"
