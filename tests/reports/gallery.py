"""The context of the gallery page (templates/gallery.html): every macro and chart with realistic data.

``gallery_context(inject)`` appends ``inject`` to every text slot (titles, labels, reasons, cells, captions,
chart titles and labels, series names, marker labels), so tests can put hostile strings everywhere at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from abkit.reports.render import Column, render_page, tone
from abkit.reports.svg import Series

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script>",
    "{{7*7}}",
)
GENERATED_AT = dt.datetime(2024, 5, 20, 9, 30, tzinfo=dt.UTC)


def gallery_context(inject: str = "") -> dict[str, Any]:
    """The full page context; ``inject`` is appended to every text slot."""

    def t(text: str) -> str:
        return f"{text} {inject}" if inject else text

    rng = np.random.default_rng(20240520)
    metrics = [
        ("Click-through rate", 0.0123, 0.0051, 0.0195, 4.1e-4, True, True),
        ("Revenue per user", 0.0042, -0.0031, 0.0115, 0.26, False, True),
        ("Page latency p95", 0.0180, 0.0060, 0.0300, 0.0031, True, False),
        ("Bounce rate", -0.0021, -0.0090, 0.0048, 0.55, False, False),
    ]
    rows = []
    for name, eff, lo, hi, p, sig, up in metrics:
        rows.append(
            {
                "metric": t(name),
                "variant": t("treatment"),
                "n_control": 501_234,
                "n_treatment": 498_766,
                "rel_effect": eff,
                "rel_ci_low": lo,
                "rel_ci_high": hi,
                "pvalue": p,
                "pvalue_adj": min(p * 4, 1.0),
                "significant": sig,
                "tone": tone(eff, significant=sig, higher_is_better=up),
            }
        )
    columns = [
        Column("metric", t("Metric")),
        {"key": "variant", "label": t("Variant")},
        Column("n_control", t("Units (control)"), fmt="int"),
        Column("n_treatment", t("Units (treatment)"), fmt="int"),
        Column("rel_effect", t("Lift"), fmt="pct", signed=True, tone="tone"),
        Column("rel_ci", t("95% CI"), fmt="ci", pct=True, signed=True),
        Column("pvalue", t("p-value"), fmt="pvalue"),
        Column("pvalue_adj", t("Holm p"), fmt="pvalue"),
        Column("significant", t("Significant"), fmt="bool"),
    ]
    days = [dt.date(2024, 5, 1) + dt.timedelta(days=i) for i in range(19)]
    n = np.arange(1, 20)
    effect = 0.012 + 0.02 / np.sqrt(n) * np.sin(n)
    half = 0.045 / np.sqrt(n)
    boundary = np.where(n < 5, np.nan, 2.96 * 0.012 / np.sqrt(np.minimum(np.ceil(n / 5) * 5, 20) / 20))
    units = np.linspace(5_000, 200_000, 40)
    weights = np.exp(rng.normal(0.0, 1.1, 4000))
    p_counts, p_edges = np.histogram(
        np.concatenate([rng.uniform(size=900), rng.beta(0.3, 6, 100)]), bins=20, range=(0, 1)
    )
    return {
        "title": t("Gallery of report components"),
        "eyebrow": t("Experiment report"),
        "subtitle": t("Every macro and chart of abkit.reports on synthetic data; the same bytes on every run."),
        "meta": [
            (t("Experiment"), t("exp-42 ranking-v7")),
            (t("Period"), t("May 1 – May 19, 2024")),
            (t("Units"), 1_000_000),
            (t("Protocol"), t("experiment.toml")),
        ],
        "generated_at": GENERATED_AT,
        "version": "0.1.0",
        "demo": {
            "decision": "ship",
            "headline": t("Click-through rate up 1.23% with no guardrail harmed."),
            "reasons": [
                t("Primary metric significant after Holm correction (p = 0.0004)."),
                t("Guardrails within their non-inferiority margins."),
                t("No sample-ratio mismatch."),
            ],
            "tiles": [
                {
                    "label": t("Primary lift"),
                    "value": t("+1.23%"),
                    "note": t("95% CI [+0.51%, +1.95%]"),
                    "tone": "better",
                },
                {"label": t("Units"), "value": t("1,000,000"), "note": t("of 960,000 planned")},
                {"label": t("Duration"), "value": t("19 days"), "note": t("of 14 planned")},
                {"label": t("Latency p95"), "value": t("+1.80%"), "note": t("guardrail"), "tone": "worse"},
            ],
            "checks": [
                {"status": "ok", "name": t("Sample ratio"), "message": t("50.12% / 49.88% against 50/50, p = 0.018.")},
                {
                    "status": "warn",
                    "name": t("Sample size"),
                    "message": t("Ran 5 days longer than planned."),
                    "detail": t("Peeking is covered by the group-sequential plan."),
                },
                {"status": "fail", "name": t("Missing values"), "message": t("1,204 rows with null revenue.")},
                {"status": "info", "name": t("Pre-period covariate"), "message": t("CUPED not registered.")},
            ],
            "rows": rows,
            "columns": columns,
            "caption": t("Relative effects, treatment against control."),
            "forest": [
                (t(name), eff, lo, hi, r["tone"]) for (name, eff, lo, hi, *_), r in zip(metrics, rows, strict=True)
            ],
            "forest_title": t("Relative effect with 95% CI"),
            "axis_label": t("Relative effect (treatment − control) / control"),
            "day_label": t("Day"),
            "units_label": t("Units per arm"),
            "count_label": t("Units"),
            "weight_label": t("Importance weight (log scale)"),
            "p_label": t("p-value"),
            "diff_label": t("Difference in means"),
            "margins": [(-0.01, t("NI margin"))],
            "figure_caption": t("Squares are estimates; blue is better, vermillion worse, grey not significant."),
            "days": days,
            "series": [
                Series(
                    t("Cumulative lift"),
                    effect.tolist(),
                    low=(effect - half).tolist(),
                    high=(effect + half).tolist(),
                    role="treatment",
                ),
                Series(t("Efficacy boundary"), boundary.tolist(), role="neutral", step=True, dashed=True),
            ],
            "line_title": t("Cumulative relative effect"),
            "y_label": t("Lift"),
            "looks": [(days[4], t("Look 1")), (days[9], t("Look 2")), (days[14], t("Look 3"))],
            "references": [(0.0, t("no effect"))],
            "kv_title": t("Planned against actual"),
            "design": [
                (t("MDE (relative)"), t("1.0%")),
                (t("Alpha / power"), t("0.05 / 80%")),
                (t("Planned units per arm"), 480_000),
                (t("Observed units per arm"), 500_000),
                (t("Baseline CTR"), 0.031415926),
                (t("Sequential"), True),
            ],
            "units": units.tolist(),
            "power": {
                t("MDE 1%"): (1 - np.exp(-units / 60_000)).tolist(),
                t("MDE 0.5%"): (1 - np.exp(-units / 240_000)).tolist(),
            },
            "plan": 96_000,
            "plan_label": t("Plan"),
            "power_title": t("Power against sample size"),
            "arms": [t("control"), t("treatment")],
            "counts": [501_234, 498_766],
            "bar_title": t("Units per arm"),
            "bar_refs": [(500_000, t("expected"))],
            "weights": weights.tolist(),
            "hist_title": t("Importance weights"),
            "weight_markers": [(1.0, t("weight 1"))],
            "p_edges": p_edges.tolist(),
            "p_counts": p_counts.tolist(),
            "p_title": t("p-values of the A/A runs"),
            "p_markers": [(0.05, t("alpha"))],
            "forest_edge": [
                (t("one-sided, greater"), 0.4, 0.1, float("inf"), "better"),
                (t("one-sided, less"), -0.2, float("-inf"), 0.05, "neutral"),
                (t("no estimate"), float("nan"), float("nan"), float("nan"), "neutral"),
                (t("a very long metric label that does not fit in the label column at all"), 0.1, -0.3, 0.5, "worse"),
            ],
            "edge_title": t("Infinite bounds, missing values, long labels"),
            "empty_title": t("Nothing to plot"),
            "huge_x": [1e3, 1e6, 1e9, 1e12],
            "huge_series": [Series(t("huge"), [-1e300, 0.0, 1e300, 5e299])],
            "huge_title": t("Huge range"),
            "neg_labels": [t("loss A"), t("loss B"), t("flat")],
            "neg_values": [-0.034, -0.012, 0.0],
            "neg_title": t("Negative values only"),
            "other_verdicts": [
                ("no-ship", t("Revenue per user fell 2.1% (guardrail breached).")),
                ("inconclusive", t("No metric moved; the test was underpowered for 0.5%.")),
                ("invalid", t("Sample-ratio mismatch: p < 0.0001; results not trustworthy.")),
            ],
            "empty_text": t("No secondary metrics were registered."),
            "methods_title": t("Methods"),
            "methods_text": t("Welch t-tests on unit-level means; relative effects by the delta method."),
            "methods": {t("Test"): t("Welch t"), t("Correction"): t("Holm"), t("Confidence level"): 0.95},
            "open_title": t("Notes (open by default)"),
        },
    }


def render_gallery(inject: str = "") -> str:
    """The gallery page as HTML text."""
    return render_page("gallery.html", gallery_context(inject))
