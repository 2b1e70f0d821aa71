"""Sample size, power and MDE against R, run here (R 4.x, stats and rpact), each value with the call that made it.

R's own tolerance is coarse (``tol = .Machine$double.eps^0.25``), so every solving call passes ``tol = 1e-12``.
"""

from __future__ import annotations

import pytest

import abkit.protocols.sizing as pw

RTOL = 1e-6

# (R call, R value, abkit function, keywords); R's "one.sided" is our "greater" with a positive effect.
T_CASES = [
    ("power.t.test(n=20, delta=1, sd=1, tol=1e-12)$power", 0.86895280169249778,
     pw.power, dict(n=20, mde=1.0, sd=1.0)),
    ('power.t.test(n=20, delta=1, sd=1, alternative="one.sided", tol=1e-12)$power', 0.92790247339534171,
     pw.power, dict(n=20, mde=1.0, sd=1.0, alternative="greater")),
    ("power.t.test(delta=0.5, sd=2, power=0.9, tol=1e-12)$n", 337.20079808875903,
     pw.sample_size, dict(mde=0.5, sd=2.0, power=0.9)),
    ('power.t.test(delta=0.5, sd=2, power=0.9, alternative="one.sided", tol=1e-12)$n', 274.7221575832267,
     pw.sample_size, dict(mde=0.5, sd=2.0, power=0.9, alternative="greater")),
    ("power.t.test(n=100, sd=2, power=0.8, tol=1e-12)$delta", 0.79627724974858283,
     pw.mde, dict(n=100, sd=2.0)),
    ('power.t.test(n=100, sd=2, power=0.8, alternative="one.sided", tol=1e-12)$delta', 0.70569648602406776,
     pw.mde, dict(n=100, sd=2.0, alternative="greater")),
    ("power.t.test(delta=0.1, sd=1, sig.level=0.01, power=0.95, tol=1e-12)$n", 3564.4920346664835,
     pw.sample_size, dict(mde=0.1, sd=1.0, alpha=0.01, power=0.95)),
    ("power.t.test(n=5000, delta=0.05, sd=1, sig.level=0.01, tol=1e-12)$power", 0.46961246291431991,
     pw.power, dict(n=5000, mde=0.05, sd=1.0, alpha=0.01)),
    ("power.t.test(n=10, delta=1, sd=1, strict=TRUE, tol=1e-12)$power", 0.56200664658623212,
     pw.power, dict(n=10, mde=1.0, sd=1.0, strict=True)),
    ("power.t.test(delta=1, sd=1, power=0.8, strict=TRUE, tol=1e-12)$n", 16.714722447028805,
     pw.sample_size, dict(mde=1.0, sd=1.0, strict=True)),
    ("power.t.test(n=3, delta=2, sd=1, tol=1e-12)$power", 0.46260812864823009,
     pw.power, dict(n=3, mde=2.0, sd=1.0)),
    ("power.t.test(n=50, sd=1, sig.level=0.001, power=0.95, tol=1e-12)$delta", 1.0153115758018822,
     pw.mde, dict(n=50, sd=1.0, alpha=0.001, power=0.95)),
    ("power.t.test(delta=2, sd=1, power=0.8, tol=1e-12)$n", 5.0900007586880296,
     pw.sample_size, dict(mde=2.0, sd=1.0)),
]  # fmt: skip

PROP_CASES = [
    ("power.prop.test(n=50, p1=0.5, p2=0.75, tol=1e-12)$power", 0.74016590133138793,
     pw.power, dict(n=50, baseline=0.5, mde=0.25)),
    ('power.prop.test(n=50, p1=0.5, p2=0.75, alternative="one.sided", tol=1e-12)$power', 0.83398352335542802,
     pw.power, dict(n=50, baseline=0.5, mde=0.25, alternative="greater")),
    ("power.prop.test(p1=0.5, p2=0.75, power=0.9, tol=1e-12)$n", 76.706928451777443,
     pw.sample_size, dict(baseline=0.5, mde=0.25, power=0.9)),
    ("power.prop.test(p1=0.1, p2=0.11, power=0.8, tol=1e-12)$n", 14750.790469044954,
     pw.sample_size, dict(baseline=0.1, mde=0.01)),
    ('power.prop.test(p1=0.1, p2=0.11, power=0.8, alternative="one.sided", tol=1e-12)$n', 11619.069936521051,
     pw.sample_size, dict(baseline=0.1, mde=0.01, alternative="greater")),
    ("power.prop.test(p1=0.02, p2=0.021, sig.level=0.01, power=0.8, tol=1e-12)$n", 469020.084267825,
     pw.sample_size, dict(baseline=0.02, mde=0.001, alpha=0.01)),
    ("power.prop.test(n=200, p1=0.3, p2=0.2, tol=1e-12)$power", 0.63750220713109251,
     pw.power, dict(n=200, baseline=0.3, mde=-0.1)),
    ("power.prop.test(n=30, p1=0.5, p2=0.75, strict=TRUE, tol=1e-12)$power", 0.51654867239351021,
     pw.power, dict(n=30, baseline=0.5, mde=0.25, strict=True)),
    ("power.prop.test(p1=0.5, p2=0.75, power=0.8, strict=TRUE, tol=1e-12)$n", 57.673367652731983,
     pw.sample_size, dict(baseline=0.5, mde=0.25, strict=True)),
]  # fmt: skip

