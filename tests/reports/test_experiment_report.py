"""The committee report of an experiment: sections in order, the result's numbers, safety, bytes, a real browser."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

import abkit as ab
from abkit.reports.numbers import fmt_pct, fmt_pvalue
from tests.reports.chromium import pixels, screenshot
from tests.reports.gallery import HOSTILE
from tests.reports.markup_checks import assert_balanced, assert_no_external_refs, assert_no_injection

SECTIONS = ["Verdict", "Can the test be trusted?", "Primary metrics", "Guardrails", "Secondary metrics",
            "Methods and references", "Reproducibility"]  # fmt: skip


def _result(name: str = "ranking-v7", arm: str = "treatment", metric: str = "revenue per user") -> ab.ExperimentResult:
    df = ab.datasets.make_experiment(20_000, seed=5)
    df["variant"] = df["variant"].replace({"treatment": arm})
    return ab.analyze(
        df,
        [ab.Mean("revenue", covariate="revenue_pre", name=metric), ab.Ratio("clicks", "displays", name="ctr")],
        secondary=[ab.Proportion("converted")],
        guardrails=[ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False), margin=0.02)],
        name=name,
    )


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


def test_experiment_report_has_sections_in_order_and_the_numbers() -> None:
    res = _result()
    html = res.to_html(generated_at="2026-12-07 10:00 UTC")
    assert_balanced(html)
    text = _text(html)
    positions = [text.find(s) for s in SECTIONS]
    assert all(p >= 0 for p in positions), dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    t = res.table
    for _, row in t.iterrows():
        assert fmt_pct(row["rel_effect"], signed=True) in text
        if row["role"] != "guardrail":
            assert fmt_pvalue(row["pvalue_adj"]) in text
    assert res.fingerprint in text
    assert {"ship": "Ship", "no-ship": "Do not ship", "inconclusive": "Inconclusive"}[res.decision] in text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_experiment_report_escapes_hostile_names_everywhere(hostile: str) -> None:
    res = _result(name=f"exp {hostile}", arm=f"arm {hostile}", metric=f"rev {hostile}")
    html = res.to_html()
    assert_no_injection(html)
    if "{{7*7}}" in hostile:
        assert "{{7*7}}" in html  # a template string in a name is text, never evaluated
    assert_no_injection(str(res._repr_html_()))


def test_experiment_report_has_no_external_references() -> None:
    assert_no_external_refs(_result().to_html())


def test_experiment_report_is_byte_identical_across_processes(tmp_path) -> None:
    code = (
        "import abkit as ab, sys\n"
        "df = ab.datasets.make_experiment(5000, seed=9)\n"
        "r = ab.analyze(df, [ab.Mean('revenue'), ab.Ratio('clicks', 'displays')])\n"
        "sys.stdout.write(r.to_html(generated_at='2026-12-07'))\n"
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


def test_experiment_report_with_20_metrics_is_under_1mb() -> None:
    rng = np.random.default_rng(0)
    df = ab.datasets.make_experiment(5_000, seed=1)
    metrics = []
    for i in range(20):
        df[f"m{i}"] = rng.normal(size=len(df))
        metrics.append(ab.Mean(f"m{i}"))
    html = ab.analyze(df, metrics[:5], secondary=metrics[5:]).to_html()
    assert len(html.encode()) < 1_000_000


@pytest.mark.browser
def test_experiment_report_renders_in_chromium(tmp_path) -> None:
    page = tmp_path / "report.html"
    _result().to_html(page, generated_at="2026-12-07 10:00 UTC")
    run = screenshot(page, tmp_path, size=(1280, 2400))
    assert run.png is not None
    image = pixels(run.png)
    assert image.std() > 0.05
    assert run.console == []
