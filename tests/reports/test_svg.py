from __future__ import annotations

import datetime as dt
import html
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from abkit.errors import ParameterError
from abkit.reports.svg import (
    ForestRow,
    Series,
    bar_chart,
    forest_plot,
    histogram,
    histogram_counts,
    line_chart,
    no_data,
    power_curve,
)
from abkit.reports.svgdoc import ROLE_COLOURS, SERIES_COLOURS
from tests.reports.gallery import HOSTILE
from tests.reports.markup_checks import SVG_NS, assert_no_external_refs, assert_no_injection, check_svg, texts

INF = math.inf
NAN = math.nan


def _elements(root, tag):
    return list(root.iter(SVG_NS + tag))


def _markers(root, fill):
    """The estimate squares of a forest plot (10 x 10 rects) in one colour, by row."""
    return [r for r in _elements(root, "rect") if r.get("width") == "10" and r.get("fill") == fill]


# --- forest plot ---------------------------------------------------------------------------------------------


def test_forest_plot_markers_ordered_by_estimate():
    rows = [("a", 1.0, 0.5, 1.5, "better"), ("b", 2.0, 1.5, 2.5, "better"), ("c", -1.0, -2.0, 0.0, "better")]
    root = check_svg(forest_plot(rows))
    xs = [float(r.get("x")) + 5 for r in _markers(root, ROLE_COLOURS["better"])]
    assert xs[2] < xs[0] < xs[1]
    zero_line = [ln for ln in _elements(root, "line") if ln.get("stroke") == "#4B5563"]
    assert len(zero_line) == 1
    x0 = float(zero_line[0].get("x1"))
    # the axis is linear: equal steps in the estimate are equal steps on the page
    assert xs[0] - x0 == pytest.approx(x0 - xs[2], abs=0.02)
    assert xs[1] - xs[0] == pytest.approx(xs[0] - x0, abs=0.02)


def test_forest_plot_infinite_bounds_drawn_as_arrows():
    rows = [ForestRow("greater", 0.4, 0.1, INF, "better"), ForestRow("less", -0.2, -INF, 0.05, "worse")]
    svg = forest_plot(rows)
    root = check_svg(svg)
    arrows = [p for p in _elements(root, "path") if p.get("d", "").endswith("Z")]
    assert {a.get("fill") for a in arrows} == {ROLE_COLOURS["better"], ROLE_COLOURS["worse"]}
    assert "∞" in svg and "−∞" in svg


def test_forest_plot_nan_row_has_no_marker_but_keeps_label():
    root = check_svg(forest_plot([("ok", 0.1, 0.0, 0.2), ("missing", NAN, NAN, NAN)]))
    assert len(_markers(root, ROLE_COLOURS["neutral"])) == 1
    assert "missing" in texts(root)


def test_forest_plot_margins_and_percent_labels():
    svg = forest_plot([("CTR", 0.012, 0.004, 0.02)], percent=True, margins=[(-0.01, "NI margin"), 0.03])
    root = check_svg(svg)
    dashed = [ln for ln in _elements(root, "line") if ln.get("stroke-dasharray") == "5 4"]
    assert len(dashed) == 2
    assert {"NI margin", "margin", "+1.20%", "[+0.40%, +2.00%]", "−1%", "3%"} <= set(texts(root))


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [("all missing", NAN, NAN, NAN)],
        [("only infinite", INF, -INF, INF)],
    ],
)
def test_forest_plot_nothing_finite_gives_no_data(rows):
    svg = forest_plot(rows, title="T", zero=None)
    assert "No data to show" in svg
    check_svg(svg)


def test_forest_plot_negative_only_and_huge_ranges():
    for rows in ([("a", -5.0, -7.0, -3.0), ("b", -2.0, -2.5, -1.5)], [("huge", 1e300, -1e308, 1e308)]):
        root = check_svg(forest_plot(rows, zero=None))
        assert len(_markers(root, ROLE_COLOURS["neutral"])) == len(rows)


def test_forest_plot_bad_rows_raise():
    with pytest.raises(ParameterError, match="row must be"):
        forest_plot([("a", 1.0, 2.0)])
    with pytest.raises(ParameterError, match="colour role"):
        forest_plot([("a", 1.0, 0.0, 2.0, "green")])
    with pytest.raises(ParameterError, match="must be numbers"):
        forest_plot([("a", "one", 0.0, 2.0)])


def test_forest_plot_long_label_truncated_with_full_tooltip():
    label = "a very long metric label " * 6
    root = check_svg(forest_plot([(label, 0.1, 0.0, 0.2)], width=600))
    shown = [t for t in _elements(root, "text") if t.find(SVG_NS + "title") is not None]
    assert shown and shown[0].find(SVG_NS + "title").text == label
    assert "".join(shown[0].itertext()).endswith("…")


# --- line chart and power curve ------------------------------------------------------------------------------


def _series_paths(root, colour):
    return [p for p in _elements(root, "path") if p.get("stroke") == colour]


