"""Seeded simulations of the live-analysis statistics: A/A false-positive rates, 95% interval coverage under a true
effect, CUPED bias and variance, family-wise error with Holm.

Each simulation generates all experiments at once in numpy (arrays of shape (experiments, arms, units)), computes the
per-(arm, experiment) moments in one engine pass (``MomentsRequest(group="variant", by=("sim",))``, the bincount
path) and compares arms with :func:`abkit.stats.compare.compare_arms`, the function ``ab.analyze`` calls per metric.

Tolerances are binomial: with 4,000 tests the standard error of a rate near 0.05 is 0.0034, so the band
[0.04, 0.06] is about +-2.9 standard errors, and [0.94, 0.96] likewise for coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.engines import MomentsRequest, compute_moments
from abkit.stats import adjust_pvalues
from abkit.stats.compare import compare_arms
from abkit.stats.metrics import Metric

pytestmark = pytest.mark.slow

N_TESTS = 4000


@dataclass
class Sim:
    """Per-experiment comparisons of one metric."""

    effect: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    rel_low: np.ndarray
    rel_high: np.ndarray
    pvalue: np.ndarray
    se: np.ndarray

    def covers(self, truth: float) -> float:
        return float(np.mean((self.ci_low <= truth) & (truth <= self.ci_high)))

    def rel_covers(self, truth: float) -> float:
        return float(np.mean((self.rel_low <= truth) & (truth <= self.rel_high)))

    def rejects(self, alpha: float = 0.05) -> float:
        return float(np.mean(self.pvalue < alpha))


def _moments(columns: dict[str, np.ndarray]):
    """columns: name -> array (S, 2, n), arm 0 control, arm 1 treatment (integer arm labels: cheap to group)."""
    s, _, n = next(iter(columns.values())).shape
    frame = pd.DataFrame(
        {
            "sim": np.repeat(np.arange(s, dtype=np.int32), 2 * n),
            "variant": np.tile(np.repeat(np.array([0, 1], dtype=np.int8), n), s),
            **{k: v.ravel() for k, v in columns.items()},
        }
    )
    m = compute_moments(frame, MomentsRequest(columns=tuple(columns), group="variant", by=("sim",)))
    index = {(int(v), int(k)): i for i, (v, k) in enumerate(zip(m.keys["variant"], m.keys["sim"], strict=True))}
    ctrl = np.array([index[(0, i)] for i in range(s)])
    trt = np.array([index[(1, i)] for i in range(s)])
    return m, ctrl, trt


def _simulate(columns: dict[str, np.ndarray], *specs: Metric | tuple[Metric, dict]) -> list[Sim]:
    """One engine pass over every experiment, then one comparison per (spec, experiment)."""
    m, ctrl, trt = _moments(columns)
    out = []
    for spec in specs:
        metric, kw = spec if isinstance(spec, tuple) else (spec, {})
        rows = [compare_arms(metric, m, c, t, **kw) for c, t in zip(ctrl, trt, strict=True)]
        fields = ("effect", "ci_low", "ci_high", "rel_ci_low", "rel_ci_high", "pvalue", "se")
        out.append(Sim(*(np.array([getattr(r, f) for r in rows]) for f in fields)))
    return out


# ---------------------------------------------------------------------------------------------- generators
def _revenue(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Zero-inflated, heavy-tailed revenue: 30% buyers, lognormal(3, 1) baskets. Mean 0.3 exp(3.5)."""
    return (rng.random(shape) < 0.3) * rng.lognormal(3.0, 1.0, shape)


REVENUE_MEAN = 0.3 * np.exp(3.5)


def _clicks(rng: np.random.Generator, shape: tuple[int, ...], lift: float = 0.0):
    """Unit-level clicks and displays; the per-user ctr is independent of displays, so the true ratio is E[ctr]."""
    displays = 1 + rng.poisson(rng.gamma(1.5, 8.0, shape))
    ctr = rng.beta(2.0, 38.0, shape)  # mean 0.05
    if lift:
        ctr[:, 1] *= 1 + lift
    return rng.binomial(displays, ctr).astype(float), displays.astype(float)


def _with_covariate(rng: np.random.Generator, shape: tuple[int, ...], effect: float = 0.0):
    x = rng.gamma(2.0, 2.0, shape)
    y = 2.0 + x + rng.normal(0.0, 2.0, shape)
    y[:, 1] += effect
    return y, x


