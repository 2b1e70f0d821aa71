"""Seeded simulations: error rates and power of sequential monitoring, with binomial tolerance bands.

Each test draws whole experiments vectorised over simulations: daily conversions per arm (binomial) or daily sums of
normal outcomes, cumulated over looks, then the z statistic (or estimate and standard error) at each look. Bands are
4 binomial standard errors wide.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from abkit.stats.always_valid import AlwaysValid, mixture_tau
from abkit.stats.crossing import exit_probabilities
from abkit.stats.sequential import GroupSequential

pytestmark = pytest.mark.slow

N_SIM = 100_000
DAYS = 30
DAILY = 2_000  # units per arm per day
RATE = 0.05


def _band(p: float, n: int = N_SIM) -> float:
    return 4.0 * float(np.sqrt(p * (1 - p) / n))


def _conversion_looks(rng: np.random.Generator, effect: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative difference in conversion rate and its unpooled standard error, (N_SIM, DAYS) each."""
    n = DAILY * np.arange(1, DAYS + 1)
    control = rng.binomial(DAILY, RATE, size=(N_SIM, DAYS)).cumsum(axis=1) / n
    treatment = rng.binomial(DAILY, RATE + effect, size=(N_SIM, DAYS)).cumsum(axis=1) / n
    se = np.sqrt(control * (1 - control) / n + treatment * (1 - treatment) / n)
    return treatment - control, se


def _final_se() -> float:
    return float(np.sqrt(2 * RATE * (1 - RATE) / (DAILY * DAYS)))


def test_simulation_null_thirty_daily_looks() -> None:
    effect, se = _conversion_looks(np.random.default_rng(20240601))
    z = effect / se
    n_looks = np.arange(1, DAYS + 1) / DAYS

    # Naive: a two-sided 5% z test every day. The exact crossing probability of |Z_k| >= 1.96 over 30 equally spaced
    # looks is 0.2802 (recursive integration); Armitage et al. (1969) report ~0.29 for 30 looks at 5%.
    naive = float(np.mean(np.any(np.abs(z) >= norm.isf(0.025), axis=1)))
    b = np.full(DAYS, norm.isf(0.025))
    exact = float(sum(p.sum() for p in exit_probabilities(n_looks, b, -b)))
    assert 0.25 < naive < 0.31
    assert abs(naive - exact) < _band(exact)

    for spending in ("obrien-fleming", "pocock"):
        gs = GroupSequential(looks=DAYS, alpha=0.05, sides=2, spending=spending)
        rate = float(np.mean(np.any(np.abs(z) >= gs.z, axis=1)))
        assert abs(rate - 0.05) < _band(0.05), (spending, rate)

    spec = AlwaysValid(tau=mixture_tau(2.8 * _final_se(), _final_se(), looks=DAYS), alpha=0.05)
    always = float(np.mean(np.any(np.abs(z) >= spec.z(se), axis=1)))
    assert always <= 0.05 + _band(0.05)


def test_simulation_confidence_sequence_covers_true_effect() -> None:
    true = 0.004
    effect, se = _conversion_looks(np.random.default_rng(11), effect=true)
    spec = AlwaysValid(tau=0.003, alpha=0.1)
    radius = spec.z(se) * se
    miss = float(np.mean(np.any(np.abs(effect - true) >= radius, axis=1)))
    assert miss <= 0.1 + _band(0.1)


def _normal_z(rng: np.random.Generator, information: np.ndarray, drift: float) -> np.ndarray:
    """Z statistics at the looks of a trial of normal outcomes with known variance, E[Z_k] = drift sqrt(t_k).

    Per arm, the sum of each new batch of m outcomes N(mu, 1) is N(m mu, m); with n_max = 10_000 per arm.
    """
    n_max = 10_000
    n = np.round(information * n_max)
    batch = np.diff(n, prepend=0.0)
    mu = drift * np.sqrt(2.0 / n_max)  # so that E[Z_K] = mu / sqrt(2 / n_max) = drift
    sums_t = rng.normal(batch * mu, np.sqrt(batch), size=(N_SIM, n.size)).cumsum(axis=1)
    sums_c = rng.normal(0.0, np.sqrt(batch), size=(N_SIM, n.size)).cumsum(axis=1)
    return (sums_t - sums_c) / n / np.sqrt(2.0 / n)


def test_simulation_inflation_factor_gives_planned_power() -> None:
    rng = np.random.default_rng(5)
    gs = GroupSequential(looks=4, alpha=0.05, sides=2, boundary="obrien-fleming")
    drift = (norm.isf(0.025) + norm.isf(0.2)) * np.sqrt(gs.inflation(power=0.8))
    z = _normal_z(rng, gs.information, drift)
    power = float(np.mean(np.any(z >= gs.z, axis=1)))
    assert abs(power - 0.8) < _band(0.8)
    # Without the inflation the sequential design loses power: 0.7906 by recursive integration.
    fixed = norm.isf(0.025) + norm.isf(0.2)
    exact = float(exit_probabilities(gs.information, gs.z, -gs.z, drift=fixed)[0].sum())
    under = float(np.mean(np.any(_normal_z(rng, gs.information, fixed) >= gs.z, axis=1)))
    assert exact < 0.795
    assert abs(under - exact) < _band(exact)


def test_simulation_non_binding_futility() -> None:
    rng = np.random.default_rng(9)
    gs = GroupSequential(looks=4, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming")

    def reject(z: np.ndarray, obey_futility: bool) -> np.ndarray:
        crossed = z >= gs.z
        if obey_futility:
            stopped = np.cumsum(z <= gs.futility, axis=1) > 0
            stopped_before = np.concatenate([np.zeros((z.shape[0], 1), bool), stopped[:, :-1]], axis=1)
            crossed &= ~stopped_before
        return np.any(crossed, axis=1)

    drift = (norm.isf(0.025) + norm.isf(0.2)) * np.sqrt(gs.inflation())
    z1 = _normal_z(rng, gs.information, drift)
    assert abs(float(np.mean(reject(z1, obey_futility=True))) - 0.8) < _band(0.8)  # rpact's power convention
    z0 = _normal_z(rng, gs.information, 0.0)
    ignored = float(np.mean(reject(z0, obey_futility=False)))
    assert abs(ignored - 0.025) < _band(0.025)  # non-binding: alpha holds when futility is ignored
    assert float(np.mean(reject(z0, obey_futility=True))) < ignored


def test_simulation_always_valid_power_matches_crossing_probability() -> None:
    rng = np.random.default_rng(3)
    information = np.arange(1, DAYS + 1) / DAYS
    tau = mixture_tau(2.8, 1.0, looks=DAYS)
    spec = AlwaysValid(tau=tau, alpha=0.05)
    bound = spec.z(1.0 / np.sqrt(information))  # final se 1, se at look k is 1 / sqrt(t_k)
    expected = float(exit_probabilities(information, bound, -bound, drift=2.8)[0].sum())
    z = _normal_z(rng, information, 2.8)
    power = float(np.mean(np.any(z >= bound, axis=1)))
    assert abs(power - expected) < _band(expected)
    assert 0.5 < expected < 0.8  # the price of continuous validity against a fixed design's 0.8
