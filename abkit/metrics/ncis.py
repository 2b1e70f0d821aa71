"""Normalised capped importance sampling: NCIS, PieceNCIS, PointNCIS (Gilotte et al., WSDM 2018).

With capped weights ``w' = min(w, c)`` (or zero-capped), capped IS estimates ``E_pi0[w' r]``, which misses the part
of the candidate's value carried by the capped actions. Writing ``W(x) = E_pi0[w' | x]`` (the candidate's mass left
uncapped in context ``x``) and assuming the reward is uncorrelated with ``w'/w`` given ``x`` under the candidate, the
value is ``E_x[E_pi0[w' r | x] / W(x)]``. The three estimators differ in how ``W`` is estimated:

- NCIS: one global normaliser, ``sum(w' r) / sum(w')``;
- PieceNCIS: one normaliser per group of contexts (``context_value`` cut in log-uniform groups by default), groups
  weighted by their share of rows: ``sum_g (n_g / n) sum_g(w' r) / sum_g(w')``;
- PointNCIS: one normaliser per context, ``mean(w' r / W(x))``, with ``W(x)`` given as a column or estimated by
  drawing actions from the candidate policy (``W(x) = E_{a ~ pi}[min(1, c / w(x, a))]``).

References
----------
Gilotte, Calauzènes, Nedelec, Abraham, Dollé (2018). Offline A/B testing for Recommender Systems. WSDM.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from abkit.engines.expr import Expr, col
from abkit.errors import DegenerateDataWarning, ParameterError
from abkit.metrics.delta import GroupMeans, point, where
from abkit.metrics.terms import Estimator, Program, Roles, Terms
from abkit.metrics.weights import capped, check_capping

__all__ = ["NCIS", "PieceNCIS", "PointNCIS", "context_groups", "log_uniform_cuts", "uncapped_fraction"]


@dataclass(frozen=True)
class NCIS(Estimator):
    """Normalised capped IS, ``sum(w' r) / sum(w')``; delta-method interval.

    ``capping`` is "max" (``min(w, cap)``, the paper's choice) or "zero"; ``cap`` defaults to evaluate's.
    """

    name: ClassVar[str] = "ncis"
    within_reward_range: ClassVar[bool] = True
    self_normalised: ClassVar[bool] = True
    cap: float | None = None
    capping: str = "max"

    def build(self, roles: Roles, terms: Terms) -> Program:
        c = self.resolve_cap(roles)
        wc = capped(roles.w, c, check_capping(self.capping, self.name))
        num, den = terms.add(wc * roles.reward), terms.add(wc)
        return Program(lambda m: m[num] / m[den], f"sum(w' r) / sum(w'), {self.capping}-capped at {c:g}; delta")


def log_uniform_cuts(low: float, high: float, groups: int) -> tuple[float, ...]:
    """Interior cut points of ``groups`` log-uniform groups between ``low`` and ``high`` (both > 0).

    Examples
    --------
    >>> log_uniform_cuts(1.0, 100.0, 2)
    (10.0,)
    """
    if not (low > 0 and high > 0):
        raise ParameterError(
            f"log-uniform context groups need context_value > 0; found values in [{low:g}, {high:g}]. "
            "Pass PieceNCIS(cuts=[...]) with explicit cut points, or a positive context_value."
        )
    if high <= low or groups < 2:
        return ()
    return tuple(float(x) for x in np.geomspace(low, high, groups + 1)[1:-1])


def context_groups(value: Expr, cuts: Sequence[float]) -> list[Expr]:
    """Indicators of the groups ``value < cuts[0]``, ``cuts[i-1] <= value < cuts[i]``, ``value >= cuts[-1]``."""
    cuts = sorted(float(c) for c in cuts)
    if not cuts:
        return [value * 0.0 + 1.0]
    out = [value.lt(cuts[0])]
    out += [value.ge(a) * value.lt(b) for a, b in itertools.pairwise(cuts)]
    out.append(value.ge(cuts[-1]))
    return out


@dataclass(frozen=True)
class PieceNCIS(Estimator):
    """NCIS normalised within groups of ``context_value``, groups weighted by their share of rows.

    ``cuts`` are the interior cut points of the groups; by default ``groups`` log-uniform groups between the smallest
    and the largest context value (computed by :func:`abkit.metrics.evaluate` from the moments). Groups without rows
    drop out; a group whose capped weights sum to zero makes the estimate ``nan`` (with a warning).
    """

    name: ClassVar[str] = "piece_ncis"
    within_reward_range: ClassVar[bool] = True
    self_normalised: ClassVar[bool] = True
    requires: ClassVar[tuple[str, ...]] = ("context_value",)
    cap: float | None = None
    capping: str = "max"
    groups: int = 10
    cuts: tuple[float, ...] | None = None

    def build(self, roles: Roles, terms: Terms) -> Program:
        c = self.resolve_cap(roles)
        cv = roles.need("context_value", self.name)
        if self.cuts is not None:
            cuts = tuple(self.cuts)
        elif roles.context_range is not None:
            cuts = log_uniform_cuts(*roles.context_range, self.groups)
        else:
            raise ParameterError(
                "PieceNCIS needs the context groups: evaluate finds the range of context_value; when building "
                "directly pass PieceNCIS(cuts=[...])."
            )
        wc = capped(roles.w, c, check_capping(self.capping, self.name))
        parts = []
        for ind in context_groups(cv, cuts):
            parts.append((terms.add(ind), terms.add(ind * wc * roles.reward), terms.add(ind * wc)))

        def value(m: Any) -> Any:
            total: Any = 0.0
            for share, num, den in parts:
                present = point(m[share]) > 0
                total = total + where(present, m[share] * m[num] / m[den], 0.0 * m[share])
            return total

        def check(gm: GroupMeans) -> None:
            for share, _, den in parts:
                s, d = gm.mean[:, gm.index(share)], gm.mean[:, gm.index(den)]
                if np.any((s > 0) & (d == 0)):
                    warnings.warn(
                        "piece_ncis: a context group has rows but all its capped weights are zero (the candidate never "
                        "picks the logged actions there); its normaliser is undefined and the estimate is nan. "
                        "Use fewer groups (groups=) or a larger cap.",
                        DegenerateDataWarning,
                        stacklevel=4,
                    )
                    return

        return Program(value, f"NCIS within {len(parts)} context groups, {self.capping}-capped at {c:g}", (check,))


@dataclass(frozen=True)
class PointNCIS(Estimator):
    """Capped IS with one normaliser per context, ``mean(w' r / W(x))``; CLT interval (``W`` taken as known).

    ``normaliser`` names a column holding ``W(x) = E_{a ~ pi}[w'/w]`` for the cap in use (``evaluate`` uses it as
    the ``normaliser`` role); alternatively ``sampler(logs, rng)`` returns, for each row, the importance weights
    ``w(x, a)`` of ``samples`` actions drawn from the candidate policy in that row's context, and ``W`` is estimated
    by :func:`uncapped_fraction`. The sampler path reads rows, so it needs the logs as a pandas DataFrame.
    """

    name: ClassVar[str] = "point_ncis"
    requires: ClassVar[tuple[str, ...]] = ("normaliser",)
    cap: float | None = None
    capping: str = "max"
    normaliser: str | None = None
    sampler: Callable[[pd.DataFrame, np.random.Generator], np.ndarray] | None = None

    def build(self, roles: Roles, terms: Terms) -> Program:
        c = self.resolve_cap(roles)
        norm = col(self.normaliser) if self.normaliser is not None else roles.need("normaliser", self.name)
        wc = capped(roles.w, c, check_capping(self.capping, self.name))
        t = terms.add(wc * roles.reward / norm)
        return Program(lambda m: m[t], f"mean(w' r / W(x)), {self.capping}-capped at {c:g}; CLT")


def uncapped_fraction(weights: np.ndarray, cap: float, capping: str = "max") -> np.ndarray:
    """``W(x)`` per row from importance weights of actions drawn from the candidate (rows x samples).

    Max-capping: ``mean(min(1, cap / w))``; zero-capping: ``mean(1[w <= cap])``.

    Examples
    --------
    >>> uncapped_fraction(np.array([[1.0, 4.0], [0.5, 0.5]]), 2.0).tolist()
    [0.75, 1.0]
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise ParameterError(f"the sampler must return a (rows, samples) array of weights; got shape {w.shape}.")
    if capping == "zero":
        return (w <= cap).mean(axis=1)
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, cap / w).mean(axis=1)
