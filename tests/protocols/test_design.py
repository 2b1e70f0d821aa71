"""ab.design: the sizes equal sample_size called by hand with numpy's moments of the same history; CUPED rho and
ratio sds equal numpy computations; days from traffic and from the distinct-units curve; the plan round-trips; bad
input; and (slow) a design from a history reaches 80% power on fresh data from the same generator."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import abkit as ab
from abkit.errors import ColumnError, DataError, ParameterError, ProtocolError
from abkit.protocols.design import TABLE_COLUMNS, DesignResult, design
from abkit.protocols.history import days_to_reach, units_by_day, units_on_day
from abkit.protocols.protocol import Protocol
from abkit.protocols.sizing import power, ratio_sd, sample_size
from abkit.stats.sequential import GroupSequential

TWO = {"control": 0.5, "treatment": 0.5}


def _history(n: int = 20_000, seed: int = 1) -> pd.DataFrame:
    """Unit-level pre-experiment data: a skewed mean metric with a correlated covariate, a 0/1 metric, clicks and
    displays with their pre-period, and latency."""
    rng = np.random.default_rng(seed)
    activity = rng.gamma(1.5, 1.0, n)
    x = activity * 10 + rng.normal(0, 3, n)
    displays = 1 + rng.poisson(6 * activity)
    displays_pre = 1 + rng.poisson(6 * activity)
    ctr = rng.beta(2, 30, n)
    return pd.DataFrame(
        {
            "user_id": np.arange(n),
            "revenue": 0.8 * x + rng.exponential(4.0, n),
            "revenue_pre": x,
            "converted": (rng.random(n) < 0.05 + 0.02 * (activity > 1)).astype(np.int64),
            "clicks": rng.binomial(displays, ctr).astype(float),
            "displays": displays.astype(float),
            "clicks_pre": rng.binomial(displays_pre, ctr).astype(float),
            "displays_pre": displays_pre.astype(float),
            "latency_ms": rng.lognormal(np.log(180), 0.25, n),
        }
    )


def _protocol(primary, **kw) -> Protocol:
    base = {"name": "t", "variant": "variant", "control": "control", "arms": TWO, "primary": primary, "mde": 0.03,
            "mde_relative": True}  # fmt: skip
    return Protocol(**(base | kw))


def _row(d: DesignResult, metric: str) -> dict:
    t = d.table
    return t[t["metric"] == metric].iloc[0].to_dict()


# ---- numbers against sample_size called by hand ---------------------------------------------------------------


def test_design_mean_equals_sample_size_with_numpy_moments():
    h = _history()
    p = _protocol([ab.Mean("revenue")], alpha=0.05, power=0.9)
    d = design(p, history=h)
    y = h["revenue"].to_numpy()
    n = sample_size("mean", baseline=y.mean(), mde=0.03, relative=True, sd=y.std(ddof=1), alpha=0.05, power=0.9)
    row = _row(d, "revenue")
    assert row["units_per_arm"] == pytest.approx(n, rel=1e-10)
    assert row["baseline"] == pytest.approx(y.mean(), rel=1e-12) and row["sd"] == pytest.approx(
        y.std(ddof=1), rel=1e-12
    )
    assert d.units_per_arm == math.ceil(n) and d.total_units == 2 * math.ceil(n)
    assert row["power"] == pytest.approx(power("mean", baseline=y.mean(), mde=0.03, relative=True,
                                               sd=y.std(ddof=1), n=math.ceil(n)), rel=1e-12)  # fmt: skip
    assert row["power"] >= 0.9 and row["detectable"] <= 0.03


def test_design_cuped_rho_equals_numpy_correlation():
    h = _history()
    p = _protocol([ab.Mean("revenue", covariate="revenue_pre")], mde=0.01)
    row = _row(design(p, history=h), "revenue (CUPED)")
    y, x = h["revenue"].to_numpy(), h["revenue_pre"].to_numpy()
    rho = np.corrcoef(y, x)[0, 1]
    assert row["rho"] == pytest.approx(rho, abs=1e-12)
    n = sample_size("mean", baseline=y.mean(), mde=0.01, relative=True, sd=y.std(ddof=1), covariate_correlation=rho)
    assert row["units_per_arm"] == pytest.approx(n, rel=1e-10)
    plain = sample_size("mean", baseline=y.mean(), mde=0.01, relative=True, sd=y.std(ddof=1))
    assert n < 0.5 * plain  # rho ~ 0.9 here: CUPED more than halves the size


def test_design_ratio_sd_and_ratio_cuped_rho_equal_numpy_linearisations():
    h = _history()
    m = ab.Ratio("clicks", "displays", covariate=("clicks_pre", "displays_pre"), name="ctr")
    row = _row(design(_protocol([m]), history=h), "ctr")
    num, den = h["clicks"].to_numpy(), h["displays"].to_numpy()
    num_p, den_p = h["clicks_pre"].to_numpy(), h["displays_pre"].to_numpy()
    lin = (num - num.mean() / den.mean() * den) / den.mean()
    lin_pre = (num_p - num_p.mean() / den_p.mean() * den_p) / den_p.mean()
    assert row["baseline"] == pytest.approx(num.mean() / den.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(lin.std(ddof=1), rel=1e-10)
    assert row["rho"] == pytest.approx(np.corrcoef(lin, lin_pre)[0, 1], abs=1e-10)
    cov = np.cov(num, den)
    assert row["sd"] == pytest.approx(ratio_sd(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1]), rel=1e-10)
    n = sample_size("ratio", baseline=num.mean() / den.mean(), mde=0.03, relative=True, sd=lin.std(ddof=1),
                    covariate_correlation=np.corrcoef(lin, lin_pre)[0, 1], method="normal")  # fmt: skip
    assert row["units_per_arm"] == pytest.approx(n, rel=1e-9)


def test_design_proportion_uses_the_history_rate():
    h = _history()
    d = design(_protocol([ab.Proportion("converted")], mde=0.1), history=h)
    p1 = h["converted"].mean()
    n = sample_size("proportion", baseline=p1, mde=0.1, relative=True)
    assert _row(d, "converted")["units_per_arm"] == pytest.approx(n, rel=1e-10)
    assert _row(d, "converted")["sd"] == pytest.approx(math.sqrt(p1 * (1 - p1)), rel=1e-12)
    assert d.units_per_arm == math.ceil(n)


def test_design_three_arms_unequal_split_sizes_control_for_the_hardest_comparison():
    h = _history()
    arms = {"control": 0.5, "b": 0.3, "c": 0.2}
    p = _protocol([ab.Mean("revenue")], arms=arms, correction="bonferroni")
    d = design(p, history=h)
    y = h["revenue"].to_numpy()
    n = sample_size("mean", baseline=y.mean(), mde=0.03, relative=True, sd=y.std(ddof=1), ratio=[0.6, 0.4], arms=3,
                    correction="bonferroni")  # fmt: skip
    assert _row(d, "revenue")["units_per_arm"] == pytest.approx(n.max(), rel=1e-10)
    assert d.units_per_arm == {"control": math.ceil(n.max()), "b": math.ceil(n.max() * 0.6 - 1e-9),
                               "c": math.ceil(n.max() * 0.4 - 1e-9)}  # fmt: skip
    assert d.total_units == sum(d.units_per_arm.values())
    assert d.protocol.plan["units_per_arm"] == d.units_per_arm


def test_design_two_primary_metrics_split_alpha_and_take_the_larger_size():
    h = _history()
    p = _protocol([ab.Mean("revenue"), ab.Mean("latency_ms")], alpha=0.05, correction="holm")
    d = design(p, history=h)
    sizes = {}
    for col in ("revenue", "latency_ms"):
        y = h[col].to_numpy()
        sizes[col] = sample_size("mean", baseline=y.mean(), mde=0.03, relative=True, sd=y.std(ddof=1), alpha=0.025)
        assert _row(d, col)["units_per_arm"] == pytest.approx(sizes[col], rel=1e-10)
        assert _row(d, col)["alpha"] == 0.025
    biggest = max(sizes, key=sizes.get)
    assert d.sizing_metric == biggest and d.units_per_arm == math.ceil(sizes[biggest])


def test_design_group_sequential_plan_inflates_the_primary_size():
    h = _history()
    seq = {"looks": 4, "spending": "obrien-fleming"}
    d = design(_protocol([ab.Mean("revenue")], sequential=seq, power=0.9), history=h)
    factor = GroupSequential(looks=4, alpha=0.05, spending="obrien-fleming").inflation(power=0.9)
    y = h["revenue"].to_numpy()
    fixed = sample_size("mean", baseline=y.mean(), mde=0.03, relative=True, sd=y.std(ddof=1), power=0.9)
    assert d.inflation == pytest.approx(factor, rel=1e-12) and 1.0 < factor < 1.1
    assert d.units_per_arm == math.ceil(fixed * factor)
    assert d.protocol.plan["inflation"] == pytest.approx(factor)
    assert d.sequential is not None and d.sequential.looks == 4
    assert any("multiplied by" in n for n in d.notes)


def test_design_always_valid_plan_is_sized_as_a_fixed_test_with_a_note():
    h = _history()
    d = design(_protocol([ab.Mean("revenue")], sequential={"method": "always-valid"}), history=h)
    assert d.inflation == 1.0 and d.sequential is None
    assert any("always-valid" in n for n in d.notes)


def test_design_guardrail_power_is_the_non_inferiority_power_at_zero_effect():
    h = _history()
    g = ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False), margin=0.01)
    d = design(_protocol([ab.Mean("revenue")], guardrails=[g]), history=h)
    y = h["latency_ms"].to_numpy()
    n_c = d.units_per_arm
    expected = power("mean", baseline=y.mean(), mde=0.01, relative=True, sd=y.std(ddof=1), n=n_c, alpha=0.05,
                     alternative="greater", correction=None)  # fmt: skip
    row = _row(d, "latency_ms")
    assert row["power"] == pytest.approx(expected, rel=1e-12)
    # the same power from the normal approximation of the one-sided test of a shift of one margin
    se = y.std(ddof=1) * math.sqrt(2 / n_c)
    assert row["power"] == pytest.approx(stats.norm.cdf(0.01 * y.mean() / se - stats.norm.isf(0.05)), abs=2e-3)


def test_design_secondary_with_relative_mde_gets_its_power_and_absolute_gets_only_detectable():
    h = _history()
    p = _protocol([ab.Mean("revenue")], secondary=[ab.Mean("latency_ms"), ab.Proportion("converted")])
    row = _row(design(p, history=h), "latency_ms")
    y = h["latency_ms"].to_numpy()
    n_c = design(p, history=h).units_per_arm
    assert row["alpha"] == 0.025  # holm over the two secondary metrics
    assert row["power"] == pytest.approx(power("mean", baseline=y.mean(), mde=0.03, relative=True, sd=y.std(ddof=1),
                                               n=n_c, alpha=0.025), rel=1e-12)  # fmt: skip
    absolute = design(dataclasses.replace(p, mde=0.5, mde_relative=False), history=h)
    sec = _row(absolute, "latency_ms")
    assert math.isnan(sec["power"]) and sec["detectable"] > 0
    assert any("absolute" in n for n in absolute.notes)


def test_design_without_history_uses_given_sd_and_baseline():
    p = _protocol([ab.Mean("revenue")], mde=0.5, mde_relative=False)
    d = design(p, sd=4.0, daily_units=1000)
    n = sample_size("mean", mde=0.5, sd=4.0)
    assert d.units_per_arm == math.ceil(n)
    assert d.days == math.ceil(2 * math.ceil(n) / 1000)
    d2 = design(p, sd={"revenue": 4.0})
    assert d2.units_per_arm == d.units_per_arm and d2.days is None and d2.duration_source == "none"


# ---- days ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("daily", [1_000, 3_333.3, 1e6])
def test_design_days_from_daily_units_is_ceil_of_total_over_daily(daily):
    d = design(_protocol([ab.Proportion("converted")], mde=0.05), baseline=0.1, daily_units=daily)
    assert d.days == math.ceil(d.total_units / daily)
    assert d.protocol.plan["days"] == d.days and d.protocol.plan["daily_units"] == daily


def _visits() -> pd.DataFrame:
    """Day 1: users 1-4; day 2: 1, 2 return and 5, 6 are new; day 3: 1, 3, 5 return and 7 is new; day 4: returns
    only; day 5: 8 is new."""
    days = {1: [1, 2, 3, 4], 2: [1, 2, 5, 6], 3: [1, 3, 5, 7], 4: [2, 4, 6], 5: [1, 8]}
    rows = [(u, pd.Timestamp("2024-03-01") + pd.Timedelta(days=d - 1)) for d, users in days.items() for u in users]
    return pd.DataFrame(rows, columns=["user_id", "date"])


def test_units_by_day_counts_returning_users_once():
    curve = units_by_day(_visits(), unit="user_id")
    assert curve["new_units"].tolist() == [4, 2, 1, 0, 1]
    assert curve["cumulative_units"].tolist() == [4, 6, 7, 7, 8]
    assert curve["day"].tolist() == [1, 2, 3, 4, 5]
    # rows without a unit column are units: a visits table then overcounts
    assert units_by_day(_visits())["cumulative_units"].tolist() == [4, 8, 12, 15, 17]


def test_units_by_day_keeps_days_without_new_units_and_integer_days():
    visits = pd.DataFrame({"u": [1, 2, 1, 3], "day": [0, 0, 2, 3]})
    curve = units_by_day(visits, time="day", unit="u")
    assert curve["new_units"].tolist() == [2, 0, 0, 1] and curve["date"].tolist() == [0, 1, 2, 3]


def test_days_to_reach_reads_the_curve_and_extrapolates_a_power_law():
    c = np.array([4, 6, 7, 7, 8])
    assert days_to_reach(7, c) == (3, False) and days_to_reach(8, c) == (5, False) and days_to_reach(1, c) == (1, False)
    # beyond the curve: C(d) = C(D) (d / D)^b with b from the second half (days 2..5): log(8/6) / log(5/2)
    b = math.log(8 / 6) / math.log(5 / 2)
    days, extrapolated = days_to_reach(12, c)
    assert extrapolated and days == math.ceil(5 * (12 / 8) ** (1 / b))
    assert units_on_day(np.array([2.5, 5.0, 10.0]), c) == pytest.approx([6.5, 8.0, 8 * 2**b])
    # linear traffic extrapolates linearly
    assert days_to_reach(1000, np.arange(1, 11) * 10) == (100, True)
    # a curve that stopped growing never gets there
    assert days_to_reach(100, np.array([5, 9, 10, 10, 10, 10])) == (None, True)


def test_design_days_from_the_history_curve():
    rng = np.random.default_rng(5)
    h = _history(4_000)
    h["date"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.integers(0, 28, len(h))), unit="D")
    p = _protocol([ab.Mean("revenue")], unit="user_id", mde=0.08)
    d = design(p, history=h)
    cum = h.groupby("date").size().cumsum().to_numpy()
    assert d.duration_source == "history"
    assert d.days == int(np.flatnonzero(cum >= d.total_units)[0]) + 1
    assert d.curves["traffic"]["cumulative_units"].iloc[-1] == len(h)
    enrol = d.curves["enrolment"]
    assert len(enrol) == 28 and not enrol["extrapolated"].any()


def test_design_days_from_a_visits_table_with_returning_users():
    p = _protocol([ab.Proportion("converted")], unit="user_id", mde=0.5)
    d = design(p, baseline=0.3, traffic=_visits())
    cum = np.array([4, 6, 7, 7, 8])
    assert d.total_units == 2 * math.ceil(sample_size("proportion", baseline=0.3, mde=0.5, relative=True))
    expected, _ = days_to_reach(d.total_units, cum)
    assert d.days == expected and d.days > 5  # extrapolated
    assert any("extrapolates" in n for n in d.notes)
    assert d.curves["enrolment"]["extrapolated"].iloc[-1]


# ---- the protocol written ------------------------------------------------------------------------------------


def test_design_protocol_round_trips_through_save_and_load(tmp_path):
    h = _history()
    p = Protocol.load("examples/experiment.toml")
    h["date"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(len(h)) % 21, unit="D")
    d = design(p, history=h, designed_at="2026-12-01T10:00:00+00:00")
    plan = d.protocol.plan
    assert plan["units_per_arm"] == d.units_per_arm and plan["total_units"] == d.total_units
    assert plan["days"] == d.days and plan["designed_at"] == "2026-12-01T10:00:00+00:00"
    assert plan["sizing_metric"] == "revenue" and -1 < plan["covariate_correlation"] < 1
    path = tmp_path / "experiment.toml"
    d.protocol.save(path)
    back = Protocol.load(path)
    assert back == d.protocol and back.dumps() == d.protocol.dumps()
    assert p.plan is None  # the input protocol is not changed


def test_design_never_reads_the_clock():
    p = _protocol([ab.Proportion("converted")], mde=0.05)
    assert "designed_at" not in design(p, baseline=0.1).protocol.plan


def test_plan_schema_checks_the_new_keys():
    p = _protocol([ab.Mean("revenue")])
    with pytest.raises(ProtocolError, match="inflation must be a number >= 1"):
        p.with_plan(inflation=0.9)
    with pytest.raises(ProtocolError, match=r"covariate_correlation must be in \(-1, 1\)"):
        p.with_plan(covariate_correlation=1.0)
    with pytest.raises(ProtocolError, match="unit_sd must be a number > 0"):
        p.with_plan(unit_sd=0)
    with pytest.raises(ProtocolError, match="baseline must be a finite number"):
        p.with_plan(baseline=float("nan"))


# ---- bad input -----------------------------------------------------------------------------------------------


def test_design_history_without_the_columns_lists_them():
    h = _history().drop(columns=["revenue_pre", "clicks"])
    p = _protocol([ab.Mean("revenue", covariate="revenue_pre")], secondary=[ab.Ratio("clicks", "displays")])
    with pytest.raises(ColumnError, match=r"metric 'revenue \(CUPED\)' needs 'revenue_pre'.*metric 'clicks/displays' "
                       r"needs 'clicks'.*columns are: user_id, revenue"):  # fmt: skip
        design(p, history=h)


@pytest.mark.parametrize("daily", [0, -5, float("nan"), "many"])
def test_design_rejects_bad_daily_units(daily):
    with pytest.raises(ParameterError, match="'daily_units' parameter of design must be a number > 0"):
        design(_protocol([ab.Proportion("converted")]), baseline=0.1, daily_units=daily)


def test_design_without_a_way_to_get_an_sd_says_how():
    with pytest.raises(ParameterError, match=r"no per-unit sd for the primary metric 'revenue'. Pass history="):
        design(_protocol([ab.Mean("revenue")]))
    with pytest.raises(ParameterError, match="no baseline proportion"):
        design(_protocol([ab.Proportion("converted")]))


def test_design_other_bad_inputs():
    h = _history(500)
    with pytest.raises(ProtocolError, match=r"no \[analysis\] mde"):
        design(_protocol([ab.Mean("revenue")], mde=None), history=h)
    with pytest.raises(ParameterError, match=r"must be an ab\.Protocol"):
        design({"name": "x"}, history=h)
    with pytest.raises(ParameterError, match="'power' parameter of design must be a float in"):
        design(_protocol([ab.Mean("revenue")]), history=h, power=1.2)
    with pytest.raises(ParameterError, match="names metric 'rev', not in the protocol"):
        design(_protocol([ab.Mean("revenue")]), sd={"rev": 1.0})
    with pytest.raises(ParameterError, match=r"'sd' parameter of design must be a float > 0 for 'revenue'"):
        design(_protocol([ab.Mean("revenue")]), sd=-1.0)
    with pytest.raises(ParameterError, match="2 primary metrics; pass a dict"):
        design(_protocol([ab.Mean("revenue"), ab.Mean("latency_ms")]), sd=1.0)


def test_design_history_with_duplicate_units_or_missing_values():
    h = _history(500)
    p = _protocol([ab.Mean("revenue")], unit="user_id")
    with pytest.raises(DataError, match="duplicate unit ids; variances need one row per unit"):
        design(p, history=pd.concat([h, h.head(3)]))
    h.loc[:9, "revenue"] = np.nan
    with pytest.raises(DataError, match=r"NaN/inf values \('revenue': 10 rows\)"):
        design(p, history=h)
    d = design(p, history=h, missing="drop")
    assert _row(d, "revenue")["sd"] == pytest.approx(h["revenue"].dropna().std(ddof=1), rel=1e-12)
    assert any("10 history rows" in n for n in d.notes)


# ---- the result object ---------------------------------------------------------------------------------------


def test_design_result_views():
    h = _history(3_000)
    p = Protocol.load("examples/experiment.toml")
    d = design(p, history=h, daily_units=500)
    assert list(d.table.columns) == list(TABLE_COLUMNS)
    assert d.table["role"].tolist() == ["primary", "secondary", "secondary", "guardrail"]
    payload = json.loads(d.to_json())
    assert payload["kind"] == "DesignResult" and payload["total_units"] == d.total_units
    assert payload["plan"]["days"] == d.days and len(payload["curves"]["power"]) > 50
    text = str(d)
    assert f"{d.total_units:,}" in text and "revenue" in text
    assert f"{d.total_units:,}" in d._repr_html_()
    assert set(d.curves) == {"power", "mde"}
    mde = d.curves["mde"]
    assert (np.diff(mde["mde"].to_numpy()) < 0).all()  # the MDE shrinks as the test runs longer
    fig = d.plot()
    assert len(fig.axes) == 2


# ---- realised power ------------------------------------------------------------------------------------------


def _generator(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Revenue with its pre-period covariate (correlation about 0.7), per unit."""
    activity = rng.gamma(2.0, 1.0, shape)
    x = activity * 5 + rng.normal(0, 2, shape)
    y = 0.7 * x + rng.gamma(2.0, 2.0, shape)
    return y, x


