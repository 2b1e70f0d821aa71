"""Small fixed logs for the offline tests (data only: every formula is written in the tests themselves)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def small_logs(n: int = 400, *, seed: int = 7, deterministic: bool = False, on_policy: bool = False) -> pd.DataFrame:
    """Logs with every optional column; ``on_policy`` sets target_propensity = propensity."""
    rng = np.random.default_rng(seed)
    propensity = rng.uniform(0.02, 1.0, n)
    if deterministic:
        target = (rng.random(n) < 0.4).astype(float)
    else:
        target = np.clip(propensity * rng.lognormal(0.0, 1.0, n), 0.0, 1.0)
        target[rng.random(n) < 0.1] = 0.0
    if on_policy:
        target = propensity.copy() if not deterministic else np.ones(n)
        if deterministic:
            propensity = np.ones(n)
    reward = rng.binomial(1, 0.3, n) * rng.gamma(2.0, 1.5, n)
    q_hat = np.clip(reward * 0.5 + rng.normal(0.5, 0.3, n), 0.0, None)
    return pd.DataFrame(
        {
            "reward": reward,
            "propensity": propensity,
            "target_propensity": target,
            "q_hat": q_hat,
            "v_hat": np.clip(q_hat + rng.normal(0.1, 0.2, n), 0.0, None),
            "context_value": rng.lognormal(1.0, 1.5, n),
            "normaliser": rng.uniform(0.5, 1.0, n) if not on_policy else np.ones(n),
            "user_id": np.arange(n),
        }
    )
