"""How far the logs can be trusted: importance-weight diagnostics and the cap sensitivity table.

Per candidate, from the moments of ``w = target_propensity / propensity``:

- effective sample size ``(sum w)^2 / sum w^2`` (Kong 1992), and its share of the rows;
- mean weight with its CLT interval: it estimates ``E_pi0[w]``, which is 1 when the logging policy covers the
  candidate's support and the propensities are right; an interval that excludes 1 points at wrong propensities or
  missing support;
- minimum and maximum weight (from the engine's extremes) and quantiles (row-level: computed only for logs given as
  a pandas DataFrame, ``nan`` otherwise);
- share of rows whose weight exceeds the cap, and share of the weight mass removed by max-capping;
- the worst-case bias of max-capped IPS, ``B * mean((w - cap)+)`` for rewards bounded by ``B`` in absolute value
  (Bottou et al. 2013, section 4.4: with rewards in ``[0, B]`` the capped estimate is low by at most that much).

The cap sensitivity table repeats capped IPS and NCIS, with intervals, the capped shares and the bias bound over a
grid of caps, in one extra pass.

References
----------
Kong (1992). A note on importance sampling using standardized weights. Technical report 348, University of Chicago.
Bottou, Peters, Quiñonero-Candela, et al. (2013). Counterfactual reasoning and learning systems. JMLR 14.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines.expr import col
from abkit.metrics.delta import GroupMeans
from abkit.metrics.ips import CappedIPS
from abkit.metrics.lift import estimate_columns, z_value
from abkit.metrics.logs import Candidate, LogColumns, run_moments
from abkit.metrics.ncis import NCIS
from abkit.metrics.plan import Plan
from abkit.metrics.terms import Roles, Terms
from abkit.metrics.weights import capped, capped_share

__all__ = [
    "QUANTILES",
    "cap_sensitivity",
    "default_cap_grid",
    "diagnostics_table",
    "weight_histogram",
    "weight_quantiles",
]

QUANTILES = (0.5, 0.9, 0.99)


def weight_quantiles(logs: Any, columns: LogColumns, candidate: Candidate, probs: Sequence[float]) -> np.ndarray:
    """Quantiles of the importance weights (row-level: only for a pandas DataFrame; ``nan`` otherwise)."""
    if not isinstance(logs, pd.DataFrame):
        return np.full(len(probs), np.nan)
    p = logs[columns.propensity].to_numpy(dtype=float)
    t = logs[candidate.target_propensity].to_numpy(dtype=float)
    return np.quantile(t / p, list(probs))


def diagnostics_table(
    plan: Plan,
    gm: GroupMeans,
    *,
    confidence_level: float = 0.95,
    reward_bound: float | None = None,
    quantiles: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per group and candidate: weight diagnostics at the plan's cap."""
    z = z_value(confidence_level)
    duals = gm.duals()
    frames = []
    for cand in plan.candidates:
        j = gm.index(plan.weight[cand.name])
        m, v, n = gm.mean[:, j], gm.cov[:, j, j], gm.n
        cols: dict[str, Any] = {k: gm.keys[k].to_numpy() for k in gm.keys.columns}
        cols["candidate"] = cand.name
        cols["n"] = n.astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            sum_w2 = (n - 1.0) * v + n * m**2
            cols["ess"] = (n * m) ** 2 / sum_w2
            cols["ess_share"] = cols["ess"] / n
        mw = estimate_columns(duals[plan.weight[cand.name]], gm, z, "mean_weight")
        cols.update(mw)
        cols["min_weight"], cols["max_weight"] = gm.minimum[:, j], gm.maximum[:, j]
        q = (quantiles or {}).get(cand.name, np.full(len(QUANTILES), np.nan))
        for p, value in zip(QUANTILES, q, strict=True):
            cols[f"q{round(p * 100):d}_weight"] = value
        cols["cap"] = plan.cap if plan.cap is not None else np.nan
        if plan.cap is not None:
            wc = gm.mean[:, gm.index(plan.capped_weight[cand.name])]
            cols["share_capped"] = gm.mean[:, gm.index(plan.capped_rows[cand.name])]
            with np.errstate(divide="ignore", invalid="ignore"):
                cols["mass_capped"] = 1.0 - wc / m
            cols["bias_bound"] = reward_bound * (m - wc) if reward_bound is not None else np.nan
        else:
            cols["share_capped"] = cols["mass_capped"] = cols["bias_bound"] = np.nan
        cols["support_ok"] = (mw["mean_weight_ci_low"] <= 1.0) & (mw["mean_weight_ci_high"] >= 1.0)
        frames.append(pd.DataFrame(cols, index=range(len(gm))))
    return pd.concat(frames, ignore_index=True)


