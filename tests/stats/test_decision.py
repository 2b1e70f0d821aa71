"""Guardrails (non-inferiority), the SRM flag and the ship / no-ship / inconclusive / invalid decision.

The data are constructed so each arm's mean and standard deviation are exact (a fixed vector standardised to mean 0,
sd 1, scaled and shifted): every case sits far from its decision boundary unless the test is about the boundary.
A guardrail passes when the one-sided (1 - alpha) bound of the effect clears the margin, i.e. when the bound of the
two-sided (1 - 2 alpha) interval shown in the table does; it is harmful when the other bound is past the margin.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import abkit as ab
from abkit.stats.decision import Decision, _Row, decide


def _z(n: int, seed: int) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal(n)
    return (z - z.mean()) / z.std(ddof=1)


def _frame(arms: dict[str, dict[str, tuple[float, float]]], n: int = 400) -> pd.DataFrame:
    """arms: arm -> column -> (mean, sd); n rows per arm with exactly that mean and sd."""
    parts = []
    for i, (arm, cols) in enumerate(arms.items()):
        data = {c: m + s * _z(n, 100 * i + j) for j, (c, (m, s)) in enumerate(cols.items())}
        parts.append(pd.DataFrame({"variant": arm, **data}))
    return pd.concat(parts, ignore_index=True)


def _guard(df: pd.DataFrame, guard: ab.Guardrail, **kw) -> pd.Series:
    res = ab.analyze(df, [ab.Mean("p")], guardrails=[guard], **kw)
    t = res.table
    return t[t["role"] == "guardrail"].iloc[0]


def _two(ctrl: tuple[float, float], trt: tuple[float, float], n: int = 400) -> pd.DataFrame:
    return _frame({"control": {"p": (10.0, 1.0), "g": ctrl}, "treatment": {"p": (10.0, 1.0), "g": trt}}, n)


# ---------------------------------------------------------------------------------------------- guardrails
@pytest.mark.parametrize(
    ("treatment_mean", "passes", "harm"),
    [(100.0, True, False), (98.5, False, False), (96.0, False, True), (103.0, True, False)],
)
def test_guardrail_relative_margin_higher_is_better(treatment_mean: float, passes: bool, harm: bool) -> None:
    df = _two((100.0, 10.0), (treatment_mean, 10.0))
    row = _guard(df, ab.Guardrail(ab.Mean("g"), margin=0.02))
    assert row["guardrail_pass"] == passes
    assert row["confidence_level"] == pytest.approx(0.9)
    assert (row["rel_ci_low"] > -0.02) == passes
    assert (row["rel_ci_high"] < -0.02) == harm
    assert row["significant"] == passes
    assert row["margin"] == 0.02 and row["margin_relative"]


@pytest.mark.parametrize(
    ("effect", "passes", "harm"), [(0.0, True, False), (-1.5, False, False), (-4.0, False, True), (2.0, True, False)]
)
def test_guardrail_absolute_margin_pvalue_is_one_sided_t(effect: float, passes: bool, harm: bool) -> None:
    df = _two((100.0, 10.0), (100.0 + effect, 10.0))
    row = _guard(df, ab.Guardrail(ab.Mean("g"), margin=2.0, relative=False))
    # H0: effect <= -margin; t = (effect + margin) / se with Welch df (the arms have equal sd and size: df = 2n - 2)
    se = 10.0 * math.sqrt(2 / 400)
    assert row["se"] == pytest.approx(se, rel=1e-12)
    assert row["df"] == pytest.approx(798.0, rel=1e-12)
    assert row["guardrail_pvalue"] == pytest.approx(st.t(798).sf((effect + 2.0) / se), rel=1e-9)
    assert row["pvalue_adj"] == row["guardrail_pvalue"]
    assert row["guardrail_pass"] == passes
    assert (row["ci_low"] > -2.0) == passes and (row["ci_high"] < -2.0) == harm


@pytest.mark.parametrize(
    ("treatment_mean", "passes", "harm"), [(180.0, True, False), (182.7, False, False), (187.2, False, True)]
)
def test_guardrail_lower_is_better(treatment_mean: float, passes: bool, harm: bool) -> None:
    # latency: an increase is a degradation; margin 2% of 180 ms = 3.6 ms; se = 20 sqrt(2/400) = 1.41 ms
    df = _two((180.0, 20.0), (treatment_mean, 20.0))
    row = _guard(df, ab.Guardrail(ab.Mean("g", higher_is_better=False), margin=0.02))
    assert not row["higher_is_better"]
    assert row["guardrail_pass"] == passes
    assert (row["rel_ci_high"] < 0.02) == passes
    assert (row["rel_ci_low"] > 0.02) == harm
    res = ab.analyze(df, [ab.Mean("p")], guardrails=[ab.Guardrail(ab.Mean("g", higher_is_better=False), margin=0.02)])
    if harm:
        assert res.decision == "no-ship"
        assert any("guardrail g degraded beyond its margin" in r for r in res.decision.reasons)
    elif passes:
        assert any("guardrail g within its margin" in r for r in res.decision.reasons)
    else:
        assert any("guardrail g not shown to be within its margin" in r for r in res.decision.reasons)


def test_guardrail_lower_is_better_large_decrease_passes() -> None:
    df = _two((180.0, 20.0), (170.0, 20.0))
    row = _guard(df, ab.Guardrail(ab.Mean("g", higher_is_better=False), margin=0.01))
    assert row["guardrail_pass"]


def test_guardrail_log_method_agrees_with_shown_interval() -> None:
    # ratio with unit denominators (normal reference): rel = 0, log se = 0.35, margin 50%
    a = math.sqrt(0.35**2 * 20 * 100 / 2)
    df = _frame({"control": {"p": (10.0, 1.0), "num": (10.0, a)}, "treatment": {"p": (10.0, 1.0), "num": (10.0, a)}},
                n=20).assign(one=1.0)  # fmt: skip
    res = ab.analyze(df, [ab.Mean("p")], guardrails=[ab.Guardrail(ab.Ratio("num", "one"), margin=0.5)],
                     rel_method="log")  # fmt: skip
    row = res.table.iloc[1]
    assert row["rel_ci_low"] > -0.5  # exp(-1.645 * 0.35) - 1 = -0.44
    assert row["guardrail_pass"]


def test_guardrail_relative_delta_agrees_with_shown_interval_small_sample() -> None:
    n = 10
    arm = {"p": (10.0, 1.0), "g": (100.0, 10.0)}
    df = _frame({"control": arm, "treatment": arm}, n=n)
    rel_se = math.sqrt(2 * 100.0 / n) / 100.0
    margin = 1.69 * rel_se  # between the normal 95% quantile 1.645 and t(18)'s 1.734
    row = _guard(df, ab.Guardrail(ab.Mean("g"), margin=margin))
    assert row["rel_ci_low"] > -margin
    assert row["guardrail_pass"]


# ---------------------------------------------------------------------------------------------- SRM
def test_srm_mismatch_makes_experiment_invalid() -> None:
    df = pd.concat(
        [_frame({"control": {"p": (10.0, 1.0)}}, n=5200), _frame({"treatment": {"p": (11.0, 1.0)}}, n=4800)],
        ignore_index=True,
    )
    res = ab.analyze(df, [ab.Mean("p")])
    # chisq.test(c(5200, 4800)): X-squared = 16, p = 6.3e-05
    assert res.srm.statistic == pytest.approx(16.0, rel=1e-12)
    assert res.srm.pvalue == pytest.approx(st.chi2.sf(16.0, 1), rel=1e-12)
    assert res.srm.mismatch and res.decision == "invalid"
    assert "sample-ratio mismatch" in res.decision.reasons[0]
    assert res.table.iloc[0]["significant"]  # the effect is still reported
    ok = ab.analyze(df, [ab.Mean("p")], expected_split={"control": 0.52, "treatment": 0.48})
    assert ok.srm.pvalue == pytest.approx(1.0) and ok.decision == "ship"
    relaxed = ab.analyze(df, [ab.Mean("p")], srm_threshold=1e-5)
    assert not relaxed.srm.mismatch and relaxed.decision == "ship"


def test_srm_just_above_threshold_is_not_flagged() -> None:
    # chisq.test(c(5160, 4840)): X-squared = 10.24, p = 0.00137 > 0.001
    df = pd.concat(
        [_frame({"control": {"p": (10.0, 1.0)}}, n=5160), _frame({"treatment": {"p": (10.0, 1.0)}}, n=4840)],
        ignore_index=True,
    )
    res = ab.analyze(df, [ab.Mean("p")])
    assert res.srm.pvalue == pytest.approx(st.chi2.sf(10.24, 1), rel=1e-9)
    assert not res.srm.mismatch and res.decision == "inconclusive"


# ---------------------------------------------------------------------------------------------- decision via analyze
def _decision(primary: dict[str, tuple[float, float]], guard: tuple[float, float] | None = None, **kw) -> Decision:
    arms = {"control": {"p": (10.0, 2.0), "g": (100.0, 10.0)}}
    for arm, p in primary.items():
        arms[arm] = {"p": p, "g": guard or (100.0, 10.0)}
    guards = [ab.Guardrail(ab.Mean("g"), margin=0.02)]
    return ab.analyze(_frame(arms), [ab.Mean("p")], guardrails=guards, **kw).decision


def test_decision_ship_when_primary_better_and_guardrails_pass() -> None:
    d = _decision({"treatment": (10.6, 2.0)})
    assert d == "ship" and d.arm == "treatment"
    assert any("significantly better on p" in r for r in d.reasons)


def test_decision_no_ship_when_primary_worse() -> None:
    d = _decision({"treatment": (9.4, 2.0)})
    assert d == "no-ship" and d.arm is None
    assert any("significantly worse on p" in r for r in d.reasons)


def test_decision_no_ship_when_guardrail_harmed_despite_primary_gain() -> None:
    d = _decision({"treatment": (10.6, 2.0)}, guard=(96.0, 10.0))
    assert d == "no-ship"


def test_decision_inconclusive_when_guardrail_unproven() -> None:
    d = _decision({"treatment": (10.6, 2.0)}, guard=(98.5, 10.0))
    assert d == "inconclusive"


def test_decision_inconclusive_when_nothing_significant() -> None:
    d = _decision({"treatment": (10.05, 2.0)})
    assert d == "inconclusive"
    assert any("no primary metric differs significantly" in r for r in d.reasons)


def test_decision_lower_is_better_primary() -> None:
    arms = {"control": {"p": (10.0, 2.0)}, "treatment": {"p": (9.4, 2.0)}}
    res = ab.analyze(_frame(arms), [ab.Mean("p", higher_is_better=False)])
    assert res.decision == "ship"


def test_decision_picks_arm_with_largest_gain() -> None:
    d = _decision({"a": (10.5, 2.0), "b": (10.9, 2.0), "c": (9.9, 2.0)})
    assert d == "ship" and d.arm == "b"
    assert any("b has the largest gain" in r for r in d.reasons)


def test_decision_one_sided_greater_ignores_worse_arm() -> None:
    d = _decision({"treatment": (9.4, 2.0)}, alternative="greater")
    assert d == "inconclusive"


# ---------------------------------------------------------------------------------------------- decide() directly
def _row(variant="t", role="primary", effect=1.0, p=0.01, hib=True, gpass=None, harm=None, metric="m") -> _Row:
    return _Row(metric, variant, role, effect, effect / 10, p, hib, gpass, harm)


def test_decide_rules() -> None:
    kw = {"alpha": 0.05, "srm_mismatch": False, "srm_pvalue": 0.5}
    assert decide([_row()], arms=["t"], **kw) == "ship"
    assert decide([_row(p=0.2)], arms=["t"], **kw) == "inconclusive"
    assert decide([_row(effect=-1.0)], arms=["t"], **kw) == "no-ship"
    assert decide([_row(effect=-1.0, hib=False)], arms=["t"], **kw) == "ship"
    assert decide([_row(p=math.nan)], arms=["t"], **kw) == "inconclusive"
    # every primary must be estimated
    assert decide([_row(), _row(p=math.nan, metric="n")], arms=["t"], **kw) == "inconclusive"
    # one better, one worse: harmful
    assert decide([_row(), _row(effect=-1.0, metric="n")], arms=["t"], **kw) == "no-ship"
    g_ok = _row(role="guardrail", p=0.01, gpass=True, harm=False, metric="g")
    g_harm = _row(role="guardrail", p=0.9, gpass=False, harm=True, metric="g")
    g_unproven = _row(role="guardrail", p=0.2, gpass=False, harm=False, metric="g")
    assert decide([_row(), g_ok], arms=["t"], **kw) == "ship"
    assert decide([_row(), g_harm], arms=["t"], **kw) == "no-ship"
    assert decide([_row(), g_unproven], arms=["t"], **kw) == "inconclusive"
    assert decide([_row(p=0.3), g_harm], arms=["t"], **kw) == "no-ship"
    # invalid overrides everything
    d = decide([_row()], arms=["t"], alpha=0.05, srm_mismatch=True, srm_pvalue=1e-6)
    assert d == "invalid" and d.arm is None and "1e-06" in d.reasons[0]


def test_decide_ships_best_arm_even_when_another_is_harmful() -> None:
    rows = [_row(variant="a", effect=2.0), _row(variant="b", effect=-1.0)]
    d = decide(rows, arms=["a", "b"], alpha=0.05, srm_mismatch=False, srm_pvalue=0.5)
    assert d == "ship" and d.arm == "a"


def test_decision_object() -> None:
    d = Decision("no-ship", reasons=["x"])
    assert d.verdict == "no-ship" and isinstance(d, str)
    assert d.to_dict() == {"verdict": "no-ship", "arm": None, "reasons": ["x"]}
    with pytest.raises(ValueError, match="unknown verdict"):
        Decision("maybe")


def test_decision_ignores_secondary_metrics() -> None:
    arms = {"control": {"p": (10.0, 2.0), "s": (10.0, 2.0)}, "treatment": {"p": (10.6, 2.0), "s": (9.0, 2.0)}}
    res = ab.analyze(_frame(arms), [ab.Mean("p")], secondary=[ab.Mean("s")])
    t = res.table
    assert t.loc[t["metric"] == "s", "significant"].item()  # significantly worse, but secondary
    assert res.decision == "ship"
