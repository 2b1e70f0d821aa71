"""The committee report of an experiment, and its notebook fragment.

Order, as a committee reads it: header (experiment, dates, abkit version, data fingerprint); the verdict with its
reasons; health checks (SRM, sample size and duration against the plan, missing data, power); the primary
scorecard; a forest plot of relative effects; guardrails against their margins; secondary metrics; the cumulative
effect over time (when a monitoring timeline is attached); the offline prediction next to the online result (when an
offline evaluation is attached); methods and references; reproducibility. The report renders results: every number
comes from the result objects, none is computed here.
"""

from __future__ import annotations

import math
import platform
from pathlib import Path
from typing import Any

from markupsafe import Markup

from abkit.reports import methods
from abkit.reports.numbers import fmt_ci, fmt_pct
from abkit.reports.render import Column, render_fragment, render_page, tone
from abkit.reports.svg import forest_plot
from abkit.reports.timeline import timeline_charts

__all__ = ["experiment_context", "experiment_fragment", "experiment_report"]


def _rows(result: Any, role: str) -> list[dict[str, Any]]:
    table = result.table
    out = []
    for rec in table[table["role"] == role].to_dict(orient="records"):
        hib = rec["higher_is_better"] if rec["higher_is_better"] is not None else True
        rec["tone"] = tone(rec["rel_effect"], significant=bool(rec["significant"]), higher_is_better=bool(hib))
        rec["units"] = f"{rec['n_control']:,} / {rec['n_treatment']:,}"
        if role == "guardrail":
            rec["tone"] = "better" if rec["guardrail_pass"] else "worse"
            rec["status"] = "passes" if rec["guardrail_pass"] else "not shown"
            rec["margin_text"] = (
                (f"-{fmt_pct(rec['margin'])}" if rec["margin_relative"] else f"-{rec['margin']:.4g}")
                if hib
                else (f"+{fmt_pct(rec['margin'])}" if rec["margin_relative"] else f"+{rec['margin']:.4g}")
            )
        out.append(rec)
    return out


def _scorecard_columns(result: Any, *, guardrail: bool = False) -> list[Column]:
    level = f"{result.confidence_level:.0%}" if not guardrail else f"{1 - 2 * result.alpha:.0%}"
    cols = [
        Column("metric", "Metric"),
        Column("variant", "Arm"),
        Column("control", "Control", fmt="num", digits=4),
        Column("treatment", "Treatment", fmt="num", digits=4),
        Column("effect", "Effect", fmt="num", digits=3, signed=True),
        Column("rel_effect", "Lift", fmt="pct", signed=True, tone="tone"),
        Column("rel_ci", f"{level} CI of lift", fmt="ci", pct=True, signed=True),
    ]
    if guardrail:
        cols += [
            Column("margin_text", "Margin"),
            Column("guardrail_pvalue", "NI p-value", fmt="pvalue"),
            Column("status", "Within margin", tone="tone"),
        ]
    else:
        correction = result.correction or "unadjusted"
        cols += [
            Column("pvalue", "p-value", fmt="pvalue"),
            Column("pvalue_adj", f"p ({correction})", fmt="pvalue"),
        ]
    cols.append(Column("units", "Units (c / t)"))
    return cols


def _health(result: Any, plan_checks: Any) -> list[dict[str, str]]:
    s = result.srm
    shares = ", ".join(f"{a} {c:,} ({c / sum(s.counts):.2%})" for a, c in zip(s.arms, s.counts, strict=True))
    expected = ", ".join(f"{e:.1%}" for e in s.expected)
    checks = [
        {
            "status": "fail" if s.mismatch else "ok",
            "name": "Sample ratio",
            "message": f"{shares}; planned {expected}; chi-square p = {s.pvalue:.3g}"
            + (f" < {s.threshold:g}: assignment or logging is broken." if s.mismatch else "."),
        }
    ]
    if result.dropped:
        per_arm = ", ".join(f"{r['arm']}: {r['dropped']:,}" for r in result.arms.to_dict("records") if r["dropped"])
        checks.append(
            {"status": "warn", "name": "Missing data", "message": f"{result.dropped:,} rows dropped ({per_arm})."}
        )
    else:
        checks.append({"status": "ok", "name": "Missing data", "message": "No missing or infinite values."})
    for c in plan_checks or ():
        checks.append(dict(c))
    if not plan_checks:
        checks.append(
            {"status": "info", "name": "Plan", "message": "No protocol attached: sample size and duration not checked."}
        )
    return checks


def _headline(result: Any, primary: list[dict[str, Any]]) -> str:
    d = result.decision
    focus = [r for r in primary if r["variant"] == d.arm] if d.arm else primary
    if not focus:
        return ""
    r = focus[0]
    ci = fmt_ci(r["rel_ci_low"], r["rel_ci_high"], pct=True, signed=True)
    return f"{r['metric']} ({r['variant']}): {fmt_pct(r['rel_effect'], signed=True)} {ci}"