def default_cap_grid(max_weight: float, cap: float | None, points: int = 7) -> tuple[float, ...]:
    """Log-spaced caps from 1 to the largest weight, plus ``cap``.

    Examples
    --------
    >>> default_cap_grid(100.0, 20.0, points=3)
    (1.0, 10.0, 20.0, 100.0)
    """
    top = max(float(max_weight), 1.0) if np.isfinite(max_weight) else 1.0
    grid = {float(f"{x:.4g}") for x in np.geomspace(1.0, top, points)} if top > 1 else {1.0}
    if cap is not None and np.isfinite(cap):
        grid.add(float(cap))
    return tuple(sorted(grid))


def cap_sensitivity(
    logs: Any,
    candidates: Sequence[Candidate],
    columns: LogColumns,
    caps: Sequence[float],
    *,
    confidence_level: float = 0.95,
    reward_bound: float | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Capped IPS and NCIS with intervals, capped shares and the bias bound over ``caps`` (one pass)."""
    terms = Terms()
    reward = col(columns.reward)
    rows = []
    for cand in candidates:
        roles = Roles(reward=reward, propensity=col(columns.propensity), target=col(cand.target_propensity))
        w = terms.add(roles.w)
        for c in caps:
            ips = CappedIPS(cap=c).build(roles, terms)
            ncis = NCIS(cap=c).build(roles, terms)
            wc, gt = terms.add(capped(roles.w, c, "max")), terms.add(capped_share(roles.w, c))
            rows.append((cand.name, c, ips, ncis, w, wc, gt))
    from abkit.engines import MomentsRequest

    request = MomentsRequest(columns=tuple(terms.exprs), derived=dict(terms.exprs))
    gm = GroupMeans.from_moments(run_moments(logs, request, None, engine).reduce([]))
    duals = gm.duals()
    z = z_value(confidence_level)
    out = []
    for name, c, ips, ncis, w, wc, gt in rows:
        rec: dict[str, Any] = {"candidate": name, "cap": c}
        a = estimate_columns(ips.value(duals), gm, z, "capped_ips")
        b = estimate_columns(ncis.value(duals), gm, z, "ncis")
        rec.update({k: float(v[0]) for k, v in {**a, **b}.items()})
        mw, mc = gm.mean[0, gm.index(w)], gm.mean[0, gm.index(wc)]
        rec["share_capped"] = float(gm.mean[0, gm.index(gt)])
        rec["mass_capped"] = float(1.0 - mc / mw) if mw else np.nan
        rec["bias_bound"] = float(reward_bound * (mw - mc)) if reward_bound is not None else np.nan
        out.append(rec)
    return pd.DataFrame(out)


def weight_histogram(
    logs: Any,
    *,
    min_weight: float,
    max_weight: float,
    columns: LogColumns | None = None,
    candidate: Candidate | None = None,
    bins: int = 24,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Counts of importance weights in log-spaced bins between ``min_weight`` and ``max_weight``, in one pass.

    Each bin's count is the sum of the indicator ``edge_i <= w < edge_(i+1)`` (the first bin also takes positive
    weights below its left edge, the last every weight above its left edge), so every engine computes it. Weights
    of exactly 0 (the candidate never shows the logged action) are counted apart. Returns ``(edges, counts,
    zeros)``.
    """
    from abkit.engines import MomentsRequest

    cols = columns or LogColumns()
    cand = candidate or Candidate("candidate", cols.target_propensity)
    w = col(cand.target_propensity) / col(cols.propensity)
    low = max(float(min_weight), 1e-6) if min_weight > 0 else max(float(max_weight) * 1e-6, 1e-6)
    high = max(float(max_weight), low * (1 + 1e-9))
    edges = np.logspace(np.log10(low), np.log10(high), bins + 1)
    derived = {"_zero": w.eq(0.0)}
    for i in range(bins):
        upper = w.lt(float(edges[i + 1])) if i < bins - 1 else w.ge(0.0)  # the last bin is open on the right
        lower = w.gt(0.0) if i == 0 else w.ge(float(edges[i]))  # the first bin takes every positive weight below
        derived[f"_bin{i}"] = lower * upper
    names = tuple(derived)
    request = MomentsRequest(columns=names, derived=derived, pairs=())
    m = run_moments(logs, request)
    s = m.summary(0)
    counts = np.rint(s.mean[1:] * s.n).astype(np.int64)
    zeros = round(float(s.mean[0]) * s.n)
    return edges, counts, zeros
