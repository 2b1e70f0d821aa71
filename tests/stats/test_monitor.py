"""ab.monitor: per-day cumulative comparisons from the data, fed to the monitoring core."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.stats.monitoring import monitor_looks


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return ab.datasets.make_experiment(40_000, seed=11, days=10)


def test_monitor_last_day_equals_analyze_on_all_data(data: pd.DataFrame) -> None:
    metric = ab.Mean("revenue", covariate="revenue_pre")
    mon = ab.monitor(data, metrics=[metric], mde=0.03)
    full = ab.analyze(data, [metric])
    last = mon.table.iloc[-1]
    assert last["effect"] == pytest.approx(full.table["effect"].iloc[0], rel=1e-10)
    assert last["se"] == pytest.approx(full.comparisons[0].se, rel=1e-10)
    assert last["n"] == len(data)


def test_monitor_each_day_equals_analyze_on_data_up_to_that_day(data: pd.DataFrame) -> None:
    metric = ab.Ratio("clicks", "displays")
    mon = ab.monitor(data, metrics=[metric], mde=0.05)
    days = sorted(data["date"].unique())
    for k in (0, 4, 9):
        upto = data[data["date"] <= days[k]]
        ref = ab.analyze(upto, [metric]).comparisons[0]
        row = mon.table.iloc[k]
        assert row["effect"] == pytest.approx(ref.effect, rel=1e-10)
        assert row["se"] == pytest.approx(ref.se, rel=1e-10)


def test_monitor_group_sequential_uses_information_from_planned_units(data: pd.DataFrame) -> None:
    gs = ab.GroupSequential(looks=4, alpha=0.05, sides=2, spending="obrien-fleming")
    mon = ab.monitor(data, metrics=[ab.Mean("revenue")], design=gs, planned_n=30_000)
    t = mon.table
    ref = monitor_looks(t["effect"], t["se"], design=gs, n=t["n"], planned_n=60_000)
    np.testing.assert_allclose(t["upper"], ref.upper)
    np.testing.assert_allclose(t["information"], t["n"] / 60_000)


def test_monitor_with_protocol_reads_sequential_plan_and_plan_units(data: pd.DataFrame) -> None:
    p = ab.Protocol(name="x", variant="variant", control="control", arms={"control": 0.5, "treatment": 0.5},
                    primary=[ab.Mean("revenue")], sequential={"looks": 3, "spending": "pocock"},
                    plan={"units_per_arm": 25_000})  # fmt: skip
    mon = ab.monitor(data, p)
    assert "pocock" in mon.method
    assert mon.table["information"].iloc[-1] == pytest.approx(len(data) / 50_000)


def test_monitor_gap_in_dates_is_an_error_unless_allowed(data: pd.DataFrame) -> None:
    days = sorted(data["date"].unique())
    gap = data[data["date"] != days[3]]
    with pytest.raises(ab.DataError, match="gaps"):
        ab.monitor(gap, metrics=[ab.Mean("revenue")], mde=0.03)
    mon = ab.monitor(gap, metrics=[ab.Mean("revenue")], mde=0.03, allow_gaps=True)
    assert len(mon.table) == len(days) - 1


def test_monitor_always_valid_needs_an_mde(data: pd.DataFrame) -> None:
    with pytest.raises(ab.ParameterError, match="MDE"):
        ab.monitor(data, metrics=[ab.Mean("revenue")])


def test_monitor_harm_is_recommended_when_treatment_is_much_worse() -> None:
    df = ab.datasets.make_experiment(60_000, seed=3, lift={"revenue": -0.3})
    mon = ab.monitor(df, metrics=[ab.Mean("revenue", covariate="revenue_pre")], mde=0.05)
    assert mon.recommendation == "stop-harm"


def test_monitor_json_and_html(data: pd.DataFrame) -> None:
    import json

    mon = ab.monitor(data, metrics=[ab.Proportion("converted")], mde=0.1)
    payload = json.loads(mon.to_json())
    assert payload["recommendation"] == mon.recommendation
    html = mon.to_html(generated_at="2026-12-07")
    assert "Effect over time" in html and "<svg" in html


def test_monitor_missing_values_are_named_or_dropped(data: pd.DataFrame) -> None:
    df = data.copy()
    df.loc[df.index[:3], "revenue"] = np.nan
    arms = df.loc[df.index[:3], "variant"].value_counts()
    with pytest.raises(ab.DataError, match="column 'revenue' has NaN/inf values") as err:
        ab.monitor(df, metrics=[ab.Mean("revenue")], mde=0.03)
    for arm, count in arms.items():
        assert f"{arm}: {count}" in str(err.value)
    mon = ab.monitor(df, metrics=[ab.Mean("revenue")], mde=0.03, missing="drop")
    ref = ab.analyze(df, [ab.Mean("revenue")], missing="drop").comparisons[0]
    assert mon.table["n"].iloc[-1] == len(df) - 3
    assert mon.table["effect"].iloc[-1] == pytest.approx(ref.effect, rel=1e-10)


def test_monitor_boundaries_in_effect_units(data: pd.DataFrame) -> None:
    gs = ab.GroupSequential(looks=4, alpha=0.05, sides=2, spending="obrien-fleming")
    res = ab.monitor(data, metrics=[ab.Mean("revenue")], design=gs, planned_n=30_000).series[0]
    np.testing.assert_allclose(res.upper_effect, np.asarray(res.upper) * np.asarray(res.se))
    np.testing.assert_allclose(res.lower_effect, -res.upper_effect)
