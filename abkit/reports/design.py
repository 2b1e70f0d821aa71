"""The design report of a planned test, its notebook fragment and its matplotlib figure.

Order, as a reader checks a plan: header (experiment, hypothesis, when it was designed); the plan in a few numbers
(units per arm, total, days, MDE, power); the plan in full (metrics and roles, alpha and correction, arms and split,
traffic, sequential plan); one row per metric (baseline, sd, CUPED correlation, the effect it is powered for, the
units it alone would need, its power at the plan, the effect it can detect); the power curve with the plan marked;
the MDE against the test's duration; the distinct-units curve of the history (when the duration comes from it); the
sequential boundaries (when planned); notes; methods and references; reproducibility (the protocol with its plan).
Every number comes from the :class:`~abkit.protocols.design.DesignResult`; none is computed here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from abkit.reports.experiment import _versions
from abkit.reports.numbers import fmt_int, fmt_num, fmt_pct
from abkit.reports.render import Column, environment, render_page
from abkit.reports.svg import Series, line_chart, power_curve

__all__ = ["design_context", "design_figure", "design_fragment", "design_report"]

_REFERENCES = {
    "size": "R Core Team. power.t.test and power.prop.test, package stats. Cohen, J. (1988). Statistical Power "
    "Analysis for the Behavioral Sciences, 2nd ed. Erlbaum.",
    "ratio": "Deng, A., Knoblich, U., Lu, J. (2018). Applying the delta method in metric analytics: a practical "
    "guide with novel ideas. KDD.",
    "cuped": "Deng, A., Xu, Y., Kohavi, R., Walker, T. (2013). Improving the sensitivity of online controlled "
    "experiments by utilizing pre-experiment data. WSDM.",
    "sequential": "Jennison, C., Turnbull, B. W. (2000). Group Sequential Methods with Applications to Clinical "
    "Trials. Chapman & Hall/CRC, chapter 2 and 7.",
    "duration": "Kohavi, R., Tang, D., Xu, Y. (2020). Trustworthy Online Controlled Experiments, chapter 15 "
    "(returning users and the duration of a test). Cambridge University Press.",
}


def _effect_text(value: float, relative: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return fmt_num(math.nan)
    return fmt_pct(value, 2, signed=True) if relative else fmt_num(value, 4, signed=True)


def _margin_text(g: Any) -> str:
    """A guardrail's margin with the sign of a degradation."""
    return _effect_text(-g.margin if g.metric.higher_is_better else g.margin, g.relative)


def _metric_rows(d: Any) -> list[dict[str, Any]]:
    rows = []
    better = {g.label: g.metric.higher_is_better for g in d.protocol.guardrails}
    for rec in d.table.to_dict(orient="records"):
        rel = bool(rec["relative"]) if rec["relative"] is not None else False
        effect, detectable = rec["effect"], rec["detectable"]
        if rec["role"] == "guardrail":  # a margin is a degradation: shown with the sign of a loss
            sign = -1.0 if better.get(rec["metric"], True) else 1.0
            effect, detectable = sign * abs(effect), sign * abs(detectable)
        rec["effect_text"] = _effect_text(effect, rel) + (" margin" if rec["role"] == "guardrail" else "")
        rec["detectable_text"] = _effect_text(detectable, rel)
        rec["level"] = "" if rec["alpha"] is None or math.isnan(rec["alpha"]) else f"{rec['alpha']:g}"
        rows.append(rec)
    return rows


_METRIC_COLUMNS = [
    Column("metric", "Metric"),
    Column("role", "Role"),
    Column("baseline", "Baseline", fmt="num", digits=4),
    Column("sd", "SD per unit", fmt="num", digits=4),
    Column("rho", "CUPED ρ", fmt="num", digits=3),
    Column("level", "Level"),
    Column("effect_text", "Powered for"),
    Column("units_per_arm", "Units needed", fmt="int"),
    Column("power", "Power at plan", fmt="pct", decimals=1),
    Column("detectable_text", "Detectable at plan"),
]

_SEQUENTIAL_COLUMNS = [
    Column("look", "Look", fmt="int"),
    Column("information", "Information", fmt="pct", decimals=0),
    Column("z", "Efficacy z", fmt="num", digits=4),
    Column("nominal_pvalue", "Nominal p", fmt="pvalue", digits=3),
    Column("alpha_spent", "Alpha spent", fmt="num", digits=3),
    Column("futility", "Futility z", fmt="num", digits=4),
]