def test_line_chart_nan_breaks_the_line():
    svg = line_chart([1, 2, 3, 4, 5, 6], [Series("s", [1.0, 2.0, NAN, 3.0, 4.0, NAN])])
    root = check_svg(svg)
    assert len(_series_paths(root, SERIES_COLOURS[0])) == 2


def test_line_chart_band_with_infinite_bound_clamped_to_plot():
    s = Series("s", [0.1, 0.2, 0.3], low=[0.0, -INF, 0.1], high=[0.2, 0.4, INF], role="treatment")
    root = check_svg(line_chart([1, 2, 3], [s]))
    band = [p for p in _elements(root, "path") if p.get("fill-opacity")]
    assert len(band) == 1


def test_line_chart_dates_axis_and_markers():
    days = [dt.date(2024, 5, 1) + dt.timedelta(days=i) for i in range(15)]
    svg = line_chart(
        days, [Series("lift", list(np.linspace(-0.01, 0.02, 15)))], percent=True, markers=[(days[7], "Look 1")]
    )
    root = check_svg(svg)
    labels = set(texts(root))
    assert {"May 1", "May 8", "May 15", "Look 1", "lift"} <= labels
    assert any(t.endswith("%") for t in labels)


def test_line_chart_dates_across_years_show_the_year():
    days = [dt.date(2023, 12, 20) + dt.timedelta(days=7 * i) for i in range(5)]
    root = check_svg(line_chart(days, [Series("y", [1, 2, 3, 4, 5])]))
    assert "Dec 20 2023" in texts(root)


def test_line_chart_datetime64_and_datetime_agree_with_dates():
    dates = [dt.date(2024, 1, 1), dt.date(2024, 1, 5)]
    as_dt = [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5)]
    as_np = np.array(["2024-01-01", "2024-01-05"], dtype="datetime64[D]")
    charts = [line_chart(x, [Series("y", [1.0, 2.0])]) for x in (dates, as_dt, list(as_np))]
    assert charts[0] == charts[1] == charts[2]


def test_line_chart_step_series_has_horizontal_segments():
    root = check_svg(line_chart([1, 2, 3], [Series("b", [3.0, 2.0, 1.0], step=True)]))
    d = _series_paths(root, SERIES_COLOURS[0])[0].get("d")
    points = [tuple(map(float, p.split())) for p in d[1:].split(" L")]
    assert len(points) == 5 and points[0][1] == points[1][1] and points[1][0] == points[2][0]


def test_line_chart_log_x_skips_non_positive():
    root = check_svg(line_chart([-1, 0, 10, 100, 1000], [Series("y", [5, 5, 1, 2, 3])], log_x=True))
    assert {"10", "100", "1,000"} <= set(texts(root))


def test_line_chart_length_mismatch_raises():
    with pytest.raises(ParameterError, match="one value per x"):
        line_chart([1, 2, 3], [Series("s", [1.0, 2.0])])
    with pytest.raises(ParameterError, match="all numbers or all dates"):
        line_chart([1, "two"], [Series("s", [1.0, 2.0])])


def test_line_chart_all_missing_gives_no_data():
    assert "No data" in line_chart([1, 2], [Series("s", [NAN, NAN])])
    assert "No data" in line_chart([], [])


def test_power_curve_marks_plan_with_interpolated_power():
    svg = power_curve([1000, 2000, 3000], [0.5, 0.7, 0.9], plan=2500, target=0.8)
    root = check_svg(svg)
    labels = set(texts(root))
    assert "Plan: 2,500 · 80% power" in labels
    assert {"0%", "20%", "100%", "target 80%"} <= labels


def test_power_curve_several_curves_get_a_legend():
    root = check_svg(power_curve([1, 2], {"MDE 1%": [0.3, 0.9], "MDE 2%": [0.6, 1.0]}, plan=None))
    assert {"MDE 1%", "MDE 2%"} <= set(texts(root))


# --- histograms and bars -------------------------------------------------------------------------------------


def _bars(root, fill="#0072B2"):
    return [r for r in _elements(root, "rect") if r.get("fill") == fill]


def test_histogram_bar_heights_proportional_to_counts():
    root = check_svg(histogram_counts([0.0, 1.0, 2.0, 3.0], [10, 20, 40]))
    heights = [float(r.get("height")) for r in _bars(root)]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.02)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.02)
    assert "70 values" in texts(root)


def test_histogram_counts_hidden_values_in_note():
    values = [0.5, 1.0, 2.0, NAN, INF, -3.0, 0.0]
    root = check_svg(histogram(values, bins=4, log_x=True))
    note = next(t for t in texts(root) if "values" in t)
    assert note.startswith("3 values; 4 not shown")
    assert sum(1 for _ in _bars(root)) <= 4


def test_histogram_explicit_edges_and_constant_values():
    root = check_svg(histogram([0.01, 0.02, 0.5, 0.7, 1.5], bins=[0.0, 0.5, 1.0]))
    assert next(t for t in texts(root) if "values" in t).startswith("4 values; 1 not shown")
    check_svg(histogram([3.0] * 10, bins=5))
    check_svg(histogram([3.0] * 10, bins=5, log_x=True))


