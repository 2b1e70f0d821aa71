"""Sample size, power and minimum detectable effect of a two-arm (or many-arm) comparison.

One function per solved quantity, with the same keywords: :func:`sample_size` (units in the control arm),
:func:`power` and :func:`mde`. Every numeric argument broadcasts (numpy rules), so a whole grid of baselines and
effects is solved in one call; scalars in give a float out.

Conventions, all following R where R has the formula:

- ``Mean`` and ``Ratio`` metrics: the two-sample t test with the noncentral t distribution, as R's
  ``power.t.test(type="two.sample")``, generalised to unequal allocation (:mod:`abkit.protocols.mean_power`).
  For a ratio, ``sd`` is the sd of the linearised ratio (:func:`ratio_sd`).
- ``Proportion`` metrics: R's ``power.prop.test`` formula by default (``method="normal"``), Cohen's arcsine
  ``h`` with ``method="arcsine"`` (:mod:`abkit.protocols.proportion_power`).
- Two-sided power counts only the tail in the direction of the effect, as R does by default (``strict=FALSE``);
  ``strict=True`` counts both tails, as statsmodels and the R package pwr. The difference is below 1e-6 in power
  at the usual designs.

The sizes returned are fractional, as R's; a plan rounds them up with ``ceil``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import special

from abkit.errors import AbkitWarning
from abkit.protocols.mean_power import ratio_sd
from abkit.protocols.power_inputs import CORRECTIONS, Problem
from abkit.protocols.roots import solve_increasing

__all__ = ["CORRECTIONS", "mde", "power", "ratio_sd", "sample_size"]

ArrayLike = Any


def sample_size(
    metric: Any,
    *,
    baseline: ArrayLike = None,
    mde: ArrayLike,
    relative: bool = False,
    sd: ArrayLike = None,
    alpha: ArrayLike = 0.05,
    power: ArrayLike = 0.8,
    alternative: str = "two-sided",
    ratio: ArrayLike = 1.0,
    arms: int = 2,
    correction: str | None = None,
    covariate_correlation: ArrayLike = None,
    inflation: ArrayLike = 1.0,
    method: str | None = None,
    strict: bool = False,
) -> float | np.ndarray:
    """The number of units in the control arm for a test to reach ``power`` against an effect ``mde``.

    Parameters
    ----------
    metric : Mean, Proportion, Ratio or str
        The metric (its ``kind`` is used) or one of ``"mean"``, ``"proportion"``, ``"ratio"``.
    baseline : float or array
        The control arm's value: its mean, proportion (in (0, 1)) or ratio. Needed for proportions and for a
        relative ``mde``; unused otherwise.
    mde : float or array
        The effect to detect, treatment - control: absolute, or relative to ``baseline`` when ``relative``
        (``delta = mde * baseline``). Nonzero; > 0 for ``alternative="greater"``, < 0 for ``"less"``.
    relative : bool, default False
    sd : float or array
        The per-unit standard deviation (Mean), or that of the linearised ratio (Ratio, see :func:`ratio_sd`).
        Required for Mean and Ratio; not allowed for Proportion (the baseline sets it).
    alpha : float or array, default 0.05
        The level of each test before the multiplicity split.
    power : float or array, default 0.8
        The target power, in (alpha, 1).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: treatment > control.
    ratio : float or array, default 1.0
        Allocation: each treatment arm has ``ratio * n`` units.
    arms : int, default 2
        Number of arms including control; ``arms - 1`` treatments are each compared with control.
    correction : {"holm", "bonferroni", "hochberg", "BH", "BY"} or None, default None
        The multiplicity correction the analysis will use. With ``arms > 2`` every comparison is sized at
        ``alpha / (arms - 1)``: exact for Bonferroni, conservative for the step-wise methods (the first rejected
        hypothesis of Holm/Hochberg and BH/BY faces that level, later ones a looser one). ``None`` (the default):
        no split; pass the analysis's correction to size for it (``ab.design`` passes the protocol's).
    covariate_correlation : float or array, optional
        CUPED: the correlation rho between the metric and its pre-experiment covariate. Variances are multiplied
        by ``1 - rho^2`` (the degrees of freedom are not reduced by the one estimated slope).
    inflation : float or array, default 1.0
        A group-sequential inflation factor (>= 1, from ``GroupSequential.inflation``): the fixed-design size is
        multiplied by it. :func:`power` and :func:`mde` divide ``n`` by it, so the three functions stay inverse.
    method : str, optional
        ``"t"`` (default) or ``"normal"`` for Mean and Ratio; ``"normal"`` (default, R's ``power.prop.test``) or
        ``"arcsine"`` (Cohen's h, as ``pwr.2p2n.test``) for Proportion.
    strict : bool, default False
        Count both tails in two-sided power (R's ``strict=TRUE``; statsmodels and pwr always do).

    Returns
    -------
    float or numpy.ndarray
        Units in the control arm, fractional; the treatment arms have ``ratio`` times as many, the total is
        ``n * (1 + ratio * (arms - 1))``. Round up with ``ceil`` to plan.

    Examples
    --------
    >>> from abkit.protocols.sizing import sample_size
    >>> round(sample_size("mean", mde=1.0, sd=1.0), 6)   # R: power.t.test(delta=1, sd=1, power=0.8)$n
    16.71476
    >>> round(sample_size("proportion", baseline=0.5, mde=0.25), 6)   # R: power.prop.test(p1=.5, p2=.75, power=.8)$n
    57.673437
    >>> sample_size("proportion", baseline=0.1, mde=[0.05, 0.1], relative=True).round(1)
    array([57762.7, 14750.8])
    """
    prob = Problem.build("sample_size", metric, locals())
    i = np.arange(prob.size)
    zb = special.ndtri(prob.target)
    eff = prob.effect
    x0 = np.sqrt(np.maximum(prob.model.n_guess(eff, i, zb), prob.n_min * 1.5 + 1e-9))

    def g(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return _gap(prob.model.miss(x**2, eff[idx], idx), zb[idx])

    root = solve_increasing(g, x0, lower=np.sqrt(prob.n_min))
    return prob.finish(root**2 * prob.inflation)


def power(
    metric: Any,
    *,
    baseline: ArrayLike = None,
    mde: ArrayLike,
    n: ArrayLike,
    relative: bool = False,
    sd: ArrayLike = None,
    alpha: ArrayLike = 0.05,
    alternative: str = "two-sided",
    ratio: ArrayLike = 1.0,
    arms: int = 2,
    correction: str | None = None,
    covariate_correlation: ArrayLike = None,
    inflation: ArrayLike = 1.0,
    method: str | None = None,
    strict: bool = False,
) -> float | np.ndarray:
    """The power of the comparison of each treatment arm with control for ``n`` control units.

    Parameters
    ----------
    n : float or array
        Units in the control arm (each treatment arm has ``ratio * n``); divided by ``inflation``.
    metric, baseline, mde, relative, sd, alpha, alternative, ratio, arms, correction, covariate_correlation,
    inflation, method, strict
        As in :func:`sample_size`.

    Returns
    -------
    float or numpy.ndarray
        The probability of rejecting the null for an effect of ``mde``.

    Examples
    --------
    >>> from abkit.protocols.sizing import power
    >>> round(power("mean", mde=1.0, sd=1.0, n=20), 6)   # R: power.t.test(n=20, delta=1, sd=1)$power
    0.868953
    """
    prob = Problem.build("power", metric, locals())
    i = np.arange(prob.size)
    return prob.finish(1.0 - prob.model.miss(prob.n / prob.inflation, prob.effect, i))


def mde(
    metric: Any,
    *,
    baseline: ArrayLike = None,
    n: ArrayLike,
    relative: bool = False,
    sd: ArrayLike = None,
    alpha: ArrayLike = 0.05,
    power: ArrayLike = 0.8,
    alternative: str = "two-sided",
    ratio: ArrayLike = 1.0,
    arms: int = 2,
    correction: str | None = None,
    covariate_correlation: ArrayLike = None,
    inflation: ArrayLike = 1.0,
    method: str | None = None,
    strict: bool = False,
) -> float | np.ndarray:
    """The minimum detectable effect: the effect a test of ``n`` control units detects with ``power``.

    Parameters
    ----------
    n : float or array
        Units in the control arm (each treatment arm has ``ratio * n``); divided by ``inflation``.
    relative : bool, default False
        Return the effect relative to ``baseline``.
    metric, baseline, sd, alpha, power, alternative, ratio, arms, correction, covariate_correlation, inflation,
    method, strict
        As in :func:`sample_size`.

    Returns
    -------
    float or numpy.ndarray
        The effect, treatment - control: > 0 for ``"greater"`` and ``"two-sided"``, < 0 for ``"less"``. For a
        proportion the two directions differ and a two-sided test reports the increase, as R's
        ``power.prop.test``; ask ``alternative="less"`` with ``alpha / 2`` for the decrease. ``nan`` (with a
        warning) where no proportion in (0, 1) reaches the power.

    Examples
    --------
    >>> from abkit.protocols.sizing import mde
    >>> round(mde("mean", sd=2.0, n=100), 6)   # R: power.t.test(n=100, sd=2, power=0.8)$delta
    0.796277
    >>> round(mde("proportion", baseline=0.1, n=10_000, relative=True), 4)
    0.122
    """
    prob = Problem.build("mde", metric, locals())
    i = np.arange(prob.size)
    zb = special.ndtri(prob.target)
    n_eff = prob.n / prob.inflation
    if prob.kind == "proportion":
        x0 = prob.model.delta_guess(n_eff, i, zb)
        upper = prob.model.delta_limit(i)
    else:
        x0, upper = prob.model.d_guess(n_eff, i, zb), np.inf

    def g(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return _gap(prob.model.miss(n_eff[idx], x, idx), zb[idx])

    root = solve_increasing(g, x0, lower=0.0, upper=upper)
    if np.any(np.isnan(root)):
        warnings.warn(
            "mde: no effect within the range of the metric reaches the power at some of the given n; "
            "those MDEs are nan. Increase n or lower the power.",
            AbkitWarning,
            stacklevel=2,
        )
    effect = root * prob.scale * prob.direction
    if relative:
        effect = effect / prob.baseline
    return prob.finish(effect)


def _gap(beta: np.ndarray, zb: np.ndarray) -> np.ndarray:
    """``Phi^-1(power) - Phi^-1(target)`` from the type II error, increasing in power and close to linear."""
    return -special.ndtri(beta) - zb
