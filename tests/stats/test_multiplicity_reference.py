"""R reference values for :func:`abkit.stats.adjust_pvalues`.

Every stored number was printed by R 4.2.2 (Debian r-base-core) on this project's machine with
``sprintf("%.17g", p.adjust(...))``; the R call is the comment above it. The p-values are unsorted and hold ties,
so the tests also check that adjusted values come back in input order and that tied inputs get tied outputs.

With ``n`` larger than the number of p-values R treats the ``n - length(p)`` missing ones as larger than every
given p-value: bonferroni multiplies by ``n``, holm by ``n, n - 1, ...`` from the smallest, hochberg by
``n + 1 - i`` with ``i = length(p), ..., 1`` from the largest (so the largest is multiplied by ``n + 1 - length(p)``),
BH by ``n / i`` and BY by ``sum(1 / (1:n)) * n / i``.
"""

from __future__ import annotations

import numpy as np
import pytest

from abkit.stats import adjust_pvalues

RTOL = 1e-9

# fmt: off
# R: p_mixed <- c(0.012, 0.04, 0.001, 0.04, 0.3, 0.012, 0.049, 0.8, 0.0004, 0.04, 0.2, 0.65)
PVALUES_MIXED = (0.012, 0.04, 0.001, 0.04, 0.3, 0.012, 0.049, 0.8, 0.0004, 0.04, 0.2, 0.65,)
# R: p_tied <- c(0.02, 0.02, 0.02, 0.02)
PVALUES_TIED = (0.02, 0.02, 0.02, 0.02,)
# R: p_pair <- c(0.03, 0.01)
PVALUES_PAIR = (0.03, 0.01,)

