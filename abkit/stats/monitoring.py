"""Monitoring a running test look by look: boundaries or confidence sequences, and a recommendation per look.

:func:`monitor_looks` is a pure function of per-look cumulative estimates (effect, standard error and the information
reached), so it serves every metric whose estimate is asymptotically normal. The data-facing ``ab.monitor`` builds
these arrays from the data and calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from abkit.errors import ParameterError
from abkit.results import Result
from abkit.stats.always_valid import AlwaysValid, always_valid, check_estimates
from abkit.stats.sequential import GroupSequential, readonly_array

__all__ = ["MonitorResult", "monitor_looks"]

RECOMMENDATIONS = ("continue", "stop-efficacy", "stop-harm", "stop-futility")


@dataclass(frozen=True)
class MonitorResult(Result):
    """Per-look monitoring of a test; arrays hold one entry per look, in time order.

    ``ci_low``/``ci_high`` are repeated confidence intervals ``effect -+ z * se`` for a group sequential design
    (simultaneous coverage ``1 - alpha`` over the looks; infinite on the untested side for ``sides=1``) and the
    running intersection of the confidence sequence for an always-valid test. ``upper``/``lower`` are the efficacy
    (harm) boundaries on the Z scale, ``futility`` the futility boundary (``nan`` when none), ``pvalue`` the
    always-valid p-value (``nan`` for group sequential designs).
    """

    look: np.ndarray
    label: tuple[object, ...]
    information: np.ndarray
    effect: np.ndarray
    se: np.ndarray
    z: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    futility: np.ndarray
    pvalue: np.ndarray
    recommendation: tuple[str, ...]
    alpha: float
    method: str

    @property
    def upper_effect(self) -> np.ndarray:
        """The efficacy boundary in the effect's units, ``upper * se`` (``nan`` where there is none)."""
        return _in_effect_units(self.upper, self.se)

    @property
    def lower_effect(self) -> np.ndarray:
        """The harm (lower) boundary in the effect's units, ``lower * se`` (``nan`` where there is none)."""
        return _in_effect_units(self.lower, self.se)

    @property
    def stopped_at(self) -> int | None:
        """The first look (1-based) whose recommendation is to stop, or None."""
        for look, rec in zip(self.look, self.recommendation, strict=True):
            if rec != "continue":
                return int(look)
        return None

    @property
    def decision(self) -> str:
        """The recommendation at the first look that says stop, else ``"continue"``."""
        first = self.stopped_at
        return "continue" if first is None else self.recommendation[first - 1]

    @property
    def table(self) -> pd.DataFrame:
        """One row per look: look, label, information, effect, se, z, ci_low, ci_high, upper, lower, futility,
        pvalue, recommendation."""
        return pd.DataFrame(
            {
                "look": self.look,
                "label": list(self.label),
                "information": self.information,
                "effect": self.effect,
                "se": self.se,
                "z": self.z,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "upper": self.upper,
                "lower": self.lower,
                "futility": self.futility,
                "pvalue": self.pvalue,
                "recommendation": list(self.recommendation),
            }
        )

    def __str__(self) -> str:
        return f"{self.method}: {self.decision}\n{self.table.to_string(index=False)}"


