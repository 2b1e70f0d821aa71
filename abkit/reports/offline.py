"""The offline-evaluation report: can the logs be trusted, what each estimator says, and how capping moves it.

Diagnostics come before any number: if the mean importance weight is far from 1 or the effective sample size is
tiny, the estimates below are not worth reading. Then the verdict on the primary estimator's lift over the logging
(production) policy, the estimators side by side, the cap sensitivity and the weight distribution.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from abkit.reports.numbers import fmt_ci, fmt_num, fmt_pct
from abkit.reports.render import Column, render_fragment, render_page
from abkit.reports.svg import Series, forest_plot, histogram_counts, line_chart

__all__ = ["offline_context", "offline_fragment", "offline_report"]

_TONE = {"positive": "better", "negative": "worse", "neutral": "neutral"}


def _primary(off: Any, estimator: str | None) -> dict[str, Any] | None:
    t = off.table
    if estimator is None:
        order = ["snips", "dr", "sndr", "ncis", "ips"]
        present = [e for e in order if e in set(t["estimator"])] or list(t["estimator"])
        estimator = present[0] if present else None
    rows = t[t["estimator"] == estimator].to_dict(orient="records")
    return rows[0] if rows else None


def _health(off: Any) -> list[dict[str, str]]:
    checks = []
    for d in off.diagnostics.to_dict(orient="records"):
        lo, hi = d["mean_weight_ci_low"], d["mean_weight_ci_high"]
        checks.append(
            {
                "status": "ok" if d["support_ok"] else "fail",
                "name": f"Mean importance weight · {d['candidate']}",
                "message": f"{d['mean_weight']:.4f} {fmt_ci(lo, hi, digits=4)}: "
                + (
                    "covers 1, as correct propensities with full support require."
                    if d["support_ok"]
                    else "excludes 1: wrong propensities or actions the logging policy never shows."
                ),
            }
        )
        share = d["ess_share"]
        checks.append(
            {
                "status": "ok" if share >= 0.01 else "warn",
                "name": f"Effective sample size · {d['candidate']}",
                "message": f"{d['ess']:,.0f} of {d['n']:,} rows ({share:.2%}); max weight {fmt_num(d['max_weight'])}.",
            }
        )
        if d.get("cap") is not None and d["cap"] == d["cap"]:
            checks.append(
                {
                    "status": "info",
                    "name": f"Capping at {fmt_num(d['cap'])} · {d['candidate']}",
                    "message": f"{d['share_capped']:.2%} of rows and {d['mass_capped']:.2%} of the weight mass capped; "
                    f"worst-case bias of capped IPS {fmt_num(d['bias_bound'])}.",
                }
            )
    for note in off.notes:
        checks.append({"status": "warn", "name": "Note", "message": note})
    return checks


def offline_context(
    off: Any,
    *,
    estimator: str | None = None,
    histogram: Any = None,
    title: str = "Offline evaluation",
    generated_at: Any = None,
) -> dict[str, Any]:
    """The template context of the offline report (see the module docstring)."""
    import abkit

    primary = _primary(off, estimator)
    trusted = bool(off.diagnostics["support_ok"].all()) if len(off.diagnostics) else True
    verdict = "untrusted" if not trusted else (primary["call"] if primary else "neutral")
    headline = ""
    if primary is not None:
        ci = fmt_ci(primary["rel_lift_ci_low"], primary["rel_lift_ci_high"], pct=True, signed=True)
        lift = fmt_pct(primary["rel_lift"], signed=True)
        values = f"{fmt_num(primary['logged'])} → {fmt_num(primary['value'])}"
        headline = (
            f"{primary['estimator']} · {primary['candidate']}: lift {lift} {ci} over the logging policy ({values})."
        )
    rows = off.table.to_dict(orient="records")
    for r in rows:
        r["tone"] = _TONE.get(r["call"], "neutral")
    forest = forest_plot(
        [
            (
                f"{r['estimator']} · {r['candidate']}",
                r["rel_lift"],
                r["rel_lift_ci_low"],
                r["rel_lift_ci_high"],
                r["tone"],
            )
            for r in rows
        ],
        title="Relative lift over the logging policy",
        x_label="(candidate − logged) / logged",
        percent=True,
    )
    cap_chart = None
    cs = off.cap_sensitivity
    if len(cs):
        series = []
        for name in ("capped_ips", "ncis"):
            if name in cs.columns:
                series.append(
                    Series(name, list(cs[name]), low=list(cs[f"{name}_ci_low"]), high=list(cs[f"{name}_ci_high"]))
                )
        cap_chart = line_chart(
            list(cs["cap"]),
            series,
            title="Estimates against the cap",
            x_label="cap (log scale)",
            y_label="estimated value",
            log_x=True,
            markers=[(off.cap, "chosen cap")] if off.cap else (),
        )
    weights = None
    if histogram is not None:
        edges, counts, zeros = histogram
        marks = [(1.0, "1"), *([(off.cap, "cap")] if off.cap else [])]
        weights = histogram_counts(
            list(edges),
            list(counts),
            title="Importance weights",
            x_label="weight (log scale)",
            log_x=True,
            hidden=zeros,
            markers=marks,
        )
    ctx: dict[str, Any] = {
        "title": title,
        "eyebrow": "Offline evaluation",
        "meta": [
            ("Logged rows", f"{off.n:,}"),
            ("Cap", fmt_num(off.cap) if off.cap else "none"),
            ("Candidates", ", ".join(sorted(set(off.table["candidate"])))),
            ("Confidence level", f"{off.confidence_level:.0%}"),
        ],
        "version": abkit.__version__,
        "o": {
            "verdict": verdict,
            "headline": headline,
            "reasons": [f"call of the paired lift interval ({off.confidence_level:.0%}) for the primary estimator"],
            "checks": _health(off),
            "rows": rows,
            "columns": [
                Column("candidate", "Candidate"),
                Column("estimator", "Estimator"),
                Column("value", "Value", fmt="num", digits=4),
                Column("ci", "CI", fmt="ci", digits=4),
                Column("logged", "Logged", fmt="num", digits=4),
                Column("rel_lift", "Lift", fmt="pct", signed=True, tone="tone"),
                Column("rel_lift_ci", "CI of lift", fmt="ci", pct=True, signed=True),
                Column("call", "Call", tone="tone"),
            ],
            "forest": forest,
            "cap_chart": cap_chart,
            "weights": weights,
        },
    }
    if generated_at is not None:
        ctx["generated_at"] = generated_at
    return ctx


def offline_report(off: Any, path: str | Path | None = None, **kwargs: Any) -> str:
    """The offline report as one self-contained HTML page; written to ``path`` when given.

    Keyword arguments: ``estimator`` (the primary one; default SNIPS, else DR, NCIS, IPS), ``histogram`` (the
    ``(edges, counts, zeros)`` of :func:`abkit.metrics.diagnostics.weight_histogram`), ``title``, ``generated_at``.
    """
    html = render_page("offline.html", offline_context(off, **kwargs))
    if path is not None:
        Path(path).write_text(html, encoding="utf-8", newline="\n")
    return html


def offline_fragment(off: Any) -> Markup:
    """The notebook view: verdict and the estimator table."""
    ctx = offline_context(off)["o"]
    return render_fragment("scorecard", ctx["verdict"], ctx["reasons"], ctx["rows"], ctx["columns"], ctx["headline"])