def _forest(result: Any) -> Markup:
    rows = []
    margins = []
    for role in ("primary", "secondary", "guardrail"):
        for r in _rows(result, role):
            label = f"{r['metric']} · {r['variant']}" if len(result.srm.arms) > 2 else r["metric"]
            rows.append((f"{label} ({role})", r["rel_effect"], r["rel_ci_low"], r["rel_ci_high"], r["tone"]))
            if role == "guardrail" and r["margin_relative"] and not math.isnan(r["margin"]):
                m = -r["margin"] if r["higher_is_better"] else r["margin"]
                if (m, "margin") not in margins:
                    margins.append((m, f"{r['metric']} margin"))
    return forest_plot(
        rows,
        title="Relative effect, treatment against control",
        x_label="(treatment − control) / control",
        percent=True,
        margins=margins,
    )


def _versions() -> list[tuple[str, str]]:
    import duckdb
    import numpy
    import pandas
    import scipy

    import abkit

    return [
        ("abkit", abkit.__version__),
        ("Python", platform.python_version()),
        ("numpy", numpy.__version__),
        ("scipy", scipy.__version__),
        ("pandas", pandas.__version__),
        ("duckdb", duckdb.__version__),
    ]


def experiment_context(
    result: Any,
    *,
    generated_at: Any = None,
    protocol: Any = None,
    timeline: Any = None,
    offline: Any = None,
    plan_checks: Any = None,
    command: str | None = None,
) -> dict[str, Any]:
    """The template context of the committee report (see the module docstring for the sections)."""
    import abkit

    primary = _rows(result, "primary")
    meta: list[tuple[str, Any]] = [("Experiment", result.name)]
    if timeline is not None:
        meta.append(("Dates", timeline.period))
    meta += [
        ("Arms", ", ".join(result.srm.arms)),
        ("Units", f"{sum(result.srm.counts):,}"),
        ("Alpha", f"{result.alpha:g} ({result.correction or 'no correction'})"),
        ("Data fingerprint", result.fingerprint),
    ]
    ctx: dict[str, Any] = {
        "title": f"{result.name}",
        "eyebrow": "Experiment report",
        "subtitle": (protocol.hypothesis or "") if protocol is not None else "",
        "meta": meta,
        "version": abkit.__version__,
        "r": {
            "decision": result.decision.verdict,
            "reasons": list(result.decision.reasons),
            "headline": _headline(result, primary),
            "checks": _health(result, plan_checks),
            "primary": primary,
            "secondary": _rows(result, "secondary"),
            "guardrails": _rows(result, "guardrail"),
            "columns": _scorecard_columns(result),
            "guard_columns": _scorecard_columns(result, guardrail=True),
            "forest": _forest(result),
            "timeline": timeline_charts(timeline, metrics=[r["metric"] for r in primary])
            if timeline is not None
            else [],
            "timeline_note": f"{timeline.method}; recommendation: {timeline.recommendation}." if timeline else "",
            "offline": offline_rows(result, offline) if offline is not None else None,
            "methods": methods.for_experiment(result),
            "protocol_text": protocol.dumps() if protocol is not None else "",
            "command": command or "",
            "versions": _versions(),
        },
    }
    if generated_at is not None:
        ctx["generated_at"] = generated_at
    return ctx


def offline_rows(result: Any, offline: Any) -> list[dict[str, Any]]:
    """The offline prediction next to the online result, matched on the first primary metric."""
    primary = _rows(result, "primary")
    online = primary[0] if primary else None
    rows = []
    for rec in offline.table.to_dict(orient="records"):
        rows.append(
            {
                "what": f"offline · {rec['estimator']} · {rec['candidate']} (reward per logged decision)",
                "rel_effect": rec["rel_lift"],
                "rel_ci_low": rec["rel_lift_ci_low"],
                "rel_ci_high": rec["rel_lift_ci_high"],
            }
        )
    if online is not None:
        rows.append(
            {
                "what": f"online · {online['metric']} · {online['variant']}",
                "rel_effect": online["rel_effect"],
                "rel_ci_low": online["rel_ci_low"],
                "rel_ci_high": online["rel_ci_high"],
            }
        )
    return rows


def experiment_report(result: Any, path: str | Path | None = None, **kwargs: Any) -> str:
    """The committee report as one self-contained HTML page; also written to ``path`` when given.

    Keyword arguments are those of :func:`experiment_context` (``generated_at``, ``protocol``, ``timeline``,
    ``offline``, ``plan_checks``, ``command``). Without ``generated_at`` the page carries no time, so the same inputs
    always give the same bytes.
    """
    html = render_page("experiment.html", experiment_context(result, **kwargs))
    if path is not None:
        Path(path).write_text(html, encoding="utf-8", newline="\n")
    return html


def experiment_fragment(result: Any) -> Markup:
    """The notebook view: verdict and primary scorecard."""
    primary = _rows(result, "primary") + _rows(result, "secondary")
    return render_fragment(
        "scorecard",
        result.decision.verdict,
        list(result.decision.reasons),
        primary,
        _scorecard_columns(result),
        _headline(result, _rows(result, "primary")),
    )
