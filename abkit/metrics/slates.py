"""Slates and top-K lists in long form (one row per slot): whole-slate, item-position and cascade weights.

Each row is one slot of a logged slate: ``slate_id``, ``position``, the slot's ``reward`` (a click), and the two
propensity columns, whose meaning depends on the weighting (as in the Open Bandit Pipeline's slate estimators):

- "slate": the probability of the whole slate under the logging and the candidate policy (the same on every row of
  a slate); the weight of every slot is the slate's ``W = pi(s) / pi0(s)`` (unbiased for any slate reward; heavy
  weights);
- "item_position": the marginal probability of the slot's item at its position; weights per slot (unbiased when the
  reward of a slot depends only on its item and position: the independence assumption);
- "cascade": the probability of the slate's first ``k`` items (the prefix up to the slot); weights per slot
  (unbiased when a slot's reward depends only on the items above it: the cascade assumption).

The slate's value is the expected sum of its slot rewards, ``E_slates[sum_k w_k r_k]``. Slates are the independent
units: the engine returns per-slate sums (grouped by ``slate_id``) and intervals use the variance across slates.
Variants: "ips" (plain), "capped_ips" (``min(w, cap)``), "snips" and "ncis" (normalised within each position:
``sum_k sum(w_k r_k) / sum(w_k)``).

References
----------
Swaminathan, Krishnamurthy, Agarwal, et al. (2017). Off-policy evaluation for slate recommendation. NeurIPS.
Li, Kim, Zitouni (2018). Offline evaluation of ranking policies with click models. KDD.
McInerney, Brost, Chandar, Mehrotra, Carterette (2020). Counterfactual evaluation of slate recommendations with
sequential reward interactions. KDD.
Saito, Aihara, Matsutani, Narita (2021). Open Bandit Dataset and Pipeline. NeurIPS Datasets and Benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines import MomentsRequest
from abkit.engines.expr import Expr, col
from abkit.errors import DataError, ParameterError
from abkit.metrics.delta import GroupMeans
from abkit.metrics.evaluate import OfflineResult
from abkit.metrics.lift import difference_columns, estimate_columns, z_value
from abkit.metrics.logs import LogColumns, check_logs, parse_candidates, run_moments
from abkit.metrics.terms import Terms
from abkit.metrics.weights import capped, check_cap
from abkit.stats.inference import check_confidence_level

__all__ = ["SLATE_ESTIMATORS", "WEIGHTINGS", "evaluate_slates"]

WEIGHTINGS = ("slate", "item_position", "cascade")
SLATE_ESTIMATORS = ("ips", "snips", "capped_ips", "ncis")
MAX_POSITIONS = 200


def _positions(logs: Any, cols: LogColumns, cands: list[Any]) -> tuple[list[float], dict[str, float]]:
    """The slot numbers (from the range of ``position``) and each candidate's largest weight, in one pass."""
    weights = {f"__w{i}": col(c.target_propensity) / col(cols.propensity) for i, c in enumerate(cands)}
    request = MomentsRequest(columns=(cols.position, *weights), derived=weights, pairs=(), extremes=True)
    m = run_moments(logs, request, {"position": cols.position}).reduce([])
    if m.missing[0, 0] or m.infinite[0, 0]:
        raise DataError(f"column {cols.position!r} (position) has missing or infinite values.")
    lo, hi = float(m.minimum[0, 0]), float(m.maximum[0, 0])
    if hi - lo + 1 > MAX_POSITIONS or lo != np.floor(lo):
        raise DataError(
            f"column {cols.position!r} (position) must hold integer slot numbers; found values from {lo:g} to {hi:g} "
            f"(at most {MAX_POSITIONS} positions)."
        )
    max_weight = {c.name: float(m.maximum[0, 1 + i]) for i, c in enumerate(cands)}
    return [float(k) for k in np.arange(lo, hi + 1)], max_weight


def _count(m: Any, name: str) -> np.ndarray:
    """Per-group totals of a term."""
    j = m.columns.index(name)
    return m.sums[:, j] + m.n * m.shift[j]


