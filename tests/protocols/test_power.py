"""Sample size, power and MDE: closed forms, statsmodels, round trips, vectorisation, conventions and validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from abkit.errors import AbkitWarning, ParameterError
from abkit.protocols.sizing import mde, power, ratio_sd, sample_size
from abkit.stats.metrics import Guardrail, Mean, Proportion, Ratio

Z = stats.norm


def _h(p1, p2):
    return 2 * np.arcsin(np.sqrt(p2)) - 2 * np.arcsin(np.sqrt(p1))


# --- Cohen's h: closed form and statsmodels ---------------------------------------------------------------------


@pytest.mark.parametrize(("p1", "delta", "alpha", "target"), [(0.1, 0.02, 0.05, 0.8), (0.5, -0.1, 0.01, 0.9)])
def test_sample_size_arcsine_equals_closed_form(p1, delta, alpha, target):
    h = abs(_h(p1, p1 + delta))
    expected = 2 * ((Z.isf(alpha / 2) + Z.ppf(target)) / h) ** 2  # pwr.2p.test with one tail
    got = sample_size("proportion", baseline=p1, mde=delta, alpha=alpha, power=target, method="arcsine")
    assert got == pytest.approx(expected, rel=1e-12)


def test_power_arcsine_equals_closed_form_unequal_allocation():
    p1, p2, n, r = 0.2, 0.23, 3000.0, 1.5
    expected = Z.cdf(abs(_h(p1, p2)) * np.sqrt(n * r * n / (n + r * n)) - Z.isf(0.025))
    assert power("proportion", baseline=p1, mde=p2 - p1, n=n, ratio=r, method="arcsine") == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize(("alternative", "ratio"), [("two-sided", 1.0), ("greater", 1.0), ("two-sided", 0.5)])
def test_sample_size_arcsine_matches_statsmodels(alternative, ratio):
    p1, p2 = 0.1, 0.12
    sm_alt = {"two-sided": "two-sided", "greater": "larger"}[alternative]
    expected = NormalIndPower().solve_power(
        effect_size=_h(p1, p2), alpha=0.05, power=0.8, ratio=ratio, alternative=sm_alt
    )
    got = sample_size(
        "proportion", baseline=p1, mde=p2 - p1, ratio=ratio, alternative=alternative, method="arcsine", strict=True
    )
    assert got == pytest.approx(expected, rel=1e-6)


def test_power_arcsine_matches_statsmodels_both_tails():
    p1, p2, n = 0.3, 0.27, 800.0
    expected = NormalIndPower().power(effect_size=_h(p1, p2), nobs1=n, alpha=0.05, ratio=1.0)
    assert power("proportion", baseline=p1, mde=p2 - p1, n=n, method="arcsine", strict=True) == pytest.approx(
        expected, rel=1e-10
    )


def test_mde_arcsine_inverts_h():
    p1, n = 0.1, 5000.0
    d = mde("proportion", baseline=p1, n=n, method="arcsine")
    h = (Z.isf(0.025) + Z.ppf(0.8)) / np.sqrt(n / 2)
    assert _h(p1, p1 + d) == pytest.approx(h, rel=1e-10)


# --- t test: statsmodels with unequal allocation, the normal method --------------------------------------------


@pytest.mark.parametrize(("ratio", "alternative"), [(1.0, "two-sided"), (2.0, "two-sided"), (0.5, "greater")])
def test_sample_size_t_matches_statsmodels_ttestindpower(ratio, alternative):
    sm_alt = {"two-sided": "two-sided", "greater": "larger"}[alternative]
    expected = TTestIndPower().solve_power(effect_size=0.3, alpha=0.05, power=0.8, ratio=ratio, alternative=sm_alt)
    got = sample_size("mean", mde=0.6, sd=2.0, ratio=ratio, alternative=alternative, strict=True)
    assert got == pytest.approx(expected, rel=1e-6)


def test_power_t_matches_statsmodels_unequal_allocation():
    expected = TTestIndPower().power(effect_size=0.25, nobs1=120, alpha=0.01, ratio=3.0)
    assert power("mean", mde=0.25, sd=1.0, n=120, alpha=0.01, ratio=3.0, strict=True) == pytest.approx(
        expected, rel=1e-9
    )


def test_sample_size_normal_method_equals_closed_form():
    za, zb, r, d = Z.isf(0.025), Z.ppf(0.9), 2.0, 0.1
    expected = ((za + zb) / d) ** 2 * (1 + 1 / r)
    assert sample_size("mean", mde=0.1, sd=1.0, power=0.9, ratio=r, method="normal") == pytest.approx(
        expected, rel=1e-12
    )


def test_sample_size_t_exceeds_normal_by_small_amount():
    n_t = sample_size("mean", mde=0.2, sd=1.0)
    n_z = sample_size("mean", mde=0.2, sd=1.0, method="normal")
    assert n_z < n_t < n_z + 2


# --- round trips and vectorisation --------------------------------------------------------------------------------

CONFIGS = [
    dict(metric="mean", sd=2.0, mde=0.3),
    dict(metric="ratio", sd=0.4, mde=-0.05, alternative="less"),
    dict(metric="mean", sd=1.0, mde=0.1, method="normal", strict=True),
    dict(metric="mean", sd=1.0, mde=-0.2, strict=True, ratio=0.3, arms=4, covariate_correlation=0.6),
    dict(metric="proportion", baseline=0.05, mde=0.004),
    dict(metric="proportion", baseline=0.6, mde=-0.03, alternative="less", ratio=2.0, inflation=1.17),
    dict(metric="proportion", baseline=0.2, mde=0.1, relative=True, method="arcsine", arms=3),
    dict(metric="proportion", baseline=0.3, mde=0.02, method="arcsine", strict=True, covariate_correlation=0.3),
    dict(metric="mean", baseline=50.0, mde=0.02, relative=True, sd=40.0, inflation=1.3, alpha=0.01, power=0.9),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_sample_size_power_round_trip(cfg):
    kw = dict(cfg)
    metric, target = kw.pop("metric"), kw.pop("power", 0.8)
    n = sample_size(metric, power=target, **kw)
    assert power(metric, n=n, **kw) == pytest.approx(target, rel=1e-10)
    n_grid = np.array([n / 3, n, 3 * n])
    p = power(metric, n=n_grid, **kw)
    back = sample_size(metric, power=p, **kw)
    np.testing.assert_allclose(back, n_grid, rtol=1e-8)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_sample_size_mde_round_trip(cfg):
    kw = dict(cfg)
    metric, target, effect = kw.pop("metric"), kw.pop("power", 0.8), kw.pop("mde")
    n = sample_size(metric, mde=effect, power=target, **kw)
    if kw.get("alternative", "two-sided") == "two-sided":
        assert metric != "proportion" or effect > 0, "a two-sided proportion MDE is the increase"
        effect = abs(effect)  # two-sided MDEs are reported positive
    assert mde(metric, n=n, power=target, **kw) == pytest.approx(effect, rel=1e-8)
    grid = np.array([0.5 * n, 2.0 * n])
    back = sample_size(metric, mde=mde(metric, n=grid, power=target, **kw), power=target, **kw)
    np.testing.assert_allclose(back, grid, rtol=1e-8)


def test_sample_size_grid_equals_scalar_calls():
    baseline = np.array([0.02, 0.1, 0.4])[:, None]
    effect = np.array([0.05, 0.1, 0.2, 0.3])[None, :]
    grid = sample_size("proportion", baseline=baseline, mde=effect, relative=True, ratio=[[1.0, 2.0, 1.0, 0.5]])
    assert grid.shape == (3, 4)
    ratios = [1.0, 2.0, 1.0, 0.5]
    for (i, b), (j, m) in itertools.product(enumerate(baseline[:, 0]), enumerate(effect[0])):
        one = sample_size("proportion", baseline=float(b), mde=float(m), relative=True, ratio=ratios[j])
        assert isinstance(one, float)
        assert grid[i, j] == pytest.approx(one, rel=1e-12)


def test_power_and_mde_grid_equal_scalar_calls_t():
    n = np.geomspace(3, 1e7, 25)
    sd = np.array([0.5, 2.0])[:, None]
    powers = power("mean", mde=0.1, sd=sd, n=n, alternative="greater")
    mdes = mde("mean", sd=sd, n=n, alternative="greater")
    for i, j in itertools.product(range(2), range(n.size)):
        assert powers[i, j] == pytest.approx(power("mean", mde=0.1, sd=float(sd[i, 0]), n=n[j], alternative="greater"))
        assert mdes[i, j] == pytest.approx(mde("mean", sd=float(sd[i, 0]), n=n[j], alternative="greater"), rel=1e-12)


def test_sample_size_t_wide_range_reaches_target():
    effect = np.geomspace(1e-3, 5.0, 400)
    for strict, ratio in [(False, 1.0), (True, 0.5)]:
        n = sample_size("mean", mde=effect, sd=1.0, strict=strict, ratio=ratio)
        assert np.all(np.isfinite(n))
        np.testing.assert_allclose(power("mean", mde=effect, sd=1.0, n=n, strict=strict, ratio=ratio), 0.8, rtol=1e-11)


def test_sample_size_list_input_returns_array():
    out = sample_size("mean", mde=[0.1, 0.2], sd=1.0)
    assert isinstance(out, np.ndarray) and out.shape == (2,)


# --- conventions ---------------------------------------------------------------------------------------------------


def test_sample_size_accepts_metric_objects():
    assert sample_size(Mean("revenue"), mde=0.2, sd=1.0) == sample_size("mean", mde=0.2, sd=1.0)
    assert sample_size(Proportion("converted"), baseline=0.1, mde=0.01) == sample_size(
        "proportion", baseline=0.1, mde=0.01
    )
    assert sample_size(Ratio("clicks", "displays"), mde=0.01, sd=0.2) == sample_size("mean", mde=0.01, sd=0.2)


def test_sample_size_relative_mde_is_mde_times_baseline():
    assert sample_size("mean", baseline=20.0, mde=0.05, relative=True, sd=8.0) == sample_size("mean", mde=1.0, sd=8.0)
    rel = mde("proportion", baseline=0.2, n=4000, relative=True)
    assert rel == pytest.approx(mde("proportion", baseline=0.2, n=4000) / 0.2, rel=1e-12)


def test_sample_size_two_sided_takes_either_sign_for_means():
    assert sample_size("mean", mde=-0.3, sd=1.0) == sample_size("mean", mde=0.3, sd=1.0)


def test_sample_size_cuped_multiplies_variance():
    rho = 0.7
    assert sample_size("mean", mde=0.1, sd=1.0, covariate_correlation=rho) == pytest.approx(
        sample_size("mean", mde=0.1, sd=np.sqrt(1 - rho**2)), rel=1e-12
    )
    base = sample_size("proportion", baseline=0.1, mde=0.01)
    cuped = sample_size("proportion", baseline=0.1, mde=0.01, covariate_correlation=rho)
    assert cuped == pytest.approx((1 - rho**2) * base, rel=1e-12)


@pytest.mark.parametrize("correction", ["bonferroni", "holm", "hochberg", "BH", "BY"])
def test_sample_size_arms_split_alpha(correction):
    many = sample_size("mean", mde=0.1, sd=1.0, arms=4, correction=correction)
    assert many == pytest.approx(sample_size("mean", mde=0.1, sd=1.0, alpha=0.05 / 3), rel=1e-12)


def test_sample_size_arms_without_correction_keep_alpha():
    plain = sample_size("mean", mde=0.1, sd=1.0)
    assert sample_size("mean", mde=0.1, sd=1.0, arms=3, correction=None) == plain
    assert sample_size("mean", mde=0.1, sd=1.0, arms=3, correction="none") == plain
    assert sample_size("mean", mde=0.1, sd=1.0, arms=2, correction="bonferroni") == plain


def test_sample_size_inflation_consistent_across_solvers():
    n0 = sample_size("proportion", baseline=0.1, mde=0.01)
    n = sample_size("proportion", baseline=0.1, mde=0.01, inflation=1.25)
    assert n == pytest.approx(1.25 * n0, rel=1e-12)
    assert power("proportion", baseline=0.1, mde=0.01, n=n, inflation=1.25) == pytest.approx(0.8, rel=1e-12)
    assert mde("proportion", baseline=0.1, n=n, inflation=1.25) == pytest.approx(0.01, rel=1e-9)


def test_power_grows_with_n_and_effect():
    p = power("mean", mde=0.1, sd=1.0, n=np.array([100, 1000, 10000]))
    assert np.all(np.diff(p) > 0)
    p = power("proportion", baseline=0.1, mde=np.array([0.005, 0.01, 0.02]), n=5000)
    assert np.all(np.diff(p) > 0)


def test_mde_sign_follows_alternative():
    assert mde("mean", sd=1.0, n=100, alternative="less") < 0 < mde("mean", sd=1.0, n=100, alternative="greater")
    down = mde("proportion", baseline=0.3, n=500, alternative="less")
    assert down < 0
    assert power("proportion", baseline=0.3, mde=down, n=500, alternative="less") == pytest.approx(0.8, rel=1e-10)


def test_mde_proportion_unreachable_is_nan_with_warning():
    with pytest.warns(AbkitWarning, match="no effect"):
        out = mde("proportion", baseline=np.array([0.1, 0.995]), n=20)
    assert np.isfinite(out[0]) and np.isnan(out[1])


def test_sample_size_strict_changes_little_at_usual_designs():
    one = sample_size("mean", mde=0.05, sd=1.0)
    both = sample_size("mean", mde=0.05, sd=1.0, strict=True)
    assert 0 < (one - both) / one < 1e-5


# --- ratio_sd ----------------------------------------------------------------------------------------------------


def test_ratio_sd_equals_sd_of_linearised_ratio():
    rng = np.random.default_rng(3)
    den = rng.poisson(20, 5000) + 1.0
    num = rng.binomial(den.astype(int), 0.05) + rng.normal(0, 0.1, den.size)
    cov = np.cov(num, den, ddof=1)
    got = ratio_sd(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1])
    r = num.mean() / den.mean()
    expected = np.std((num - r * den) / den.mean(), ddof=1)
    assert got == pytest.approx(expected, rel=1e-12)


def test_ratio_sd_vectorised():
    out = ratio_sd(np.array([1.0, 2.0]), 10.0, 4.0, 25.0, 1.0)
    assert out.shape == (2,)
    assert out[1] == pytest.approx(ratio_sd(2.0, 10.0, 4.0, 25.0, 1.0))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1.0, 0.0, 1.0, 1.0, 0.0), "'mean_den'"),
        ((1.0, 2.0, -1.0, 1.0, 0.0), "'var_num'"),
        ((1.0, 2.0, 1.0, np.nan, 0.0), "'var_den'"),
        ((1.0, 1.0, 1.0, 1.0, 1.0), "variance <= 0"),
    ],
)
def test_ratio_sd_invalid_raises(args, match):
    with pytest.raises(ParameterError, match=match):
        ratio_sd(*args)


# --- validation ------------------------------------------------------------------------------------------------

BAD = [
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, alpha=1.5), r"'alpha' parameter of sample_size.*Got 1\.5"),
    (power, dict(metric="mean", mde=0.1, sd=1.0, n=10, alpha=0.0), "'alpha' parameter of power"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, power=1.0), "'power' parameter of sample_size"),
    (mde, dict(metric="mean", n=100, sd=1.0, power=0.01), "'power' parameter of mde must exceed"),
    (sample_size, dict(metric="mean", mde=0.0, sd=1.0), "'mde' parameter of sample_size must be nonzero"),
    (power, dict(metric="mean", mde=-0.1, sd=1.0, n=9, alternative="greater"), "must be > 0 when alternative"),
    (sample_size, dict(metric="mean", mde=[0.1, 0.2], sd=1.0, alternative="less"), "must be < 0 when alternative"),
    (sample_size, dict(metric="proportion", baseline=1.2, mde=0.1), "'baseline' parameter of sample_size"),
    (sample_size, dict(metric="proportion", baseline=0.0, mde=0.1), "'baseline' parameter"),
    (sample_size, dict(metric="proportion", mde=0.1), "'baseline' parameter of sample_size is required"),
    (power, dict(metric="proportion", baseline=0.95, mde=0.1, n=100), r"inside \(0, 1\)"),
    (sample_size, dict(metric="proportion", baseline=0.5, mde=0.1, sd=0.5), "'sd' parameter .* must be None"),
    (sample_size, dict(metric="mean", mde=0.1), "'sd' parameter of sample_size is required"),
    (mde, dict(metric="ratio", n=100), "linearised ratio"),
    (sample_size, dict(metric="mean", mde=0.1, sd=0.0), "'sd' parameter of sample_size must be a float > 0"),
    (sample_size, dict(metric="mean", mde=0.1, sd=-2.0), "'sd' parameter"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, ratio=0.0), "'ratio' parameter of sample_size"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, arms=1), "'arms' parameter of sample_size"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, arms=2.5), "'arms' parameter"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, alternative="larger"), "'alternative' parameter"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, correction="fdr"), "'correction' parameter"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, method="arcsine"), "'method' parameter .* mean metric"),
    (sample_size, dict(metric="proportion", baseline=0.1, mde=0.01, method="t"), "'method' parameter"),
    (sample_size, dict(metric="median", mde=0.1, sd=1.0), "'metric' parameter of sample_size"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, covariate_correlation=1.0), "'covariate_correlation'"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, inflation=0.9), "'inflation' parameter"),
    (sample_size, dict(metric="mean", mde="big", sd=1.0), "'mde' parameter"),
    (sample_size, dict(metric="mean", mde=np.inf, sd=1.0), "'mde' parameter"),
    (power, dict(metric="mean", mde=0.1, sd=1.0, n=0.9), "positive degrees of freedom"),
    (power, dict(metric="mean", mde=0.1, sd=1.0, n=-5), "'n' parameter of power"),
    (sample_size, dict(metric="mean", baseline=0.0, mde=0.1, relative=True, sd=1.0), "nonzero when relative"),
    (sample_size, dict(metric="mean", mde=0.1, relative=True, sd=1.0), "required when relative"),
    (sample_size, dict(metric="mean", mde=0.1, sd=1.0, strict="yes"), "'strict' parameter"),
]


@pytest.mark.parametrize(("func", "kw", "match"), BAD, ids=[b[2] for b in BAD])
def test_solvers_invalid_input_raises_parameter_error(func, kw, match):
    kw = dict(kw)
    metric = kw.pop("metric")
    with pytest.raises(ParameterError, match=match):
        func(metric, **kw)


def test_sample_size_guardrail_points_to_its_metric():
    with pytest.raises(ParameterError, match=r"guardrail\.metric"):
        sample_size(Guardrail(Mean("latency"), margin=0.01), mde=0.1, sd=1.0)
