"""Slate estimators in long form: explicit formulas, the three weightings on a factorised simulation, bad slates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from abkit.errors import DataError, ParameterError
from abkit.metrics.slates import evaluate_slates

L, K = 3, 4  # positions, items


def simulate(n_slates: int, seed: int = 0) -> tuple[pd.DataFrame, float]:
    """Slates whose items are drawn independently per position; reward depends on item and position only."""
    rng = np.random.default_rng(seed)
    p0 = rng.dirichlet(np.full(K, 2.0), size=L)  # logging: (L, K)
    p1 = rng.dirichlet(np.full(K, 0.7), size=L)  # candidate
    p0 = 0.8 * p0 + 0.2 / K
    mu = rng.uniform(0.05, 0.5, size=(L, K)) / np.arange(1, L + 1)[:, None]
    truth = float(sum(p1[k] @ mu[k] for k in range(L)))
    items = np.column_stack([rng.choice(K, size=n_slates, p=p0[k]) for k in range(L)])
    pos = np.arange(L)
    m0, m1 = p0[pos, items], p1[pos, items]  # marginal (item-position) probabilities, (n, L)
    frame = pd.DataFrame(
        {
            "slate_id": np.repeat(np.arange(n_slates), L),
            "position": np.tile(pos + 1, n_slates),
            "reward": (rng.random((n_slates, L)) < mu[pos, items]).astype(float).ravel(),
            "p_item": m0.ravel(),
            "t_item": m1.ravel(),
            "p_slate": np.repeat(m0.prod(axis=1), L),
            "t_slate": np.repeat(m1.prod(axis=1), L),
            "p_cascade": np.cumprod(m0, axis=1).ravel(),
            "t_cascade": np.cumprod(m1, axis=1).ravel(),
        }
    )
    return frame, truth


def cols(kind: str) -> dict[str, str]:
    return {"propensity": f"p_{kind}", "target_propensity": f"t_{kind}"}


@pytest.mark.parametrize(("weighting", "kind"), [("slate", "slate"), ("item_position", "item"), ("cascade", "cascade")])
def test_slate_weightings_cover_truth_on_factorised_slates(weighting: str, kind: str) -> None:
    logs, truth = simulate(40_000)
    res = evaluate_slates(logs, weighting=weighting, columns=cols(kind), estimators=["ips", "snips"])
    for row in res.table.itertuples():
        assert row.ci_low < truth < row.ci_high, (weighting, row.estimator, row.value, truth)


def test_slate_estimators_match_explicit_formulas() -> None:
    logs, _ = simulate(500, seed=3)
    cap = 1.5
    res = evaluate_slates(logs, columns=cols("item"), estimators=["ips", "snips", "capped_ips", "ncis"], cap=cap)
    t = res.table.set_index("estimator")
    w = (logs["t_item"] / logs["p_item"]).to_numpy().reshape(-1, L)
    r = logs["reward"].to_numpy().reshape(-1, L)
    n = len(w)
    for name, weight in (("ips", w), ("capped_ips", np.minimum(w, cap))):
        per_slate = (weight * r).sum(axis=1)
        assert t.loc[name, "value"] == pytest.approx(per_slate.mean(), rel=1e-12)
        assert t.loc[name, "se"] == pytest.approx(per_slate.std(ddof=1) / math.sqrt(n), rel=1e-12)
    for name, weight in (("snips", w), ("ncis", np.minimum(w, cap))):
        ratios = (weight * r).sum(axis=0) / weight.sum(axis=0)
        psi = ((weight * r - ratios * weight) / weight.mean(axis=0)).sum(axis=1)
        assert t.loc[name, "value"] == pytest.approx(ratios.sum(), rel=1e-12)
        assert t.loc[name, "se"] == pytest.approx(psi.std(ddof=1) / math.sqrt(n), rel=1e-12)
    logged = r.sum(axis=1)
    assert t.loc["ips", "logged"] == pytest.approx(logged.mean(), rel=1e-13)
    psi_lift = (w * r).sum(axis=1) - logged
    assert t.loc["ips", "lift_se"] == pytest.approx(psi_lift.std(ddof=1) / math.sqrt(n), rel=1e-12)
    assert res.n == n
    d = res.diagnostics.iloc[0]
    assert d["mean_weight"] == pytest.approx(w.mean(), rel=1e-12)
    assert d["max_weight"] == pytest.approx(w.max(), rel=1e-13)
    assert d["share_capped"] == pytest.approx((w > cap).mean(), rel=1e-12)


def test_slate_on_policy_equals_mean_slate_reward() -> None:
    logs, _ = simulate(300, seed=5)
    for kind, weighting in (("slate", "slate"), ("item", "item_position"), ("cascade", "cascade")):
        logs[f"t_{kind}"] = logs[f"p_{kind}"]
        res = evaluate_slates(logs, weighting=weighting, columns=cols(kind), estimators=["ips", "snips"])
        slate_reward = logs.groupby("slate_id")["reward"].sum().mean()
        assert res.table["value"].tolist() == pytest.approx([slate_reward] * 2, rel=1e-13)


def test_slate_duplicated_position_is_rejected() -> None:
    logs, _ = simulate(50)
    logs.loc[4, "position"] = logs.loc[3, "position"]
    with pytest.raises(DataError, match=r"inconsistent ids: 1 slate has a position twice \(e.g. 'slate_id' = 1\)"):
        evaluate_slates(logs, columns=cols("item"))


def test_slate_propensity_varying_within_slate_is_rejected() -> None:
    logs, _ = simulate(50)
    logs.loc[7, "p_slate"] *= 0.5
    with pytest.raises(DataError, match=r"varies within 1 slate\(s\)"):
        evaluate_slates(logs, weighting="slate", columns=cols("slate"))


def test_slate_bad_arguments() -> None:
    logs, _ = simulate(20)
    with pytest.raises(ParameterError, match="weighting"):
        evaluate_slates(logs, weighting="pairs", columns=cols("item"))
    with pytest.raises(ParameterError, match="estimators"):
        evaluate_slates(logs, estimators=["dr"], columns=cols("item"))
    with pytest.raises(ParameterError, match="cap"):
        evaluate_slates(logs, estimators=["ncis"], columns=cols("item"))
    logs["position"] = logs["position"].astype(float)
    logs.loc[0, "position"] = 1.5
    with pytest.raises(DataError, match="integer slot numbers"):
        evaluate_slates(logs, columns=cols("item"))
    logs.loc[0, "position"] = 1.0
    logs.loc[2, "p_item"] = 0.0
    with pytest.raises(DataError, match="must hold probabilities in \\(0, 1\\]"):
        evaluate_slates(logs, columns=cols("item"))
