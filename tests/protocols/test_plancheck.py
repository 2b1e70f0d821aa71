"""plan_checks: planned against actual units, duration and power achieved, as health checks for the report."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

import abkit as ab
from abkit.errors import ParameterError
from abkit.protocols.design import design
from abkit.protocols.plancheck import plan_checks
from abkit.protocols.protocol import Protocol
from abkit.protocols.sizing import power

TWO = {"control": 0.5, "treatment": 0.5}


def _data(n: int = 20_000, seed: int = 3):
    return ab.datasets.make_experiment(n, seed=seed)


def _protocol(units, **kw) -> Protocol:
    base = {"name": "x", "variant": "variant", "control": "control", "arms": TWO, "primary": [ab.Mean("revenue")],
            "mde": 0.05, "mde_relative": True}  # fmt: skip
    return Protocol(**(base | kw)).with_plan(units_per_arm=units, total_units=2 * units if isinstance(units, int)
                                             else sum(units.values()), days=14)  # fmt: skip


def _by_name(checks: list[dict]) -> dict[str, dict]:
    return {c["name"]: c for c in checks}


@pytest.mark.parametrize(
    ("planned", "status"),
    [(12_000, "fail"), (11_000, "ok"), (10_000, "ok"), (7_000, "ok"), (6_500, "warn")],
)
def test_plan_checks_units_against_plan(planned, status):
    df = _data()
    p = _protocol(planned)
    res = ab.analyze(df, protocol=p)
    check = _by_name(plan_checks(p, res))["Sample size"]
    n = res.arms.set_index("arm")["units"]
    share = min(n) / planned
    assert (share < 0.9) == (status == "fail") and (max(n) / planned > 1.5) == (status == "warn")
    assert check["status"] == status
    assert f"control {n['control']:,} of {planned:,}" in check["message"]


def test_plan_checks_units_per_arm_table_and_a_sequential_stop():
    df = _data()
    p = _protocol({"control": 10_000, "treatment": 14_000})
    res = ab.analyze(df, protocol=p)
    assert _by_name(plan_checks(p, res))["Sample size"]["status"] == "fail"  # treatment ~10,000 of 14,000

    class Stopped:
        recommendation = "stop-efficacy"
        series = ()

    assert _by_name(plan_checks(p, res, monitoring=Stopped()))["Sample size"]["status"] == "info"


def test_plan_checks_power_achieved_uses_the_observed_sd_and_units():
    df = _data()
    p = _protocol(10_000, mde=0.08)
    res = ab.analyze(df, protocol=p)
    row = res.table.iloc[0]
    sd = row["se"] / math.sqrt(1 / row["n_control"] + 1 / row["n_treatment"])
    expected = power("mean", baseline=row["control"], mde=0.08, relative=True, n=row["n_control"], sd=sd,
                     ratio=row["n_treatment"] / row["n_control"])  # fmt: skip
    check = _by_name(plan_checks(p, res))["Power achieved"]
    assert f"revenue (treatment) {expected:.0%}" in check["message"]
    assert check["status"] == ("ok" if expected >= 0.75 else "warn")
    low = _by_name(plan_checks(dataclasses.replace(p, mde=0.02), res))["Power achieved"]
    assert low["status"] == "warn"


def test_plan_checks_power_achieved_is_the_target_when_the_test_ran_as_designed():
    """Designed on one sample, run on another from the same generator at the planned size: about 80% power."""
    history = _data(60_000, seed=11).drop(columns=["variant"])
    p = Protocol(name="x", variant="variant", control="control", arms=TWO,
                 primary=[ab.Mean("revenue", covariate="revenue_pre")], mde=0.05, mde_relative=True)  # fmt: skip
    planned = design(p, history=history).protocol
    n = planned.plan["units_per_arm"]
    res = ab.analyze(_data(2 * n, seed=12), protocol=planned)
    check = _by_name(plan_checks(planned, res))
    assert check["Power achieved"]["status"] == "ok", check["Power achieved"]
    achieved = int(check["Power achieved"]["message"].split("(treatment) ")[1].split("%")[0])
    assert 70 <= achieved <= 90


def test_plan_checks_duration_from_monitoring():
    df = _data()  # 14 days
    for days, status in ((14, "ok"), (21, "warn")):
        p = _protocol(10_000).with_plan(units_per_arm=10_000, days=days)
        mon = ab.monitor(df, p)
        check = _by_name(plan_checks(p, ab.analyze(df, protocol=p), monitoring=mon))["Duration"]
        assert check["status"] == status and check["message"].startswith(f"14 days run of {days} planned")
    seq = dataclasses.replace(_protocol(10_000), sequential={"looks": 4, "spending": "obrien-fleming"})
    seq = seq.with_plan(units_per_arm=10_000, days=21)
    check = _by_name(plan_checks(seq, ab.analyze(df, protocol=seq), monitoring=ab.monitor(df, seq)))["Duration"]
    assert check["status"] == "info"
    short = _data(2_000, seed=1)
    short = short[short["date"] < short["date"].min() + pd.Timedelta(days=5)]
    p5 = _protocol(10_000).with_plan(units_per_arm=10_000, days=5)
    check = _by_name(plan_checks(p5, ab.analyze(short, protocol=p5), monitoring=ab.monitor(short, p5)))["Duration"]
    assert check["status"] == "warn" and "less than a week" in check["message"]


def test_plan_checks_without_plan_or_mde_or_monitoring():
    df = _data(4_000)
    p = Protocol(name="x", variant="variant", control="control", arms=TWO, primary=[ab.Mean("revenue")])
    res = ab.analyze(df, protocol=p)
    assert plan_checks(p, res) == [
        {"status": "info", "name": "Plan", "message": "The protocol has no designed plan (run ab.design): sample "
         "size and duration are not checked."}
    ]  # fmt: skip
    checks = _by_name(plan_checks(p.with_plan(units_per_arm=2_000), res))
    assert checks["Power achieved"]["status"] == "info" and checks["Duration"]["status"] == "info"
    with pytest.raises(ParameterError, match=r"must be an ab\.Protocol"):
        plan_checks(None, res)


def test_plan_checks_go_into_the_experiment_report():
    df = _data()
    p = _protocol(12_000)
    res = ab.analyze(df, protocol=p)
    html = res.to_html(plan_checks=plan_checks(p, res), protocol=p)
    assert "below 90% of the plan" in html and "Power achieved" in html
    assert "No protocol attached" not in html
