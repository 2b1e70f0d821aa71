"""Bootstrap over buckets of moments: replicates recompute every estimator (normalisers included) from bucket sums."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from offline_data import small_logs

import abkit.metrics as am
from abkit.engines import compute_moments
from abkit.errors import DataError, ParameterError
from abkit.metrics.bootstrap import bucket_replicates, percentile_interval
from abkit.metrics.delta import GroupMeans
from abkit.metrics.estimators import get_estimator
from abkit.metrics.logs import LogColumns, parse_candidates
from abkit.metrics.plan import make_plan

BUCKETS = 200


def bucketed_plan(n: int = 20_000):  # type: ignore[no-untyped-def]
    logs = small_logs(n=n, seed=11)
    # the engine's hash buckets give moments keyed by "_bucket"; here a bucket column gives the same structure
    logs["bucket"] = np.random.default_rng(3).integers(0, BUCKETS, n)
    plan = make_plan(parse_candidates(None, LogColumns()), [get_estimator("ips"), get_estimator("snips")], LogColumns())
    moments = compute_moments(logs, plan.request(by=("bucket",)))
    moments = replace(moments, keys=moments.keys.rename(columns={"bucket": "_bucket"}))
    return logs, plan, moments


def test_bucket_replicates_recompute_normaliser_per_replicate() -> None:
    logs, plan, moments = bucketed_plan(4000)
    boot = bucket_replicates(moments, 50, rng=7)
    # the same Poisson weights, drawn here, applied to per-bucket sums computed here with pandas
    weights = np.random.default_rng(7).poisson(1.0, size=(50, BUCKETS)).astype(float)
    w = logs["target_propensity"] / logs["propensity"]
    sums = (
        logs.assign(wr=w * logs["reward"], w=w)
        .groupby("bucket")[["wr", "w"]]
        .sum()
        .reindex(range(BUCKETS), fill_value=0.0)
    )
    snips = (weights @ sums["wr"].to_numpy()) / (weights @ sums["w"].to_numpy())
    program = plan.programs[("candidate", "snips")]
    assert np.allclose(program.value(boot.means), snips, rtol=1e-12)


def test_bucket_bootstrap_se_close_to_delta_method() -> None:
    _, plan, moments = bucketed_plan()
    gm = GroupMeans.from_moments(moments.reduce([]))
    boot = bucket_replicates(moments, 2000, rng=1)
    table = plan.estimates(gm, boot=boot)
    for row in table.itertuples():
        assert row.boot_se == pytest.approx(row.se, rel=0.1)
        assert row.boot_ci_low < row.value < row.boot_ci_high
    again = plan.estimates(gm, boot=bucket_replicates(moments, 2000, rng=1))
    assert again["boot_ci_low"].tolist() == table["boot_ci_low"].tolist()


def test_bucket_replicates_bad_input() -> None:
    _, _, moments = bucketed_plan(1000)
    with pytest.raises(ParameterError, match="bootstrap"):
        bucket_replicates(moments, 1)
    with pytest.raises(DataError, match="_bucket"):
        bucket_replicates(moments.reduce([]), 10)


def test_percentile_interval_ignores_non_finite() -> None:
    se, lo, hi = percentile_interval(np.array([1.0, 2.0, 3.0, np.nan, 4.0, 5.0]), 0.5)
    assert (lo, hi) == (2.0, 4.0)
    assert se == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1))


def test_evaluate_bootstrap_with_engine_buckets() -> None:
    pytest.importorskip("abkit.engines.buckets", reason="the engine's hash buckets have not landed on main yet")
    logs = small_logs(n=20_000, seed=11)
    off = am.evaluate(logs, estimators=["ips", "snips"], bootstrap=500, unit="user_id", buckets=200, cap_grid=None)
    t = off.table
    assert np.allclose(t["boot_se"], t["se"], rtol=0.15)
