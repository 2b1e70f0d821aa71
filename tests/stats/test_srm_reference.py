"""R reference values for :func:`abkit.stats.srm`, the sample-ratio-mismatch check.

The check is Pearson's chi-square goodness-of-fit test of the arm counts against the planned split, R's
``chisq.test(x = counts, p = probs)``. Every stored number was printed by R 4.2.2 (Debian r-base-core) on this
project's machine with ``sprintf("%.17g", value)``; the R call is the comment above it. R's statistic is
``sum((x - E)^2 / E)`` with ``E = sum(x) * p``, its ``parameter`` (df) is ``length(x) - 1`` and its p-value
``pchisq(statistic, df, lower.tail = FALSE)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from abkit.stats import srm

RTOL = 1e-9
RTOL_TINY = 1e-6


@dataclass(frozen=True)
class SrmReference:
    name: str
    counts: tuple[int, ...]
    probs: tuple[float, ...]  # R's p; abkit's expected
    equal: bool  # the planned split is equal, so expected=None must give the same answer
    statistic: float
    parameter: int
    p_value: float


# fmt: off
SRM_REFERENCE = [
    # chisq.test(x = c(50210, 49790), p = c(0.5, 0.5))
    SrmReference("two_equal", (50210, 49790), (0.5, 0.5), True, statistic=1.764, parameter=1,
                 p_value=0.18412637278497954),
    # chisq.test(x = c(90312, 9688), p = c(0.9, 0.1))
    SrmReference("two_unequal", (90312, 9688), (0.9, 0.1), False, statistic=10.816000000000001, parameter=1,
                 p_value=0.001006266580790622),
    # chisq.test(x = c(33001, 66999), p = c(1, 2)/3)
    SrmReference("two_thirds", (33001, 66999), (1 / 3, 2 / 3), False, statistic=4.9700450000000007, parameter=1,
                 p_value=0.025789976480585196),
    # chisq.test(x = c(33412, 33210, 33378), p = rep(1/3, 3))
    SrmReference("three_equal", (33412, 33210, 33378), (1 / 3, 1 / 3, 1 / 3), True, statistic=0.70184000000000013,
                 parameter=2, p_value=0.70404007480873754),
    # chisq.test(x = c(50391, 24720, 24889), p = c(0.5, 0.25, 0.25))
    SrmReference("three_unequal", (50391, 24720, 24889), (0.5, 0.25, 0.25), False, statistic=6.6864600000000003,
                 parameter=2, p_value=0.035322681004409238),
    # chisq.test(x = c(25120, 24890, 25033, 24957), p = rep(0.25, 4))
    SrmReference("four_equal", (25120, 24890, 25033, 24957), (0.25, 0.25, 0.25, 0.25), True,
                 statistic=1.1775199999999999, parameter=3, p_value=0.75840083838249284),
    # chisq.test(x = c(40110, 20050, 19880, 19960), p = c(0.4, 0.2, 0.2, 0.2))
    SrmReference("four_unequal", (40110, 20050, 19880, 19960), (0.4, 0.2, 0.2, 0.2), False, statistic=1.2275,
                 parameter=3, p_value=0.74641651206877868),
    # chisq.test(x = c(12, 21, 9), p = rep(1/3, 3))
    SrmReference("three_small", (12, 21, 9), (1 / 3, 1 / 3, 1 / 3), True, statistic=5.5714285714285712, parameter=2,
                 p_value=0.061685012567976046),
    # chisq.test(x = c(52000, 48000), p = c(0.5, 0.5))
    SrmReference("two_mismatch", (52000, 48000), (0.5, 0.5), True, statistic=160, parameter=1,
                 p_value=1.1314837902432984e-36),
    # chisq.test(x = c(54000, 46000), p = c(0.5, 0.5))
    SrmReference("two_severe", (54000, 46000), (0.5, 0.5), True, statistic=640, parameter=1,
                 p_value=3.3414880386413191e-141),
]
# fmt: on

_CASES = [pytest.param(ref, ref.probs, id=f"{ref.name}-expected") for ref in SRM_REFERENCE] + [
    pytest.param(ref, None, id=f"{ref.name}-none") for ref in SRM_REFERENCE if ref.equal
]


@pytest.mark.parametrize(("ref", "expected"), _CASES)
def test_srm_matches_r(ref: SrmReference, expected: tuple[float, ...] | None) -> None:
    s = srm(np.asarray(ref.counts), expected=None if expected is None else np.asarray(expected))
    assert s.df == ref.parameter
    assert s.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert s.pvalue == pytest.approx(ref.p_value, rel=RTOL, abs=1e-300)


@pytest.mark.parametrize("ref", [ref for ref in SRM_REFERENCE if ref.p_value < 1e-30], ids=lambda ref: ref.name)
def test_srm_tiny_pvalue_does_not_underflow(ref: SrmReference) -> None:
    s = srm(list(ref.counts), expected=list(ref.probs))
    assert s.pvalue > 0.0
    assert s.pvalue == pytest.approx(ref.p_value, rel=RTOL_TINY)
