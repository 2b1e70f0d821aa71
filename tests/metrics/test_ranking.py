"""Ranking metrics against scikit-learn's ndcg_score and explicit per-user loops."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from abkit.errors import ColumnError, DataError, ParameterError
from abkit.metrics.ranking import ranking_metrics

U, M, L = 60, 12, 8  # users, items per user, recommended per user


def long_table(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rel = rng.choice([0, 0, 0, 1, 2, 3], size=(U, M)).astype(float)
    rel[:, 0] = np.maximum(rel[:, 0], 1.0)  # every user has a relevant item
    ranks = np.full((U, M), np.nan)
    for u in range(U):
        shown = rng.permutation(M)[:L]
        ranks[u, shown] = np.arange(1, L + 1)
    rows = [(u, f"i{u % 7}_{j}", ranks[u, j], rel[u, j]) for u in range(U) for j in range(M)]
    df = pd.DataFrame(rows, columns=["user", "item", "rank", "relevance"])
    df = df[~np.isnan(df["rank"]) | (df["relevance"] > 0)]  # unshown, irrelevant items need no row
    return df.reset_index(drop=True), rel, ranks


@pytest.mark.parametrize("k", [1, 3, 8])
def test_ranking_ndcg_matches_sklearn(k: int) -> None:
    df, rel, ranks = long_table()
    scores = np.where(np.isnan(ranks), -1e9, -np.nan_to_num(ranks))
    res = ranking_metrics(df, k=k)
    t = res.table.set_index("metric")
    assert t.loc[f"ndcg@{k}", "value"] == pytest.approx(ndcg_score(rel, scores, k=k), rel=1e-12)
    per_user = np.array([ndcg_score(rel[[u]], scores[[u]], k=k) for u in range(U)])
    assert t.loc[f"ndcg@{k}", "se"] == pytest.approx(per_user.std(ddof=1) / math.sqrt(U), rel=1e-10)


def test_ranking_precision_recall_mrr_hit_rate_match_loops() -> None:
    k = 4
    df, rel, ranks = long_table(1)
    prec, rec, mrr, hit = [], [], [], []
    for u in range(U):
        top = [j for j in range(M) if not np.isnan(ranks[u, j]) and ranks[u, j] <= k]
        hits = [j for j in top if rel[u, j] > 0]
        prec.append(len(hits) / k)
        rec.append(len(hits) / (rel[u] > 0).sum())
        mrr.append(1.0 / min(ranks[u, j] for j in hits) if hits else 0.0)
        hit.append(float(bool(hits)))
    t = ranking_metrics(df, k=k).table.set_index("metric")["value"]
    assert t[f"precision@{k}"] == pytest.approx(np.mean(prec), rel=1e-13)
    assert t[f"recall@{k}"] == pytest.approx(np.mean(rec), rel=1e-13)
    assert t[f"mrr@{k}"] == pytest.approx(np.mean(mrr), rel=1e-13)
    assert t[f"hit_rate@{k}"] == pytest.approx(np.mean(hit), rel=1e-13)


def test_ranking_coverage_and_skipped_users() -> None:
    df, _, _ = long_table(2)
    extra = pd.DataFrame({"user": [999, 999], "item": ["z1", "z2"], "rank": [1.0, 2.0], "relevance": [0.0, 0.0]})
    res = ranking_metrics(pd.concat([df, extra]), k=2, catalogue=1000)
    assert res.n_skipped == 1 and res.n_users == U
    shown = pd.concat([df, extra])
    assert res.coverage == pytest.approx(shown.loc[shown["rank"] <= 2, "item"].nunique() / 1000)


def test_ranking_bad_input() -> None:
    df, _, _ = long_table()
    with pytest.raises(ColumnError, match="not found"):
        ranking_metrics(df.drop(columns=["rank"]))
    with pytest.raises(ParameterError, match="'k'"):
        ranking_metrics(df, k=0)
    dup = df.copy()
    i, j = df[(df["user"] == 0) & df["rank"].notna()].index[:2]
    dup.loc[j, "rank"] = dup.loc[i, "rank"]  # two items of user 0 at the same rank
    with pytest.raises(DataError, match="distinct"):
        ranking_metrics(dup)
    with pytest.raises(DataError, match="relevance"):
        ranking_metrics(df.assign(relevance=-df["relevance"] - 1))
    with pytest.raises(DataError, match="integers >= 1"):
        ranking_metrics(df.assign(rank=df["rank"] - 0.5))
