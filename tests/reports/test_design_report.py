"""The design report: sections in order, the design's numbers, safety, bytes, well-formed charts, a real browser."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.protocols.design import DesignResult, design
from abkit.reports.design import design_context, design_report
from abkit.reports.numbers import fmt_int, fmt_pct
from tests.reports.chromium import pixels, screenshot
from tests.reports.gallery import HOSTILE
from tests.reports.markup_checks import (
    assert_balanced,
    assert_no_external_refs,
    assert_no_injection,
    check_svg,
    svgs_in,
    texts,
)

SECTIONS = ["The plan", "Metrics", "Power against sample size", "Minimum detectable effect against duration",
            "Sequential plan", "Notes", "Methods and references", "Reproducibility"]  # fmt: skip


def _history(n: int = 30_000) -> pd.DataFrame:
    df = ab.datasets.make_experiment(n, seed=4).drop(columns=["variant"])
    rng = np.random.default_rng(0)
    df["clicks_pre"] = df["clicks"] + rng.poisson(1.0, len(df))
    df["displays_pre"] = df["displays"] + rng.poisson(3.0, len(df))
    return df


def _design(name: str = "ranker-v2", metric: str = "revenue", arm: str = "treatment", **kw) -> DesignResult:
    p = ab.Protocol(
        name=name,
        hypothesis=f"{name}: the ranker raises revenue per user by 2%",
        variant="variant",
        control="control",
        unit="user_id",
        arms={"control": 0.5, arm: 0.5},
        primary=[ab.Mean("revenue", covariate="revenue_pre", name=metric)],
        secondary=[ab.Proportion("converted", name=f"{metric} conv"),
                   ab.Ratio("clicks", "displays", covariate=("clicks_pre", "displays_pre"), name=f"{metric} ctr")],
        guardrails=[ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False, name=f"{metric} latency"),
                                 margin=0.02)],
        mde=0.02,
        mde_relative=True,
        sequential={"looks": 3, "spending": "obrien-fleming"},
    )  # fmt: skip
    return design(p, history=_history(), designed_at="2026-12-01T09:00:00+00:00", **kw)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def _text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(" ".join(p.chunks).split())


def test_design_report_has_sections_in_order_and_the_numbers():
    d = _design()
    html = d.to_html(generated_at="2026-12-07 10:00 UTC")
    assert_balanced(html)
    text = _text(html)
    assert re.findall(r"<h2 id=\"\w+\">(.*?)</h2>", html) == SECTIONS
    for value in (d.units_per_arm, d.total_units):
        assert fmt_int(value) in text
    assert f"{d.days} days" in text and "+2.00%" in text and "80%" in text
    for row in d.table.to_dict(orient="records"):
        assert row["metric"] in text
        assert fmt_int(row["units_per_arm"]) in text and fmt_pct(row["power"], 1) in text
    for z in d.sequential.z:
        assert f"{z:.3f}" in text
    assert "designed_at" in text and "2026-12-01T09:00:00+00:00" in text  # the protocol with its plan
    assert "on 2026-12-07 10:00 UTC" in text


def test_design_report_charts_are_well_formed_and_mark_the_plan():
    d = _design()
    html = design_report(d)
    svgs = svgs_in(html)
    assert len(svgs) == 3  # power, MDE against days, distinct units by day
    roots = [check_svg(s) for s in svgs]
    labels = [" ".join(texts(r)) for r in roots]
    assert f"Plan: {d.units_per_arm:,}" in labels[0] and "target 80%" in labels[0]
    assert f"Plan: {d.days} days" in labels[1]
    assert f"needed: {d.total_units:,}" in labels[2]


def test_design_report_without_days_shows_mde_against_size():
    p = ab.Protocol(name="x", variant="variant", control="control", arms={"control": 0.5, "treatment": 0.5},
                    primary=[ab.Proportion("converted")], mde=0.05, mde_relative=True)  # fmt: skip
    d = design(p, baseline=0.1)
    text = _text(design_report(d))
    assert "Minimum detectable effect against size" in text and "not planned" in text
    assert "Sequential plan" not in text
    ctx = design_context(d)
    assert ctx["d"]["traffic_chart"] is None and ctx["d"]["sequential"] is None


@pytest.mark.parametrize("hostile", HOSTILE)
def test_design_report_escapes_hostile_names_everywhere(hostile):
    d = _design(name=f"exp {hostile}", metric=f"rev {hostile}", arm=f"arm {hostile}")
    html = d.to_html()
    assert_no_injection(html)
    for svg in svgs_in(html):
        check_svg(svg)
    if "{{7*7}}" in hostile:
        assert "exp {{7*7}}" in html  # a template string in a name is text, never evaluated
    assert_no_injection(d._repr_html_())


def test_design_report_has_no_external_references():
    assert_no_external_refs(_design().to_html())


def test_design_report_is_byte_identical_across_processes():
    code = (
        "import abkit as ab, sys\n"
        "from abkit.protocols.design import design\n"
        "df = ab.datasets.make_experiment(5000, seed=9)\n"
        "p = ab.Protocol(name='x', variant='variant', control='control', arms={'control': .5, 'treatment': .5},\n"
        "                primary=[ab.Mean('revenue')], secondary=[ab.Ratio('clicks', 'displays')], mde=0.05,\n"
        "                mde_relative=True)\n"
        "sys.stdout.write(design(p, history=df, daily_units=800).to_html(generated_at='2026-12-07'))\n"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outs[0] == outs[1] and len(outs[0]) > 10_000


def test_design_report_writes_the_file(tmp_path):
    d = _design()
    path = tmp_path / "design.html"
    html = d.to_html(path, generated_at="2026-12-07")
    assert path.read_text(encoding="utf-8") == html
    assert len(html.encode()) < 300_000


@pytest.mark.browser
def test_design_report_renders_in_chromium(tmp_path):
    page = tmp_path / "design.html"
    _design().to_html(page, generated_at="2026-12-07 10:00 UTC")
    run = screenshot(page, tmp_path, size=(1280, 3200))
    assert run.png is not None
    image = pixels(run.png)
    assert image.std() > 0.05
    ink = (image.min(axis=2) < 0.9).mean()
    assert 0.02 < ink < 0.5, ink
    assert run.console == []
