"""Dual numbers (forward-mode gradients) and per-group means/covariances from moments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abkit.engines import MomentsRequest, compute_moments
from abkit.metrics.delta import Dual, GroupMeans, safe_log, where


def f(m: dict) -> object:
    return (m["a"] * m["b"] - 2.0) / (m["c"] + 1.0) + safe_log(m["a"]) - 3.0 / m["b"]


def test_dual_gradient_matches_finite_differences() -> None:
    x = np.array([[1.3, 0.7, 2.2], [0.4, 1.9, 0.1]])
    names = ("a", "b", "c")
    eye = np.eye(3)
    duals = {n: Dual(x[:, j], np.broadcast_to(eye[j], (2, 3))) for j, n in enumerate(names)}
    d = f(duals)
    plain = f({n: x[:, j] for j, n in enumerate(names)})
    assert np.allclose(d.value, plain, rtol=1e-15)
    h = 1e-6
    for j, n in enumerate(names):
        up = {m: x[:, k] + (h if k == j else 0.0) for k, m in enumerate(names)}
        down = {m: x[:, k] - (h if k == j else 0.0) for k, m in enumerate(names)}
        numeric = (f(up) - f(down)) / (2 * h)
        assert np.allclose(d.grad[:, j], numeric, rtol=1e-7), n


def test_dual_where_and_reflected_operators() -> None:
    a = Dual(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [1.0, 0.0]]))
    b = 3.0 - a
    assert b.value.tolist() == [2.0, 1.0] and b.grad[:, 0].tolist() == [-1.0, -1.0]
    c = 2.0 / a
    assert c.grad[:, 0].tolist() == [-2.0, -0.5]
    w = where(np.array([True, False]), a, 0.0 * a)
    assert w.value.tolist() == [1.0, 0.0] and w.grad[:, 0].tolist() == [1.0, 0.0]


def test_group_means_from_moments_match_numpy() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(1e6, 3.0, 500), "y": rng.normal(size=500), "g": rng.integers(0, 3, 500)})
    m = compute_moments(df, MomentsRequest(columns=("x", "y"), by=("g",), extremes=True))
    gm = GroupMeans.from_moments(m)
    for i, g in enumerate(gm.keys["g"]):
        sub = df[df["g"] == g][["x", "y"]].to_numpy()
        assert gm.n[i] == len(sub)
        assert np.allclose(gm.mean[i], sub.mean(axis=0), rtol=1e-14)
        assert np.allclose(gm.cov[i], np.cov(sub, rowvar=False), rtol=1e-10)
        assert gm.maximum[i, 0] == sub[:, 0].max()
    d = gm.duals()["x"] / gm.duals()["y"]
    i = 0
    sub = df[df["g"] == gm.keys["g"][i]]
    ratio = sub["x"].mean() / sub["y"].mean()
    psi = (sub["x"] - ratio * sub["y"]) / sub["y"].mean()
    assert gm.variance(d)[i] == pytest.approx(np.var(psi, ddof=1) / len(sub), rel=1e-9)


def test_group_means_from_clusters_uses_cluster_totals() -> None:
    df = pd.DataFrame({"s": [1, 1, 2, 2, 2, 3], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    m = compute_moments(df, MomentsRequest(columns=("x",), by=("s",)))
    gm = GroupMeans.from_clusters(m, "s")
    totals = np.array([3.0, 12.0, 6.0])
    assert gm.n[0] == 3
    assert gm.mean[0, 0] == pytest.approx(totals.mean())
    assert gm.cov[0, 0, 0] == pytest.approx(totals.var(ddof=1))
    assert gm.maximum[0, 0] == 12.0
