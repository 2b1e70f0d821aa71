"""R reference values for :func:`abkit.stats.ttest` and :func:`abkit.stats.ztest_proportions`.

Every stored number was printed by R 4.2.2 (Debian r-base-core, "R version 4.2.2 Patched (2022-11-10 r83330)") on
this project's machine with ``sprintf("%.17g", value)``; the R call that produced it is the comment above it. In R
the data vectors are built from the literals below, for example ``control_a <- c(9.58, 8.96, ...)`` with exactly the
numbers of ``CONTROL_A`` (R printed the same 17 digits for every element, so both sides hold the same doubles).

R's ``t.test(x, y)`` estimates ``mean(x) - mean(y)`` and ``prop.test(c(x1, x2), c(n1, n2))`` estimates
``p1 - p2``, while abkit's effect is treatment minus control, so every call puts the treatment first:
``t.test(treatment, control, ...)`` and ``prop.test(c(x_t, x_c), c(n_t, n_c), ...)``. abkit's
``alternative="greater"`` (treatment > control) is then R's ``alternative = "greater"``.

Stored fields keep R's names: ``statistic``, ``parameter`` (degrees of freedom), ``p_value`` (``p.value``),
``conf_int``, ``estimate`` (R's two means or proportions, treatment first) and ``stderr``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

from abkit.errors import AbkitWarning
from abkit.stats import ttest, ztest_proportions

RTOL = 1e-9
# Dataset "c" has means near 1e6 and an effect near 1.7: one unit in the last place of a 1e6 mean is 1.2e-10, i.e.
# 7e-11 of the effect, and the p-value amplifies that about tenfold. Two correct implementations (R's long-double
# mean against numpy's pairwise sum) already differ by 5e-10 there, so quantities that depend on the difference of
# the means are held to 1e-8 on "c" (cancellation from raw sums of y and y^2 is off by percents, far above this).
RTOL_LARGE_MEAN = 1e-8
RTOL_TINY = 1e-6

# fmt: off
CONTROL_A = (9.58, 8.96, 10.3, 6.42, 10.57, 9.36, 8.55, 10.2, 6.1, 9.68, 8.54, 10.82, 10.88, 8.14, 8.13, 7.06, 8.42,
    10.64, 11.71, 10.46)
TREATMENT_A = (11.07, 9.27, 11.39, 9.37, 11.48, 10.59, 12.71, 11.4, 13.74, 10.18, 12.51, 11.45, 14.39, 7.08, 12.75,
    8.95, 9.26, 10.96, 7.98, 8.61, 9.99, 10.36, 7.19, 9.25, 10.71)
CONTROL_B = (4.868, 4.338, 4.996, 4.487, 6.173, 4.191, 5.059, 4.51, 5.855, 4.028, 5.877, 3.805, 3.633, 4.452, 5.092)
TREATMENT_B = (-3.126, 2.975, 5.976, 5.787, 11.253, 10.706, 7.997, 11.481, 11.638, -0.655, 19.112, 5.706, 2.364,
    9.601, 3.069, 9.763, -1.208, 10.352, -1.583, 8.254, 4.721, 2.991, 6.918, 2.548, 1.368, 8.369, 17.587, 0.013,
    12.931, 12.489, -0.72, 7.141, 9.144, 0.535, 12.475, 11.267, 16.191, 8.339, 11.676, 16.873, 7.218, 2.999, -2.705,
    7.719, -1.603, 12.586, 6.883, 10.866, 6.976, 13.43, 3.262, 6.3, 14.401, -1.55, 7.155, 11.852, -0.381, 1.802,
    -1.499, 13.085)
CONTROL_C = (999999.432, 999999.055, 999995.762, 999996.809, 1000002.78, 999999.432, 999998.797, 1000002.376,
    999997.282, 1000004.84, 999998.895, 999998.461, 999999.205, 1000000.112, 1000002.104, 999997.903, 999997.528,
    1000000.114, 1000001.017, 1000002.632, 999998.57, 1000002.901, 999996.94, 1000004.157, 999996.724, 999999.741,
    1000000.586, 1000003.04, 1000004.381, 1000000.148)
TREATMENT_C = (1000007.187, 999999.041, 1000002.481, 1000000.789, 1000003.217, 999998.644, 999998.206, 1000005.349,
    1000004.692, 1000003.183, 999999.393, 1000003.276, 1000002.841, 1000005.2, 1000002.199, 999996.656, 1000000.851,
    1000001.418, 1000003.877, 1000000.757, 999998.325, 1000004.951, 1000002.657, 999998.208, 999999.508, 1000004.257,
    999997.452, 1000004.404, 1000001.569, 1000001.043, 1000004.098, 1000000.228, 1000001.667, 1000006.405, 999998.965)
CONTROL_D = (0.0, 0.0, 0.0, 7.86, 16.16, 0.0, 0.0, 4.41, 0.0, 39.45, 0.0, 0.0, 0.0, 3.47, 0.0, 0.0, 0.0, 0.0, 3.01,
    0.0, 0.0, 0.0, 4.67, 47.93, 0.0, 0.0, 0.0, 0.0, 33.77, 0.0, 46.05, 3.96, 0.0, 0.0, 0.0, 0.0, 1.18, 0.0, 0.0, 0.0)
TREATMENT_D = (4.48, 14.03, 0.0, 4.66, 0.0, 37.43, 0.0, 0.0, 7.99, 9.99, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 58.78, 0.0,
    0.0, 0.0, 0.0, 4.84, 33.77, 0.0, 0.0, 7.35, 0.0, 0.0, 0.0, 0.0, 24.13, 0.0, 0.0, 6.99, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 1.87, 0.0, 0.0, 3.17, 0.0, 0.0, 0.0, 17.02, 10.99)
CONTROL_TINY = (10.0, 10.3, 9.73, 9.11, 9.55, 9.01, 10.06, 11.34, 9.51, 9.38, 10.49, 10.36, 10.11, 9.07, 9.97, 10.7,
    8.66, 9.54, 8.1, 8.71, 8.16, 9.76, 8.73, 10.27, 10.16, 9.81, 7.48, 9.46, 9.95, 10.11, 8.47, 9.52, 9.02, 9.19,
    11.06, 9.19, 9.97, 10.88, 9.42, 9.89, 10.11, 10.06, 8.77, 10.08, 11.36, 8.45, 10.86, 10.12, 9.36, 12.0)
TREATMENT_TINY = (2010.76, 2008.8, 2010.07, 2010.58, 2009.81, 2010.68, 2009.93, 2010.67, 2011.44, 2009.32, 2010.2,
    2009.54, 2010.13, 2008.81, 2009.42, 2009.8, 2010.9, 2011.15, 2008.68, 2009.21, 2010.65, 2008.01, 2009.54, 2009.9,
    2011.26, 2010.69, 2009.67, 2009.63, 2009.75, 2011.52, 2009.57, 2009.7, 2010.35, 2009.88, 2009.8, 2008.89, 2009.99,
    2009.56, 2011.17, 2010.65, 2009.98, 2010.67, 2009.66, 2011.05, 2009.99, 2010.58, 2008.71, 2010.35, 2008.31,
    2007.96)
# fmt: on

DATASETS = {
    # similar variances, unequal sizes (20 vs 25)
    "a": (CONTROL_A, TREATMENT_A),
    # very unequal variances (sd 0.8 vs 5.7) and sizes (15 vs 60)
    "b": (CONTROL_B, TREATMENT_B),
    # large mean, small sd (mean 1e6, sd 3): catches cancellation in sums of squares
    "c": (CONTROL_C, TREATMENT_C),
    # revenue-like: most values zero, skewed positive values; the treatment mean is lower (negative effect)
    "d": (CONTROL_D, TREATMENT_D),
    # huge effect (t about 11416): p-values near 1e-301, close to the smallest normal double
    "tiny": (CONTROL_TINY, TREATMENT_TINY),
}


@dataclass(frozen=True)
class TtestReference:
    data: str
    equal_var: bool
    alternative: str
    confidence_level: float
    statistic: float
    parameter: float
    p_value: float
    conf_int: tuple[float, float]
    estimate: tuple[float, float]  # (mean(treatment), mean(control))
    stderr: float

    @property
    def id(self) -> str:
        kind = "pooled" if self.equal_var else "welch"
        return f"{self.data}-{kind}-{self.alternative}-{self.confidence_level}"


@dataclass(frozen=True)
class PropReference:
    counts: tuple[int, int, int, int]  # (successes_control, n_control, successes_treatment, n_treatment)
    alternative: str
    confidence_level: float
    statistic: float  # R's X-squared, the square of the pooled z statistic
    p_value: float
    conf_int: tuple[float, float]
    estimate: tuple[float, float]  # (p_treatment, p_control)

    @property
    def id(self) -> str:
        return "-".join(map(str, self.counts)) + f"-{self.alternative}-{self.confidence_level}"


# fmt: off
TTEST_REFERENCE = [
    # t.test(treatment_a, control_a, alternative = "two.sided", var.equal = FALSE, conf.level = 0.95)
    TtestReference("a", False, "two-sided", 0.95, statistic=2.5022389321397522, parameter=42.950055897136558,
                   p_value=0.016228338552842118, conf_int=(0.2482651874267735, 2.3109348125732239),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.51138202014376288),
    # t.test(treatment_a, control_a, alternative = "two.sided", var.equal = FALSE, conf.level = 0.9)
    TtestReference("a", False, "two-sided", 0.9, statistic=2.5022389321397522, parameter=42.950055897136558,
                   p_value=0.016228338552842118, conf_int=(0.41990865884132461, 2.1392913411586725),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.51138202014376288),
    # t.test(treatment_a, control_a, alternative = "greater", var.equal = FALSE, conf.level = 0.95)
    TtestReference("a", False, "greater", 0.95, statistic=2.5022389321397522, parameter=42.950055897136558,
                   p_value=0.0081141692764210589, conf_int=(0.41990865884132461, math.inf),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.51138202014376288),
    # t.test(treatment_a, control_a, alternative = "greater", var.equal = FALSE, conf.level = 0.9)
    TtestReference("a", False, "greater", 0.9, statistic=2.5022389321397522, parameter=42.950055897136558,
                   p_value=0.0081141692764210589, conf_int=(0.61399782867267449, math.inf),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.51138202014376288),
    # t.test(treatment_a, control_a, alternative = "less", var.equal = FALSE, conf.level = 0.95)
    TtestReference("a", False, "less", 0.95, statistic=2.5022389321397522, parameter=42.950055897136558,
                   p_value=0.99188583072357894, conf_int=(-math.inf, 2.1392913411586725),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.51138202014376288),
    # t.test(treatment_a, control_a, alternative = "less", var.equal = FALSE, conf.level = 0.9)
    TtestReference("a", False, "less", 0.9, statistic=2.5022389321397522, parameter=42.950055897136558,
                   p_value=0.99188583072357894, conf_int=(-math.inf, 1.9452021713273226),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.51138202014376288),
    # t.test(treatment_a, control_a, alternative = "two.sided", var.equal = TRUE, conf.level = 0.95)
    TtestReference("a", True, "two-sided", 0.95, statistic=2.4482916608667584, parameter=43,
                   p_value=0.018508574184884982, conf_int=(0.22557552269636882, 2.3336244773036285),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.52265014844962843),
    # t.test(treatment_a, control_a, alternative = "two.sided", var.equal = TRUE, conf.level = 0.9)
    TtestReference("a", True, "two-sided", 0.9, statistic=2.4482916608667584, parameter=43,
                   p_value=0.018508574184884982, conf_int=(0.4009881474168806, 2.1582118525831167),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.52265014844962843),
    # t.test(treatment_a, control_a, alternative = "greater", var.equal = TRUE, conf.level = 0.95)
    TtestReference("a", True, "greater", 0.95, statistic=2.4482916608667584, parameter=43,
                   p_value=0.0092542870924424911, conf_int=(0.4009881474168806, math.inf),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.52265014844962843),
    # t.test(treatment_a, control_a, alternative = "greater", var.equal = TRUE, conf.level = 0.9)
    TtestReference("a", True, "greater", 0.9, statistic=2.4482916608667584, parameter=43,
                   p_value=0.0092542870924424911, conf_int=(0.59934385903006038, math.inf),
                   estimate=(10.505599999999999, 9.2260000000000009), stderr=0.52265014844962843),
    # t.test(treatment_a, control_a, alternative = "less", var.equal = TRUE, conf.level = 0.95)
    TtestReference("a", True, "less", 0.95, statistic=2.4482916608667584, parameter=43, p_value=0.99074571290755753,
                   conf_int=(-math.inf, 2.1582118525831167), estimate=(10.505599999999999, 9.2260000000000009),
                   stderr=0.52265014844962843),
    # t.test(treatment_a, control_a, alternative = "less", var.equal = TRUE, conf.level = 0.9)
    TtestReference("a", True, "less", 0.9, statistic=2.4482916608667584, parameter=43, p_value=0.99074571290755753,
                   conf_int=(-math.inf, 1.9598561409699367), estimate=(10.505599999999999, 9.2260000000000009),
                   stderr=0.52265014844962843),
    # t.test(treatment_b, control_b, alternative = "two.sided", var.equal = FALSE, conf.level = 0.95)
    TtestReference("b", False, "two-sided", 0.95, statistic=2.7630747131596518, parameter=66.399495095889179,
                   p_value=0.0074011402766479047, conf_int=(0.58115403956558209, 3.6074459604344171),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=0.75795996033893343),
    # t.test(treatment_b, control_b, alternative = "two.sided", var.equal = FALSE, conf.level = 0.9)
    TtestReference("b", False, "two-sided", 0.9, statistic=2.7630747131596518, parameter=66.399495095889179,
                   p_value=0.0074011402766479047, conf_int=(0.82992604419653726, 3.3586739558034622),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=0.75795996033893343),
    # t.test(treatment_b, control_b, alternative = "greater", var.equal = FALSE, conf.level = 0.95)
    TtestReference("b", False, "greater", 0.95, statistic=2.7630747131596518, parameter=66.399495095889179,
                   p_value=0.0037005701383239524, conf_int=(0.82992604419653726, math.inf),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=0.75795996033893343),
    # t.test(treatment_b, control_b, alternative = "greater", var.equal = FALSE, conf.level = 0.9)
    TtestReference("b", False, "greater", 0.9, statistic=2.7630747131596518, parameter=66.399495095889179,
                   p_value=0.0037005701383239524, conf_int=(1.1131725202948559, math.inf),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=0.75795996033893343),
    # t.test(treatment_b, control_b, alternative = "less", var.equal = FALSE, conf.level = 0.95)
    TtestReference("b", False, "less", 0.95, statistic=2.7630747131596518, parameter=66.399495095889179,
                   p_value=0.99629942986167608, conf_int=(-math.inf, 3.3586739558034622),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=0.75795996033893343),
    # t.test(treatment_b, control_b, alternative = "less", var.equal = FALSE, conf.level = 0.9)
    TtestReference("b", False, "less", 0.9, statistic=2.7630747131596518, parameter=66.399495095889179,
                   p_value=0.99629942986167608, conf_int=(-math.inf, 3.0754274797051431),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=0.75795996033893343),
    # t.test(treatment_b, control_b, alternative = "two.sided", var.equal = TRUE, conf.level = 0.95)
    TtestReference("b", True, "two-sided", 0.95, statistic=1.4204347488666198, parameter=73,
                   p_value=0.15973830107947906, conf_int=(-0.84419040519569788, 5.0327904051956969),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=1.4744077485228126),
    # t.test(treatment_b, control_b, alternative = "two.sided", var.equal = TRUE, conf.level = 0.9)
    TtestReference("b", True, "two-sided", 0.9, statistic=1.4204347488666198, parameter=73,
                   p_value=0.15973830107947906, conf_int=(-0.36205774133834512, 4.5506577413383447),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=1.4744077485228126),
    # t.test(treatment_b, control_b, alternative = "greater", var.equal = TRUE, conf.level = 0.95)
    TtestReference("b", True, "greater", 0.95, statistic=1.4204347488666198, parameter=73,
                   p_value=0.079869150539739531, conf_int=(-0.36205774133834512, math.inf),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=1.4744077485228126),
    # t.test(treatment_b, control_b, alternative = "greater", var.equal = TRUE, conf.level = 0.9)
    TtestReference("b", True, "greater", 0.9, statistic=1.4204347488666198, parameter=73,
                   p_value=0.079869150539739531, conf_int=(0.18751272433034447, math.inf),
                   estimate=(6.8518999999999997, 4.7576000000000001), stderr=1.4744077485228126),
    # t.test(treatment_b, control_b, alternative = "less", var.equal = TRUE, conf.level = 0.95)
    TtestReference("b", True, "less", 0.95, statistic=1.4204347488666198, parameter=73, p_value=0.92013084946026047,
                   conf_int=(-math.inf, 4.5506577413383447), estimate=(6.8518999999999997, 4.7576000000000001),
                   stderr=1.4744077485228126),
    # t.test(treatment_b, control_b, alternative = "less", var.equal = TRUE, conf.level = 0.9)
    TtestReference("b", True, "less", 0.9, statistic=1.4204347488666198, parameter=73, p_value=0.92013084946026047,
                   conf_int=(-math.inf, 4.0010872756696552), estimate=(6.8518999999999997, 4.7576000000000001),
                   stderr=1.4744077485228126),
    # t.test(treatment_c, control_c, alternative = "two.sided", var.equal = FALSE, conf.level = 0.95)
    TtestReference("c", False, "two-sided", 0.95, statistic=2.702228851258957, parameter=62.695376719172344,
                   p_value=0.0088500908233837827, conf_int=(0.45373546378927532, 3.0309883456187485),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64478695203489256),
    # t.test(treatment_c, control_c, alternative = "two.sided", var.equal = FALSE, conf.level = 0.9)
    TtestReference("c", False, "two-sided", 0.9, statistic=2.702228851258957, parameter=62.695376719172344,
                   p_value=0.0088500908233837827, conf_int=(0.66587507509576416, 2.8188487343122595),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64478695203489256),
    # t.test(treatment_c, control_c, alternative = "greater", var.equal = FALSE, conf.level = 0.95)
    TtestReference("c", False, "greater", 0.95, statistic=2.702228851258957, parameter=62.695376719172344,
                   p_value=0.0044250454116918914, conf_int=(0.66587507509576416, math.inf),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64478695203489256),
    # t.test(treatment_c, control_c, alternative = "greater", var.equal = FALSE, conf.level = 0.9)
    TtestReference("c", False, "greater", 0.9, statistic=2.702228851258957, parameter=62.695376719172344,
                   p_value=0.0044250454116918914, conf_int=(0.90723319850304984, math.inf),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64478695203489256),
    # t.test(treatment_c, control_c, alternative = "less", var.equal = FALSE, conf.level = 0.95)
    TtestReference("c", False, "less", 0.95, statistic=2.702228851258957, parameter=62.695376719172344,
                   p_value=0.99557495458830814, conf_int=(-math.inf, 2.8188487343122595),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64478695203489256),
    # t.test(treatment_c, control_c, alternative = "less", var.equal = FALSE, conf.level = 0.9)
    TtestReference("c", False, "less", 0.9, statistic=2.702228851258957, parameter=62.695376719172344,
                   p_value=0.99557495458830814, conf_int=(-math.inf, 2.5774906109049738),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64478695203489256),
    # t.test(treatment_c, control_c, alternative = "two.sided", var.equal = TRUE, conf.level = 0.95)
    TtestReference("c", True, "two-sided", 0.95, statistic=2.683976741420032, parameter=63,
                   p_value=0.0092839257517403871, conf_int=(0.44509565787672833, 3.039628151531296),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64917175987976983),
    # t.test(treatment_c, control_c, alternative = "two.sided", var.equal = TRUE, conf.level = 0.9)
    TtestReference("c", True, "two-sided", 0.9, statistic=2.683976741420032, parameter=63,
                   p_value=0.0092839257517403871, conf_int=(0.65863312649140271, 2.8260906829166217),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64917175987976983),
    # t.test(treatment_c, control_c, alternative = "greater", var.equal = TRUE, conf.level = 0.95)
    TtestReference("c", True, "greater", 0.95, statistic=2.683976741420032, parameter=63,
                   p_value=0.0046419628758701936, conf_int=(0.65863312649140271, math.inf),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64917175987976983),
    # t.test(treatment_c, control_c, alternative = "greater", var.equal = TRUE, conf.level = 0.9)
    TtestReference("c", True, "greater", 0.9, statistic=2.683976741420032, parameter=63,
                   p_value=0.0046419628758701936, conf_int=(0.90159729592833149, math.inf),
                   estimate=(1000001.7998285714, 1000000.0574666667), stderr=0.64917175987976983),
    # t.test(treatment_c, control_c, alternative = "less", var.equal = TRUE, conf.level = 0.95)
    TtestReference("c", True, "less", 0.95, statistic=2.683976741420032, parameter=63, p_value=0.99535803712412974,
                   conf_int=(-math.inf, 2.8260906829166217), estimate=(1000001.7998285714, 1000000.0574666667),
                   stderr=0.64917175987976983),
    # t.test(treatment_c, control_c, alternative = "less", var.equal = TRUE, conf.level = 0.9)
    TtestReference("c", True, "less", 0.9, statistic=2.683976741420032, parameter=63, p_value=0.99535803712412974,
                   conf_int=(-math.inf, 2.5831265134796926), estimate=(1000001.7998285714, 1000000.0574666667),
                   stderr=0.64917175987976983),
    # t.test(treatment_d, control_d, alternative = "two.sided", var.equal = FALSE, conf.level = 0.95)
    TtestReference("d", False, "two-sided", 0.95, statistic=-0.13479469452571771, parameter=78.669867426469139,
                   p_value=0.89311847846715708, conf_int=(-5.4902420591865164, 4.7938420591865158),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5831877228192139),
    # t.test(treatment_d, control_d, alternative = "two.sided", var.equal = FALSE, conf.level = 0.9)
    TtestReference("d", False, "two-sided", 0.9, statistic=-0.13479469452571771, parameter=78.669867426469139,
                   p_value=0.89311847846715708, conf_int=(-4.647797887296492, 3.9513978872964919),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5831877228192139),
    # t.test(treatment_d, control_d, alternative = "greater", var.equal = FALSE, conf.level = 0.95)
    TtestReference("d", False, "greater", 0.95, statistic=-0.13479469452571771, parameter=78.669867426469139,
                   p_value=0.55344076076642146, conf_int=(-4.647797887296492, math.inf), estimate=(4.9497999999999998,
                   5.298), stderr=2.5831877228192139),
    # t.test(treatment_d, control_d, alternative = "greater", var.equal = FALSE, conf.level = 0.9)
    TtestReference("d", False, "greater", 0.9, statistic=-0.13479469452571771, parameter=78.669867426469139,
                   p_value=0.55344076076642146, conf_int=(-3.6867262127808296, math.inf),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5831877228192139),
    # t.test(treatment_d, control_d, alternative = "less", var.equal = FALSE, conf.level = 0.95)
    TtestReference("d", False, "less", 0.95, statistic=-0.13479469452571771, parameter=78.669867426469139,
                   p_value=0.44655923923357854, conf_int=(-math.inf, 3.9513978872964919),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5831877228192139),
    # t.test(treatment_d, control_d, alternative = "less", var.equal = FALSE, conf.level = 0.9)
    TtestReference("d", False, "less", 0.9, statistic=-0.13479469452571771, parameter=78.669867426469139,
                   p_value=0.44655923923357854, conf_int=(-math.inf, 2.990326212780829), estimate=(4.9497999999999998,
                   5.298), stderr=2.5831877228192139),
    # t.test(treatment_d, control_d, alternative = "two.sided", var.equal = TRUE, conf.level = 0.95)
    TtestReference("d", True, "two-sided", 0.95, statistic=-0.13663217532985614, parameter=88,
                   p_value=0.89163364395035738, conf_int=(-5.4127049693723732, 4.7163049693723735),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5484480442427202),
    # t.test(treatment_d, control_d, alternative = "two.sided", var.equal = TRUE, conf.level = 0.9)
    TtestReference("d", True, "two-sided", 0.9, statistic=-0.13663217532985614, parameter=88,
                   p_value=0.89163364395035738, conf_int=(-4.5846228744693827, 3.8882228744693825),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5484480442427202),
    # t.test(treatment_d, control_d, alternative = "greater", var.equal = TRUE, conf.level = 0.95)
    TtestReference("d", True, "greater", 0.95, statistic=-0.13663217532985614, parameter=88,
                   p_value=0.55418317802482131, conf_int=(-4.5846228744693827, math.inf),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5484480442427202),
    # t.test(treatment_d, control_d, alternative = "greater", var.equal = TRUE, conf.level = 0.9)
    TtestReference("d", True, "greater", 0.9, statistic=-0.13663217532985614, parameter=88,
                   p_value=0.55418317802482131, conf_int=(-3.6388732099014995, math.inf),
                   estimate=(4.9497999999999998, 5.298), stderr=2.5484480442427202),
    # t.test(treatment_d, control_d, alternative = "less", var.equal = TRUE, conf.level = 0.95)
    TtestReference("d", True, "less", 0.95, statistic=-0.13663217532985614, parameter=88, p_value=0.44581682197517869,
                   conf_int=(-math.inf, 3.8882228744693825), estimate=(4.9497999999999998, 5.298),
                   stderr=2.5484480442427202),
    # t.test(treatment_d, control_d, alternative = "less", var.equal = TRUE, conf.level = 0.9)
    TtestReference("d", True, "less", 0.9, statistic=-0.13663217532985614, parameter=88, p_value=0.44581682197517869,
                   conf_int=(-math.inf, 2.9424732099014994), estimate=(4.9497999999999998, 5.298),
                   stderr=2.5484480442427202),
]

TTEST_TINY_REFERENCE = [
    # t.test(treatment_tiny, control_tiny, alternative = "two.sided", var.equal = FALSE)
    TtestReference("tiny", False, "two-sided", 0.95, statistic=11415.722607699456, parameter=97.827420685465441,
                   p_value=2.1443949602921266e-301, conf_int=(1999.8916780335794, 2000.5871219664202),
                   estimate=(2009.9467999999999, 9.7073999999999998), stderr=0.17521794009350902),
    # t.test(treatment_tiny, control_tiny, alternative = "greater", var.equal = FALSE)
    TtestReference("tiny", False, "greater", 0.95, statistic=11415.722607699456, parameter=97.827420685465441,
                   p_value=1.0721974801460633e-301, conf_int=(1999.9484367376726, math.inf),
                   estimate=(2009.9467999999999, 9.7073999999999998), stderr=0.17521794009350902),
    # t.test(treatment_tiny, control_tiny, alternative = "less", var.equal = FALSE)
    TtestReference("tiny", False, "less", 0.95, statistic=11415.722607699456, parameter=97.827420685465441, p_value=1,
                   conf_int=(-math.inf, 2000.530363262327), estimate=(2009.9467999999999, 9.7073999999999998),
                   stderr=0.17521794009350902),
    # t.test(treatment_tiny, control_tiny, alternative = "two.sided", var.equal = TRUE)
    TtestReference("tiny", True, "two-sided", 0.95, statistic=11415.722607699456, parameter=98,
                   p_value=6.9174671320624959e-302, conf_int=(1999.8916857004381, 2000.5871142995616),
                   estimate=(2009.9467999999999, 9.7073999999999998), stderr=0.17521794009350902),
    # t.test(treatment_tiny, control_tiny, alternative = "greater", var.equal = TRUE)
    TtestReference("tiny", True, "greater", 0.95, statistic=11415.722607699456, parameter=98,
                   p_value=3.458733566031248e-302, conf_int=(1999.9484416363257, math.inf),
                   estimate=(2009.9467999999999, 9.7073999999999998), stderr=0.17521794009350902),
    # t.test(treatment_tiny, control_tiny, alternative = "less", var.equal = TRUE)
    TtestReference("tiny", True, "less", 0.95, statistic=11415.722607699456, parameter=98, p_value=1,
                   conf_int=(-math.inf, 2000.5303583636739), estimate=(2009.9467999999999, 9.7073999999999998),
                   stderr=0.17521794009350902),
]

PROP_REFERENCE = [
    # prop.test(c(145, 120), c(1000, 1000), alternative = "two.sided", conf.level = 0.95, correct = FALSE)
    PropReference((120, 1000, 145, 1000), "two-sided", 0.95, statistic=2.7187211135881681,
                  p_value=0.099177449528405168, conf_int=(-0.0046968501488096163, 0.054696850148809609),
                  estimate=(0.14499999999999999, 0.12)),
    # prop.test(c(145, 120), c(1000, 1000), alternative = "two.sided", conf.level = 0.9, correct = FALSE)
    PropReference((120, 1000, 145, 1000), "two-sided", 0.9, statistic=2.7187211135881681,
                  p_value=0.099177449528405168, conf_int=(7.7617720732350848e-05, 0.049922382279267638),
                  estimate=(0.14499999999999999, 0.12)),
    # prop.test(c(145, 120), c(1000, 1000), alternative = "greater", conf.level = 0.95, correct = FALSE)
    PropReference((120, 1000, 145, 1000), "greater", 0.95, statistic=2.7187211135881681, p_value=0.04958872476420282,
                  conf_int=(7.7617720732350848e-05, 1), estimate=(0.14499999999999999, 0.12)),
    # prop.test(c(145, 120), c(1000, 1000), alternative = "greater", conf.level = 0.9, correct = FALSE)
    PropReference((120, 1000, 145, 1000), "greater", 0.9, statistic=2.7187211135881681, p_value=0.04958872476420282,
                  conf_int=(0.0055822733988239621, 1), estimate=(0.14499999999999999, 0.12)),
    # prop.test(c(145, 120), c(1000, 1000), alternative = "less", conf.level = 0.95, correct = FALSE)
    PropReference((120, 1000, 145, 1000), "less", 0.95, statistic=2.7187211135881681, p_value=0.95041127523579716,
                  conf_int=(-1, 0.049922382279267638), estimate=(0.14499999999999999, 0.12)),
    # prop.test(c(145, 120), c(1000, 1000), alternative = "less", conf.level = 0.9, correct = FALSE)
    PropReference((120, 1000, 145, 1000), "less", 0.9, statistic=2.7187211135881681, p_value=0.95041127523579716,
                  conf_int=(-1, 0.04441772660117603), estimate=(0.14499999999999999, 0.12)),
    # prop.test(c(118, 2031), c(5000, 100000), alternative = "two.sided", conf.level = 0.95, correct = FALSE)
    PropReference((2031, 100000, 118, 5000), "two-sided", 0.95, statistic=2.5710242041735367,
                  p_value=0.10883724517561355, conf_int=(-0.001007456488597183, 0.0075874564885971786),
                  estimate=(0.023599999999999999, 0.020310000000000002)),
    # prop.test(c(118, 2031), c(5000, 100000), alternative = "two.sided", conf.level = 0.9, correct = FALSE)
    PropReference((2031, 100000, 118, 5000), "two-sided", 0.9, statistic=2.5710242041735367,
                  p_value=0.10883724517561355, conf_int=(-0.00031653917505225287, 0.0068965391750522489),
                  estimate=(0.023599999999999999, 0.020310000000000002)),
    # prop.test(c(118, 2031), c(5000, 100000), alternative = "greater", conf.level = 0.95, correct = FALSE)
    PropReference((2031, 100000, 118, 5000), "greater", 0.95, statistic=2.5710242041735367,
                  p_value=0.054418622587806734, conf_int=(-0.00031653917505225287, 1), estimate=(0.023599999999999999,
                  0.020310000000000002)),
    # prop.test(c(118, 2031), c(5000, 100000), alternative = "greater", conf.level = 0.9, correct = FALSE)
    PropReference((2031, 100000, 118, 5000), "greater", 0.9, statistic=2.5710242041735367,
                  p_value=0.054418622587806734, conf_int=(0.00048004423843331324, 1), estimate=(0.023599999999999999,
                  0.020310000000000002)),
    # prop.test(c(118, 2031), c(5000, 100000), alternative = "less", conf.level = 0.95, correct = FALSE)
    PropReference((2031, 100000, 118, 5000), "less", 0.95, statistic=2.5710242041735367, p_value=0.94558137741219328,
                  conf_int=(-1, 0.0068965391750522489), estimate=(0.023599999999999999, 0.020310000000000002)),
    # prop.test(c(118, 2031), c(5000, 100000), alternative = "less", conf.level = 0.9, correct = FALSE)
    PropReference((2031, 100000, 118, 5000), "less", 0.9, statistic=2.5710242041735367, p_value=0.94558137741219328,
                  conf_int=(-1, 0.0060999557615666819), estimate=(0.023599999999999999, 0.020310000000000002)),
    # prop.test(c(7, 3), c(11, 12), alternative = "two.sided", conf.level = 0.95, correct = FALSE)
    PropReference((3, 12, 7, 11), "two-sided", 0.95, statistic=3.4861888111888115, p_value=0.061882898504004941,
                  conf_int=(0.011083940128274739, 0.76164333259899797), estimate=(0.63636363636363635, 0.25)),
    # prop.test(c(7, 3), c(11, 12), alternative = "two.sided", conf.level = 0.9, correct = FALSE)
    PropReference((3, 12, 7, 11), "two-sided", 0.9, statistic=3.4861888111888115, p_value=0.061882898504004941,
                  conf_int=(0.071418987205280171, 0.70130828552199254), estimate=(0.63636363636363635, 0.25)),
    # prop.test(c(7, 3), c(11, 12), alternative = "greater", conf.level = 0.95, correct = FALSE)
    PropReference((3, 12, 7, 11), "greater", 0.95, statistic=3.4861888111888115, p_value=0.030941449252002387,
                  conf_int=(0.071418987205280171, 1), estimate=(0.63636363636363635, 0.25)),
    # prop.test(c(7, 3), c(11, 12), alternative = "greater", conf.level = 0.9, correct = FALSE)
    PropReference((3, 12, 7, 11), "greater", 0.9, statistic=3.4861888111888115, p_value=0.030941449252002387,
                  conf_int=(0.14098143239400954, 1), estimate=(0.63636363636363635, 0.25)),
    # prop.test(c(7, 3), c(11, 12), alternative = "less", conf.level = 0.95, correct = FALSE)
    PropReference((3, 12, 7, 11), "less", 0.95, statistic=3.4861888111888115, p_value=0.96905855074799763,
                  conf_int=(-1, 0.70130828552199254), estimate=(0.63636363636363635, 0.25)),
    # prop.test(c(7, 3), c(11, 12), alternative = "less", conf.level = 0.9, correct = FALSE)
    PropReference((3, 12, 7, 11), "less", 0.9, statistic=3.4861888111888115, p_value=0.96905855074799763,
                  conf_int=(-1, 0.6317458403332632), estimate=(0.63636363636363635, 0.25)),
    # prop.test(c(9, 1), c(10, 10), alternative = "two.sided", conf.level = 0.95, correct = FALSE)
    PropReference((1, 10, 9, 10), "two-sided", 0.95, statistic=12.800000000000001, p_value=0.0003466193511346668,
                  conf_int=(0.53704323782702557, 1), estimate=(0.90000000000000002, 0.10000000000000001)),
    # prop.test(c(9, 1), c(10, 10), alternative = "two.sided", conf.level = 0.9, correct = FALSE)
    PropReference((1, 10, 9, 10), "two-sided", 0.9, statistic=12.800000000000001, p_value=0.0003466193511346668,
                  conf_int=(0.57931972862596581, 1), estimate=(0.90000000000000002, 0.10000000000000001)),
    # prop.test(c(9, 1), c(10, 10), alternative = "greater", conf.level = 0.95, correct = FALSE)
    PropReference((1, 10, 9, 10), "greater", 0.95, statistic=12.800000000000001, p_value=0.00017330967556733354,
                  conf_int=(0.57931972862596581, 1), estimate=(0.90000000000000002, 0.10000000000000001)),
    # prop.test(c(9, 1), c(10, 10), alternative = "greater", conf.level = 0.9, correct = FALSE)
    PropReference((1, 10, 9, 10), "greater", 0.9, statistic=12.800000000000001, p_value=0.00017330967556733354,
                  conf_int=(0.62806181496625979, 1), estimate=(0.90000000000000002, 0.10000000000000001)),
    # prop.test(c(9, 1), c(10, 10), alternative = "less", conf.level = 0.95, correct = FALSE)
    PropReference((1, 10, 9, 10), "less", 0.95, statistic=12.800000000000001, p_value=0.99982669032443272,
                  conf_int=(-1, 1), estimate=(0.90000000000000002, 0.10000000000000001)),
    # prop.test(c(9, 1), c(10, 10), alternative = "less", conf.level = 0.9, correct = FALSE)
    PropReference((1, 10, 9, 10), "less", 0.9, statistic=12.800000000000001, p_value=0.99982669032443272,
                  conf_int=(-1, 0.9719381850337403), estimate=(0.90000000000000002, 0.10000000000000001)),
    # prop.test(c(430, 480), c(1900, 2000), alternative = "two.sided", conf.level = 0.95, correct = FALSE)
    PropReference((480, 2000, 430, 1900), "two-sided", 0.95, statistic=1.0199411572409276,
                  p_value=0.31253296722055079, conf_int=(-0.040223909872937433, 0.012855488820305894),
                  estimate=(0.22631578947368422, 0.23999999999999999)),
    # prop.test(c(430, 480), c(1900, 2000), alternative = "two.sided", conf.level = 0.9, correct = FALSE)
    PropReference((480, 2000, 430, 1900), "two-sided", 0.9, statistic=1.0199411572409276, p_value=0.31253296722055079,
                  conf_int=(-0.035957028329514612, 0.0085886072768830701), estimate=(0.22631578947368422,
                  0.23999999999999999)),
    # prop.test(c(430, 480), c(1900, 2000), alternative = "greater", conf.level = 0.95, correct = FALSE)
    PropReference((480, 2000, 430, 1900), "greater", 0.95, statistic=1.0199411572409276, p_value=0.8437335163897246,
                  conf_int=(-0.035957028329514612, 1), estimate=(0.22631578947368422, 0.23999999999999999)),
    # prop.test(c(430, 480), c(1900, 2000), alternative = "greater", conf.level = 0.9, correct = FALSE)
    PropReference((480, 2000, 430, 1900), "greater", 0.9, statistic=1.0199411572409276, p_value=0.8437335163897246,
                  conf_int=(-0.031037587177636043, 1), estimate=(0.22631578947368422, 0.23999999999999999)),
    # prop.test(c(430, 480), c(1900, 2000), alternative = "less", conf.level = 0.95, correct = FALSE)
    PropReference((480, 2000, 430, 1900), "less", 0.95, statistic=1.0199411572409276, p_value=0.15626648361027537,
                  conf_int=(-1, 0.0085886072768830701), estimate=(0.22631578947368422, 0.23999999999999999)),
    # prop.test(c(430, 480), c(1900, 2000), alternative = "less", conf.level = 0.9, correct = FALSE)
    PropReference((480, 2000, 430, 1900), "less", 0.9, statistic=1.0199411572409276, p_value=0.15626648361027537,
                  conf_int=(-1, 0.0036691661250045013), estimate=(0.22631578947368422, 0.23999999999999999)),
]

PROP_TINY_REFERENCE = [
    # prop.test(c(2600, 1000), c(10000, 10000), alternative = "two.sided", conf.level = 0.95, correct = FALSE)
    PropReference((1000, 10000, 2600, 10000), "two-sided", 0.95, statistic=867.20867208672087,
                  p_value=1.3194970456709843e-190, conf_int=(0.14958449247053213, 0.17041550752946788),
                  estimate=(0.26000000000000001, 0.10000000000000001)),
    # prop.test(c(2600, 1000), c(10000, 10000), alternative = "two.sided", conf.level = 0.9, correct = FALSE)
    PropReference((1000, 10000, 2600, 10000), "two-sided", 0.9, statistic=867.20867208672087,
                  p_value=1.3194970456709843e-190, conf_int=(0.15125903053754022, 0.16874096946245978),
                  estimate=(0.26000000000000001, 0.10000000000000001)),
    # prop.test(c(2600, 1000), c(10000, 10000), alternative = "greater", conf.level = 0.95, correct = FALSE)
    PropReference((1000, 10000, 2600, 10000), "greater", 0.95, statistic=867.20867208672087,
                  p_value=6.5974852283547944e-191, conf_int=(0.15125903053754022, 1), estimate=(0.26000000000000001,
                  0.10000000000000001)),
    # prop.test(c(2600, 1000), c(10000, 10000), alternative = "greater", conf.level = 0.9, correct = FALSE)
    PropReference((1000, 10000, 2600, 10000), "greater", 0.9, statistic=867.20867208672087,
                  p_value=6.5974852283547944e-191, conf_int=(0.15318966568487047, 1), estimate=(0.26000000000000001,
                  0.10000000000000001)),
    # prop.test(c(2600, 1000), c(10000, 10000), alternative = "less", conf.level = 0.95, correct = FALSE)
    PropReference((1000, 10000, 2600, 10000), "less", 0.95, statistic=867.20867208672087, p_value=1, conf_int=(-1,
                  0.16874096946245978), estimate=(0.26000000000000001, 0.10000000000000001)),
    # prop.test(c(2600, 1000), c(10000, 10000), alternative = "less", conf.level = 0.9, correct = FALSE)
    PropReference((1000, 10000, 2600, 10000), "less", 0.9, statistic=867.20867208672087, p_value=1, conf_int=(-1,
                  0.16681033431512954), estimate=(0.26000000000000001, 0.10000000000000001)),
]
# fmt: on


def _run_ttest(ref: TtestReference):
    control, treatment = DATASETS[ref.data]
    return ttest(
        np.asarray(control),
        np.asarray(treatment),
        equal_var=ref.equal_var,
        alternative=ref.alternative,
        confidence_level=ref.confidence_level,
    )


def _assert_interval(got_low: float, got_high: float, want: tuple[float, float], rel: float) -> None:
    for got, expected in zip((got_low, got_high), want, strict=True):
        if math.isinf(expected):
            assert got == expected
        else:
            assert got == pytest.approx(expected, rel=rel, abs=1e-300)


@pytest.mark.parametrize("ref", TTEST_REFERENCE, ids=lambda ref: ref.id)
def test_ttest_matches_r(ref: TtestReference) -> None:
    r = _run_ttest(ref)
    control, treatment = DATASETS[ref.data]
    rel = RTOL_LARGE_MEAN if ref.data == "c" else RTOL
    assert r.n_control == len(control)
    assert r.n_treatment == len(treatment)
    assert r.treatment == pytest.approx(ref.estimate[0], rel=RTOL)
    assert r.control == pytest.approx(ref.estimate[1], rel=RTOL)
    assert r.effect == pytest.approx(ref.estimate[0] - ref.estimate[1], rel=rel)
    assert r.se == pytest.approx(ref.stderr, rel=RTOL)
    assert r.df == pytest.approx(ref.parameter, rel=RTOL)
    assert r.statistic == pytest.approx(ref.statistic, rel=rel)
    assert r.pvalue == pytest.approx(ref.p_value, rel=rel, abs=1e-300)
    _assert_interval(r.ci_low, r.ci_high, ref.conf_int, rel)


@pytest.mark.parametrize("ref", TTEST_TINY_REFERENCE, ids=lambda ref: ref.id)
def test_ttest_tiny_pvalue_does_not_underflow(ref: TtestReference) -> None:
    r = _run_ttest(ref)
    assert r.pvalue > 0.0
    assert r.pvalue == pytest.approx(ref.p_value, rel=RTOL_TINY, abs=1e-320)
    assert r.statistic == pytest.approx(ref.statistic, rel=RTOL)
    assert r.df == pytest.approx(ref.parameter, rel=RTOL)
    _assert_interval(r.ci_low, r.ci_high, ref.conf_int, RTOL)


def _run_ztest(ref: PropReference):
    successes_control, n_control, successes_treatment, n_treatment = ref.counts
    with warnings.catch_warnings():
        # abkit may warn, as R does, that expected cell counts below 5 make the normal approximation rough; the
        # numbers are still R's, and filterwarnings=error must not turn that advice into a failure here.
        warnings.simplefilter("ignore", AbkitWarning)
        return ztest_proportions(
            successes_control,
            n_control,
            successes_treatment,
            n_treatment,
            alternative=ref.alternative,
            confidence_level=ref.confidence_level,
        )


@pytest.mark.parametrize("ref", PROP_REFERENCE, ids=lambda ref: ref.id)
def test_ztest_proportions_matches_r(ref: PropReference) -> None:
    r = _run_ztest(ref)
    effect = ref.estimate[0] - ref.estimate[1]
    assert r.effect == pytest.approx(effect, rel=RTOL)
    # R reports X-squared = z^2 with the pooled variance; abkit reports the signed z.
    assert r.statistic**2 == pytest.approx(ref.statistic, rel=RTOL)
    assert np.sign(r.statistic) == np.sign(effect)
    assert r.pvalue == pytest.approx(ref.p_value, rel=RTOL, abs=1e-300)
    # The interval is the unpooled (Wald) one, clipped to [-1, 1]; one-sided intervals have the bound -1 or 1.
    _assert_interval(r.ci_low, r.ci_high, ref.conf_int, RTOL)


@pytest.mark.parametrize("ref", [ref for ref in PROP_REFERENCE if ref.alternative != "two-sided"], ids=lambda r: r.id)
def test_ztest_proportions_one_sided_interval_open_side_is_r_bound(ref: PropReference) -> None:
    r = _run_ztest(ref)
    if ref.alternative == "greater":
        assert (r.ci_high, ref.conf_int[1]) == (1.0, 1.0)
    else:
        assert (r.ci_low, ref.conf_int[0]) == (-1.0, -1.0)


@pytest.mark.parametrize("ref", PROP_TINY_REFERENCE, ids=lambda ref: ref.id)
def test_ztest_proportions_tiny_pvalue_does_not_underflow(ref: PropReference) -> None:
    r = _run_ztest(ref)
    assert r.pvalue > 0.0
    assert r.pvalue == pytest.approx(ref.p_value, rel=RTOL_TINY, abs=1e-320)
    assert r.statistic**2 == pytest.approx(ref.statistic, rel=RTOL)
    _assert_interval(r.ci_low, r.ci_high, ref.conf_int, RTOL)
