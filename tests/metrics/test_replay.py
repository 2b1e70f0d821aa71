"""Replay (Li et al. 2011) for deterministic candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abkit.metrics as am
from abkit.errors import AbkitWarning, DataError, DegenerateDataWarning


def uniform_logs(n: int = 3000, k: int = 5, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    action = rng.integers(0, k, n)
    context = rng.integers(0, 3, n)
    chosen = (context + 1) % k  # the deterministic candidate
    mu = 0.1 + 0.15 * ((action + context) % k)
    return pd.DataFrame(
        {
            "reward": (rng.random(n) < mu).astype(float),
            "propensity": np.full(n, 1.0 / k),
            "target_propensity": (action == chosen).astype(float),
        }
    )


def test_replay_uniform_logging_is_mean_over_matches() -> None:
    logs = uniform_logs()
    match = logs["target_propensity"] == 1
    for correction in (True, False):
        off = am.evaluate(logs, estimators=[am.Replay(correction=correction)], cap_grid=None)
        assert off.table["value"].iloc[0] == pytest.approx(logs.loc[match, "reward"].mean(), rel=1e-13)


def test_replay_nonuniform_logging_warns_without_correction() -> None:
    logs = uniform_logs()
    logs.loc[::2, "propensity"] = 0.4
    with pytest.warns(AbkitWarning, match="not uniform"):
        am.evaluate(logs, estimators=[am.Replay(correction=False)], cap_grid=None)
    off = am.evaluate(logs, estimators=["replay"], cap_grid=None)  # corrected: no warning
    m = logs["target_propensity"] / logs["propensity"]
    assert off.value("replay") == pytest.approx((m * logs["reward"]).sum() / m.sum(), rel=1e-13)


def test_replay_corrected_is_close_to_truth_under_skewed_logging() -> None:
    rng = np.random.default_rng(4)
    n = 200_000
    p_a = np.array([0.7, 0.2, 0.1])  # production mostly shows action 0
    action = rng.choice(3, size=n, p=p_a)
    mu = np.array([0.1, 0.3, 0.6])
    reward = (rng.random(n) < mu[action]).astype(float)
    # candidate: action 2 half of the time (by a context coin), else action 1; true value 0.5 * 0.6 + 0.5 * 0.3
    coin = rng.random(n) < 0.5
    chosen = np.where(coin, 2, 1)
    logs = pd.DataFrame({"reward": reward, "propensity": p_a[action], "target_propensity": (action == chosen) * 1.0})
    row = am.evaluate(logs, estimators=["replay"], cap_grid=None).table.iloc[0]
    assert row["ci_low"] < 0.45 < row["ci_high"]


def test_replay_rejects_stochastic_candidates() -> None:
    logs = uniform_logs()
    logs.loc[[3, 4], "target_propensity"] = 0.5
    with pytest.raises(DataError, match=r"deterministic candidate.*2 rows"):
        am.evaluate(logs, estimators=["replay"], cap_grid=None)


def test_replay_without_matches_warns() -> None:
    logs = uniform_logs()
    logs["target_propensity"] = 0.0
    with pytest.warns(DegenerateDataWarning, match="matches no logged action"):
        off = am.evaluate(logs, estimators=["replay"], cap_grid=None)
    assert np.isnan(off.value("replay"))
