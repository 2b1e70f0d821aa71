"""``ab.monitor``: a running test looked at every day, without inflating false positives.

Per-day moments come from the engine in one pass (arm x day), are accumulated day by day, and each day's cumulative
comparison (any metric: Mean, Proportion, Ratio, CUPED) gives an effect and its standard error. Those go to
:func:`abkit.stats.monitoring.monitor_looks` with a group-sequential design (alpha spent at the information reached,
``n / planned_n``) or an always-valid test (mixture SPRT and confidence sequence).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines import compute_moments
from abkit.errors import DataError, DegenerateDataWarning, ParameterError
from abkit.results import Result
from abkit.stats.always_valid import AlwaysValid, mixture_tau
from abkit.stats.columns import plan_columns
from abkit.stats.compare import compare_arms
from abkit.stats.metrics import Metric
from abkit.stats.monitoring import MonitorResult, monitor_looks
from abkit.stats.sequential import GroupSequential

__all__ = ["Monitoring", "monitor"]

_SEVERITY = {"stop-harm": 3, "stop-efficacy": 2, "stop-futility": 1, "continue": 0}


@dataclass(frozen=True)
class Monitoring(Result):
    """Day-by-day monitoring of every (metric, treatment arm).

    ``recommendation`` combines the series: "stop-harm" when any says so, else "stop-efficacy" when any primary
    metric crossed its efficacy boundary, else "stop-futility" when all did, else "continue".
    """

    series: tuple[MonitorResult, ...]
    metrics: tuple[str, ...]
    variants: tuple[str, ...]
    method: str
    time: str
    period: str
    recommendation: str
    n: tuple[np.ndarray, ...]

    @property
    def table(self) -> pd.DataFrame:
        """One row per (metric, arm, look): the monitoring table with the metric, the arm and the units so far."""
        parts = []
        for res, metric, arm, n in zip(self.series, self.metrics, self.variants, self.n, strict=True):
            t = res.table
            t.insert(0, "variant", arm)
            t.insert(0, "metric", metric)
            t.insert(3, "n", n)
            parts.append(t)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """A self-contained monitoring page (charts with boundaries, last look); written to ``path`` when given."""
        from abkit.reports.timeline import monitoring_report

        return monitoring_report(self, path=path, **kwargs)

    def plot(self) -> Any:
        """The cumulative effects with their boundaries (matplotlib Figure)."""
        from abkit.reports.figures import monitoring_figure

        return monitoring_figure(self)

    def _repr_html_(self) -> str:
        from abkit.reports.timeline import monitoring_fragment

        return str(monitoring_fragment(self))

    def __str__(self) -> str:
        cols = ["metric", "variant", "label", "n", "effect", "ci_low", "ci_high", "z", "upper", "recommendation"]
        with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
            body = self.table[cols].to_string(index=False)
        return f"{self.method}, {self.period}: {self.recommendation}\n{body}"


def _design(spec: Any, alpha: float) -> GroupSequential | AlwaysValid | dict[str, Any]:
    if isinstance(spec, GroupSequential | AlwaysValid):
        return spec
    if spec is None or spec == "always-valid":
        return {"method": "always-valid"}
    if not isinstance(spec, Mapping):
        raise ParameterError(
            "The 'design' parameter of monitor must be ab.GroupSequential(...), an always-valid spec, "
            f"'always-valid', or a protocol's [sequential] table. Got {spec!r}."
        )
    opts = dict(spec)
    method = opts.pop("method", "group-sequential")
    if method == "always-valid":
        return {"method": "always-valid", **opts}
    allowed = {"looks", "information", "sides", "boundary", "spending", "gamma", "rho", "futility", "beta", "alpha"}
    unknown = sorted(set(opts) - allowed)
    if unknown:
        raise ParameterError(f"unknown keys in the sequential plan: {unknown}; allowed: {sorted(allowed)}.")
    opts.setdefault("alpha", alpha)
    if isinstance(opts.get("futility"), bool):  # the protocol's `futility = true`: the efficacy spending's family
        opts["futility"] = opts.get("spending", "obrien-fleming") if opts["futility"] else None
    return GroupSequential(**opts)


def monitor(
    data: Any,
    protocol: Any = None,
    *,
    metrics: Sequence[Metric] | Metric | None = None,
    time: str = "date",
    variant: str = "variant",
    control: str = "control",
    design: Any = None,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    planned_n: float | None = None,
    mde: float | None = None,
    relative_mde: bool = True,
    allow_gaps: bool = False,
    missing: str = "raise",
) -> Monitoring:
    """Cumulative effects, boundaries (or confidence sequences) and a recommendation for every day of a test.

    Parameters
    ----------
    data : DataFrame, path, DuckDB relation or Spark DataFrame
        One row per unit with the day it entered the test in ``time``.
    protocol : ab.Protocol, optional
        Gives the primary metrics, arms, alpha, the ``[sequential]`` plan and the planned units.
    metrics : list of metrics
        When no protocol is given.
    time : str
        The date column; its distinct values are the looks (one per day).
    design : ab.GroupSequential, ab.stats.AlwaysValid or "always-valid"
        A group-sequential design is evaluated at the information reached each day, ``n / planned_n`` with ``n`` the
        units of the two arms compared (Lan-DeMets spending; without ``planned_n`` the last day is taken as the final
        analysis). "always-valid" (the default without a protocol) uses the mixture SPRT with ``tau`` chosen for the
        MDE (:func:`abkit.stats.always_valid.mixture_tau`), valid however often one looks.
    planned_n : float, optional
        Planned units per arm (the protocol's ``[plan] units_per_arm`` when a protocol is given).
    mde : float, optional
        The MDE the always-valid test is tuned to (relative to control when ``relative_mde``); from the protocol's
        ``[analysis] mde`` otherwise.
    allow_gaps : bool
        Days without any unit raise a DataError unless this is True.
    missing : {"raise", "drop"}
        NaN/inf in a monitored column raise a DataError naming the column, the arm and the count; "drop" leaves
        those rows out of every look (as ``ab.analyze(missing="drop")``).

    Returns
    -------
    Monitoring
    """
    name_guardrails: list[Metric] = []
    if protocol is not None:
        opts = protocol.analysis_options()
        metrics = opts["metrics"]
        variant, control = opts.get("variant", variant), opts.get("control", control)
        alpha, alternative = opts.get("alpha", alpha), opts.get("alternative", alternative)
        name_guardrails = [g.metric for g in opts.get("guardrails", ())]
        if design is None:
            design = getattr(protocol, "sequential", None)
        plan = getattr(protocol, "plan", None) or {}
        if planned_n is None and plan.get("units_per_arm"):
            per_arm = plan["units_per_arm"]  # a number, or a table by arm for unequal splits
            planned_n = float(per_arm[control] if isinstance(per_arm, Mapping) else per_arm)
        if mde is None and opts.get("mde") is not None:
            mde, relative_mde = opts["mde"], opts.get("mde_relative", relative_mde)
    if metrics is None:
        raise ParameterError("monitor needs metrics=[...] or a protocol.")
    mlist = [metrics] if isinstance(metrics, Metric) else list(metrics)
    mlist += name_guardrails
    spec = _design(design, alpha)

    plan = plan_columns(data, mlist, group=variant, by=(time,))
    daily = compute_moments(data, plan.request)
    per_arm = daily.reduce([variant])
    if missing not in ("raise", "drop"):
        raise ParameterError(f"The 'missing' parameter of monitor must be 'raise' or 'drop'. Got {missing!r} instead.")
    plan.check_missing(per_arm, [str(a) for a in per_arm.keys[variant]], missing=missing)
    days = np.sort(daily.keys[time].unique())
    _check_days(days, allow_gaps, time)
    full = _complete_grid(daily, variant, time, days)
    cum = full.cumulative(time)
    arms = [str(a) for a in pd.unique(cum.keys[variant])]
    if control not in arms:
        raise DataError(f"control arm {control!r} not found in column {variant!r}; arms are: {', '.join(arms)}")

    series, names, variants, ns = [], [], [], []
    for original, m in zip(mlist, plan.metrics, strict=True):
        for arm in arms:
            if arm == control:
                continue
            eff, se, n = [], [], []
            for day in days:
                sel = cum.select((cum.keys[time] == day).to_numpy())
                ci, ti = sel.find(**{variant: control}), sel.find(**{variant: arm})
                n.append(float(sel.n[ci] + sel.n[ti]))
                if sel.n[ci] < 2 or sel.n[ti] < 2:
                    eff.append(math.nan)
                    se.append(math.nan)
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DegenerateDataWarning)
                    c = compare_arms(m, sel, ci, ti, confidence_level=1 - alpha)
                eff.append(c.effect)
                se.append(c.se)
            ok = np.isfinite(eff) & np.isfinite(se) & (np.asarray(se) > 0)
            if not ok.any():
                raise DataError(f"{m.label!r}, arm {arm!r}: no day has two units per arm with a varying metric.")
            e, s, nn = np.asarray(eff)[ok], np.asarray(se)[ok], np.asarray(n)[ok]
            labels = [pd.Timestamp(d).date().isoformat() if _is_date(d) else d for d in days[ok]]
            res = _run(e, s, nn, labels, spec, alpha, alternative, planned_n, mde, relative_mde, sel, ci, m)
            series.append(res)
            names.append(original.label)
            variants.append(arm)
            ns.append(nn)
    primary = [r for r, name in zip(series, names, strict=True) if name not in {g.label for g in name_guardrails}]
    rec = _combine([r.decision for r in series], [r.decision for r in primary])
    period = f"{_show(days[0])} to {_show(days[-1])} ({len(days)} days)"
    return Monitoring(
        series=tuple(series),
        metrics=tuple(names),
        variants=tuple(variants),
        method=series[0].method if series else "",
        time=time,
        period=period,
        recommendation=rec,
        n=tuple(ns),
    )


def _run(e, s, n, labels, spec, alpha, alternative, planned_n, mde, relative_mde, last, ci, metric):
    if isinstance(spec, dict):  # always-valid, tau from the MDE
        m = spec.get("mde", mde)
        if m is None:
            raise ParameterError(
                "an always-valid monitor needs the MDE it is tuned to: pass mde= (or [analysis] mde in the protocol)."
            )
        base = last.summary(ci, metric.columns).mean[0] if relative_mde else 1.0
        if metric.kind == "ratio" and relative_mde:
            sm = last.summary(ci, metric.columns)
            base = sm.mean[0] / sm.mean[1]
        planned_se = s[-1] * math.sqrt(n[-1] / (2 * planned_n)) if planned_n else s[-1]
        tau = mixture_tau(abs(float(m) * base), planned_se, alpha=alpha, alternative=alternative)
        av = AlwaysValid(tau=tau, alpha=alpha, alternative=alternative)
        return monitor_looks(e, s, design=av, labels=labels)
    if planned_n:
        return monitor_looks(e, s, design=spec, n=np.minimum(n, 2 * planned_n), planned_n=2 * planned_n, labels=labels)
    return monitor_looks(e, s, design=spec, information=n / n[-1], labels=labels, final=True)


def _combine(all_decisions: list[str], primary: list[str]) -> str:
    if "stop-harm" in all_decisions:
        return "stop-harm"
    if "stop-efficacy" in primary:
        return "stop-efficacy"
    if primary and all(d == "stop-futility" for d in primary):
        return "stop-futility"
    return "continue"


def _is_date(value: Any) -> bool:
    return isinstance(value, np.datetime64 | pd.Timestamp)


def _show(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat() if _is_date(value) else str(value)


def _check_days(days: np.ndarray, allow_gaps: bool, time: str) -> None:
    if allow_gaps or len(days) < 2 or not _is_date(days[0]):
        return
    stamps = pd.DatetimeIndex(days)
    expected = pd.date_range(stamps[0], stamps[-1], freq="D")
    missing = expected.difference(stamps)
    if len(missing):
        shown = ", ".join(d.date().isoformat() for d in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DataError(
            f"column {time!r} has gaps: no units on {len(missing)} day(s) ({shown}). A broken logging day would "
            "distort the looks; pass allow_gaps=True if the test really paused."
        )


def _complete_grid(m: Any, variant: str, time: str, days: np.ndarray) -> Any:
    """Add empty (arm, day) groups so that every arm has every day before accumulating."""
    from abkit.engines.moments import Moments

    arms = pd.unique(m.keys[variant])
    grid = pd.MultiIndex.from_product([arms, days], names=[variant, time]).to_frame(index=False)
    have = pd.MultiIndex.from_frame(m.keys[[variant, time]])
    idx = pd.MultiIndex.from_frame(grid).get_indexer(have)
    g = len(grid)

    def put(a: np.ndarray, fill: float = 0.0) -> np.ndarray:
        out = np.full((g, *a.shape[1:]), fill, dtype=a.dtype if fill == 0.0 else float)
        out[idx] = a
        return out

    return Moments(
        keys=grid, columns=m.columns, shift=m.shift, rows=put(m.rows), n=put(m.n), sums=put(m.sums),
        cross=put(m.cross), missing=put(m.missing), infinite=put(m.infinite),
        minimum=put(m.minimum, np.nan), maximum=put(m.maximum, np.nan),
    )  # fmt: skip