def _tiles(d: Any) -> list[dict[str, str]]:
    arms = d.arm_units
    control = d.protocol.control
    others = ", ".join(f"{a} {fmt_int(n)}" for a, n in arms.items() if a != control)
    equal = not isinstance(d.units_per_arm, dict)
    days_note = {"daily_units": f"at {fmt_num(d.daily_units, 4)} units a day", "history": "from the history's traffic"}
    mde = _effect_text(d.mde, d.mde_relative)
    return [
        {
            "label": "Units per arm",
            "value": fmt_int(arms[control]),
            "note": "every arm" if equal else f"control; {others}",
        },
        {"label": "Total units", "value": fmt_int(d.total_units), "note": f"{len(arms)} arms"},
        {
            "label": "Duration",
            "value": f"{d.days} days" if d.days is not None else "not planned",
            "note": days_note.get(d.duration_source, "no traffic given"),
        },
        {"label": "Minimum detectable effect", "value": mde, "note": f"on {d.sizing_metric}"},
        {
            "label": "Power",
            "value": fmt_pct(d.power, 0),
            "note": f"α = {d.alpha:g}, {d.correction or 'no correction'}",
        },
    ]


def _plan_items(d: Any) -> list[tuple[str, Any]]:
    p = d.protocol
    roles = "; ".join(
        [f"{m.label} (primary)" for m in p.primary]
        + [f"{m.label} (secondary)" for m in p.secondary]
        + [f"{g.label} (guardrail, margin {_margin_text(g)})" for g in p.guardrails]
    )
    split = ", ".join(f"{a} {fmt_pct(s, 1)}" for a, s in p.arms.items())
    items: list[tuple[str, Any]] = [
        ("Hypothesis", p.hypothesis or "not stated"),
        ("Metrics", roles),
        ("Sized on", d.sizing_metric),
        ("Minimum detectable effect", _effect_text(d.mde, d.mde_relative) + (" of control" if d.mde_relative else "")),
        ("Alternative", d.alternative),
        ("Alpha", f"{d.alpha:g} ({d.correction or 'no correction'})"),
        ("Power", fmt_pct(d.power, 0)),
        ("Arms and split", split),
        ("Units per arm", ", ".join(f"{a} {fmt_int(n)}" for a, n in d.arm_units.items())),
        ("Total units", fmt_int(d.total_units)),
        ("Days", "not planned" if d.days is None else fmt_int(d.days)),
    ]
    if d.daily_units is not None:
        items.append(("Traffic", f"{fmt_num(d.daily_units, 4)} units a day (all arms)"))
    elif d.duration_source == "history":
        items.append(("Traffic", "distinct units by day in the history (returning units counted once)"))
    if d.sequential is not None:
        items.append(("Sequential plan", f"{d.sequential.looks} looks, size × {fmt_num(d.inflation, 5)}"))
    if p.plan and p.plan.get("designed_at"):
        items.append(("Designed at", str(p.plan["designed_at"])))
    return items


def _wide(frame: pd.DataFrame, x: str, y: str) -> tuple[list[float], dict[str, list[float]]]:
    if frame.empty:
        return [], {}
    wide = frame.pivot_table(index=x, columns="metric", values=y, sort=True, dropna=False)
    order = list(dict.fromkeys(frame["metric"]))
    return wide.index.tolist(), {m: wide[m].tolist() for m in order}


def _power_chart(d: Any) -> Markup:
    frame = d.curves["power"]
    labels = dict(zip(frame["metric"], frame["role"], strict=False))
    first = [d.sizing_metric] if d.sizing_metric in labels else []
    order = first + [m for m in labels if m not in first]
    frame = frame.assign(metric=pd.Categorical(frame["metric"], categories=order, ordered=True)).sort_values("metric")
    frame = frame.assign(metric=[f"{m} ({labels[m]})" for m in frame["metric"].astype(str)])
    x, curves = _wide(frame, "units_per_arm", "power")
    return power_curve(
        x,
        curves,
        plan=float(d.arm_units[d.protocol.control]),
        target=d.power,
        title="Power against units per arm",
        x_label="Units in the control arm (log scale)",
        plan_label="Plan",
        log_x=True,
    )