@pytest.mark.slow
def test_design_from_history_reaches_its_power_on_fresh_data():
    """A CUPED design from a 200,000-unit history, simulated 4,000 times at its size with the analysis' CUPED test
    (pooled theta, Welch t): realised power 77.5-82.5% (the binomial sd is 0.63%)."""
    rng = np.random.default_rng(20240607)
    y, x = _generator(rng, (200_000,))
    p = _protocol([ab.Mean("y", covariate="x")], mde=0.04, power=0.8)
    d = design(p, history=pd.DataFrame({"y": y, "x": x}))
    n = d.units_per_arm
    sims = 4000
    yc, xc = _generator(rng, (sims, n))
    yt, xt = _generator(rng, (sims, n))
    yt = yt + 0.04 * y.mean()  # the planned relative effect on the history's mean
    xa, ya = np.concatenate([xc, xt], axis=1), np.concatenate([yc, yt], axis=1)
    xm, ym = xa.mean(axis=1, keepdims=True), ya.mean(axis=1, keepdims=True)
    theta = ((xa - xm) * (ya - ym)).sum(axis=1) / ((xa - xm) ** 2).sum(axis=1)
    adj_c, adj_t = yc - theta[:, None] * xc, yt - theta[:, None] * xt
    pvalue = stats.ttest_ind(adj_t, adj_c, axis=1, equal_var=False).pvalue
    realised = (pvalue < 0.05).mean()
    assert 0.775 <= realised <= 0.825, f"realised power {realised:.4f} at n = {n} per arm"


def test_design_reads_a_parquet_history_like_the_frame(tmp_path):
    h = _history(2_000)
    h["date"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(len(h)) % 10, unit="D")
    path = tmp_path / "history.parquet"
    h.to_parquet(path)
    p = _protocol([ab.Mean("revenue", covariate="revenue_pre")], unit="user_id", mde=0.05)
    from_file, from_frame = design(p, history=str(path)), design(p, history=h)
    pd.testing.assert_frame_equal(from_file.table, from_frame.table, rtol=1e-12)
    assert from_file.days == from_frame.days and from_file.protocol == from_frame.protocol
