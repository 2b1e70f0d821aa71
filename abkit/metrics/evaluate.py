"""``evaluate``: every estimator, lift, diagnostic and cap sensitivity of one or more candidates, from moments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines import MomentsRequest
from abkit.engines.moments import Moments
from abkit.errors import DataError, ParameterError
from abkit.metrics.bootstrap import bucket_replicates
from abkit.metrics.delta import GroupMeans
from abkit.metrics.diagnostics import QUANTILES, cap_sensitivity, default_cap_grid, diagnostics_table, weight_quantiles
from abkit.metrics.estimators import EstimatorSpec, get_estimator
from abkit.metrics.logs import Candidate, LogColumns, check_logs, parse_candidates, run_moments
from abkit.metrics.ncis import PieceNCIS, PointNCIS, uncapped_fraction
from abkit.metrics.plan import Plan, make_plan
from abkit.metrics.terms import Estimator
from abkit.metrics.weights import check_cap
from abkit.results import Result
from abkit.stats.inference import check_confidence_level

__all__ = ["OfflineResult", "evaluate"]

_SHOWN = ["candidate", "estimator", "value", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high", "call"]
_SHOWN_DIAG = ["candidate", "n", "ess", "mean_weight", "mean_weight_ci_low", "mean_weight_ci_high", "max_weight",
               "share_capped", "mass_capped", "bias_bound"]  # fmt: skip


@dataclass(frozen=True, eq=False)
class OfflineResult(Result):
    """The offline evaluation of one or more candidate policies on logged data.

    Attributes
    ----------
    table : DataFrame
        One row per candidate and estimator: ``value, se, ci_low, ci_high``, the logged (production) value, the lift
        ``value - logged`` with its paired interval (``lift_se, lift_ci_low, lift_ci_high``), the relative lift
        (``rel_lift ...``), the call ("positive", "neutral", "negative"), ``bias_bound`` (capped IPS), ``method``,
        ``n`` and, with a bootstrap, ``boot_se, boot_ci_low, boot_ci_high, boot_lift_ci_low, boot_lift_ci_high``.
    diagnostics : DataFrame
        One row per candidate: effective sample size, mean weight with its interval (``support_ok`` when it covers
        1), min/max/quantiles of the weights, shares capped and the capped-IS bias bound at ``cap``.
    cap_sensitivity : DataFrame
        Capped IPS and NCIS with intervals, shares capped and bias bound over a grid of caps.
    comparisons : DataFrame
        Candidates against each other (``treatment - control``, later minus earlier), per estimator.
    notes : tuple of str
        Warnings about the logs (weights, support) in words, for reports.
    """

    table: pd.DataFrame
    diagnostics: pd.DataFrame
    cap_sensitivity: pd.DataFrame
    comparisons: pd.DataFrame
    n: int
    cap: float | None
    confidence_level: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """The offline report (diagnostics first, then the estimators); written to ``path`` when given."""
        from abkit.reports.offline import offline_report  # reports sit above metrics: imported only when asked

        return offline_report(self, path=path, **kwargs)

    def plot(self) -> Any:
        """A forest plot of the relative lifts (matplotlib Figure)."""
        from abkit.reports.figures import offline_figure

        return offline_figure(self)

    def _repr_html_(self) -> str:
        from abkit.reports.offline import offline_fragment

        return str(offline_fragment(self))

    def value(self, estimator: str, candidate: str | None = None) -> float:
        """The value of ``estimator`` for ``candidate`` (the only one by default)."""
        t = self.table[self.table["estimator"] == estimator]
        if candidate is not None:
            t = t[t["candidate"] == candidate]
        if len(t) != 1:
            raise ParameterError(
                f"no single row for estimator={estimator!r}, candidate={candidate!r}; estimators: "
                f"{sorted(set(self.table['estimator']))}, candidates: {sorted(set(self.table['candidate']))}."
            )
        return float(t["value"].iloc[0])

    def __str__(self) -> str:
        with pd.option_context("display.width", 200, "display.max_columns", 50, "display.precision", 4):
            parts = [
                f"OfflineResult (n={self.n}, cap={self.cap}, confidence_level={self.confidence_level})",
                self.table[_SHOWN].to_string(index=False),
                "diagnostics",
                self.diagnostics[_SHOWN_DIAG].to_string(index=False),
            ]
            if len(self.comparisons):
                cols = ["estimator", "control", "treatment", "effect", "effect_ci_low", "effect_ci_high", "call"]
                parts += ["candidates compared", self.comparisons[cols].to_string(index=False)]
        parts += [f"note: {n}" for n in self.notes]
        return "\n".join(parts)


def _default_estimators(logs: Any, cap: float | None, columns: LogColumns) -> list[str]:
    names = ["ips", "snips"]
    if cap is not None:
        names += ["capped_ips", "ncis"]
    if isinstance(logs, pd.DataFrame) and {columns.q_hat, columns.v_hat} <= set(logs.columns):
        names += ["dr"]
    return names


def _role_columns(plan: Plan, columns: LogColumns, request: MomentsRequest) -> dict[str, str]:
    used = set(request.source_columns())
    roles = {"reward": columns.reward, "propensity": columns.propensity}
    for cand in plan.candidates:
        roles[f"target_propensity of {cand.name!r}"] = cand.target_propensity
        if cand.v_hat:
            roles[f"v_hat of {cand.name!r}"] = cand.v_hat
        if cand.normaliser:
            roles[f"normaliser of {cand.name!r}"] = cand.normaliser
    roles.update(q_hat=columns.q_hat, context_value=columns.context_value)
    return {r: c for r, c in roles.items() if c in used}


def _validate(logs: Any, moments: Moments, plan: Plan, roles: dict[str, str]) -> None:
    m = moments.reduce([])
    bad = [m.sums[0, m.columns.index(t)] + m.n[0] * m.shift[m.columns.index(t)] for t in plan.bad.values()]
    if not (m.missing.any() or m.infinite.any() or any(round(b) for b in bad)):
        return
    targets = [r for r in roles if r.startswith("target_propensity")]
    check_logs(logs, roles, probabilities=("propensity",), targets=targets)
    incomplete = int(m.rows[0] - m.n[0])
    raise DataError(
        f"the importance weights or estimator terms are not finite on {incomplete} rows although every input column is "
        "(propensities too small for floating point?); check the propensity column."
    )


def _context_range(logs: Any, columns: LogColumns, engine: str | None) -> tuple[float, float]:
    request = MomentsRequest(columns=(columns.context_value,), extremes=True)
    m = run_moments(logs, request, {"context_value": columns.context_value}, engine).reduce([])
    if m.missing.any() or m.infinite.any():
        raise DataError(f"column {columns.context_value!r} (context_value) has missing or infinite values.")
    return float(m.minimum[0, 0]), float(m.maximum[0, 0])


def _point_ncis_samplers(
    logs: Any, ests: list[Estimator], cands: list[Candidate], cap: float | None, rng: int
) -> tuple[Any, list[Estimator]]:
    out = []
    for k, est in enumerate(ests):
        if isinstance(est, PointNCIS) and est.sampler is not None:
            if not isinstance(logs, pd.DataFrame) or len(cands) != 1:
                raise ParameterError(
                    "PointNCIS with a sampler reads rows: pass the logs as a pandas DataFrame and one candidate "
                    "(or give the normalisers as a column with PointNCIS(normaliser='column'))."
                )
            c = est.cap if est.cap is not None else cap
            if c is None:
                raise ParameterError("The 'cap' parameter of evaluate must be a float > 0 for 'point_ncis'. Got None.")
            weights = est.sampler(logs, np.random.default_rng(rng))
            name = f"__point_ncis_normaliser_{k}"
            logs = logs.assign(**{name: uncapped_fraction(weights, c, est.capping)})
            est = replace(est, sampler=None, normaliser=name, cap=c)
        out.append(est)
    return logs, out


def evaluate(
    logs: Any,
    *,
    estimators: Sequence[EstimatorSpec] | None = None,
    cap: float | None = None,
    candidates: Any = None,
    columns: LogColumns | dict[str, str] | None = None,
    confidence_level: float = 0.95,
    reward_max: float | None = None,
    cap_grid: Sequence[float] | str | None = "auto",
    bootstrap: int | None = None,
    unit: str | None = None,
    buckets: int = 1000,
    rng: int = 0,
    engine: str | None = None,
) -> OfflineResult:
    """Estimate the value of candidate policies from logged data, with intervals, lift over production, diagnostics.

    Parameters
    ----------
    logs : DataFrame or path
        Long, tidy logs (see :mod:`abkit.metrics.logs`): ``reward``, ``propensity``, ``target_propensity`` and,
        for some estimators, ``q_hat``, ``v_hat``, ``context_value``.
    estimators : list of str or estimator objects, or a comma-separated string, optional
        Names from :data:`abkit.metrics.ESTIMATORS`, ``(name, params)`` pairs, or objects such as
        ``PieceNCIS(groups=5)``. Default: ips, snips, plus capped_ips and ncis when ``cap`` is given, plus dr when a
        DataFrame has ``q_hat`` and ``v_hat``.
    cap : float > 0, optional
        The weight cap of the capped estimators (and of the diagnostics); each estimator may set its own.
    candidates : column name, list of column names, or dict name -> column or dict, optional
        Several candidates at once; default one candidate named "candidate" with ``target_propensity``.
    columns : dict role -> column name, optional
        Column names when they differ from the role names.
    confidence_level : float in (0, 1)
    reward_max : float, optional
        A known bound: rewards lie in ``[0, reward_max]`` (checked); used by the capped-IS bias bound. Default: the
        largest absolute reward observed.
    cap_grid : "auto", list of caps, or None
        Caps of the sensitivity table ("auto": log-spaced from 1 to the largest weight, and ``cap``); None skips it
        (it costs one more pass over the logs).
    bootstrap : int, optional
        Replicates of a bootstrap over ``buckets`` hash buckets of ``unit`` (needs the engine's bucket support); adds
        ``boot_*`` columns to the table.
    unit, buckets, rng
        The bootstrap's unit column, number of buckets and seed.
    engine : str, optional
        Run on this engine (for example "duckdb" for a pandas frame); default: the data's own.

    Returns
    -------
    OfflineResult

    Examples
    --------
    >>> import abkit.metrics as am
    >>> logs = am.make_bandit_logs(20_000, seed=1)
    >>> off = am.evaluate(logs, estimators=["ips", "snips", "ncis", "dr"], cap=20, cap_grid=None)
    >>> list(off.table["estimator"])
    ['ips', 'snips', 'ncis', 'dr']
    >>> bool(abs(off.value("dr") - logs.attrs["true_value"]) < 0.02)
    True
    """
    owner = "evaluate"
    cap = check_cap(cap, owner) if cap is not None else None
    cl = check_confidence_level(confidence_level, owner)
    if reward_max is not None:
        reward_max = check_cap(reward_max, owner, "reward_max")
    cols = LogColumns.of(columns, owner)
    cands = parse_candidates(candidates, cols, owner)
    if isinstance(estimators, str):
        estimators = [s.strip() for s in estimators.split(",") if s.strip()]
    specs = _default_estimators(logs, cap, cols) if estimators is None else list(estimators)
    if not specs:
        raise ParameterError(f"The 'estimators' parameter of {owner} must be a non-empty list. Got {estimators!r}.")
    ests = [get_estimator(s) for s in specs]
    logs, ests = _point_ncis_samplers(logs, ests, cands, cap, rng)
    need_range = any(isinstance(e, PieceNCIS) and e.cuts is None for e in ests)
    context_range = _context_range(logs, cols, engine) if need_range else None
    plan = make_plan(cands, ests, cols, cap=cap, context_range=context_range)
    request = plan.request(buckets=buckets, unit=unit, seed=rng) if bootstrap else plan.request()
    if bootstrap and unit is None:
        raise ParameterError("The 'unit' parameter of evaluate must name the unit-id column when bootstrap is set.")
    roles = _role_columns(plan, cols, request)
    moments = run_moments(logs, request, roles, engine)
    _validate(logs, moments, plan, roles)
    point = moments.reduce([]) if bootstrap else moments
    gm = GroupMeans.from_moments(point)
    bound = _reward_bound(gm, plan, reward_max, cols)
    plan.run_checks(gm)
    boot = bucket_replicates(moments, int(bootstrap), rng=rng) if bootstrap else None
    table = plan.estimates(gm, confidence_level=cl, boot=boot, reward_bound=bound)
    quantiles = {c.name: weight_quantiles(logs, cols, c, QUANTILES) for c in cands}
    diag = diagnostics_table(plan, gm, confidence_level=cl, reward_bound=bound, quantiles=quantiles)
    comparisons = plan.comparisons(gm, confidence_level=cl) if len(cands) > 1 else pd.DataFrame()
    if isinstance(cap_grid, str):
        if cap_grid != "auto":
            msg = f"The 'cap_grid' parameter of {owner} must be 'auto', a list or None. Got {cap_grid!r} instead."
            raise ParameterError(msg)
        caps = default_cap_grid(float(np.nanmax(diag["max_weight"])), cap)
    else:
        caps = tuple(check_cap(c, owner, "cap_grid") for c in (cap_grid or ()))
    sens = (
        cap_sensitivity(logs, cands, cols, caps, confidence_level=cl, reward_bound=bound, engine=engine)
        if caps
        else pd.DataFrame()
    )
    return OfflineResult(
        table=table,
        diagnostics=diag,
        cap_sensitivity=sens,
        comparisons=comparisons,
        n=int(gm.n[0]),
        cap=cap,
        confidence_level=cl,
        notes=tuple(_notes(diag)),
    )


def _reward_bound(gm: GroupMeans, plan: Plan, reward_max: float | None, cols: LogColumns) -> float:
    j = gm.index(plan.reward)
    lo, hi = float(gm.minimum[0, j]), float(gm.maximum[0, j])
    if reward_max is None:
        return max(abs(lo), abs(hi))
    if lo < 0 or hi > reward_max:
        raise DataError(
            f"column {cols.reward!r} (reward) must lie in [0, reward_max={reward_max:g}] for the capped-IS bias bound; "
            f"found rewards in [{lo:g}, {hi:g}]. Shift the rewards to be non-negative or raise reward_max."
        )
    return reward_max


def _notes(diag: pd.DataFrame) -> list[str]:
    notes = []
    for row in diag.to_dict(orient="records"):
        if not row["support_ok"]:
            notes.append(
                f"{row['candidate']}: the mean importance weight is {row['mean_weight']:.3g} (interval "
                f"[{row['mean_weight_ci_low']:.3g}, {row['mean_weight_ci_high']:.3g}]), not 1: the propensities may "
                "be wrong or the logging policy may not cover the candidate's actions."
            )
        if float(row["ess"]) < 0.01 * float(row["n"]):
            notes.append(
                f"{row['candidate']}: the effective sample size is {row['ess']:.3g} of {row['n']} rows; the uncapped "
                "estimates rest on few rows (consider capped or normalised estimators)."
            )
    return notes
