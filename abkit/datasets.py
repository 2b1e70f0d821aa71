"""Synthetic experiments and logs with known truth, for the demo, the docs, the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from abkit.errors import ParameterError
from abkit.metrics.synthetic import make_bandit_logs

__all__ = ["make_bandit_logs", "make_experiment"]


def make_experiment(
    n_users: int = 100_000,
    *,
    arms: Mapping[str, float] | None = None,
    lift: Mapping[str, float] | None = None,
    days: int = 14,
    start: str = "2026-11-02",
    missing_rate: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A unit-level table of a recommender A/B test with known relative effects.

    One row per user: ``user_id``, ``variant``, ``date`` (day of first exposure), ``displays``, ``clicks``,
    ``sessions``, ``orders``, ``revenue``, ``revenue_pre`` (the pre-period, correlated with revenue), ``converted``
    (0/1) and ``latency_ms``. Revenue is zero-inflated and heavy-tailed, as in real stores.

    Parameters
    ----------
    n_users : int
    arms : dict arm -> share, default {"control": 0.5, "treatment": 0.5}
    lift : dict metric -> relative effect applied in every non-control arm
        Keys among "revenue", "ctr", "converted", "latency_ms", "orders"; defaults to revenue +3%, ctr +2%,
        converted +2%, latency +0%.
    days : int
        Users arrive over this many days (returning users are not modelled: one row per user).
    missing_rate : float
        Share of ``revenue_pre`` set to NaN (to exercise missing-value handling).
    seed : int

    Examples
    --------
    >>> import abkit as ab
    >>> df = ab.datasets.make_experiment(1000, seed=0)
    >>> sorted(df["variant"].unique())
    ['control', 'treatment']
    """
    if n_users < 4:
        raise ParameterError(f"The 'n_users' parameter of make_experiment must be >= 4. Got {n_users}.")
    arms = dict(arms or {"control": 0.5, "treatment": 0.5})
    effects = {"revenue": 0.03, "ctr": 0.02, "converted": 0.02, "latency_ms": 0.0, "orders": 0.02}
    effects.update(lift or {})
    rng = np.random.default_rng(seed)
    names = list(arms)
    shares = np.array([arms[a] for a in names], dtype=float)
    variant = rng.choice(len(names), size=n_users, p=shares / shares.sum())
    treated = variant != names.index("control") if "control" in names else variant != 0

    activity = rng.gamma(shape=1.2, scale=1.0, size=n_users)  # user propensity to engage
    sessions = 1 + rng.poisson(3.0 * activity)
    displays = sessions * (5 + rng.poisson(10, size=n_users))
    ctr = np.clip(0.04 * rng.beta(2, 8, size=n_users) / 0.2 * (0.7 + 0.3 * activity), 0, 0.9)
    ctr = np.where(treated, np.clip(ctr * (1 + effects["ctr"]), 0, 0.95), ctr)
    clicks = rng.binomial(displays, ctr)
    p_conv = np.clip(0.03 * (0.5 + 0.5 * activity), 0, 0.9)
    p_conv = np.where(treated, np.clip(p_conv * (1 + effects["converted"]), 0, 0.95), p_conv)
    converted = (rng.random(n_users) < p_conv).astype(np.int64)
    orders = converted * (1 + rng.poisson(0.3 * activity * np.where(treated, 1 + effects["orders"], 1.0)))
    basket = rng.lognormal(mean=3.5, sigma=0.9, size=n_users)
    revenue_pre = rng.poisson(0.6 * activity) * rng.lognormal(3.5, 0.9, size=n_users)
    spend = 0.5 * revenue_pre + orders * basket
    revenue = np.where(treated, spend * (1 + effects["revenue"]), spend)
    latency = rng.lognormal(np.log(180), 0.25, size=n_users) * np.where(treated, 1 + effects["latency_ms"], 1.0)
    day = rng.integers(0, days, size=n_users)
    dates = pd.Timestamp(start) + pd.to_timedelta(np.sort(day), unit="D")
    order = np.argsort(day, kind="stable")
    frame = pd.DataFrame(
        {
            "user_id": np.char.add("u", np.arange(n_users).astype(str))[order],
            "variant": np.array(names, dtype=object)[variant][order],
            "date": dates.values,
            "displays": displays[order],
            "clicks": clicks[order],
            "sessions": sessions[order],
            "orders": orders[order],
            "revenue": np.round(revenue[order], 2),
            "revenue_pre": np.round(revenue_pre[order], 2),
            "converted": converted[order],
            "latency_ms": np.round(latency[order], 1),
        }
    )
    if missing_rate > 0:
        frame.loc[rng.random(n_users) < missing_rate, "revenue_pre"] = np.nan
    return frame
