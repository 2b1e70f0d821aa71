"""The offline-evaluation report: order, numbers, escaping, bytes, weights histogram, a real browser."""

from __future__ import annotations

import numpy as np
import pytest

import abkit as ab
from abkit.metrics.diagnostics import weight_histogram
from abkit.reports.numbers import fmt_pct
from tests.reports.chromium import pixels, screenshot
from tests.reports.gallery import HOSTILE
from tests.reports.markup_checks import assert_balanced, assert_no_external_refs, assert_no_injection
from tests.reports.test_experiment_report import _text


@pytest.fixture(scope="module")
def logs():
    return ab.datasets.make_bandit_logs(50_000, seed=4)


def _offline(logs, candidate: str = "candidate"):
    df = logs.rename(columns={"target_propensity": candidate})
    spec = {candidate: {"target_propensity": candidate, "v_hat": "v_hat"}}
    return ab.metrics.evaluate(df, estimators=["ips", "snips", "ncis", "dr"], cap=20, candidates=spec)


def test_offline_report_sections_in_order_and_numbers(logs) -> None:
    off = _offline(logs)
    d = off.diagnostics.iloc[0]
    hist = weight_histogram(logs, min_weight=d["min_weight"], max_weight=d["max_weight"])
    html = off.to_html(histogram=hist, generated_at="2026-12-07")
    assert_balanced(html)
    text = _text(html)
    order = ["Verdict", "Can the logs be trusted?", "Estimators", "Cap sensitivity", "Weight distribution", "Methods"]
    pos = [text.find(s) for s in order]
    assert all(p >= 0 for p in pos) and pos == sorted(pos), pos
    for _, row in off.table.iterrows():
        assert fmt_pct(row["rel_lift"], signed=True) in text
    assert f"{d['ess']:,.0f}" in text


def test_offline_weight_histogram_counts_every_row(logs) -> None:
    w = (logs["target_propensity"] / logs["propensity"]).to_numpy()
    edges, counts, zeros = weight_histogram(logs, min_weight=w.min(), max_weight=w.max(), bins=10)
    assert counts.sum() + zeros == len(w)
    inner, _ = np.histogram(w[(w > edges[0]) & (w < edges[-1])], bins=edges)
    np.testing.assert_array_equal(counts[1:-1], inner[1:-1])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_offline_report_escapes_hostile_candidate_names(logs, hostile: str) -> None:
    html = _offline(logs, candidate=f"cand {hostile}").to_html(title=f"offline {hostile}")
    assert_no_injection(html)
    assert_no_external_refs(html)


def test_offline_report_same_bytes(logs) -> None:
    assert _offline(logs).to_html(generated_at="x") == _offline(logs).to_html(generated_at="x")


@pytest.mark.browser
def test_offline_report_renders_in_chromium(logs, tmp_path) -> None:
    page = tmp_path / "offline.html"
    _offline(logs).to_html(page)
    run = screenshot(page, tmp_path)
    assert run.png is not None and pixels(run.png).std() > 0.05
    assert run.console == []
