"""The normal-mixture mSPRT and confidence sequence against direct integration and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.optimize import minimize_scalar
from scipy.stats import norm

from abkit.errors import DegenerateDataWarning, ParameterError
from abkit.stats.always_valid import AlwaysValid, always_valid, mixture_tau

EFFECT = np.array([0.9, -0.2, 0.4, 0.55, 0.5, 0.47])
SE = np.array([0.8, 0.5, 0.35, 0.25, 0.18, 0.12])


def _mixture_lr(effect: float, se: float, tau: float, side: str) -> float:
    """The likelihood ratio of N(theta, se^2) against N(0, se^2), integrated over the mixing prior on theta."""

    def integrand(theta: float) -> float:
        log_ratio = (theta * effect - theta**2 / 2) / se**2
        prior = norm.pdf(theta, scale=tau) * (1 if side == "two-sided" else 2)
        return float(np.exp(log_ratio) * prior)

    lo, hi = {"two-sided": (-np.inf, np.inf), "greater": (0, np.inf), "less": (-np.inf, 0)}[side]
    return integrate.quad(integrand, lo, hi, epsabs=0, epsrel=1e-12)[0]


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_always_valid_likelihood_ratio_matches_integral(alternative: str) -> None:
    res = always_valid(EFFECT, SE, tau=0.6, alpha=0.05, alternative=alternative)
    expected = [np.log(_mixture_lr(e, s, 0.6, alternative)) for e, s in zip(EFFECT, SE, strict=True)]
    np.testing.assert_allclose(res.log_likelihood_ratio, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.pvalue, np.minimum.accumulate(np.minimum(1, 1 / np.exp(expected))), rtol=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_always_valid_sequence_ends_where_ratio_reaches_one_over_alpha(alternative: str) -> None:
    # Each look's interval is {theta : LR(theta) < 1/alpha}; at its ends the integral equals 1/alpha.
    est, se, tau, alpha = 0.3, 0.2, 0.5, 0.1
    res = always_valid([est], [se], tau=tau, alpha=alpha, alternative=alternative)
    ends = [x for x in (res.ci_low[0], res.ci_high[0]) if np.isfinite(x)]
    assert len(ends) == (2 if alternative == "two-sided" else 1)
    for end in ends:
        assert _mixture_lr(est - end, se, tau, alternative) == pytest.approx(1 / alpha, rel=1e-9)


def test_always_valid_two_sided_radius_is_howard_normal_mixture() -> None:
    # Howard et al. (2021), two-sided normal mixture boundary for S_t with variance process V_t and rho:
    # |S_t| <= sqrt((V_t + rho) log((V_t + rho) / (rho alpha^2))). Here S = effect / se^2, V = 1 / se^2, rho = 1/tau^2.
    tau, alpha = 0.4, 0.05
    res = always_valid(np.zeros(SE.size), SE, tau=tau, alpha=alpha)
    v, rho = 1 / SE**2, 1 / tau**2
    radius = np.sqrt((v + rho) * np.log((v + rho) / (rho * alpha**2))) / v
    np.testing.assert_allclose(res.ci_high, np.minimum.accumulate(radius), rtol=1e-12)
    np.testing.assert_allclose(res.ci_low, np.maximum.accumulate(-radius), rtol=1e-12)


def test_always_valid_pvalue_monotone_and_matches_sequence() -> None:
    rng = np.random.default_rng(7)
    n = np.arange(1, 61) * 50.0
    effect = np.cumsum(rng.normal(0.15 * 50, np.sqrt(50), size=60)) / n  # batch sums of 50 N(0.15, 1) draws
    se = 1 / np.sqrt(n)
    for alternative in ("two-sided", "greater", "less"):
        res = always_valid(effect, se, tau=0.1, alpha=0.05, alternative=alternative)
        assert np.all(np.diff(res.pvalue) <= 0)
        assert np.all(res.ci_low[1:] >= res.ci_low[:-1]) and np.all(res.ci_high[1:] <= res.ci_high[:-1])
        excluded = (res.ci_low > 0) | (res.ci_high < 0)
        np.testing.assert_array_equal(res.reject, excluded)
    assert always_valid(effect, se, tau=0.1).reject[-1]


def test_always_valid_less_mirrors_greater() -> None:
    greater = always_valid(EFFECT, SE, tau=0.5, alternative="greater")
    less = always_valid(-EFFECT, SE, tau=0.5, alternative="less")
    np.testing.assert_allclose(less.pvalue, greater.pvalue, rtol=1e-12)
    np.testing.assert_allclose(less.ci_high, -greater.ci_low, rtol=1e-12)
    assert np.all(np.isinf(greater.ci_high)) and np.all(np.isinf(less.ci_low))


def test_always_valid_table_columns() -> None:
    table = always_valid(EFFECT, SE, tau=0.5).table
    assert list(table.columns) == ["look", "effect", "se", "log_likelihood_ratio", "pvalue", "ci_low", "ci_high"]
    assert table["look"].tolist() == list(range(1, 7))


def test_always_valid_spec_boundary_matches_test() -> None:
    spec = AlwaysValid(tau=0.5, alpha=0.05)
    z = spec.z(SE)
    for sign in (1.0, -1.0):
        at = always_valid(sign * z * SE * (1 + 1e-9), SE, tau=0.5)
        below = always_valid(sign * z * SE * (1 - 1e-9), SE, tau=0.5)
        assert np.all(np.exp(-at.log_likelihood_ratio) <= 0.05)
        assert np.all(np.exp(-below.log_likelihood_ratio) > 0.05)
    greater = AlwaysValid(tau=0.5, alpha=0.05, alternative="greater").z(SE)
    assert np.all(greater < z)  # a one-sided test at the same alpha rejects sooner


def test_always_valid_empty_sequence_warns() -> None:
    with pytest.warns(DegenerateDataWarning, match="empty from look 2"):
        res = always_valid([5.0, -5.0], [0.1, 0.05], tau=1.0)
    assert np.isnan(res.ci_low[1]) and np.isfinite(res.ci_low[0])


def test_mixture_tau_single_look_minimises_final_width() -> None:
    # With one look, the most powerful tau minimises the boundary at the horizon whatever the MDE:
    # (1 + 1/x)(log(1 + x) + 2 log(1/alpha)) with x = tau^2 / se^2.
    alpha = 0.05
    best = minimize_scalar(
        lambda lx: (1 + np.exp(-lx)) * (np.log1p(np.exp(lx)) + 2 * np.log(1 / alpha)),
        bounds=(-5, 8),
        method="bounded",
        options={"xatol": 1e-10},
    )
    tau_closed = np.sqrt(np.exp(best.x))
    for mde in (1.5, 3.0):
        assert mixture_tau(mde, 1.0, alpha=alpha, looks=1) == pytest.approx(tau_closed, rel=1e-3)


def test_mixture_tau_scales_with_units_and_beats_neighbours() -> None:
    from abkit.stats.crossing import exit_probabilities

    tau = mixture_tau(2.5, 1.0, looks=20)
    assert mixture_tau(0.025, 0.01, looks=20) == pytest.approx(tau / 100, rel=1e-6)
    t = np.arange(1, 21) / 20

    def power(tau_value: float) -> float:
        z = AlwaysValid(tau=tau_value).z(1 / np.sqrt(t))  # se at look k is se_final / sqrt(t_k)
        return float(exit_probabilities(t, z, -z, drift=2.5)[0].sum())

    assert power(tau) > power(tau * 0.7)
    assert power(tau) > power(tau * 1.4)


def test_always_valid_errors() -> None:
    with pytest.raises(ParameterError, match="'tau' parameter of always_valid"):
        always_valid([0.1], [0.1], tau=0)
    with pytest.raises(ParameterError, match="'alpha' parameter of always_valid"):
        always_valid([0.1], [0.1], tau=1, alpha=0)
    with pytest.raises(ParameterError, match="'alternative' parameter"):
        always_valid([0.1], [0.1], tau=1, alternative="larger")
    with pytest.raises(ParameterError, match="same non-zero length"):
        always_valid([0.1, 0.2], [0.1], tau=1)
    with pytest.raises(ParameterError, match="same non-zero length"):
        always_valid([], [], tau=1)
    with pytest.raises(ParameterError, match="'se' of always_valid must be finite and > 0"):
        always_valid([0.1, 0.2], [0.1, 0.0], tau=1)
    with pytest.raises(ParameterError, match="'effect' of always_valid must be finite"):
        always_valid([np.nan], [0.1], tau=1)
    with pytest.raises(ParameterError, match="sequences of numbers"):
        always_valid(["x"], [0.1], tau=1)
    with pytest.raises(ParameterError, match="'tau' parameter of AlwaysValid"):
        AlwaysValid(tau=-1.0)
    with pytest.raises(ParameterError, match="'mde' parameter of mixture_tau"):
        mixture_tau(0, 1.0)
    with pytest.raises(ParameterError, match="'se' parameter of mixture_tau"):
        mixture_tau(1.0, float("inf"))
    with pytest.raises(ParameterError, match="'looks' parameter of mixture_tau"):
        mixture_tau(1.0, 1.0, looks=0)