def evaluate_slates(
    logs: Any,
    *,
    weighting: str = "item_position",
    estimators: Sequence[str] = ("ips", "snips"),
    cap: float | None = None,
    candidates: Any = None,
    columns: LogColumns | dict[str, str] | None = None,
    confidence_level: float = 0.95,
) -> OfflineResult:
    """Estimate the expected slate reward of candidate slate policies from long-form slate logs.

    Parameters
    ----------
    logs : DataFrame or path
        One row per slot: ``slate_id``, ``position``, ``reward``, ``propensity``, ``target_propensity``.
    weighting : {"slate", "item_position", "cascade"}
        What the propensity columns hold (see the module docstring).
    estimators : subset of ("ips", "snips", "capped_ips", "ncis")
    cap : float > 0, needed by the capped estimators
    candidates, columns, confidence_level
        As in :func:`abkit.metrics.evaluate`.

    Returns
    -------
    OfflineResult
        ``table`` per candidate and estimator (value per slate, lift over the logged mean slate reward, ``n`` =
        slates) and ``diagnostics`` per candidate (weights over rows; intervals over slates).

    Examples
    --------
    >>> import pandas as pd
    >>> logs = pd.DataFrame({"slate_id": [1, 1, 2, 2], "position": [1, 2, 1, 2], "reward": [1.0, 0.0, 0.0, 1.0],
    ...                      "propensity": [0.5, 0.25, 0.5, 0.5], "target_propensity": [0.5, 0.5, 0.25, 0.5]})
    >>> round(evaluate_slates(logs, estimators=["ips"]).value("ips"), 4)  # (1 * 1 + 1 * 1) / 2 slates
    1.0
    """
    owner = "evaluate_slates"
    if weighting not in WEIGHTINGS:
        raise ParameterError(
            f"The 'weighting' parameter of {owner} must be one of {', '.join(map(repr, WEIGHTINGS))}. "
            f"Got {weighting!r} instead."
        )
    unknown = [e for e in estimators if e not in SLATE_ESTIMATORS]
    if isinstance(estimators, str) or unknown or not estimators:
        raise ParameterError(
            f"The 'estimators' parameter of {owner} must be a list among {', '.join(SLATE_ESTIMATORS)}. "
            f"Got {estimators!r} instead."
        )
    needs_cap = any(e in ("capped_ips", "ncis") for e in estimators)
    if cap is None and needs_cap:
        raise ParameterError(f"The 'cap' parameter of {owner} must be a float > 0 for capped estimators. Got None.")
    cap = check_cap(cap, owner) if cap is not None else None
    cl = check_confidence_level(confidence_level, owner)
    cols = LogColumns.of(columns, owner)
    cands = parse_candidates(candidates, cols, owner)
    positions, max_weight = _positions(logs, cols, cands)

    terms = Terms()
    r, p, pos = col(cols.reward), col(cols.propensity), col(cols.position)
    reward, rows = terms.add(r), terms.add(r * 0.0 + 1.0)
    slots = [terms.add(pos.eq(k)) for k in positions]
    bad = [terms.add(p.le(0.0) + p.gt(1.0))]
    constant: list[tuple[str, str, str]] = []
    programs: dict[tuple[str, str], tuple[Any, str]] = {}
    weight_terms: dict[str, tuple[str, str, str | None]] = {}
    for cand in cands:
        t = col(cand.target_propensity)
        bad.append(terms.add(t.lt(0.0) + t.gt(1.0)))
        if weighting == "slate":
            for c in (cols.propensity, cand.target_propensity):
                constant.append((c, terms.add(col(c)), terms.add(col(c) * col(c))))
        w = t / p
        wc = capped(w, cap, "max") if cap is not None else None
        weight_terms[cand.name] = (terms.add(w), terms.add(w * w), terms.add(w.gt(cap)) if cap is not None else None)
        for est in estimators:
            programs[(cand.name, est)] = _program(est, w, wc, r, pos, positions, terms, cap)
    source = {"reward": cols.reward, "propensity": cols.propensity, "slate_id": cols.slate_id,
              "position": cols.position}  # fmt: skip
    source.update({f"target_propensity of {c.name!r}": c.target_propensity for c in cands})
    request = MomentsRequest(columns=tuple(terms.exprs), by=(cols.slate_id,), derived=dict(terms.exprs), pairs=())
    m = run_moments(logs, request, source)
    if m.missing.any() or m.infinite.any() or any(_count(m, b).sum() for b in bad):
        targets = [k for k in source if k.startswith("target_propensity")]
        check_logs(logs, {k: v for k, v in source.items() if k != "slate_id"}, targets=targets, owner=owner)
        raise DataError("the slate weights are not finite on some rows although every input column is.")
    _check_slates(m, slots, rows, constant, cols)

    gm = GroupMeans.from_clusters(m, cols.slate_id)
    duals = gm.duals()
    z = z_value(cl)
    logged = duals[reward]
    frames = []
    for cand in cands:
        for est in estimators:
            fn, method = programs[(cand.name, est)]
            d = fn(duals)
            rec: dict[str, Any] = {"candidate": cand.name, "estimator": est}
            rec.update(estimate_columns(d, gm, z))
            rec["logged"] = logged.value
            rec.update(difference_columns(d, logged, gm, z, "lift"))
            rec.update(bias_bound=np.nan, method=f"{weighting} weights: {method}", n=gm.n.astype(np.int64))
            frames.append(pd.DataFrame(rec, index=[0]))
    diag = _diagnostics(gm, cands, weight_terms, rows, m, max_weight, z)
    return OfflineResult(
        table=pd.concat(frames, ignore_index=True),
        diagnostics=diag,
        cap_sensitivity=pd.DataFrame(),
        comparisons=pd.DataFrame(),
        n=int(gm.n[0]),
        cap=cap,
        confidence_level=cl,
    )


