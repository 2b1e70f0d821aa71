"""The public names of DESIGN.md exist where users type them."""

from __future__ import annotations

import abkit as ab


def test_api_top_level_names_exist() -> None:
    for name in ["Mean", "Proportion", "Ratio", "Guardrail", "analyze", "stats", "datasets", "AbkitError"]:
        assert hasattr(ab, name), name


def test_api_stats_functions_exist() -> None:
    for name in ["ttest", "ztest_proportions", "ratio_test", "cuped", "srm", "adjust_pvalues"]:
        assert callable(getattr(ab.stats, name)), name


def test_api_errors_are_value_errors() -> None:
    assert issubclass(ab.AbkitError, ValueError)
    for cls in (ab.ColumnError, ab.DataError, ab.ParameterError, ab.ProtocolError):
        assert issubclass(cls, ab.AbkitError)


def test_api_comparison_confidence_interval_recomputes_level() -> None:
    r = ab.stats.ttest([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 3.5, 4.0, 6.0, 7.0])
    lo95, hi95 = r.confidence_interval()
    lo90, hi90 = r.confidence_interval(0.90)
    assert (lo95, hi95) == (r.ci_low, r.ci_high)
    assert lo95 < lo90 < r.effect < hi90 < hi95
