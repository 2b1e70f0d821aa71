"""Recursive integration against the multivariate normal distribution of the Z statistics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from abkit.stats.crossing import exit_probabilities


def _joint(t: np.ndarray, drift: float):
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    return multivariate_normal(mean=drift * np.sqrt(t), cov=cov, seed=1, abseps=1e-9, releps=1e-9, maxpts=10**7)


@pytest.mark.parametrize("drift", [0.0, 1.5, -0.7])
def test_exit_probabilities_two_looks_match_bivariate_normal(drift: float) -> None:
    t = np.array([0.35, 1.0])
    upper = np.array([2.6, 2.0])
    lower = np.array([-1.1, -np.inf])
    up, low = exit_probabilities(t, upper, lower, drift=drift)
    mvn = _joint(t, drift)
    mean1 = drift * np.sqrt(t[0])
    assert up[0] == pytest.approx(norm.sf(upper[0] - mean1), abs=1e-12)
    assert low[0] == pytest.approx(norm.cdf(lower[0] - mean1), abs=1e-12)
    # P(lower_1 < Z_1 < upper_1, Z_2 >= upper_2) from bivariate normal rectangle probabilities.
    inside_1 = norm.cdf(upper[0] - mean1) - norm.cdf(lower[0] - mean1)
    below_2 = mvn.cdf([upper[0], upper[1]]) - mvn.cdf([lower[0], upper[1]])
    assert up[1] == pytest.approx(inside_1 - below_2, abs=1e-8)
    assert low[1] == 0.0


def test_exit_probabilities_three_looks_match_trivariate_normal() -> None:
    t = np.array([0.2, 0.6, 1.0])
    b = np.array([3.0, 2.4, 2.0])
    up, low = exit_probabilities(t, b, -b, drift=0.8)
    mvn = _joint(t, 0.8)
    # P(no exit) = P(|Z_k| < b_k for all k), by inclusion-exclusion over the 8 corners of the box.
    stay = 0.0
    for signs in np.array(np.meshgrid([1, -1], [1, -1], [1, -1])).T.reshape(-1, 3):
        stay += np.prod(signs) * mvn.cdf(signs * b)
    assert up.sum() + low.sum() == pytest.approx(1.0 - stay, abs=1e-7)
    assert np.all(up >= 0) and np.all(low >= 0)


def test_exit_probabilities_constant_boundary_grows_with_looks() -> None:
    # Armitage, McPherson & Rowe (1969): repeated 5% tests; 5 looks give about 0.142, 10 about 0.193.
    rates = []
    for k in (1, 5, 10):
        t = np.arange(1, k + 1) / k
        b = np.full(k, norm.isf(0.025))
        up, low = exit_probabilities(t, b, -b)
        rates.append(up.sum() + low.sum())
    assert rates[0] == pytest.approx(0.05, abs=1e-12)
    assert rates[1] == pytest.approx(0.142, abs=5e-4)
    assert rates[2] == pytest.approx(0.193, abs=5e-4)
