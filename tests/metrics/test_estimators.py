"""Common tests over the registry of offline estimators (as scikit-learn's common tests for its metrics).

Every estimator's value and standard error are checked against formulas written here, independently of abkit's
code: each estimator is written as a per-row influence function ``psi`` (its linearisation), so the value is the
formula and the standard error is ``std(psi, ddof=1) / sqrt(n)``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from offline_data import small_logs

import abkit.metrics as am
from abkit.errors import DegenerateDataWarning, ParameterError
from abkit.metrics.estimators import ESTIMATORS, get_estimator

CAP = 5.0
RTOL = 1e-12


def _ratio(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    value = a.mean() / b.mean()
    return value, (a - value * b) / b.mean()


def explicit(df: pd.DataFrame, name: str, cap: float = CAP) -> tuple[float, np.ndarray]:
    """(value, influence) of estimator ``name`` on ``df``, from textbook formulas."""
    r = df["reward"].to_numpy(float)
    p = df["propensity"].to_numpy(float)
    t = df["target_propensity"].to_numpy(float)
    q = df["q_hat"].to_numpy(float)
    v = df["v_hat"].to_numpy(float)
    w = t / p
    w_max = np.minimum(w, cap)
    w_zero = np.where(w <= cap, w, 0.0)
    if name == "ips":
        return (w * r).mean(), w * r
    if name == "snips":
        return _ratio(w * r, w)
    if name == "capped_ips":
        return (w_max * r).mean(), w_max * r
    if name == "zero_capped_ips":
        return (w_zero * r).mean(), w_zero * r
    if name == "ncis":
        return _ratio(w_max * r, w_max)
    if name == "piece_ncis":
        cv = df["context_value"].to_numpy(float)
        cuts = np.geomspace(cv.min(), cv.max(), 11)[1:-1]
        group = np.searchsorted(cuts, cv, side="right")
        value, psi = 0.0, np.zeros(len(df))
        for g in np.unique(group):
            ind = (group == g).astype(float)
            share, a, b = ind.mean(), (ind * w_max * r).mean(), (ind * w_max).mean()
            value += share * a / b
            psi += ind * a / b + share / b * ind * w_max * r - share * a / b**2 * ind * w_max
        return value, psi
    if name == "point_ncis":
        x = w_max * r / df["normaliser"].to_numpy(float)
        return x.mean(), x
    if name == "dm":
        return v.mean(), v
    if name == "dr":
        x = v + w * (r - q)
        return x.mean(), x
    if name == "sndr":
        s, psi_s = _ratio(w * (r - q), w)
        return v.mean() + s, v + psi_s
    if name == "switch_dr":
        x = v + np.where(w <= cap, w, 0.0) * (r - q)
        return x.mean(), x
    if name == "dr_os":
        lam = cap**2
        x = v + lam * w / (w**2 + lam) * (r - q)
        return x.mean(), x
    if name == "replay":
        return _ratio(t / p * r, t / p)
    raise KeyError(name)


def data_for(name: str, **kw: object) -> pd.DataFrame:
    return small_logs(deterministic=(name == "replay"), **kw)  # type: ignore[arg-type]


def run(df: object, name: str, cap: float = CAP) -> pd.Series:
    res = am.evaluate(df, estimators=[name], cap=cap, cap_grid=None)
    return res.table.iloc[0]


def test_registry_formulas_cover_every_estimator() -> None:
    df = small_logs()
    for name in ESTIMATORS:
        if name != "replay":
            explicit(df, name)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimator_matches_explicit_formula(name: str) -> None:
    df = data_for(name)
    row = run(df, name)
    value, psi = explicit(df, name)
    se = np.std(psi, ddof=1) / math.sqrt(len(df))
    assert row["value"] == pytest.approx(value, rel=RTOL, abs=0)
    assert row["se"] == pytest.approx(se, rel=RTOL, abs=0)
    z = 1.959963984540054  # qnorm(0.975)
    assert row["ci_low"] == pytest.approx(value - z * se, rel=1e-12, abs=1e-15)
    assert row["n"] == len(df)


@pytest.mark.parametrize("name", sorted(n for n, c in ESTIMATORS.items() if c.on_policy_exact))
def test_estimator_on_policy_equals_mean_reward(name: str) -> None:
    df = small_logs(on_policy=True, deterministic=(name == "replay"))
    row = run(df, name)
    assert row["value"] == pytest.approx(df["reward"].mean(), rel=1e-13, abs=0)
    assert row["lift"] == pytest.approx(0.0, abs=1e-13)


def test_estimator_dr_family_on_policy_is_mean_reward_plus_model_gap() -> None:
    # DR with target == logging is mean(r) + mean(v_hat) - mean(q_hat): exact only when the model's gap averages out.
    df = small_logs(on_policy=True)
    gap = df["v_hat"].mean() - df["q_hat"].mean()
    for name in ("dr", "sndr", "switch_dr"):
        assert run(df, name)["value"] == pytest.approx(df["reward"].mean() + gap, rel=1e-13)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimator_row_order_invariant(name: str) -> None:
    df = data_for(name)
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a, b = run(df, name), run(shuffled, name)
    for col in ("value", "se", "lift", "lift_se"):
        assert b[col] == pytest.approx(a[col], rel=1e-12)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimator_input_type_invariant(name: str, tmp_path: object) -> None:
    df = data_for(name)
    base = run(df, name)
    arrow = df.convert_dtypes(dtype_backend="pyarrow")
    path = f"{tmp_path}/logs.parquet"
    df.to_parquet(path)
    for other in (arrow, path):
        row = run(other, name)
        assert row["value"] == pytest.approx(base["value"], rel=1e-12)
        assert row["se"] == pytest.approx(base["se"], rel=1e-12)


def test_estimator_integer_and_boolean_columns() -> None:
    df = small_logs()
    df["reward"] = (df["reward"] > 0).astype(bool)
    as_float = df.assign(reward=df["reward"].astype(float))
    assert run(df, "snips")["value"] == run(as_float, "snips")["value"]


@pytest.mark.parametrize("name", sorted(n for n, c in ESTIMATORS.items() if c.within_reward_range))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 60), low=st.floats(-5, 5), span=st.floats(0.01, 10))
def test_estimator_self_normalised_within_reward_range(name: str, seed: int, n: int, low: float, span: float) -> None:
    df = data_for(name, n=n, seed=seed)
    df["reward"] = low + span * np.random.default_rng(seed).random(n)
    df["target_propensity"] = np.maximum(df["target_propensity"], 0.0)
    if df["target_propensity"].sum() == 0:
        df.loc[0, "target_propensity"] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)  # a group or a log without matches gives nan
        value = run(df, name)["value"]
    if np.isfinite(value):
        assert df["reward"].min() - 1e-12 <= value <= df["reward"].max() + 1e-12


def test_get_estimator_accepts_names_pairs_and_objects() -> None:
    assert get_estimator("ips").key == "ips"
    assert get_estimator(("ncis", {"cap": 3.0})).key == "ncis(cap=3.0)"
    est = am.PieceNCIS(groups=3)
    assert get_estimator(est) is est
    with pytest.raises(ParameterError, match="estimators"):
        get_estimator("nope")


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimator_same_on_duckdb_engine(name: str) -> None:
    pytest.importorskip("abkit.engines.duck", reason="the DuckDB engine has not landed on main yet")
    df = data_for(name)
    a = run(df, name)
    b = am.evaluate(df, estimators=[name], cap=CAP, cap_grid=None, engine="duckdb").table.iloc[0]
    for col in ("value", "se", "lift", "lift_se"):
        assert b[col] == pytest.approx(a[col], rel=1e-12)