# ---------------------------------------------------------------------------------------------- A/A
def test_aa_false_positive_rate_mean_skewed_revenue() -> None:
    rng = np.random.default_rng(101)
    (sim,) = _simulate({"revenue": _revenue(rng, (N_TESTS, 2, 500))}, ab.Mean("revenue"))
    assert 0.04 <= sim.rejects() <= 0.06, sim.rejects()


def test_aa_false_positive_rate_proportion() -> None:
    rng = np.random.default_rng(102)
    conv = (rng.random((N_TESTS, 2, 1000)) < 0.1).astype(float)
    (sim,) = _simulate({"converted": conv}, ab.Proportion("converted"))
    assert 0.04 <= sim.rejects() <= 0.06, sim.rejects()


def test_aa_false_positive_rate_ratio() -> None:
    rng = np.random.default_rng(103)
    clicks, displays = _clicks(rng, (N_TESTS, 2, 500))
    (sim,) = _simulate({"clicks": clicks, "displays": displays}, ab.Ratio("clicks", "displays"))
    assert 0.04 <= sim.rejects() <= 0.06, sim.rejects()


def test_aa_false_positive_rate_cuped() -> None:
    rng = np.random.default_rng(104)
    y, x = _with_covariate(rng, (N_TESTS, 2, 500))
    (sim,) = _simulate({"y": y, "x": x}, ab.Mean("y", covariate="x"))
    assert 0.04 <= sim.rejects() <= 0.06, sim.rejects()


def test_aa_false_positive_rate_cuped_ratio() -> None:
    rng = np.random.default_rng(105)
    shape = (N_TESTS, 2, 500)
    displays_pre = 1 + rng.poisson(rng.gamma(1.5, 30.0, shape))
    ctr = rng.beta(1.0, 19.0, shape)  # mean 0.05, dispersed: the pre-period ctr predicts the current one
    displays = 1 + rng.poisson(displays_pre * rng.uniform(0.7, 1.3, shape))
    cols = {
        "clicks": rng.binomial(displays, ctr).astype(float),
        "displays": displays.astype(float),
        "clicks_pre": rng.binomial(displays_pre, ctr).astype(float),
        "displays_pre": displays_pre.astype(float),
    }
    (sim,) = _simulate(cols, ab.Ratio("clicks", "displays", covariate=("clicks_pre", "displays_pre")))
    assert 0.04 <= sim.rejects() <= 0.06, sim.rejects()


# ---------------------------------------------------------------------------------------------- coverage
def test_coverage_mean_skewed_revenue_with_true_lift() -> None:
    rng = np.random.default_rng(201)
    rev = _revenue(rng, (N_TESTS, 2, 1000))
    rev[:, 1] *= 1.05
    (sim,) = _simulate({"revenue": rev}, ab.Mean("revenue"))
    assert 0.94 <= sim.covers(0.05 * REVENUE_MEAN) <= 0.96, sim.covers(0.05 * REVENUE_MEAN)
    assert 0.94 <= sim.rel_covers(0.05) <= 0.96, sim.rel_covers(0.05)  # delta method


def test_coverage_proportion_with_true_lift_delta_and_log() -> None:
    rng = np.random.default_rng(202)
    p = np.array([0.10, 0.11])[None, :, None]
    conv = (rng.random((N_TESTS, 2, 1500)) < p).astype(float)
    cols = {"converted": conv}
    delta, log = _simulate(cols, ab.Proportion("converted"), (ab.Proportion("converted"), {"rel_method": "log"}))
    assert 0.94 <= delta.covers(0.01) <= 0.96, delta.covers(0.01)
    assert 0.94 <= delta.rel_covers(0.1) <= 0.96, delta.rel_covers(0.1)
    assert 0.94 <= log.rel_covers(0.1) <= 0.96, log.rel_covers(0.1)
    np.testing.assert_array_equal(log.pvalue, delta.pvalue)


def test_coverage_ratio_with_true_lift_delta_and_log() -> None:
    rng = np.random.default_rng(203)
    clicks, displays = _clicks(rng, (N_TESTS, 2, 500), lift=0.05)
    cols = {"clicks": clicks, "displays": displays}
    ratio = ab.Ratio("clicks", "displays")
    delta, log = _simulate(cols, ratio, (ratio, {"rel_method": "log"}))
    assert 0.94 <= delta.covers(0.05 * 0.05) <= 0.96, delta.covers(0.0025)
    assert 0.94 <= delta.rel_covers(0.05) <= 0.96, delta.rel_covers(0.05)
    assert 0.94 <= log.rel_covers(0.05) <= 0.96, log.rel_covers(0.05)


