"""Ranking metrics of recommendations with intervals over users: precision, recall, NDCG, MRR, hit rate, coverage.

Input: a long table with one row per (user, item): the ``rank`` at which the item was recommended (1 = top; missing
when the item is relevant but was not recommended) and its ``relevance`` (0 = not relevant; graded values allowed).
Per-user metrics are computed with pandas (row-level: ranking needs the order of a user's items), then averaged over
users with a CLT interval (users are the independent units). Users without any relevant item are left out of the
averages (reported as ``n_skipped``).

Definitions at cut-off ``k``: precision = relevant items in the top k / k; recall = relevant items in the top k /
relevant items of the user; NDCG = DCG / ideal DCG with linear gains, ``sum rel / log2(rank + 1)`` (as
scikit-learn's ``ndcg_score``); MRR = 1 / rank of the first relevant item in the top k (0 if none); hit rate = any
relevant item in the top k; catalogue coverage = distinct items recommended in some top k / catalogue size.

References
----------
Järvelin, Kekäläinen (2002). Cumulated gain-based evaluation of IR techniques. ACM TOIS 20(4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from abkit.errors import ColumnError, DataError, ParameterError
from abkit.metrics.lift import z_value
from abkit.results import Result
from abkit.stats.inference import check_confidence_level

__all__ = ["RankingMetrics", "ranking_metrics"]


@dataclass(frozen=True, eq=False)
class RankingMetrics(Result):
    """``table``: metric, value, se, ci_low, ci_high, n_users; ``per_user``: the per-user values."""

    table: pd.DataFrame
    per_user: pd.DataFrame
    k: int
    n_users: int
    n_skipped: int
    coverage: float


def _validate(frame: pd.DataFrame, user: str, item: str, rank: str, relevance: str) -> None:
    missing = [c for c in (user, item, rank, relevance) if c not in frame.columns]
    if missing:
        raise ColumnError(f"columns {missing} not found in the data; columns are: {', '.join(map(str, frame.columns))}")
    if frame[[user, item]].isna().any().any():
        raise DataError(f"columns {user!r} and {item!r} must not have missing values.")
    rel = frame[relevance].to_numpy(dtype=float)
    if np.isnan(rel).any() or (rel < 0).any():
        raise DataError(f"column {relevance!r} (relevance) must be >= 0 without missing values.")
    r = frame[rank].to_numpy(dtype=float)
    shown = ~np.isnan(r)
    if (r[shown] < 1).any() or (r[shown] != np.floor(r[shown])).any():
        raise DataError(f"column {rank!r} (rank) must hold integers >= 1 (missing for relevant items not shown).")
    if frame.duplicated([user, item]).any():
        raise DataError(f"(user, item) pairs must be unique; {int(frame.duplicated([user, item]).sum())} repeat.")
    if frame[shown].duplicated([user, rank]).any():
        raise DataError(
            f"each user's ranks must be distinct; {int(frame[shown].duplicated([user, rank]).sum())} repeat."
        )


def ranking_metrics(
    data: Any,
    *,
    k: int = 10,
    user: str = "user",
    item: str = "item",
    rank: str = "rank",
    relevance: str = "relevance",
    catalogue: int | None = None,
    confidence_level: float = 0.95,
) -> RankingMetrics:
    """Precision@k, recall@k, NDCG@k, MRR@k and hit rate@k with intervals over users, and catalogue coverage@k.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"user": [1, 1, 1, 2, 2, 2], "item": ["a", "b", "c", "a", "d", "e"],
    ...                    "rank": [1, 2, None, 1, 2, 3], "relevance": [0, 1, 1, 1, 0, 0]})
    >>> res = ranking_metrics(df, k=2)
    >>> res.table.set_index("metric")["value"].round(4).to_dict()
    {'precision@2': 0.5, 'recall@2': 0.75, 'ndcg@2': 0.6934, 'mrr@2': 0.75, 'hit_rate@2': 1.0}
    """
    owner = "ranking_metrics"
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise ParameterError(f"The 'k' parameter of {owner} must be an int >= 1. Got {k!r} instead.")
    cl = check_confidence_level(confidence_level, owner)
    from abkit.io import as_frame

    frame = as_frame(data)
    _validate(frame, user, item, rank, relevance)
    df = pd.DataFrame(
        {"user": frame[user].to_numpy(), "item": frame[item].to_numpy(),
         "rank": frame[rank].to_numpy(dtype=float), "rel": frame[relevance].to_numpy(dtype=float)}
    )  # fmt: skip
    top = df["rank"] <= k
    df["relevant"] = (df["rel"] > 0).astype(float)
    df["hit"] = df["relevant"] * top
    df["gain"] = np.where(top, df["rel"] / np.log2(df["rank"].fillna(1.0) + 1.0), 0.0)
    df["rr"] = np.where(top & (df["rel"] > 0), 1.0 / df["rank"].fillna(np.inf), 0.0)
    df["ideal_pos"] = df.groupby("user")["rel"].rank(method="first", ascending=False)
    df["ideal"] = np.where(df["ideal_pos"] <= k, df["rel"] / np.log2(df["ideal_pos"] + 1.0), 0.0)
    g = df.groupby("user", sort=True).agg(
        n_relevant=("relevant", "sum"), hits=("hit", "sum"), dcg=("gain", "sum"), idcg=("ideal", "sum"),
        rr=("rr", "max"),
    )  # fmt: skip
    used = g[g["n_relevant"] > 0]
    per_user = pd.DataFrame(
        {
            f"precision@{k}": used["hits"] / k,
            f"recall@{k}": used["hits"] / used["n_relevant"],
            f"ndcg@{k}": used["dcg"] / used["idcg"],
            f"mrr@{k}": used["rr"],
            f"hit_rate@{k}": (used["hits"] > 0).astype(float),
        }
    )
    n = len(per_user)
    if n < 2:
        raise DataError(f"{owner}: need at least 2 users with a relevant item; found {n}.")
    z = z_value(cl)
    rows = []
    for name in per_user.columns:
        v = per_user[name].to_numpy()
        mean, se = float(v.mean()), float(v.std(ddof=1) / math.sqrt(n))
        rows.append({"metric": name, "value": mean, "se": se, "ci_low": mean - z * se, "ci_high": mean + z * se,
                     "n_users": n})  # fmt: skip
    items = df["item"].nunique() if catalogue is None else catalogue
    if not isinstance(items, int | np.integer) or items < 1:
        raise ParameterError(f"The 'catalogue' parameter of {owner} must be an int >= 1. Got {catalogue!r} instead.")
    coverage = df.loc[top, "item"].nunique() / items
    return RankingMetrics(pd.DataFrame(rows), per_user.reset_index(), int(k), n, len(g) - n, float(coverage))