def _program(
    est: str, w: Expr, wc: Expr | None, r: Expr, pos: Expr, positions: list[float], terms: Terms, cap: float | None
) -> tuple[Any, str]:
    weight = wc if est in ("capped_ips", "ncis") else w
    assert weight is not None
    if est in ("ips", "capped_ips"):
        total = terms.add(weight * r)
        label = "sum_k w_k r_k" if est == "ips" else f"sum_k min(w_k, {cap:g}) r_k"
        return (lambda m: m[total]), label + " per slate; CLT over slates"
    parts = [(terms.add(pos.eq(k) * weight * r), terms.add(pos.eq(k) * weight)) for k in positions]

    def value(m: Any) -> Any:
        out: Any = 0.0
        for num, den in parts:
            out = out + m[num] / m[den]
        return out

    label = "sum_k sum(w_k r_k) / sum(w_k)" if est == "snips" else f"normalised capped (cap {cap:g})"
    return value, label + " per position; delta over slates"


def _scalar(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _slates(k: int) -> str:
    return f"{int(k)} slate has" if k == 1 else f"{int(k)} slates have"


def _check_slates(m: Any, slots: list[str], rows: str, constant: list[tuple[str, str, str]], cols: LogColumns) -> None:
    n_rows = _count(m, rows)
    per_slot = np.column_stack([_count(m, s) for s in slots])
    dup = (per_slot > 1.5).any(axis=1)
    if dup.any():
        example = _scalar(m.keys[cols.slate_id].to_numpy()[dup][0])
        raise DataError(
            f"slates with inconsistent ids: {_slates(dup.sum())} a position twice (e.g. {cols.slate_id!r} = "
            f"{example!r}); each slate needs one row per position. Check that {cols.slate_id!r} is unique per slate."
        )
    unmatched = np.abs(per_slot.sum(axis=1) - n_rows) > 0.5
    if unmatched.any():
        raise DataError(f"column {cols.position!r} (position) must hold integer slot numbers.")
    for column, s1, s2 in constant:
        total, squares = _count(m, s1), _count(m, s2)
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = squares - total**2 / n_rows
        varying = spread > 1e-9 * np.maximum(squares, 1e-300)
        if varying.any():
            example = _scalar(m.keys[cols.slate_id].to_numpy()[varying][0])
            raise DataError(
                f"slates with inconsistent ids: column {column!r} holds a slate-level propensity but varies within "
                f"{int(varying.sum())} slate(s) (e.g. {cols.slate_id!r} = {example!r}). With weighting='slate' every "
                "row of a slate carries the slate's probability; use weighting='item_position' or 'cascade' for "
                "per-slot propensities."
            )


def _diagnostics(
    gm: GroupMeans, cands: list[Any], weight_terms: dict[str, tuple[str, str, str | None]], rows: str, m: Any,
    max_weight: dict[str, float], z: float,
) -> pd.DataFrame:  # fmt: skip
    duals = gm.duals()
    out = []
    for cand in cands:
        w, w2, gt = weight_terms[cand.name]
        mean_w = duals[w] / duals[rows]  # mean weight per row, interval over slates
        cols = estimate_columns(mean_w, gm, z, "mean_weight")
        sw, sw2 = _count(m, w).sum(), _count(m, w2).sum()
        rec: dict[str, Any] = {"candidate": cand.name, "n": int(gm.n[0]), "rows": int(_count(m, rows).sum())}
        rec["ess"] = sw**2 / sw2 if sw2 > 0 else np.nan
        rec.update({k: float(v[0]) for k, v in cols.items()})
        rec["max_weight"] = max_weight[cand.name]
        rec["share_capped"] = float(_count(m, gt).sum() / rec["rows"]) if gt is not None else np.nan
        rec["mass_capped"] = rec["bias_bound"] = np.nan
        rec["support_ok"] = rec["mean_weight_ci_low"] <= 1.0 <= rec["mean_weight_ci_high"]
        out.append(rec)
    return pd.DataFrame(out)
