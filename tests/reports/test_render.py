from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import hashlib
import math
import subprocess
import sys
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from abkit.errors import ParameterError
from abkit.reports import numbers, render, scales, svg, svgbars, svgdoc
from abkit.reports.numbers import fmt_ci, fmt_int, fmt_num, fmt_pct, fmt_pvalue
from abkit.reports.render import Column, cell, environment, render_fragment, render_page, tone, write_page
from abkit.reports.scales import date_ticks, log_ticks, nice_ticks, tick_labels
from abkit.reports.svgdoc import ROLE_COLOURS
from tests.reports.gallery import GENERATED_AT, HOSTILE, gallery_context, render_gallery
from tests.reports.markup_checks import (
    assert_balanced,
    assert_no_external_refs,
    assert_no_injection,
    check_svg,
    data_values,
    svgs_in,
)

ROOT = Path(__file__).resolve().parents[2]
NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("module", [numbers, scales, svgdoc, svg, svgbars, render])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --- number filters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.012345, {}, "0.0123"),
        (1.0, {}, "1.00"),
        (9.996, {}, "10.0"),  # rounding up gains an integer digit, not a fourth significant digit
        (999.7, {}, "1,000"),
        (12345.678, {}, "12,346"),
        (-1.5, {"signed": True}, "−1.50"),
        (0.25, {"signed": True}, "+0.250"),
        (0.0, {"signed": True}, "0"),
        (-0.0, {}, "0"),
        (1.23456e-5, {}, "1.23e−5"),
        (-4.2e17, {}, "−4.20e17"),
        (0.000123456, {"digits": 2}, "0.00012"),
        (NAN, {}, "—"),
        (None, {}, "—"),
        (INF, {"signed": True}, "+∞"),
        (-INF, {}, "−∞"),
        (np.float32(0.5), {}, "0.500"),
        (np.int64(7), {}, "7.00"),
    ],
)
def test_fmt_num_cases(value, kwargs, expected):
    assert fmt_num(value, **kwargs) == expected


@given(st.floats(min_value=-1e14, max_value=1e14, allow_nan=False).filter(lambda v: abs(v) >= 1e-4 or v == 0))
def test_fmt_num_round_trips_to_three_significant_digits(value):
    text = fmt_num(value).replace("−", "-").replace(",", "")
    back = float(text)
    if abs(value) >= 1000:  # every integer digit is kept
        assert back == round(value)
    else:
        assert back == pytest.approx(float(f"{value:.3g}"), rel=1e-12, abs=0)


