"""monitor_looks: boundaries, intervals and recommendations per look, and look-level validation."""

from __future__ import annotations

import numpy as np
import pytest

from abkit.errors import ParameterError
from abkit.stats.always_valid import AlwaysValid, always_valid
from abkit.stats.monitoring import monitor_looks
from abkit.stats.sequential import GroupSequential

EFFECT = [0.4, 0.5, 0.45, 0.47]
SE = [0.4, 0.25, 0.19, 0.16]


def test_monitor_spending_design_uses_actual_information() -> None:
    gs = GroupSequential(looks=4, alpha=0.05, sides=2, spending="obrien-fleming")
    info = [0.22, 0.51, 0.74, 1.0]
    res = monitor_looks(EFFECT, SE, design=gs, information=info)
    actual = gs.at(information=info)
    np.testing.assert_allclose(res.upper, actual.z)
    np.testing.assert_allclose(res.lower, -actual.z)
    np.testing.assert_allclose(res.z, np.array(EFFECT) / np.array(SE))
    np.testing.assert_allclose(res.ci_low, np.array(EFFECT) - actual.z * np.array(SE))
    np.testing.assert_allclose(res.ci_high, np.array(EFFECT) + actual.z * np.array(SE))
    expected = tuple(actual.decide(z, k + 1) for k, z in enumerate(res.z))
    assert res.recommendation == expected
    assert res.recommendation[:3] == ("continue", "continue", "continue")
    assert res.recommendation[3] == "stop-efficacy"  # z = 2.94 > 1.99
    assert res.decision == "stop-efficacy" and res.stopped_at == 4
    assert np.all(np.isnan(res.pvalue)) and np.all(np.isnan(res.futility))


def test_monitor_interim_looks_continue_and_harm() -> None:
    gs = GroupSequential(looks=5, alpha=0.05, sides=2, spending="pocock")
    res = monitor_looks([-0.3, -0.6], [0.3, 0.2], design=gs, n=[1000, 2000], planned_n=5000)
    np.testing.assert_allclose(res.information, [0.2, 0.4])
    assert res.recommendation == ("continue", "stop-harm")  # z = -3 below -2.4
    assert res.decision == "stop-harm"


def test_monitor_one_sided_with_futility() -> None:
    gs = GroupSequential(looks=3, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming")
    res = monitor_looks([0.05, -0.1], [0.3, 0.2], design=gs, information=[0.35, 0.65])
    actual = gs.at(information=[0.35, 0.65])
    np.testing.assert_allclose(res.futility, actual.futility)
    assert np.all(np.isinf(res.ci_high)) and np.all(np.isinf(res.lower))
    assert res.recommendation == ("continue", "stop-futility")


def test_monitor_classical_design_uses_planned_boundaries() -> None:
    gs = GroupSequential(looks=4, alpha=0.05, sides=2, boundary="obrien-fleming")
    res = monitor_looks(EFFECT[:2], SE[:2], design=gs)
    np.testing.assert_allclose(res.upper, gs.z[:2])
    assert np.all(np.isnan(res.information))
    assert res.decision == "continue" and res.stopped_at is None
    with pytest.raises(ParameterError, match="classical design has 4"):
        monitor_looks([0.1] * 5, [0.1] * 5, design=gs)


def test_monitor_always_valid() -> None:
    spec = AlwaysValid(tau=0.3, alpha=0.05)
    effect, se = [0.4, 0.5, 0.6, 0.62], [0.4, 0.25, 0.15, 0.12]
    res = monitor_looks(effect, se, design=spec, labels=["d1", "d2", "d3", "d4"])
    ref = always_valid(effect, se, tau=0.3, alpha=0.05)
    np.testing.assert_allclose(res.pvalue, ref.pvalue)
    np.testing.assert_allclose(res.ci_low, ref.ci_low)
    np.testing.assert_allclose(res.upper, spec.z(se))
    first = int(np.argmax(ref.pvalue <= 0.05))
    assert 0 < first < 4 and ref.pvalue[first] <= 0.05
    assert res.recommendation == ("continue",) * first + ("stop-efficacy",) * (4 - first)
    harm = monitor_looks(-np.array(effect), se, design=spec)
    assert harm.decision == "stop-harm"
    one_sided = monitor_looks(-np.array(effect), se, design=AlwaysValid(tau=0.3, alternative="less"))
    assert one_sided.decision == "stop-efficacy"
    assert np.all(np.isinf(one_sided.upper))
    table = res.table
    assert table["label"].tolist() == ["d1", "d2", "d3", "d4"]
    assert list(table.columns) == [
        "look", "label", "information", "effect", "se", "z", "ci_low", "ci_high", "upper", "lower", "futility",
        "pvalue", "recommendation",
    ]  # fmt: skip
    assert "always-valid" in str(res)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": [100, 300, 200, 400], "planned_n": 1000}, "decreases at look 3"),
        ({"information": [0.2, 0.5, 0.4, 0.9]}, "out of order"),
        ({"information": [0.2, 0.5, 0.7, 1.2]}, r"lie in \(0, 1\]"),
        ({"information": [0.0, 0.5, 0.7, 1.0]}, r"lie in \(0, 1\]"),
        ({"n": [100, 300, 600, 1200], "planned_n": 1000}, "more than planned_n"),
        ({"n": [0, 300, 600, 900], "planned_n": 1000}, "must be > 0"),
        ({"n": [100, 300, 300, 900], "planned_n": 1000}, "adds no information"),
        ({"n": [100, 300, 600, 900]}, "needs the information"),
        ({}, "needs the information"),
        ({"planned_n": 1000}, "needs 'n'"),
        ({"n": [100, 300, 600, 900], "planned_n": -5}, "'planned_n' parameter"),
        ({"n": [100, 300, 600, 900], "information": [0.1, 0.3, 0.6, 0.9]}, "not both"),
        ({"information": [0.2, 0.5]}, "4 finite numbers"),
        ({"labels": ["a"], "information": [0.2, 0.5, 0.7, 1.0]}, "one entry per look"),
    ],
)
def test_monitor_rejects_bad_looks(kwargs: dict, match: str) -> None:
    gs = GroupSequential(looks=4, alpha=0.05, sides=2, spending="obrien-fleming")
    with pytest.raises(ParameterError, match=match):
        monitor_looks(EFFECT, SE, design=gs, **kwargs)