# R solves for p2; abkit's mde is p2 - p1.
P2_CASES = [
    ("power.prop.test(n=1000, p1=0.1, power=0.8, tol=1e-12)$p2", 0.14074515431182297,
     dict(n=1000, baseline=0.1)),
    ('power.prop.test(n=1000, p1=0.1, power=0.8, alternative="one.sided", tol=1e-12)$p2', 0.13584455742046475,
     dict(n=1000, baseline=0.1, alternative="greater")),
    ("power.prop.test(n=5000, p1=0.02, power=0.9, tol=1e-12)$p2", 0.030132591255685917,
     dict(n=5000, baseline=0.02, power=0.9)),
]  # fmt: skip

# Unequal allocation has no R stats function; rpact solves it (its own tolerance is about 1e-7 relative).
# library(rpact); d <- getDesignInverseNormal(kMax=1, alpha=0.025, sided=1, beta=0.2)
# rpact's group 1 is the treatment, allocationRatioPlanned = n1 / n2 = our ratio; nFixed2 is the control arm.
RPACT_CASES = [
    ("getSampleSizeMeans(d, alternative=0.5, stDev=1, allocationRatioPlanned=2)$nFixed2", 47.7420247108952,
     dict(metric="mean", mde=0.5, sd=1.0, ratio=2.0), 1e-6),
    ("getSampleSizeRates(d, pi1=0.12, pi2=0.1, allocationRatioPlanned=2)$nFixed2", 2910.51283085236,
     dict(metric="proportion", baseline=0.1, mde=0.02, ratio=2.0), 1e-9),
    ("getSampleSizeRates(d, pi1=0.12, pi2=0.1, allocationRatioPlanned=1)$nFixed2", 3840.84748243627,
     dict(metric="proportion", baseline=0.1, mde=0.02), 1e-9),
]  # fmt: skip


@pytest.mark.parametrize(("call", "expected", "func", "kw"), T_CASES, ids=[c[0] for c in T_CASES])
def test_power_t_matches_r_power_t_test(call, expected, func, kw):
    assert func("mean", **kw) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize(("call", "expected", "func", "kw"), T_CASES, ids=[c[0] for c in T_CASES])
def test_power_t_ratio_metric_is_the_mean_formula(call, expected, func, kw):
    assert func("ratio", **kw) == pytest.approx(expected, rel=RTOL)


ONE_SIDED = [c for c in T_CASES if c[3].get("alternative") == "greater"]


@pytest.mark.parametrize(("call", "expected", "func", "kw"), ONE_SIDED, ids=[c[0] for c in ONE_SIDED])
def test_power_t_less_mirrors_r_one_sided(call, expected, func, kw):
    mirrored = {**kw, "alternative": "less"}
    if "mde" in kw:
        mirrored["mde"] = -kw["mde"]
    value = func("mean", **mirrored)
    assert (-value if func is pw.mde else value) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize(("call", "expected", "func", "kw"), PROP_CASES, ids=[c[0] for c in PROP_CASES])
def test_power_proportion_matches_r_power_prop_test(call, expected, func, kw):
    assert func("proportion", **kw) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize(("call", "expected", "kw"), P2_CASES, ids=[c[0] for c in P2_CASES])
def test_power_proportion_mde_matches_r_p2(call, expected, kw):
    p2 = kw["baseline"] + pw.mde("proportion", **kw)
    assert p2 == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize(("call", "expected", "kw", "rtol"), RPACT_CASES, ids=[c[0] for c in RPACT_CASES])
def test_sample_size_unequal_allocation_matches_rpact(call, expected, kw, rtol):
    kw = dict(kw)
    metric = kw.pop("metric")
    assert pw.sample_size(metric, alpha=0.025, alternative="greater", **kw) == pytest.approx(expected, rel=rtol)