def _in_effect_units(z: np.ndarray, se: np.ndarray) -> np.ndarray:
    out = np.asarray(z, dtype=float) * np.asarray(se, dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


def monitor_looks(
    effect: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    *,
    design: GroupSequential | AlwaysValid,
    information: Sequence[float] | np.ndarray | None = None,
    n: Sequence[float] | np.ndarray | None = None,
    planned_n: float | None = None,
    labels: Sequence[object] | None = None,
    final: bool = False,
) -> MonitorResult:
    """Boundaries, intervals and a recommendation at each look of a running test.

    Parameters
    ----------
    effect, se : array of float
        Cumulative effect estimate (treatment - control) and its standard error at each look, in time order.
    design : GroupSequential or AlwaysValid
        A group sequential design (a spending design is recomputed at the observed information fractions with
        :meth:`GroupSequential.at`; a classical design uses its planned boundary at look k) or an always-valid spec.
    information : array of float, optional
        Information fraction reached at each look, strictly increasing in ``(0, 1]``.
    n : array of float, optional
        Cumulative sample size at each look (non-decreasing); with ``planned_n`` it gives the information fractions
        ``n / planned_n``.
    planned_n : float, optional
        The planned maximum sample size (the same unit as ``n``).
    labels : sequence, optional
        A label per look (dates, for instance), copied to the table.
    final : bool
        The last look is the final analysis although it fell short of the planned information: a spending design
        spends all the remaining alpha there (its information fraction is taken as 1, the usual Lan-DeMets
        practice), and anything short of a boundary is ``"stop-futility"``. The table keeps the observed fraction.

    Returns
    -------
    MonitorResult
        ``recommendation`` per look is ``"continue"``, ``"stop-efficacy"``, ``"stop-harm"`` or ``"stop-futility"``
        (see :meth:`GroupSequential.decide`; an always-valid test stops for efficacy or harm once its p-value is at
        most ``alpha``; with ``final=True`` the last look never says continue); ``.decision`` is the first stop.

    Examples
    --------
    >>> from abkit.stats.monitoring import monitor_looks
    >>> from abkit.stats.sequential import GroupSequential, readonly_array
    >>> gs = GroupSequential(looks=4, alpha=0.05, sides=2, spending="obrien-fleming")
    >>> res = monitor_looks([0.8, 0.9], [0.5, 0.3], design=gs, n=[2500, 5200], planned_n=10000)
    >>> res.recommendation, res.decision
    (('continue', 'stop-efficacy'), 'stop-efficacy')
    """
    est, s = check_estimates(effect, se, "monitor_looks")
    k = est.size
    z = est / s
    fractions = _fractions(information, n, planned_n, k)
    if labels is None:
        label: tuple[object, ...] = tuple(range(1, k + 1))
    else:
        label = tuple(labels)
        if len(label) != k:
            raise ParameterError(f"The 'labels' of monitor_looks must have one entry per look ({k}). Got {len(label)}.")
    if isinstance(design, GroupSequential):
        return _group_sequential(est, s, z, fractions, label, design, final=final)
    if isinstance(design, AlwaysValid):
        return _always_valid(est, s, z, fractions, label, design, final=final)
    raise ParameterError(
        f"The 'design' parameter of monitor_looks must be a GroupSequential or an AlwaysValid. Got {design!r}."
    )


def _fractions(information: object, n: object, planned_n: object, k: int) -> np.ndarray | None:
    """Information fractions from ``information`` or ``n / planned_n``, validated; None when neither is given."""
    if information is not None and n is not None:
        raise ParameterError("monitor_looks takes 'information' or 'n' (with 'planned_n'), not both.")
    if n is not None:
        counts = _vector(n, "n", k)
        if np.any(counts <= 0):
            raise ParameterError(
                f"The cumulative 'n' of monitor_looks must be > 0 at every look. Got {counts.tolist()}."
            )
        if np.any(np.diff(counts) < 0):
            look = int(np.argmax(np.diff(counts) < 0)) + 2
            raise ParameterError(
                f"The cumulative 'n' of monitor_looks decreases at look {look} ({counts[look - 2]:g} -> "
                f"{counts[look - 1]:g}). Pass the looks in time order, with cumulative (not per-look) counts."
            )
        if planned_n is None:
            return None
        if isinstance(planned_n, bool) or not isinstance(planned_n, int | float | np.number) or not planned_n > 0:
            raise ParameterError(f"The 'planned_n' parameter of monitor_looks must be > 0. Got {planned_n!r} instead.")
        fractions = counts / float(planned_n)
        if fractions[-1] > 1:
            raise ParameterError(
                f"monitor_looks got n = {counts[-1]:g} at the last look, more than planned_n = {planned_n:g}: "
                "information fractions must lie in (0, 1]. Stop at the planned size, or re-plan with a larger "
                "planned_n."
            )
        return fractions
    if planned_n is not None:
        raise ParameterError("The 'planned_n' parameter of monitor_looks needs 'n' (cumulative counts per look).")
    if information is None:
        return None
    fractions = _vector(information, "information", k)
    if np.any(fractions <= 0) or np.any(fractions > 1):
        raise ParameterError(
            f"The 'information' fractions of monitor_looks must lie in (0, 1]. Got {fractions.tolist()}; divide the "
            "information (or sample size) at each look by the planned maximum."
        )
    if np.any(np.diff(fractions) < 0):
        look = int(np.argmax(np.diff(fractions) < 0)) + 2
        raise ParameterError(
            f"The 'information' fractions of monitor_looks decrease at look {look}: looks are out of order. "
            f"Got {fractions.tolist()}; pass the looks in time order."
        )
    return fractions


def _end(recommendation: str, final: bool) -> str:
    """At the final analysis, not crossing a boundary ends the test without rejection."""
    return "stop-futility" if final and recommendation == "continue" else recommendation


def _vector(values: object, name: str, k: int) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"The '{name}' parameter of monitor_looks must be a sequence of numbers.") from None
    if arr.shape != (k,) or not np.all(np.isfinite(arr)):
        raise ParameterError(
            f"The '{name}' parameter of monitor_looks must hold {k} finite numbers, one per look. Got {values!r}."
        )
    return arr


