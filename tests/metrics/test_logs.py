"""Log columns, candidates, and from_dense (Open Bandit Pipeline layout -> long form)."""

from __future__ import annotations

import numpy as np
import pytest

import abkit.metrics as am
from abkit.errors import ParameterError
from abkit.metrics.logs import LogColumns, parse_candidates


def dense(n: int = 50, k: int = 4, L: int = 2, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    dist = rng.dirichlet(np.ones(k), size=(n, L)).transpose(0, 2, 1)  # (n, k, L), sums to 1 over actions
    action = rng.integers(0, k, n)
    position = rng.integers(0, L, n)
    q = rng.random((n, k, L))
    return dist, action, position, rng.random(n), rng.uniform(0.1, 1, n), q


def test_from_dense_picks_logged_action_and_expects_model() -> None:
    dist, action, position, reward, pscore, q = dense()
    logs = am.from_dense(dist, action, reward, pscore, position=position, estimated_rewards_by_reg_model=q)
    for i in range(len(action)):
        a, p = action[i], position[i]
        assert logs["target_propensity"][i] == dist[i, a, p]
        assert logs["q_hat"][i] == q[i, a, p]
        assert logs["v_hat"][i] == pytest.approx(sum(dist[i, b, p] * q[i, b, p] for b in range(dist.shape[1])))
    assert logs["propensity"].tolist() == pscore.tolist()
    # IPS on the long form equals the dense formula
    w = dist[np.arange(len(action)), action, position] / pscore
    ips = am.evaluate(logs, estimators=["ips", "dm"], cap_grid=None)
    assert ips.value("ips") == pytest.approx(np.mean(w * reward), rel=1e-13)


def test_from_dense_several_candidates() -> None:
    dist, action, position, reward, pscore, q = dense()
    logs = am.from_dense({"a": dist, "b": dist[:, ::-1, :]}, action, reward, pscore, position=position,
                         estimated_rewards_by_reg_model=q)  # fmt: skip
    assert {"target_propensity_a", "target_propensity_b", "v_hat_a", "v_hat_b", "q_hat"} <= set(logs.columns)
    spec = {c: {"target_propensity": f"target_propensity_{c}", "v_hat": f"v_hat_{c}"} for c in ("a", "b")}
    off = am.evaluate(logs, estimators=["dr"], candidates=spec, cap_grid=None)
    assert len(off.comparisons) == 1


def test_from_dense_rejects_bad_shapes() -> None:
    dist, action, position, reward, pscore, q = dense()
    with pytest.raises(ParameterError, match="sum to 1"):
        am.from_dense(dist * 2, action, reward, pscore, position=position)
    with pytest.raises(ParameterError, match="integer action"):
        am.from_dense(dist, action.astype(float), reward, pscore)
    with pytest.raises(ParameterError, match="shape"):
        am.from_dense(dist[:10], action, reward, pscore, position=position)
    with pytest.raises(ParameterError, match="reward"):
        am.from_dense(dist, action, reward[:3], pscore, position=position)
    with pytest.raises(ParameterError, match="estimated_rewards_by_reg_model"):
        am.from_dense(dist, action, reward, pscore, position=position, estimated_rewards_by_reg_model=q[:, :2])


def test_parse_candidates_forms() -> None:
    cols = LogColumns()
    assert parse_candidates(None, cols)[0].target_propensity == "target_propensity"
    assert [c.name for c in parse_candidates(["x", "y"], cols)] == ["x", "y"]
    assert parse_candidates("x", cols)[0].v_hat == "v_hat"
    with pytest.raises(ParameterError, match="duplicated"):
        parse_candidates(["x", "x"], cols)
    with pytest.raises(ParameterError, match="unknown keys"):
        parse_candidates({"a": {"target_propensity": "x", "q": "y"}}, cols)
    with pytest.raises(ParameterError, match="empty"):
        parse_candidates([], cols)
    with pytest.raises(ParameterError, match="columns"):
        LogColumns.of(["reward"])  # type: ignore[arg-type]