ADJUST_REFERENCE = [
    # p.adjust(p_mixed, method = "bonferroni")
    (PVALUES_MIXED, "bonferroni", None, (0.14400000000000002, 0.47999999999999998, 0.012, 0.47999999999999998, 1,
     0.14400000000000002, 0.58800000000000008, 1, 0.0048000000000000004, 0.47999999999999998, 1, 1)),
    # p.adjust(p_mixed, method = "bonferroni", n = 20)
    (PVALUES_MIXED, "bonferroni", 20, (0.23999999999999999, 0.80000000000000004, 0.02, 0.80000000000000004, 1,
     0.23999999999999999, 0.97999999999999998, 1, 0.0080000000000000002, 0.80000000000000004, 1, 1)),
    # p.adjust(p_mixed, method = "holm")
    (PVALUES_MIXED, "holm", None, (0.12, 0.32000000000000001, 0.010999999999999999, 0.32000000000000001,
     0.89999999999999991, 0.12, 0.32000000000000001, 1, 0.0048000000000000004, 0.32000000000000001,
     0.80000000000000004, 1)),
    # p.adjust(p_mixed, method = "holm", n = 20)
    (PVALUES_MIXED, "holm", 20, (0.216, 0.64000000000000001, 0.019, 0.64000000000000001, 1, 0.216,
     0.64000000000000001, 1, 0.0080000000000000002, 0.64000000000000001, 1, 1)),
    # p.adjust(p_mixed, method = "hochberg")
    (PVALUES_MIXED, "hochberg", None, (0.108, 0.23999999999999999, 0.010999999999999999, 0.23999999999999999,
     0.80000000000000004, 0.108, 0.245, 0.80000000000000004, 0.0048000000000000004, 0.23999999999999999,
     0.80000000000000004, 0.80000000000000004)),
    # p.adjust(p_mixed, method = "hochberg", n = 20)
    (PVALUES_MIXED, "hochberg", 20, (0.20400000000000001, 0.56000000000000005, 0.019, 0.56000000000000005, 1,
     0.20400000000000001, 0.63700000000000001, 1, 0.0080000000000000002, 0.56000000000000005, 1, 1)),
    # p.adjust(p_mixed, method = "BH")
    (PVALUES_MIXED, "BH", None, (0.036000000000000004, 0.068571428571428575, 0.0060000000000000001,
     0.068571428571428575, 0.35999999999999999, 0.036000000000000004, 0.07350000000000001, 0.80000000000000004,
     0.0048000000000000004, 0.068571428571428575, 0.26666666666666666, 0.70909090909090911)),
    # p.adjust(p_mixed, method = "BH", n = 20)
    (PVALUES_MIXED, "BH", 20, (0.059999999999999998, 0.1142857142857143, 0.01, 0.1142857142857143,
     0.59999999999999998, 0.059999999999999998, 0.1225, 1, 0.0080000000000000002, 0.1142857142857143,
     0.44444444444444448, 1)),
    # p.adjust(p_mixed, method = "BY")
    (PVALUES_MIXED, "BY", None, (0.11171558441558442, 0.21279158936301795, 0.01861926406926407, 0.21279158936301795,
     1, 0.11171558441558442, 0.22808598484848486, 1, 0.014895411255411255, 0.21279158936301795, 0.82752284752284755,
     1)),
    # p.adjust(p_mixed, method = "BY", n = 20)
    (PVALUES_MIXED, "BY", 20, (0.21586437942862094, 0.4111702465307065, 0.035977396571436823, 0.4111702465307065, 1,
     0.21586437942862094, 0.44072310800010106, 1, 0.028781917257149459, 0.4111702465307065, 1, 1)),
    # p.adjust(p_tied, method = "bonferroni")
    (PVALUES_TIED, "bonferroni", None, (0.080000000000000002, 0.080000000000000002, 0.080000000000000002,
     0.080000000000000002)),
    # p.adjust(p_tied, method = "bonferroni", n = 7)
    (PVALUES_TIED, "bonferroni", 7, (0.14000000000000001, 0.14000000000000001, 0.14000000000000001,
     0.14000000000000001)),
    # p.adjust(p_tied, method = "holm")
    (PVALUES_TIED, "holm", None, (0.080000000000000002, 0.080000000000000002, 0.080000000000000002,
     0.080000000000000002)),
    # p.adjust(p_tied, method = "holm", n = 7)
    (PVALUES_TIED, "holm", 7, (0.14000000000000001, 0.14000000000000001, 0.14000000000000001, 0.14000000000000001)),
    # p.adjust(p_tied, method = "hochberg")
    (PVALUES_TIED, "hochberg", None, (0.02, 0.02, 0.02, 0.02)),
    # p.adjust(p_tied, method = "hochberg", n = 7)
    (PVALUES_TIED, "hochberg", 7, (0.080000000000000002, 0.080000000000000002, 0.080000000000000002,
     0.080000000000000002)),
    # p.adjust(p_tied, method = "BH")
    (PVALUES_TIED, "BH", None, (0.02, 0.02, 0.02, 0.02)),
    # p.adjust(p_tied, method = "BH", n = 7)
    (PVALUES_TIED, "BH", 7, (0.035000000000000003, 0.035000000000000003, 0.035000000000000003, 0.035000000000000003)),
    # p.adjust(p_tied, method = "BY")
    (PVALUES_TIED, "BY", None, (0.041666666666666671, 0.041666666666666671, 0.041666666666666671,
     0.041666666666666671)),
    # p.adjust(p_tied, method = "BY", n = 7)
    (PVALUES_TIED, "BY", 7, (0.090750000000000011, 0.090750000000000011, 0.090750000000000011, 0.090750000000000011)),
    # p.adjust(p_pair, method = "bonferroni")
    (PVALUES_PAIR, "bonferroni", None, (0.059999999999999998, 0.02)),
    # p.adjust(p_pair, method = "bonferroni", n = 5)
    (PVALUES_PAIR, "bonferroni", 5, (0.14999999999999999, 0.050000000000000003)),
    # p.adjust(p_pair, method = "holm")
    (PVALUES_PAIR, "holm", None, (0.029999999999999999, 0.02)),
    # p.adjust(p_pair, method = "holm", n = 5)
    (PVALUES_PAIR, "holm", 5, (0.12, 0.050000000000000003)),
    # p.adjust(p_pair, method = "hochberg")
    (PVALUES_PAIR, "hochberg", None, (0.029999999999999999, 0.02)),
    # p.adjust(p_pair, method = "hochberg", n = 5)
    (PVALUES_PAIR, "hochberg", 5, (0.12, 0.050000000000000003)),
    # p.adjust(p_pair, method = "BH")
    (PVALUES_PAIR, "BH", None, (0.029999999999999999, 0.02)),
    # p.adjust(p_pair, method = "BH", n = 5)
    (PVALUES_PAIR, "BH", 5, (0.074999999999999997, 0.050000000000000003)),
    # p.adjust(p_pair, method = "BY")
    (PVALUES_PAIR, "BY", None, (0.044999999999999998, 0.029999999999999999)),
    # p.adjust(p_pair, method = "BY", n = 5)
    (PVALUES_PAIR, "BY", 5, (0.17124999999999999, 0.11416666666666667)),
]
# fmt: on


@pytest.mark.parametrize(
    ("pvalues", "method", "n", "expected"),
    ADJUST_REFERENCE,
    ids=[f"{len(p)}-{method}-n{n}" for p, method, n, _ in ADJUST_REFERENCE],
)
def test_adjust_pvalues_matches_r(
    pvalues: tuple[float, ...], method: str, n: int | None, expected: tuple[float, ...]
) -> None:
    got = adjust_pvalues(np.asarray(pvalues), method=method, n=n)
    assert isinstance(got, np.ndarray)
    assert got.shape == (len(pvalues),)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0.0)


@pytest.mark.parametrize("method", ["bonferroni", "holm", "hochberg", "BH", "BY"])
def test_adjust_pvalues_ties_give_equal_adjusted_values(method: str) -> None:
    got = adjust_pvalues(list(PVALUES_MIXED), method=method)
    p = np.asarray(PVALUES_MIXED)
    for value in np.unique(p):
        tied = got[p == value]
        assert np.all(tied == tied[0])
