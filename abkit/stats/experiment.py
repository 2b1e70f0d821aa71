"""``ab.analyze``: every metric of an experiment for every treatment arm against control, from one pass of moments."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from abkit.engines import compute_moments, count_duplicates
from abkit.engines.moments import Moments
from abkit.errors import DataError, ParameterError
from abkit.results import Result, printable
from abkit.stats.columns import plan_columns
from abkit.stats.compare import compare_arms
from abkit.stats.decision import Decision, _Row, decide
from abkit.stats.inference import Comparison, check_alternative, check_confidence_level
from abkit.stats.metrics import Guardrail, Metric
from abkit.stats.multiplicity import CORRECTIONS, adjust_pvalues
from abkit.stats.srm import SRM_THRESHOLD, SRMResult, srm

__all__ = ["TABLE_COLUMNS", "ExperimentResult", "analyze"]

TABLE_COLUMNS = (
    "metric", "variant", "n_control", "n_treatment", "control", "treatment", "effect", "ci_low", "ci_high",
    "rel_effect", "rel_ci_low", "rel_ci_high", "pvalue", "pvalue_adj", "significant", "method",
)  # fmt: skip
EXTRA_COLUMNS = (
    "role", "se", "statistic", "df", "alternative", "confidence_level", "rel_method", "higher_is_better", "margin",
    "margin_relative", "guardrail_pass", "guardrail_pvalue",
)  # fmt: skip


@dataclass(frozen=True)
class ExperimentResult(Result):
    """The analysis of an experiment.

    Attributes
    ----------
    comparisons : tuple of Comparison
        One per (metric, treatment arm), primary metrics first, then secondary, then guardrails.
    roles : tuple of str
        "primary", "secondary" or "guardrail", aligned with ``comparisons``.
    pvalues_adj : tuple of float
        Adjusted p-values (``correction`` within the primary family and within the secondary family; guardrails are
        not adjusted).
    srm : SRMResult
        The sample-ratio check on all rows of each arm.
    decision : Decision
        "ship", "no-ship", "inconclusive" or "invalid", with ``.reasons`` (see :mod:`abkit.stats.decision`).
    arms : pandas.DataFrame
        Per arm: rows, units analysed, rows dropped for missing values.
    """

    comparisons: tuple[Comparison, ...]
    roles: tuple[str, ...]
    pvalues_adj: tuple[float, ...]
    significant: tuple[bool, ...]
    guardrails: tuple[dict[str, Any], ...]
    srm: SRMResult
    decision: Decision
    arms: pd.DataFrame
    control: str
    variant_column: str
    alpha: float
    correction: str | None
    alternative: str
    confidence_level: float
    missing: str
    dropped: int
    metrics: tuple[Metric, ...] = field(default=())
    name: str = "experiment"
    fingerprint: str = ""

    @property
    def table(self) -> pd.DataFrame:
        """One row per (metric, treatment arm) with the contract columns of DESIGN.md, then extra columns."""
        rows = []
        for c, role, padj, sig, g in zip(
            self.comparisons, self.roles, self.pvalues_adj, self.significant, self.guardrails, strict=True
        ):
            rows.append(
                {
                    "metric": c.metric, "variant": c.variant, "n_control": c.n_control, "n_treatment": c.n_treatment,
                    "control": c.control, "treatment": c.treatment, "effect": c.effect, "ci_low": c.ci_low,
                    "ci_high": c.ci_high, "rel_effect": c.rel_effect, "rel_ci_low": c.rel_ci_low,
                    "rel_ci_high": c.rel_ci_high, "pvalue": c.pvalue, "pvalue_adj": padj, "significant": sig,
                    "method": c.method, "role": role, "se": c.se, "statistic": c.statistic, "df": c.df,
                    "alternative": c.alternative, "confidence_level": c.confidence_level,
                    "rel_method": c.rel_method, "higher_is_better": g.get("higher_is_better"),
                    "margin": g.get("margin", np.nan), "margin_relative": g.get("relative"),
                    "guardrail_pass": g.get("pass"), "guardrail_pvalue": g.get("pvalue", np.nan),
                }
            )  # fmt: skip
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS + EXTRA_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        from abkit.results import jsonable

        return {
            "name": self.name,
            "fingerprint": self.fingerprint,
            "decision": self.decision.to_dict(),
            "control": self.control,
            "alpha": self.alpha,
            "correction": self.correction,
            "alternative": self.alternative,
            "confidence_level": self.confidence_level,
            "missing": self.missing,
            "dropped": self.dropped,
            "srm": self.srm.to_dict(),
            "arms": jsonable(self.arms),
            "table": jsonable(self.table),
        }

    def __str__(self) -> str:
        cols = ["metric", "variant", "control", "treatment", "effect", "ci_low", "ci_high", "rel_effect", "pvalue",
                "pvalue_adj", "significant"]  # fmt: skip
        t = self.table[[*cols, "role"]].copy()
        t["metric"] = t["metric"].map(printable)
        t["variant"] = t["variant"].map(printable)
        with pd.option_context(
            "display.width", 200, "display.max_columns", 50, "display.float_format", "{:.4g}".format
        ):
            body = t.to_string(index=False)
        lines = [
            f"decision: {self.decision.verdict}",
            *[f"  - {r}" for r in self.decision.reasons],
            f"SRM: p = {self.srm.pvalue:.4g} ({'MISMATCH' if self.srm.mismatch else 'ok'}); "
            f"units {dict(zip(map(printable, self.srm.arms), self.srm.counts, strict=True))}",
        ]
        if self.dropped:
            lines.append(f"dropped rows (missing values): {self.dropped}")
        lines += [
            f"alpha = {self.alpha:g}, correction = {self.correction}; intervals are per comparison "
            f"({self.confidence_level:.0%}), p-values adjusted",
            body,
        ]
        return "\n".join(lines)

    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """The committee report as a self-contained HTML page; written to ``path`` when given."""
        from abkit.reports import experiment_report  # reports sit above stats: imported only when asked

        return experiment_report(self, path=path, **kwargs)

    def _repr_html_(self) -> str:
        try:
            from abkit.reports import experiment_fragment
        except ImportError:
            return super()._repr_html_()
        return experiment_fragment(self)

    def plot(self, **kwargs: Any) -> Any:
        """A forest plot of the relative effects (matplotlib Figure)."""
        from abkit.reports.figures import forest_figure

        return forest_figure(self, **kwargs)


def _metric_list(metrics: Any, what: str) -> list[Metric]:
    if metrics is None:
        return []
    if isinstance(metrics, Metric | Guardrail):
        metrics = [metrics]
    out = list(metrics)
    for m in out:
        ok = isinstance(m, Guardrail) if what == "guardrails" else isinstance(m, Metric)
        if not ok:
            expected = "ab.Guardrail(...)" if what == "guardrails" else "ab.Mean, ab.Proportion or ab.Ratio"
            raise ParameterError(f"The {what!r} parameter of analyze must hold {expected} objects. Got {m!r}.")
    return out


def analyze(
    data: Any,
    metrics: Sequence[Metric] | Metric | None = None,
    *,
    variant: str = "variant",
    control: str = "control",
    alpha: float = 0.05,
    correction: str | None = "holm",
    expected_split: Mapping[str, float] | None = None,
    guardrails: Sequence[Guardrail] = (),
    secondary: Sequence[Metric] = (),
    alternative: str = "two-sided",
    confidence_level: float | None = None,
    rel_method: str = "delta",
    missing: str = "raise",
    unit: str | None = None,
    events: bool = False,
    srm_threshold: float = SRM_THRESHOLD,
    protocol: Any = None,
    name: str | None = None,
) -> ExperimentResult:
    """Analyse an A/B(/n) experiment: every metric, every treatment arm against control, SRM and a decision.

    Parameters
    ----------
    data : DataFrame, path, DuckDB relation or Spark DataFrame
        One row per randomised unit (or per event with ``unit`` given and an engine that aggregates).
    metrics : list of ab.Mean / ab.Proportion / ab.Ratio
        The primary metrics: the tested family for ``correction``.
    variant, control : str
        The arm column and the control arm's name.
    alpha : float, default 0.05
        Level of the tests and of the decision.
    correction : {"holm", "bonferroni", "hochberg", "BH", "BY"} or None
        Multiple-testing adjustment over the primary family (primary metrics x treatment arms); secondary metrics are
        adjusted within their own family; guardrails are not adjusted (each must pass: an intersection-union test).
    expected_split : dict arm -> share, optional
        The planned split for the SRM check; None means equal shares.
    guardrails : list of ab.Guardrail
        Metrics that must not degrade beyond a margin: a one-sided non-inferiority test at ``alpha``; the table shows
        their two-sided ``1 - 2 alpha`` interval, whose relevant bound is the one-sided ``1 - alpha`` bound.
    secondary : list of metrics
        Reported, adjusted within their own family, not used by the decision.
    alternative : {"two-sided", "greater", "less"}
        For primary and secondary metrics; "greater" means treatment > control.
    confidence_level : float, optional
        Of the intervals; default ``1 - alpha``. Intervals are per comparison (not adjusted).
    rel_method : {"delta", "log"}
        Relative-effect intervals by the delta method on the ratio of means, or on the log scale.
    missing : {"raise", "drop"}
        NaN/inf in a used column raise a DataError naming the column, the arm and the count (default); "drop" removes
        the incomplete rows from every metric and reports their number per arm in ``result.arms``.
    unit : str, optional
        The unit id column: duplicate ids raise a DataError (unless ``events``).
    events : bool, default False
        The data has one row per event (view, click, order) rather than per unit: the engine first sums every metric
        column per unit (``unit`` is required), then analyses units. A unit seen in two arms raises a DataError.
        Winsorisation quantiles are then taken over events, not units.
    srm_threshold : float, default 0.001
        SRM p-values below it make the experiment invalid.
    protocol : ab.Protocol, optional
        A pre-registered plan: it hands its metrics, roles, arms, split and alpha to the analysis, overriding the
        corresponding arguments.
    name : str, optional
        Experiment name for reports.

    Returns
    -------
    ExperimentResult

    Examples
    --------
    >>> import abkit as ab
    >>> df = ab.datasets.make_experiment(n_users=20_000, seed=1)
    >>> res = ab.analyze(df, [ab.Mean("revenue"), ab.Ratio("clicks", "displays", name="ctr")])
    >>> list(res.table["metric"])
    ['revenue', 'ctr']
    """
    if protocol is not None:
        opts = protocol.analysis_options()
        metrics = opts["metrics"]
        secondary = opts.get("secondary", ())
        guardrails = opts.get("guardrails", ())
        variant = opts.get("variant", variant)
        control = opts.get("control", control)
        alpha = opts.get("alpha", alpha)
        correction = opts.get("correction", correction)
        expected_split = opts.get("expected_split", expected_split)
        alternative = opts.get("alternative", alternative)
        unit = opts.get("unit", unit)
        srm_threshold = opts.get("srm_threshold", srm_threshold)
        confidence_level = opts.get("confidence_level") or confidence_level
        name = name or opts.get("name")
    primary = _metric_list(metrics, "metrics")
    second = _metric_list(secondary, "secondary")
    guards: list[Guardrail] = _metric_list(guardrails, "guardrails")  # type: ignore[assignment]
    if not primary:
        raise ParameterError("analyze needs at least one metric: metrics=[ab.Mean('revenue'), ...].")
    labels = [m.label for m in primary + second] + [g.label for g in guards]
    dups = sorted({x for x in labels if labels.count(x) > 1})
    if dups:
        raise ParameterError(f"metric names must be unique; {dups} appear more than once. Pass name=... to tell apart.")
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        a = float("nan")
    if not 0.0 < a < 1.0:
        raise ParameterError(f"The 'alpha' parameter of analyze must be a float in (0, 1). Got {alpha!r} instead.")
    alpha = a
    if correction is not None and correction not in CORRECTIONS:
        raise ParameterError(
            f"The 'correction' parameter of analyze must be one of {', '.join(CORRECTIONS)} or None. "
            f"Got {correction!r} instead."
        )
    check_alternative(alternative, "analyze")
    cl = check_confidence_level(1.0 - alpha if confidence_level is None else confidence_level, "analyze")
    if missing not in ("raise", "drop"):
        raise ParameterError(f"The 'missing' parameter of analyze must be 'raise' or 'drop'. Got {missing!r} instead.")

    all_metrics = primary + second + [g.metric for g in guards]
    plan = plan_columns(data, all_metrics, group=variant)
    reads = dict(zip([id(m) for m in all_metrics], plan.metrics, strict=True))  # each metric as the request reads it
    request = plan.request
    if events:
        if unit is None:
            raise ParameterError("analyze(events=True) needs unit=: the column whose ids the events are summed by.")
        request = dataclasses.replace(request, aggregate_units=True, unit=unit)
    elif unit is not None:
        dup = count_duplicates(data, unit)
        if dup:
            raise DataError(
                f"column {unit!r} has {dup} duplicate unit ids; one row per unit is expected "
                "(for one row per event, pass events=True)."
            )
    moments = compute_moments(data, request)
    arms = [str(a) for a in moments.keys[variant]]
    ci, ti = _arm_indices(moments, arms, control, variant, expected_split)
    dropped = plan.check_missing(moments, arms, missing=missing)
    for i in [ci, *ti]:
        if moments.n[i] < 2:
            raise DataError(
                f"arm {arms[i]!r} has {int(moments.n[i])} complete units; "
                "each arm needs at least 2 to estimate a variance."
            )

    comps: list[Comparison] = []
    roles: list[str] = []
    ginfo: list[dict[str, Any]] = []
    for role, group in (("primary", primary), ("secondary", second)):
        for m in group:
            for t in ti:
                comps.append(
                    compare_arms(
                        reads[id(m)],
                        moments,
                        ci,
                        t,
                        alternative=alternative,
                        confidence_level=cl,
                        rel_method=rel_method,
                    )
                )
                roles.append(role)
                ginfo.append({"higher_is_better": getattr(m, "higher_is_better", True)})
    for g in guards:
        for t in ti:
            c = compare_arms(reads[id(g.metric)], moments, ci, t, confidence_level=1 - 2 * alpha, rel_method=rel_method)
            comps.append(c)
            roles.append("guardrail")
            ginfo.append(_guardrail(c, g, alpha))

    padj = np.full(len(comps), np.nan)
    for role in ("primary", "secondary"):
        idx = [i for i, r in enumerate(roles) if r == role]
        if not idx:
            continue
        p = np.array([comps[i].pvalue for i in idx])
        padj[idx] = p if correction is None else adjust_pvalues(p, method=correction, n=len(idx))
    for i, r in enumerate(roles):
        if r == "guardrail":
            padj[i] = ginfo[i]["pvalue"]
    significant = tuple(bool(math.isfinite(p) and p < alpha) for p in padj)

    counts = {a: int(moments.rows[i]) for i, a in enumerate(arms)}
    expected = None
    if expected_split is not None:
        counts.update({str(a): 0 for a in expected_split if str(a) not in counts})  # a planned arm with no units
        expected = {a: float(expected_split[a]) for a in counts}
    srm_res = srm(counts, expected=expected, threshold=srm_threshold)
    rows = [
        _Row(c.metric, c.variant, role, c.effect, c.rel_effect, p, bool(g.get("higher_is_better", True)),
             g.get("pass"), g.get("harm"))
        for c, role, p, g in zip(comps, roles, padj, ginfo, strict=True)
    ]  # fmt: skip
    decision = decide(
        rows, arms=[arms[t] for t in ti], alpha=alpha, srm_mismatch=srm_res.mismatch, srm_pvalue=srm_res.pvalue
    )
    arm_table = pd.DataFrame(
        {
            "arm": arms,
            "rows": moments.rows.astype(int),
            "units": moments.n.astype(int),
            "dropped": (moments.rows - moments.n).astype(int),
        }
    )
    return ExperimentResult(
        comparisons=tuple(comps),
        roles=tuple(roles),
        pvalues_adj=tuple(float(p) for p in padj),
        significant=significant,
        guardrails=tuple(ginfo),
        srm=srm_res,
        decision=decision,
        arms=arm_table,
        control=str(control),
        variant_column=variant,
        alpha=alpha,
        correction=correction,
        alternative=alternative,
        confidence_level=cl,
        missing=missing,
        dropped=dropped,
        metrics=tuple(all_metrics),
        name=name or "experiment",
        fingerprint=_fingerprint(moments),
    )


def _fingerprint(moments: Moments) -> str:
    """A short digest of the per-arm sufficient statistics (9 significant digits, so every engine agrees)."""
    import hashlib
    import json

    with np.errstate(invalid="ignore", divide="ignore"):
        means = moments.shift + moments.sums / moments.n[:, None]
    payload = {
        "columns": list(moments.columns),
        "arms": [str(a) for a in moments.keys.iloc[:, 0]],
        "rows": moments.rows.tolist(),
        "n": moments.n.tolist(),
        "means": [[float(f"{v:.9g}") if np.isfinite(v) else None for v in row] for row in means],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _arm_indices(
    moments: Moments, arms: list[str], control: str, variant: str, expected_split: Mapping[str, float] | None
) -> tuple[int, list[int]]:
    if len(arms) < 2:
        raise DataError(f"column {variant!r} has {len(arms)} arm(s) ({arms}); an experiment needs at least two.")
    if str(control) not in arms:
        raise DataError(f"control arm {control!r} not found in column {variant!r}; arms are: {', '.join(arms)}")
    if expected_split is not None:
        unknown = [a for a in arms if a not in expected_split]
        if unknown:
            counts = {a: int(moments.rows[arms.index(a)]) for a in unknown}
            raise DataError(
                f"column {variant!r} has variants not in the planned split: {counts} (rows); "
                f"planned arms are: {', '.join(map(str, expected_split))}"
            )
        total = sum(float(v) for v in expected_split.values())
        if abs(total - 1.0) > 1e-9:
            raise ParameterError(f"The 'expected_split' shares must sum to 1. Got {total:.6g}.")
    ci = arms.index(str(control))
    return ci, [i for i in range(len(arms)) if i != ci]


def _guardrail(c: Comparison, g: Guardrail, alpha: float) -> dict[str, Any]:
    """Non-inferiority: H0 the metric degrades by at least the margin; one-sided at alpha.

    The test is done on the scale the table shows: the absolute effect with its t (or z) reference; the relative
    effect with the normal reference of its delta-method interval; or, with ``rel_method="log"``, the log ratio
    ``log(1 + rel)`` against ``log(1 - margin)`` (higher is better) or ``log(1 + margin)`` (lower is better).
    A guardrail *passes* when H0 is rejected, and shows *harm* when its interval lies entirely past the margin.
    """
    hib = g.metric.higher_is_better
    sign = 1.0 if hib else -1.0  # direction of an improvement
    info = {"higher_is_better": hib, "margin": g.margin, "relative": g.relative}
    df = c.df
    if g.relative and c.rel_method == "log":
        df = math.inf
        limit = math.log1p(-g.margin) if hib else math.log1p(g.margin)
        est = math.log1p(c.rel_effect) if c.rel_effect > -1 else float("nan")
        se = c.rel_se
        z = sign * (est - limit) / se if se > 0 else float("nan")
    else:
        if g.relative:
            est, se, df = c.rel_effect, c.rel_se, math.inf
        else:
            est, se = c.effect, c.se
        z = (sign * est + g.margin) / se if se > 0 else float("nan")  # > 0 when the degradation is within the margin
    if not math.isfinite(z):
        return {**info, "pass": False, "harm": False, "pvalue": float("nan")}
    p = float(st.norm.sf(z)) if math.isinf(df) else float(st.t.sf(z, df))
    p_harm = float(st.norm.cdf(z)) if math.isinf(df) else float(st.t.cdf(z, df))
    return {**info, "pass": p < alpha, "harm": p_harm < alpha, "pvalue": p}