def _mde_chart(d: Any) -> Markup:
    frame = d.curves["mde"]
    dated = d.days is not None and frame["days"].notna().any()
    x_col = "days" if dated else "units_per_arm"
    x, curves = _wide(frame, x_col, "mde")
    series = [Series(m, v) for m, v in curves.items()]
    plan_x = d.days if dated else float(d.arm_units[d.protocol.control])
    sized = d.table[d.table["metric"] == d.sizing_metric]
    plan_y = float(sized["detectable"].iloc[0]) if len(sized) else math.nan  # the table's number, on the curve
    shown = _effect_text(plan_y, d.mde_relative)
    label = f"Plan: {d.days} days · {shown}" if dated else f"Plan: {fmt_int(plan_x)} units · {shown}"
    return line_chart(
        x,
        series,
        title="Minimum detectable effect against duration" if dated else "Minimum detectable effect against size",
        x_label="Days the test runs" if dated else "Units in the control arm (log scale)",
        y_label="MDE" + (" (relative)" if d.mde_relative else ""),
        percent=bool(d.mde_relative),
        log_x=not dated,
        markers=[(plan_x, "")],
        highlight=(plan_x, plan_y, label) if math.isfinite(plan_y) else None,
    )


def _traffic_chart(d: Any) -> Markup | None:
    curve = d.curves.get("enrolment")
    if curve is None or curve.empty:
        return None
    units = curve["units"].to_numpy(dtype=float)
    beyond = curve["extrapolated"].to_numpy(dtype=bool)
    seen = np.where(~beyond, units, np.nan)
    series = [Series("distinct units in the history", seen.tolist(), role="treatment")]
    if beyond.any():
        last = int(np.flatnonzero(~beyond)[-1])
        ext = np.where(beyond | (np.arange(len(units)) == last), units, np.nan)
        series.append(Series("extrapolated", ext.tolist(), role="treatment", dashed=True))
    markers = [(d.days, "")] if d.days is not None else []
    return line_chart(
        curve["day"].tolist(),
        series,
        title="Distinct units enrolled by day",
        x_label="Days the test runs",
        y_label="Units",
        references=[(float(d.total_units), f"needed: {fmt_int(d.total_units)}")],
        markers=markers,
    )


_FAMILIES = {
    "obrien-fleming": "O'Brien-Fleming",
    "pocock": "Pocock",
    "hwang-shih-decani": "Hwang-Shih-DeCani",
    "kim-demets": "Kim-DeMets",
}


def _sequential_note(gs: Any) -> str:
    if gs is None:
        return ""
    if gs.spending:
        rule = f"{_FAMILIES.get(gs.spending, gs.spending)}-type alpha spending (Lan-DeMets)"
    else:
        rule = f"{_FAMILIES.get(gs.boundary, gs.boundary)} boundaries"
    sides, z = ("two-sided", "|z|") if gs.sides == 2 else ("one-sided", "z")
    return f"{gs.looks} looks, {rule}, {sides}, alpha {gs.alpha:g}: stop for efficacy when {z} reaches the boundary."


def _methods(d: Any) -> list[dict[str, str]]:
    p = d.protocol
    kinds = {m.kind for m in [*p.metrics, *(g.metric for g in p.guardrails)]}
    out = [
        {
            "name": "Sample size",
            "text": "Units per arm solve the power of the test the analysis runs: the two-sample t test with the "
            "noncentral t distribution (R's power.t.test, generalised to unequal allocation) for means, R's "
            "power.prop.test formula for proportions, and the normal test of the delta-method linearisation for "
            "ratios. Two-sided power counts the tail in the direction of the effect, as R does.",
            "reference": _REFERENCES["size"],
        },
        {
            "name": "Multiple testing",
            "text": "With several primary metrics or treatment arms, each comparison is sized at alpha divided by "
            "the size of its family (exact for Bonferroni, conservative for Holm and Hochberg); the plan takes the "
            "largest size. Guardrails are one-sided non-inferiority tests at alpha: their power is that of "
            "detecting one margin when the true effect is zero.",
            "reference": "",
        },
    ]
    if "ratio" in kinds:
        out.append(
            {
                "name": "Ratio metrics",
                "text": "A ratio of means is sized with the standard deviation of its linearisation "
                "(num − R·den) / mean(den), estimated from the history.",
                "reference": _REFERENCES["ratio"],
            }
        )
    if any(getattr(m, "covariate", None) is not None for m in [*p.metrics, *(g.metric for g in p.guardrails)]):
        out.append(
            {
                "name": "CUPED",
                "text": "With a pre-experiment covariate the variance is multiplied by 1 − ρ², ρ the correlation of "
                "the metric (or of its linearisation) with the covariate in the history.",
                "reference": _REFERENCES["cuped"],
            }
        )
    if d.sequential is not None:
        out.append(
            {
                "name": "Sequential plan",
                "text": f"The primary metrics' fixed-test size is multiplied by {fmt_num(d.inflation, 5)}, the "
                "maximum size of the group-sequential design over the fixed design's at the same power.",
                "reference": _REFERENCES["sequential"],
            }
        )
    out.append(
        {
            "name": "Duration",
            "text": "Days are total units over daily traffic when it is given; otherwise the first day by which the "
            "history's curve of distinct units (each unit counted on the first day it is seen) reaches the total, "
            "extrapolated beyond the history by a power law fitted to its second half.",
            "reference": _REFERENCES["duration"],
        }
    )
    return out