def test_histogram_bad_input_raises_or_shows_no_data():
    assert "No finite values" in histogram([NAN, INF])
    with pytest.raises(ParameterError, match="edges must be"):
        histogram([1.0], bins=[1.0, 1.0])
    with pytest.raises(ParameterError, match="len\\(edges\\) == len\\(counts\\) \\+ 1"):
        histogram_counts([0, 1, 2], [1])
    with pytest.raises(ParameterError, match="bins"):
        histogram([1.0], bins=0)


def test_bar_chart_negative_bars_left_of_zero():
    root = check_svg(bar_chart(["a", "b", "c"], [-2.0, 1.0, NAN], roles=["worse", "better", None]))
    zero = next(ln for ln in _elements(root, "line") if ln.get("stroke") == "#4B5563")
    x0 = float(zero.get("x1"))
    neg = _bars(root, ROLE_COLOURS["worse"])[0]
    pos = _bars(root, ROLE_COLOURS["better"])[0]
    assert float(neg.get("x")) + float(neg.get("width")) == pytest.approx(x0, abs=0.02)
    assert float(pos.get("x")) == pytest.approx(x0, abs=0.02)
    assert float(neg.get("width")) == pytest.approx(2 * float(pos.get("width")), abs=0.02)
    assert "—" in texts(root)


def test_bar_chart_infinite_value_runs_off_with_arrow():
    root = check_svg(bar_chart(["a", "b"], [1.0, INF]))
    assert any(p.get("d", "").endswith("Z") for p in _elements(root, "path"))
    assert "∞" in texts(root)


def test_bar_chart_mismatched_inputs_raise():
    with pytest.raises(ParameterError, match="labels"):
        bar_chart(["a"], [1.0, 2.0])
    with pytest.raises(ParameterError, match="roles"):
        bar_chart(["a", "b"], [1.0, 2.0], roles=["better"])


# --- every chart: escaping, determinism, robustness ----------------------------------------------------------

CHARTS = {
    "forest": lambda s: forest_plot(
        [(s, 0.1, 0.0, 0.2), (s, -INF, -INF, 1.0)], title=s, x_label=s, margins=[(0.05, s)]
    ),
    "line": lambda s: line_chart(
        [1, 2, 3],
        [Series(s, [1, 2, 3], low=[0, 1, 2], high=[2, 3, 4])],
        title=s,
        x_label=s,
        y_label=s,
        markers=[(2, s)],
        references=[(1.5, s)],
    ),
    "power": lambda s: power_curve([1, 2, 3], {s: [0.1, 0.5, 0.9]}, plan=2, title=s, x_label=s, plan_label=s),
    "histogram": lambda s: histogram([1, 2, 2, 3], bins=3, title=s, x_label=s, y_label=s, markers=[(2, s)]),
    "counts": lambda s: histogram_counts([0, 1, 2], [3, 4], title=s, x_label=s, y_label=s, markers=[(1, s)]),
    "bars": lambda s: bar_chart([s, s], [1.0, -1.0], title=s, x_label=s, references=[(0.5, s)]),
    "no_data": lambda s: no_data(s, s),
}


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_chart_escapes_every_text(chart, hostile):
    svg = CHARTS[chart](hostile)
    assert isinstance(svg, Markup)
    root = check_svg(svg)
    assert_no_injection(svg)
    assert_no_external_refs(svg)
    # the hostile text is there, as text, in every slot (titles, labels, names)
    assert hostile in texts(root)
    assert html.escape(hostile, quote=False) in svg


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_chart_is_deterministic_and_self_contained(chart):
    first, second = CHARTS[chart]("label"), CHARTS[chart]("label")
    assert first == second
    assert re.search(r"\bid=", first) is None  # no ids: many charts can share a page
    assert "<script" not in first and "href" not in first


finite_or_not = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from([0.0, -0.0, 1e-300, -1e300, 1e308]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite_or_not, finite_or_not, finite_or_not), max_size=6))
def test_forest_plot_never_crashes_and_stays_in_bounds(rows):
    check_svg(forest_plot([(f"r{i}", *r) for i, r in enumerate(rows)], margins=[0.5]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(finite_or_not, finite_or_not, finite_or_not, finite_or_not), min_size=1, max_size=8),
    st.booleans(),
)
def test_line_chart_never_crashes_and_stays_in_bounds(points, log_x):
    x, y, lo, hi = (list(v) for v in zip(*points, strict=True))
    check_svg(line_chart(x, [Series("s", y, low=lo, high=hi), Series("t", hi, step=True)], log_x=log_x))


@settings(max_examples=60, deadline=None)
@given(st.lists(finite_or_not, max_size=30), st.integers(1, 12), st.booleans())
def test_histogram_and_bars_never_crash_and_stay_in_bounds(values, bins, log_x):
    check_svg(histogram(values, bins=bins, log_x=log_x))
    check_svg(bar_chart([str(i) for i in range(len(values))], values))
