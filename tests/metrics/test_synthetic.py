"""make_bandit_logs: reproducible, known truth, heavy weights by default, parameter checks."""

from __future__ import annotations

import numpy as np
import pytest

import abkit.metrics as am
from abkit.errors import ParameterError
from abkit.metrics.synthetic import bandit_world


def test_make_bandit_logs_reproducible_with_known_truth() -> None:
    a, b = am.make_bandit_logs(5000, seed=3), am.make_bandit_logs(5000, seed=3)
    assert a.equals(b)
    world = bandit_world()
    truth = world["p_context"] @ (world["target"] * world["mu"]).sum(axis=1)
    assert a.attrs["true_value"] == pytest.approx(truth, rel=1e-14)
    assert a.attrs["true_lift"] == pytest.approx(a.attrs["true_value"] - a.attrs["logged_value"], rel=1e-14)
    assert np.allclose(world["logging"].sum(axis=1), 1.0) and np.allclose(world["target"].sum(axis=1), 1.0)


def test_make_bandit_logs_default_weights_are_heavy() -> None:
    logs = am.make_bandit_logs(50_000, seed=1)
    w = logs["target_propensity"] / logs["propensity"]
    assert w.max() > 50 and (w > 20).mean() > 0.002
    assert w.mean() == pytest.approx(1.0, abs=0.05)  # full support: E[w] = 1


def test_make_bandit_logs_rejects_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="'n'"):
        am.make_bandit_logs(0)
    with pytest.raises(ParameterError, match="'epsilon'"):
        am.make_bandit_logs(10, epsilon=0.0)
    with pytest.raises(ParameterError, match="'n_actions'"):
        am.make_bandit_logs(10, n_actions=1)