def design_context(d: Any, *, generated_at: Any = None) -> dict[str, Any]:
    """The template context of the design report (see the module docstring for the sections)."""
    import abkit

    p = d.protocol
    meta: list[tuple[str, Any]] = [("Experiment", p.name), ("Arms", ", ".join(p.arms))]
    meta.append(("Primary", ", ".join(m.label for m in p.primary)))
    if p.plan and p.plan.get("designed_at"):
        meta.append(("Designed at", str(p.plan["designed_at"])))
    ctx: dict[str, Any] = {
        "title": p.name,
        "eyebrow": "Test design",
        "subtitle": p.hypothesis or "",
        "meta": meta,
        "version": abkit.__version__,
        "d": {
            "tiles": _tiles(d),
            "plan": _plan_items(d),
            "metrics": _metric_rows(d),
            "metric_columns": _METRIC_COLUMNS,
            "power_chart": _power_chart(d),
            "mde_chart": _mde_chart(d),
            "dated": d.days is not None,
            "traffic_chart": _traffic_chart(d),
            "sequential": d.sequential.table if d.sequential is not None else None,
            "sequential_columns": _SEQUENTIAL_COLUMNS,
            "sequential_note": _sequential_note(d.sequential),
            "notes": list(d.notes),
            "methods": _methods(d),
            "protocol_text": p.dumps(),
            "versions": _versions(),
        },
    }
    if generated_at is not None:
        ctx["generated_at"] = generated_at
    return ctx


def design_report(d: Any, path: str | Path | None = None, *, generated_at: Any = None) -> str:
    """The design report as one self-contained HTML page; also written to ``path`` when given.

    Without ``generated_at`` the page carries no time, so the same design always gives the same bytes.

    Examples
    --------
    >>> import abkit as ab
    >>> from abkit.protocols.design import design
    >>> p = ab.Protocol(name="ctr-test", variant="variant", control="control",
    ...                 arms={"control": 0.5, "treatment": 0.5}, primary=[ab.Proportion("converted")],
    ...                 mde=0.05, mde_relative=True)
    >>> html = design_report(design(p, baseline=0.1, daily_units=10_000))
    >>> html.startswith("<!DOCTYPE html>") and "57,763" in html
    True
    """
    html = render_page("design.html", design_context(d, generated_at=generated_at))
    if path is not None:
        Path(path).write_text(html, encoding="utf-8", newline="\n")
    return html


def design_fragment(d: Any) -> Markup:
    """The notebook view: the plan's numbers and the table of metrics."""
    template = environment().get_template("design_fragment.html")
    return Markup(
        template.render({"d": {"tiles": _tiles(d), "metrics": _metric_rows(d), "metric_columns": _METRIC_COLUMNS}})
    )


def design_figure(d: Any, *, figsize: tuple[float, float] = (10.0, 4.0)) -> Any:
    """Power against units per arm (plan marked) and MDE against duration, as a matplotlib Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    ax, bx = fig.subplots(1, 2)
    power = d.curves["power"]
    for metric, part in power.groupby("metric", sort=False):
        ax.plot(part["units_per_arm"], part["power"], label=f"{metric} ({part['role'].iloc[0]})")
    n = d.arm_units[d.protocol.control]
    ax.axhline(d.power, color="0.5", linestyle="--", linewidth=1)
    ax.axvline(n, color="0.2", linestyle=":", linewidth=1)
    ax.set(xscale="log", ylim=(0, 1), xlabel="Units in the control arm", ylabel="Power", title="Power")
    ax.legend(fontsize=8)
    mde = d.curves["mde"]
    dated = d.days is not None and mde["days"].notna().any()
    x = "days" if dated else "units_per_arm"
    for metric, part in mde.groupby("metric", sort=False):
        bx.plot(part[x], part["mde"], label=str(metric))
    bx.axvline(d.days if dated else n, color="0.2", linestyle=":", linewidth=1)
    bx.set(
        xlabel="Days" if dated else "Units in the control arm",
        ylabel="MDE (relative)" if d.mde_relative else "MDE",
        title="Minimum detectable effect",
        xscale="linear" if dated else "log",
    )
    return fig