def test_coverage_cuped_with_true_effect() -> None:
    rng = np.random.default_rng(204)
    y, x = _with_covariate(rng, (N_TESTS, 2, 500), effect=0.3)
    (sim,) = _simulate({"y": y, "x": x}, ab.Mean("y", covariate="x"))
    assert 0.94 <= sim.covers(0.3) <= 0.96, sim.covers(0.3)
    # true relative effect: 0.3 / E[y] with E[y] = 2 + E[x] = 6
    assert 0.94 <= sim.rel_covers(0.05) <= 0.96, sim.rel_covers(0.05)


# ---------------------------------------------------------------------------------------------- CUPED on ratios
def test_cuped_ratio_unbiased_reduces_variance_and_covers() -> None:
    rng = np.random.default_rng(301)
    s, n, lift = N_TESTS, 800, 0.05
    shape = (s, 2, n)
    displays_pre = 1 + rng.poisson(rng.gamma(1.5, 30.0, shape))
    ctr = rng.beta(1.0, 19.0, shape)  # mean 0.05, dispersed: the pre-period ctr predicts the current one
    displays = 1 + rng.poisson(displays_pre * rng.uniform(0.7, 1.3, shape))
    ctr_now = ctr.copy()
    ctr_now[:, 1] *= 1 + lift
    cols = {
        "clicks": rng.binomial(displays, ctr_now).astype(float),
        "displays": displays.astype(float),
        "clicks_pre": rng.binomial(displays_pre, ctr).astype(float),
        "displays_pre": displays_pre.astype(float),
    }
    plain, adjusted = _simulate(
        cols, ab.Ratio("clicks", "displays"), ab.Ratio("clicks", "displays", covariate=("clicks_pre", "displays_pre"))
    )
    truth = 0.05 * lift
    # unbiased: the mean estimate is within 3 Monte Carlo standard errors of the truth (and of the plain ratio's)
    mc_se = adjusted.effect.std(ddof=1) / np.sqrt(s)
    assert abs(adjusted.effect.mean() - truth) < 3 * mc_se, (adjusted.effect.mean(), truth, mc_se)
    assert abs(plain.effect.mean() - truth) < 3 * plain.effect.std(ddof=1) / np.sqrt(s)
    # variance reduction, and the reported standard error matches the spread of the estimates
    assert adjusted.effect.var() < 0.8 * plain.effect.var()
    assert np.mean(adjusted.se) == pytest.approx(adjusted.effect.std(ddof=1), rel=0.05)
    assert np.mean(adjusted.se) < np.mean(plain.se)
    assert 0.94 <= adjusted.covers(truth) <= 0.96, adjusted.covers(truth)


# ---------------------------------------------------------------------------------------------- multiplicity
def test_holm_family_wise_error_with_five_metrics() -> None:
    rng = np.random.default_rng(401)
    s, n = 2500, 400
    shape = (s, 2, n)
    activity = rng.gamma(1.2, 1.0, shape)
    sessions = 1 + rng.poisson(3.0 * activity)
    displays = sessions * (5 + rng.poisson(10, shape))
    clicks = rng.binomial(displays, np.clip(0.05 * rng.beta(2, 8, shape) / 0.2, 0, 1))
    converted = rng.random(shape) < np.clip(0.05 * (0.5 + 0.5 * activity), 0, 1)
    orders = converted * (1 + rng.poisson(0.3 * activity))
    revenue = orders * rng.lognormal(3.0, 0.9, shape)
    cols = {
        "revenue": revenue,
        "converted": converted.astype(float),
        "clicks": clicks.astype(float),
        "displays": displays.astype(float),
        "orders": orders.astype(float),
        "sessions": sessions.astype(float),
    }
    metrics = [
        ab.Mean("revenue"),
        ab.Proportion("converted"),
        ab.Ratio("clicks", "displays"),
        ab.Ratio("orders", "sessions"),
        ab.Ratio("revenue", "sessions"),
    ]
    sims = _simulate(cols, *metrics)
    p = np.column_stack([x.pvalue for x in sims])  # (experiments, 5)
    holm = np.vstack([adjust_pvalues(row, method="holm") for row in p])
    fwer_holm = float(np.mean((holm < 0.05).any(axis=1)))
    fwer_raw = float(np.mean((p < 0.05).any(axis=1)))
    assert fwer_holm <= 0.06, fwer_holm
    assert fwer_raw > 0.12, fwer_raw  # without a correction five looks inflate the error: the test has power
    for x in sims:
        assert 0.035 <= x.rejects() <= 0.065  # each metric alone holds its level (2,500 tests: +-3.3 se)