def test_fmt_int_pct_pvalue_ci_cases():
    assert fmt_int(1234567) == "1,234,567"
    assert fmt_int(-3.4) == "−3"
    assert fmt_int(-0.3) == "0"
    assert fmt_pct(0.0123) == "1.23%"
    assert fmt_pct(-0.05, 1, signed=True) == "−5.0%"
    assert fmt_pct(-0.00001, signed=True) == "0.00%"  # no sign on a zero that was rounded
    assert fmt_pct(None) == "—"
    assert fmt_pvalue(0.04987) == "0.0499"
    assert fmt_pvalue(0.51234, 2) == "0.51"
    assert fmt_pvalue(3e-9) == "<0.0001"
    assert fmt_pvalue(0.0001) == "0.000100"
    assert fmt_pvalue(5e-4, floor=1e-3) == "<0.001"
    assert fmt_pvalue(1.0) == "1.00"
    assert fmt_pvalue(1.0 + 1e-15) == "1.00"
    assert fmt_pvalue(NAN) == "—"
    assert fmt_ci(-0.0123, 0.0456) == "[−0.0123, 0.0456]"
    assert fmt_ci(0.01, INF, pct=True, signed=True) == "[+1.00%, +∞]"
    assert fmt_ci(-INF, 2.0) == "[−∞, 2.00]"
    assert fmt_ci(NAN, None) == "—"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: fmt_num("1.5"), "must be a number or None. Got the string '1.5'"),
        (lambda: fmt_num(object()), "Got object instead"),
        (lambda: fmt_num(1.0, 0), "'digits' parameter of fmt_num must be an int in \\[1, 17\\]"),
        (lambda: fmt_pct(1.0, -1), "'digits' parameter of fmt_pct"),
        (lambda: fmt_pvalue(1.5), "must be a p-value in \\[0, 1\\]"),
        (lambda: fmt_pvalue(-0.1), "must be a p-value"),
        (lambda: fmt_pvalue(0.5, floor=2.0), "'floor' parameter"),
        (lambda: fmt_ci("a", 1.0), "'low' parameter of fmt_ci"),
    ],
)
def test_number_filters_reject_bad_input(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


# --- scales --------------------------------------------------------------------------------------------------


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.floats(min_value=1e-9, max_value=1e12, allow_nan=False),
    st.integers(2, 10),
)
def test_nice_ticks_cover_the_range_with_round_equal_steps(lo, span, max_ticks):
    hi = lo + span
    if span < abs(lo) * 1e-9:  # narrower than any chart's axis; float spacing would dominate
        return
    ticks = nice_ticks(lo, hi, max_ticks=max_ticks)
    steps = np.diff(ticks)
    step = float(np.median(steps))
    slack = step * 1e-6 + 4 * np.spacing(max(abs(lo), abs(hi)))
    assert ticks[0] <= lo + slack and ticks[-1] >= hi - slack
    assert 2 <= len(ticks) <= max_ticks + 1
    assert np.allclose(steps, step, rtol=1e-6, atol=8 * np.spacing(max(abs(ticks[0]), abs(ticks[-1]))))
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5, 10)) < 1e-4


def test_nice_ticks_extreme_spans():
    ticks = nice_ticks(-1.7e308, 1.7e308)
    assert all(math.isfinite(t) for t in ticks) and ticks[0] <= -1e300 and ticks[-1] >= 1e300
    with pytest.raises(ParameterError, match="finite lo < hi"):
        nice_ticks(1.0, 1.0)


def test_log_and_date_ticks():
    assert log_ticks(0.3, 40) == [0.1, 1.0, 10.0, 100.0]
    assert log_ticks(2, 8) == [1.0, 2.0, 5.0, 10.0]
    decades = log_ticks(1e-6, 1e12)
    assert len(decades) <= 10 and decades[0] <= 1e-6 and decades[-1] >= 1e12
    start = dt.date(2024, 5, 1).toordinal()
    assert date_ticks(start, start + 18) == [float(start + 7 * i) for i in range(3)]
    assert date_ticks(start, start + 3) == [float(start + i) for i in range(4)]
    assert len(date_ticks(start, start + 3000)) <= 7