def test_monitor_rejects_bad_estimates_and_design() -> None:
    spec = AlwaysValid(tau=0.3)
    with pytest.raises(ParameterError, match="'se' of monitor_looks"):
        monitor_looks([0.1, 0.2], [0.1, -0.1], design=spec)
    with pytest.raises(ParameterError, match="same non-zero length"):
        monitor_looks([0.1, 0.2], [0.1], design=spec)
    with pytest.raises(ParameterError, match="GroupSequential or an AlwaysValid"):
        monitor_looks([0.1], [0.1], design="obrien-fleming")  # type: ignore[arg-type]
    # n may stay flat between looks for an always-valid test (a day without traffic), but never decrease.
    flat = monitor_looks([0.1, 0.1], [0.1, 0.1], design=spec, n=[10, 10])
    assert flat.decision == "continue"
    with pytest.raises(ParameterError, match="decreases at look 2"):
        monitor_looks([0.1, 0.1], [0.1, 0.1], design=spec, n=[10, 9])


def test_monitor_final_look_spends_remaining_alpha() -> None:
    gs = GroupSequential(looks=3, alpha=0.05, sides=2, spending="obrien-fleming")
    info = [0.3, 0.6, 0.9]  # the test ends short of the planned information
    interim = monitor_looks([0.1, 0.2, 0.29], [0.2, 0.14, 0.15], design=gs, information=info)
    final = monitor_looks([0.1, 0.2, 0.29], [0.2, 0.14, 0.15], design=gs, information=info, final=True)
    np.testing.assert_allclose(final.upper, gs.at(information=[0.3, 0.6, 1.0]).z)
    assert final.upper[-1] < interim.upper[-1]
    np.testing.assert_allclose(final.information, info)
    assert interim.recommendation[-1] == "continue"
    assert final.recommendation[-1] == "stop-futility"  # z = 1.93 < 1.98: ends without rejection
    classical = GroupSequential(looks=3, alpha=0.05, sides=2, boundary="pocock")
    assert monitor_looks([0.1, 0.2], [0.2, 0.14], design=classical, final=True).decision == "stop-futility"
    spec = AlwaysValid(tau=0.3)
    assert monitor_looks([0.1, 0.2], [0.2, 0.14], design=spec, final=True).recommendation == (
        "continue",
        "stop-futility",
    )