def _group_sequential(
    est: np.ndarray,
    s: np.ndarray,
    z: np.ndarray,
    fractions: np.ndarray | None,
    label: tuple[object, ...],
    design: GroupSequential,
    *,
    final: bool,
) -> MonitorResult:
    k = est.size
    if design.spending is not None:
        if fractions is None:
            raise ParameterError(
                "monitor_looks with a spending design needs the information reached at each look: pass "
                "information= (fractions of the planned maximum) or n= with planned_n=."
            )
        if np.any(np.diff(fractions) <= 0):
            look = int(np.argmax(np.diff(fractions) <= 0)) + 2
            raise ParameterError(
                f"Look {look} of monitor_looks adds no information (fraction {fractions[look - 1]:g} again). "
                "Drop looks that added no data."
            )
        spending_at = fractions.copy()
        if final:
            spending_at[-1] = 1.0
        actual = design.at(information=spending_at)
    else:
        if k > design.looks:
            raise ParameterError(
                f"monitor_looks got {k} looks; the classical design has {design.looks}. Use a spending design "
                "(spending=...) to add looks."
            )
        actual = design
    bound = np.asarray(actual.z[:k])
    fut = np.asarray(actual.futility[:k])
    if design.sides == 2:
        lower = -bound
        ci_low, ci_high = est - bound * s, est + bound * s
    else:
        lower = np.full(k, -np.inf)
        ci_low, ci_high = est - bound * s, np.full(k, np.inf)
    recommendation = tuple(_end(actual.decide(float(z[i]), i + 1), final and i == k - 1) for i in range(k))
    rule = f"boundary={design.boundary!r}" if design.boundary else f"spending={design.spending!r}"
    return MonitorResult(
        look=readonly_array(np.arange(1, k + 1)),
        label=label,
        information=readonly_array(np.full(k, np.nan) if fractions is None else fractions),
        effect=readonly_array(est),
        se=readonly_array(s),
        z=readonly_array(z),
        ci_low=readonly_array(ci_low),
        ci_high=readonly_array(ci_high),
        upper=readonly_array(bound),
        lower=readonly_array(lower),
        futility=readonly_array(fut),
        pvalue=readonly_array(np.full(k, np.nan)),
        recommendation=recommendation,
        alpha=design.alpha,
        method=f"group sequential ({rule}, sides={design.sides}, alpha={design.alpha:g})",
    )


def _always_valid(
    est: np.ndarray,
    s: np.ndarray,
    z: np.ndarray,
    fractions: np.ndarray | None,
    label: tuple[object, ...],
    spec: AlwaysValid,
    *,
    final: bool,
) -> MonitorResult:
    k = est.size
    res = always_valid(est, s, tau=spec.tau, alpha=spec.alpha, alternative=spec.alternative)
    bound = spec.z(s)
    upper = bound if spec.alternative != "less" else np.full(k, np.inf)
    lower = -bound if spec.alternative != "greater" else np.full(k, -np.inf)
    rejected = res.pvalue <= spec.alpha
    recommendation = ["continue"] * k
    if np.any(rejected):
        first = int(np.argmax(rejected))
        if spec.alternative == "two-sided":
            stop = "stop-efficacy" if est[first] > 0 else "stop-harm"
        else:
            stop = "stop-efficacy"
        recommendation[first:] = [stop] * (k - first)
    recommendation[-1] = _end(recommendation[-1], final)
    return MonitorResult(
        look=readonly_array(np.arange(1, k + 1)),
        label=label,
        information=readonly_array(np.full(k, np.nan) if fractions is None else fractions),
        effect=readonly_array(est),
        se=readonly_array(s),
        z=readonly_array(z),
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        upper=readonly_array(upper),
        lower=readonly_array(lower),
        futility=readonly_array(np.full(k, np.nan)),
        pvalue=res.pvalue,
        recommendation=tuple(recommendation),
        alpha=spec.alpha,
        method=f"always-valid mSPRT (tau={spec.tau:g}, {spec.alternative}, alpha={spec.alpha:g})",
    )