def test_tick_labels_share_decimals_and_units():
    assert tick_labels([0.0, 0.5, 1.0, 1.5]) == ["0.0", "0.5", "1.0", "1.5"]
    assert tick_labels([0.0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"]
    assert tick_labels([-0.02, 0.0, 0.02], percent=True) == ["−2%", "0%", "2%"]
    assert tick_labels([0, 20000, 40000]) == ["0", "20k", "40k"]
    assert tick_labels([0, 1e9, 2e9]) == ["0", "1B", "2B"]
    assert tick_labels([0.01, 0.1, 1, 10, 1000], log=True) == ["0.01", "0.1", "1", "10", "1,000"]
    assert tick_labels([1e-5, 2e-5]) == ["1.0e−5", "2.0e−5"]


# --- environment, cells, macros ------------------------------------------------------------------------------


def test_environment_autoescapes_and_is_strict():
    env = environment()
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(jinja2.UndefinedError):
        render_page("gallery.html", {"title": "no demo given"})


def test_render_page_unknown_template_lists_the_templates():
    with pytest.raises(ParameterError, match=r"No report template 'nope\.html'; templates are: base\.html, .*gallery"):
        render_page("nope.html", {})


@dataclasses.dataclass
class _Row:
    metric: str
    effect: float
    effect_low: float
    effect_high: float
    significant: bool | None
    tone: str | None


def test_cell_formats_and_tones():
    row = {
        "metric": "CTR",
        "lift": 0.0123,
        "ci_low": 0.001,
        "ci_high": INF,
        "p": 3e-6,
        "sig": True,
        "n": 10234.0,
        "tone": "better",
        "x": NAN,
    }
    assert cell(row, Column("lift", fmt="pct", signed=True, tone="tone")) == render.Cell("+1.23%", "abk-num abk-better")
    assert cell(row, {"key": "ci", "fmt": "ci", "pct": True}).text == "[0.10%, ∞]"
    assert cell(row, Column("p", fmt="pvalue")).text == "<0.0001"
    assert cell(row, Column("sig", fmt="bool")) == render.Cell("yes", "abk-text")
    assert cell(row, Column("n", fmt="int")).text == "10,234"
    assert cell(row, Column("x", fmt="num")).text == "—"
    assert cell(row, "metric") == render.Cell("CTR", "abk-text")
    obj = _Row("Revenue", -0.5, -1.0, 0.0, None, None)
    assert cell(obj, Column("effect", fmt="ci", digits=2)).text == "[−1.0, 0]"
    assert cell(obj, Column("significant", fmt="bool")).text == "—"
    assert cell(obj, Column("effect", fmt="num", tone="tone")).css == "abk-num"
    link = Markup("<a>kept</a>")
    assert cell({"m": link}, "m").text is link


def test_cell_rejects_unknown_fields_formats_and_tones():
    with pytest.raises(ParameterError, match="no field 'effect'; its fields are: metric"):
        cell({"metric": "a"}, "effect")
    with pytest.raises(ParameterError, match="has no field 'nope'"):
        cell(_Row("a", 1, 0, 2, True, None), "nope")
    with pytest.raises(ParameterError, match="'fmt' of Column 'x' must be one of"):
        Column("x", fmt="percent")
    with pytest.raises(ParameterError, match="tone field 't' must hold one of better, worse, neutral"):
        cell({"x": 1.0, "t": 'better" onclick="x'}, Column("x", fmt="num", tone="t"))


@pytest.mark.parametrize(
    ("effect", "significant", "higher", "expected"),
    [
        (0.1, True, True, "better"),
        (-0.1, True, True, "worse"),
        (0.1, True, False, "worse"),
        (-0.1, True, False, "better"),
        (0.1, False, True, "neutral"),
        (NAN, True, True, "neutral"),
        (0.0, True, True, "neutral"),
    ],
)
def test_tone_follows_the_desired_direction(effect, significant, higher, expected):
    assert tone(effect, significant=significant, higher_is_better=higher) == expected


def test_table_macro_renders_dataframe_rows_with_right_aligned_numbers():
    df = pd.DataFrame({"metric": ["CTR", "<b>rev</b>"], "effect": [0.0123, -0.5], "tone": ["better", "worse"]})
    html = render_fragment(
        "table", df, [Column("metric", "Metric"), Column("effect", "Effect", fmt="num", signed=True, tone="tone")]
    )
    assert '<th scope="col" class="abk-num">Effect</th>' in html
    assert '<td class="abk-num abk-better">+0.0123</td>' in html
    assert '<td class="abk-num abk-worse">−0.500</td>' in html
    assert "&lt;b&gt;rev&lt;/b&gt;" in html
    assert_balanced(html)
    empty = render_fragment("table", [], ["metric"], empty="Nothing here")
    assert '<td class="abk-empty" colspan="1">Nothing here</td>' in empty


def test_macros_validate_decisions_and_statuses():
    for decision, label in [
        ("ship", "Ship"),
        ("no-ship", "Do not ship"),
        ("inconclusive", "Inconclusive"),
        ("invalid", "Invalid experiment"),
    ]:
        html = render_fragment("verdict_banner", decision, ["a reason"])
        assert f'abk-verdict-{decision}"' in html and label in html and "<li>a reason</li>" in html
    with pytest.raises(ParameterError, match="decision must be one of ship, no-ship, inconclusive, invalid"):
        render_fragment("verdict_banner", "maybe")
    with pytest.raises(ParameterError, match="status must be one of ok, warn, fail, info"):
        render_fragment("health_checks", [{"status": "passed", "name": "SRM"}])
    with pytest.raises(ParameterError, match="tone must be one of"):
        render_fragment("tiles", [{"label": "a", "value": "b", "tone": "good"}])
    with pytest.raises(ParameterError, match="No macro 'nope'"):
        render_fragment("nope")


def test_health_checks_accept_objects_and_mappings():
    @dataclasses.dataclass
    class Check:
        name: str
        status: str
        message: str

    html = render_fragment("health_checks", [Check("SRM", "ok", "p = 0.4"), {"name": "Size", "status": "warn"}])
    assert html.count('class="abk-badge abk-badge-ok"') == 1 and html.count('class="abk-badge abk-badge-warn"') == 1
    assert "p = 0.4" in html


def test_key_values_formats_numbers_and_flags():
    html = render_fragment("key_values", {"alpha": 0.05, "units": 1200000, "sequential": True, "note": None})
    assert "<dd>0.05000</dd>" in html and "<dd>1,200,000</dd>" in html and "<dd>yes</dd>" in html
    assert "<dd>—</dd>" in html


def test_stylesheet_palette_matches_the_charts():
    css = (render.TEMPLATE_DIR / "style.css").read_text(encoding="utf-8")
    assert f"--better: {ROLE_COLOURS['better'].lower()};" in css
    assert "{#" not in css and "{{" not in css and "{%" not in css  # inlined through Jinja
    assert "@media print" in css


# --- the gallery page: every macro and chart ----------------------------------------------------------------


def test_gallery_page_is_valid_self_contained_html():
    html = render_gallery()
    assert html.startswith("<!DOCTYPE html>")
    assert_balanced(html)
    assert_no_external_refs(html)
    assert_no_injection(html)
    assert (
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
    ) in html
    assert "on 2024-05-20 09:30 UTC" in html
    charts = svgs_in(html)
    assert len(charts) == 10
    for chart in charts:
        check_svg(chart)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_gallery_escapes_hostile_text_in_every_slot(hostile):
    html = render_gallery(hostile)
    assert_balanced(html)
    assert_no_injection(html)
    assert_no_external_refs(html)
    for chart in svgs_in(html):
        check_svg(chart)
    # every text slot shows the hostile string as data (text or attribute value), never as markup
    slots = _count_slots(gallery_context(MARKER))
    assert slots > 60
    assert sum(MARKER in v for v in data_values(render_gallery(MARKER))) >= slots
    assert sum(hostile in v for v in data_values(html)) >= slots


MARKER = "QQslotQQ"


def _count_slots(context) -> int:
    """How many strings of the context carry the marker."""

    def walk(value):
        if isinstance(value, str):
            return int(MARKER in value)
        if isinstance(value, dict):
            return sum(walk(k) + walk(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return sum(walk(v) for v in value)
        return 0

    return walk(context)


def test_gallery_same_bytes_in_separate_processes(tmp_path):
    code = (
        "import sys, hashlib; from tests.reports.gallery import render_gallery; "
        "sys.stdout.write(hashlib.sha256(render_gallery(sys.argv[1]).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code, HOSTILE[1]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        digests.add(out.stdout)
    digests.add(hashlib.sha256(render_gallery(HOSTILE[1]).encode()).hexdigest())
    assert len(digests) == 1


def test_write_page_writes_utf8_bytes(tmp_path):
    context = gallery_context()
    path = write_page(tmp_path / "gallery.html", "gallery.html", context)
    data = path.read_bytes()
    assert data.decode("utf-8") == render_page("gallery.html", context)
    assert b"\r\n" not in data
    assert context["generated_at"] == GENERATED_AT
