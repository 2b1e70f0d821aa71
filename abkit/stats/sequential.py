"""Group sequential designs: efficacy and futility boundaries for a test analysed at a few interim looks.

Boundaries are on the Z scale of the canonical joint distribution (see :mod:`abkit.stats.crossing`) and are computed
by recursive numerical integration, solved look by look with Brent's method. ``sides=2`` means a symmetric two-sided
test whose total type I error is ``alpha`` (``alpha / 2`` per side), as rpact's ``sided = 2``.

References
----------
Pocock, S. J. (1977). Group sequential methods in the design and analysis of clinical trials. Biometrika 64(2),
191-199.
O'Brien, P. C., Fleming, T. R. (1979). A multiple testing procedure for clinical trials. Biometrics 35(3), 549-556.
Wang, S. K., Tsiatis, A. A. (1987). Approximately optimal one-parameter boundaries for group sequential trials.
Biometrics 43(1), 193-199.
Lan, K. K. G., DeMets, D. L. (1983). Discrete sequential boundaries for clinical trials. Biometrika 70(3), 659-663.
Jennison, C., Turnbull, B. W. (2000). Group Sequential Methods with Applications to Clinical Trials. Chapman &
Hall/CRC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from abkit.errors import ParameterError
from abkit.stats.crossing import LookRecursion, exit_probabilities
from abkit.stats.spending import SPENDING_FUNCTIONS, spend

__all__ = ["BOUNDARIES", "GroupSequential"]

#: Classical (Wang-Tsiatis) boundary shapes: ``b_k = C * t_k ** (delta - 1/2)``, delta = 0 (O'Brien-Fleming), 1/2.
BOUNDARIES = {"obrien-fleming": 0.0, "pocock": 0.5}
_XTOL = 1e-11
_BOUND = 40.0


def readonly_array(values: np.ndarray | Sequence[float]) -> np.ndarray:
    """A float copy of ``values`` that cannot be written to (results hand out arrays, not views of their state)."""
    values = np.array(values, dtype=float)
    values.flags.writeable = False
    return values


def _solve(fn: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of the monotone ``fn`` on ``[lo, hi]``; the nearer end when ``fn`` does not change sign there."""
    f_lo, f_hi = fn(lo), fn(hi)
    if np.sign(f_lo) == np.sign(f_hi) and f_lo != 0:
        return lo if abs(f_lo) < abs(f_hi) else hi
    return float(brentq(fn, lo, hi, xtol=_XTOL, rtol=4 * np.finfo(float).eps))


def _log_diff(log_p: float, log_target: float) -> float:
    return log_p - log_target if np.isfinite(log_p) else -1e300


class GroupSequential:
    """A group sequential design: efficacy boundaries (and optionally futility boundaries) at planned looks.

    Exactly one of ``boundary`` (classical boundaries, equally spaced looks) and ``spending`` (Lan-DeMets error
    spending, any information fractions) is given, and exactly one of ``looks`` and ``information``.

    Parameters
    ----------
    looks : int, optional
        Number of equally spaced looks: information fractions ``1/K, 2/K, ..., 1``.
    information : sequence of float, optional
        Information fractions of the looks, strictly increasing in ``(0, 1]``. The last is 1 for a planned design; a
        last fraction below 1 describes the looks done so far (the boundaries do not depend on later looks).
    alpha : float
        Total type I error; ``sides=2`` spends ``alpha / 2`` on each side (rpact's convention).
    sides : {1, 2}
        1: one-sided test of ``effect > 0`` (efficacy above, optional futility below). 2: symmetric two-sided test,
        crossing the lower boundary is ``"stop-harm"``.
    boundary : {"obrien-fleming", "pocock"}, optional
        Classical Wang-Tsiatis boundaries ``C * t_k ** (delta - 1/2)``, with ``C`` solved exactly for ``alpha``.
    spending : {"obrien-fleming", "pocock", "hwang-shih-decani", "kim-demets"}, optional
        Alpha-spending function (see :func:`abkit.stats.spending.spend`).
    gamma, rho : float
        Parameters of the Hwang-Shih-DeCani (``gamma``, default -4) and Kim-DeMets (``rho``, default 3) functions.
    futility : str, optional
        Beta-spending function of a non-binding futility boundary (same names as ``spending``); ``sides=1`` only.
        The efficacy boundaries ignore it (non-binding) and the futility boundaries spend ``beta`` under the drift
        at which the design, stopping at both boundaries, has power ``1 - beta``; the last futility boundary equals
        the last efficacy boundary. This is rpact's ``typeBetaSpending`` with ``bindingFutility = FALSE``.
    beta : float
        Type II error spent by the futility boundary.
    futility_gamma, futility_rho : float
        Parameters of the beta-spending function.

    Attributes
    ----------
    z : numpy.ndarray
        Efficacy boundary per look on the Z scale (reject when ``Z >= z``; for ``sides=2`` also when ``Z <= -z``).
    alpha_spent : numpy.ndarray
        Cumulative type I error spent by each look (both sides for ``sides=2``).
    nominal_pvalue : numpy.ndarray
        The p-value at which the boundary is crossed at each look (two-sided for ``sides=2``).
    futility : numpy.ndarray
        Futility boundary per look (stop when ``Z <= futility``), ``nan`` without a futility rule.
    futility_spending : str or None
        The name given as ``futility=`` (the attribute ``futility`` holds the boundary).
    information, looks
        The information fractions and their number. The other arguments are kept as attributes of the same name.

    Examples
    --------
    >>> import abkit.stats.sequential as sq
    >>> gs = sq.GroupSequential(looks=5, alpha=0.05, sides=2, boundary="pocock")
    >>> [round(float(b), 3) for b in gs.z]
    [2.413, 2.413, 2.413, 2.413, 2.413]
    >>> gs = sq.GroupSequential(information=[0.5, 1.0], alpha=0.025, sides=1, spending="obrien-fleming")
    >>> [round(float(b), 4) for b in gs.z], round(gs.inflation(power=0.8), 4)
    ([2.9626, 1.9686], 1.0037)
    >>> gs.decide(3.1, look=1)
    'stop-efficacy'

    References
    ----------
    Jennison, C., Turnbull, B. W. (2000). Group Sequential Methods with Applications to Clinical Trials, chapters 2,
    7 and 19. Lan, K. K. G., DeMets, D. L. (1983). Discrete sequential boundaries for clinical trials. Biometrika
    70(3), 659-663. Wassmer, G., Brannath, W. (2016). Group Sequential and Confirmatory Adaptive Designs in Clinical
    Trials. Springer (the conventions of rpact).
    """

    __slots__ = (
        "_drift",
        "_planned",
        "alpha",
        "alpha_spent",
        "beta",
        "boundary",
        "futility",
        "futility_gamma",
        "futility_rho",
        "futility_spending",
        "gamma",
        "information",
        "nominal_pvalue",
        "rho",
        "sides",
        "spending",
        "z",
    )
    information: np.ndarray
    z: np.ndarray
    alpha_spent: np.ndarray
    nominal_pvalue: np.ndarray
    futility: np.ndarray
    alpha: float
    sides: int
    boundary: str | None
    spending: str | None
    gamma: float
    rho: float
    futility_spending: str | None
    beta: float
    futility_gamma: float
    futility_rho: float
    _drift: float
    _planned: bool

    def __init__(
        self,
        *,
        looks: int | None = None,
        information: Sequence[float] | np.ndarray | None = None,
        alpha: float = 0.05,
        sides: int = 2,
        boundary: str | None = None,
        spending: str | None = None,
        gamma: float = -4.0,
        rho: float = 3.0,
        futility: str | None = None,
        beta: float = 0.2,
        futility_gamma: float = -4.0,
        futility_rho: float = 3.0,
    ) -> None:
        self._build(
            looks,
            information,
            alpha,
            sides,
            boundary,
            spending,
            gamma,
            rho,
            futility,
            beta,
            futility_gamma,
            futility_rho,
            drift=None,
        )

    # -- construction -------------------------------------------------------------------------------------------
    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"GroupSequential is read-only; build a new design instead of setting {name!r}.")

    def _build(
        self,
        looks,
        information,
        alpha,
        sides,
        boundary,
        spending,
        gamma,
        rho,
        futility,
        beta,
        futility_gamma,
        futility_rho,
        *,
        drift: float | None,
    ) -> None:
        t = _check_information(looks, information)
        alpha = _check_unit(alpha, "alpha")
        if sides not in (1, 2) or isinstance(sides, bool):
            raise ParameterError(f"The 'sides' parameter of GroupSequential must be 1 or 2. Got {sides!r} instead.")
        if (boundary is None) == (spending is None):
            raise ParameterError(
                "GroupSequential needs exactly one of 'boundary' (classical: 'obrien-fleming' or 'pocock') and "
                f"'spending' (Lan-DeMets: {', '.join(SPENDING_FUNCTIONS)}). "
                f"Got boundary={boundary!r} and spending={spending!r}."
            )
        for name, value in (("spending", spending), ("futility", futility)):
            if value is not None and value not in SPENDING_FUNCTIONS:
                raise ParameterError(
                    f"The '{name}' parameter of GroupSequential must be one of "
                    f"{', '.join(repr(s) for s in SPENDING_FUNCTIONS)}. Got {value!r} instead."
                )
        for name, value in (("rho", rho), ("futility_rho", futility_rho)):
            if not (np.isfinite(value) and value > 0):
                raise ParameterError(f"The '{name}' parameter of GroupSequential must be > 0. Got {value!r} instead.")
        for name, value in (("gamma", gamma), ("futility_gamma", futility_gamma)):
            if not np.isfinite(value):
                raise ParameterError(f"The '{name}' parameter of GroupSequential must be finite. Got {value!r}.")
        if boundary is not None:
            if boundary not in BOUNDARIES:
                raise ParameterError(
                    "The 'boundary' parameter of GroupSequential must be 'obrien-fleming' or 'pocock'. "
                    f"Got {boundary!r} instead. For other shapes use spending=."
                )
            k = t.size
            if not np.allclose(t, np.arange(1, k + 1) / k, rtol=0, atol=1e-9):
                raise ParameterError(
                    "Classical boundaries need equally spaced looks ending at information 1 "
                    f"({', '.join(f'{x:g}' for x in np.arange(1, k + 1) / k)}). Got information="
                    f"{[round(float(x), 6) for x in t]}. Use spending= for unequal or unfinished looks."
                )
        if futility is not None:
            beta = _check_unit(beta, "beta")
            if sides != 1:
                raise ParameterError(
                    "A futility boundary needs sides=1 (a one-sided test of effect > 0). Got sides=2; use sides=1 "
                    "with alpha halved, or drop futility=."
                )
            if drift is None and t[-1] != 1.0:
                raise ParameterError(
                    "A futility boundary is planned on a design whose last information fraction is 1. Got "
                    f"{t[-1]:g}. Build the planned design, then call .at(information=...) with the actual fractions."
                )
        fields = {
            "alpha": alpha,
            "sides": sides,
            "boundary": boundary,
            "spending": spending,
            "gamma": float(gamma),
            "rho": float(rho),
            "futility_spending": futility,
            "beta": float(beta),
            "futility_gamma": float(futility_gamma),
            "futility_rho": float(futility_rho),
            "_planned": drift is None,
        }
        for name, value in fields.items():
            self._set(name, value)
        self._set("information", readonly_array(t))
        if boundary is not None:
            z, spent = _classical(t, alpha, sides, BOUNDARIES[boundary])
        else:
            spent = spend(spending, t, alpha, sides=sides, gamma=gamma, rho=rho)
            z = _spending_bounds(t, spent, sides)
        self._set("z", readonly_array(z))
        self._set("alpha_spent", readonly_array(spent))
        self._set("nominal_pvalue", readonly_array(sides * norm.sf(z)))
        if futility is None:
            self._set("futility", readonly_array(np.full(t.size, np.nan)))
            self._set("_drift", np.nan)
            return
        beta_spent = spend(futility, t, beta, sides=1, gamma=futility_gamma, rho=futility_rho)
        if drift is None:
            drift, fut = _planned_futility(t, z, beta_spent, alpha, beta)
        else:
            fut = _futility_bounds(t, z, beta_spent, drift)
            if t[-1] == 1.0:
                fut[-1] = z[-1]
        self._set("futility", readonly_array(fut))
        self._set("_drift", float(drift))

    # -- public API ---------------------------------------------------------------------------------------------
    @property
    def looks(self) -> int:
        """Number of looks."""
        return int(self.information.size)

    @property
    def table(self) -> pd.DataFrame:
        """One row per look: look, information, z, nominal_pvalue, alpha_spent, futility."""
        return pd.DataFrame(
            {
                "look": np.arange(1, self.looks + 1),
                "information": self.information,
                "z": self.z,
                "nominal_pvalue": self.nominal_pvalue,
                "alpha_spent": self.alpha_spent,
                "futility": self.futility,
            }
        )

    def at(self, *, information: Sequence[float] | np.ndarray) -> GroupSequential:
        """The same spending design recomputed at the actual information fractions (Lan-DeMets).

        A futility boundary keeps the planned alternative (the drift solved for the planned looks); if the last
        fraction is 1, the last futility boundary is set to the efficacy boundary (the final analysis).

        Examples
        --------
        >>> import abkit.stats.sequential as sq
        >>> plan = sq.GroupSequential(looks=3, alpha=0.025, sides=1, spending="obrien-fleming")
        >>> [round(float(b), 3) for b in plan.at(information=[0.4, 0.7]).z]
        [3.357, 2.445]
        """
        if self.spending is None:
            raise ParameterError(
                "GroupSequential.at recomputes spending boundaries; this design has classical boundaries "
                f"(boundary={self.boundary!r}), which exist only at their planned equally spaced looks. "
                f"Use spending={self.boundary!r} instead."
            )
        new = object.__new__(GroupSequential)
        new._build(
            None,
            information,
            self.alpha,
            self.sides,
            None,
            self.spending,
            self.gamma,
            self.rho,
            self.futility_spending,
            self.beta,
            self.futility_gamma,
            self.futility_rho,
            drift=None if np.isnan(self._drift) else self._drift,
        )
        return new

    def inflation(self, power: float | None = None) -> float:
        """Maximum sample size of this design divided by the fixed design's sample size for the same power.

        The fixed design is the one-look test at the same ``alpha`` and ``sides`` (``z_{1-alpha/sides} +
        z_{power}`` standard errors of drift). Without a futility rule, power is the probability of crossing the
        upper efficacy boundary (for ``sides=2`` the lower one does not count, as in rpact). With a futility rule,
        power counts stopping at the non-binding futility boundary as a failure (rpact's convention), so the
        design's power must be ``1 - beta``.

        Parameters
        ----------
        power : float, optional
            Default ``1 - beta`` (0.8).
        """
        if power is None:
            power = 1.0 - self.beta
        power = _check_unit(power, "power")
        if self.information[-1] != 1.0:
            raise ParameterError(
                "inflation compares a planned design with the fixed design; the last information fraction must be 1. "
                f"Got {self.information[-1]:g}."
            )
        fixed = norm.isf(self.alpha / self.sides) + norm.isf(1.0 - power)
        if self.futility_spending is not None:
            if not np.isclose(power, 1.0 - self.beta, rtol=0, atol=1e-12):
                raise ParameterError(
                    f"The futility boundary of this design was built for power 1 - beta = {1 - self.beta:g}. Got "
                    f"power={power:g}; build the design with beta={1 - power:g} instead."
                )
            if self._planned:
                return float((self._drift / fixed) ** 2)
            planned = GroupSequential(
                information=self.information,
                alpha=self.alpha,
                sides=self.sides,
                spending=self.spending,
                gamma=self.gamma,
                rho=self.rho,
                futility=self.futility_spending,
                beta=self.beta,
                futility_gamma=self.futility_gamma,
                futility_rho=self.futility_rho,
            )
            return planned.inflation(power)
        lower = -self.z if self.sides == 2 else np.full(self.looks, -np.inf)

        def shortfall(drift: float) -> float:
            return float(exit_probabilities(self.information, self.z, lower, drift=drift)[0].sum()) - power

        drift = _solve(shortfall, 0.0, fixed + 10.0)
        return float((drift / fixed) ** 2)

    def decide(self, z_statistic: float, look: int) -> str:
        """Decision at ``look`` (1-based) for the observed Z statistic.

        Returns ``"stop-efficacy"`` (``Z >= z``), ``"stop-harm"`` (``sides=2`` and ``Z <= -z``), ``"stop-futility"``
        (``Z <= futility``, or any non-rejection at a last look at information 1: the test ends there) or
        ``"continue"``.
        """
        if isinstance(look, bool) or not isinstance(look, int | np.integer) or not 1 <= look <= self.looks:
            raise ParameterError(
                f"The 'look' parameter of GroupSequential.decide must be an integer in 1..{self.looks}. "
                f"Got {look!r} instead."
            )
        z_stat = float(z_statistic)
        if np.isnan(z_stat):
            raise ParameterError("The 'z_statistic' parameter of GroupSequential.decide must be a number. Got nan.")
        k = look - 1
        if z_stat >= self.z[k]:
            return "stop-efficacy"
        if self.sides == 2 and z_stat <= -self.z[k]:
            return "stop-harm"
        if z_stat <= self.futility[k] or (look == self.looks and self.information[-1] == 1.0):
            return "stop-futility"
        return "continue"

    def __repr__(self) -> str:
        rule = f"boundary={self.boundary!r}" if self.boundary else f"spending={self.spending!r}"
        info = [round(float(x), 6) for x in self.information]
        text = f"GroupSequential(information={info}, alpha={self.alpha}, sides={self.sides}, {rule}"
        if self.spending == "hwang-shih-decani":
            text += f", gamma={self.gamma}"
        if self.spending == "kim-demets":
            text += f", rho={self.rho}"
        if self.futility_spending is not None:
            text += f", futility={self.futility_spending!r}, beta={self.beta}"
        return text + ")"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GroupSequential):
            return NotImplemented
        return repr(self) == repr(other) and self.gamma == other.gamma and self.rho == other.rho

    def __hash__(self) -> int:
        return hash(repr(self))


def _check_unit(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 < value < 1:
        raise ParameterError(f"The '{name}' parameter of GroupSequential must be a float in (0, 1). Got {value!r}.")
    return float(value)


def _check_information(looks: int | None, information: Sequence[float] | np.ndarray | None) -> np.ndarray:
    if (looks is None) == (information is None):
        raise ParameterError(
            "GroupSequential needs exactly one of 'looks' (equally spaced) and 'information' (fractions). "
            f"Got looks={looks!r} and information={information!r}."
        )
    if looks is not None:
        if isinstance(looks, bool) or not isinstance(looks, int | np.integer) or looks < 1:
            raise ParameterError(f"The 'looks' parameter of GroupSequential must be an integer >= 1. Got {looks!r}.")
        return np.arange(1, looks + 1) / looks
    try:
        t = np.asarray(information, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The 'information' parameter of GroupSequential must be a sequence of numbers. Got {information!r}."
        ) from None
    if t.ndim != 1 or t.size == 0:
        raise ParameterError(
            f"The 'information' parameter of GroupSequential must be a non-empty 1-d sequence. Got {information!r}."
        )
    if not (np.all(np.isfinite(t)) and np.all(t > 0) and np.all(t <= 1)):
        raise ParameterError(
            "The 'information' fractions of GroupSequential must lie in (0, 1]. "
            f"Got {[float(x) for x in t]}; divide the information (or sample size) at each look by the planned maximum."
        )
    if np.any(np.diff(t) <= 0):
        raise ParameterError(
            f"The 'information' fractions of GroupSequential must be strictly increasing. Got {[float(x) for x in t]}."
        )
    return t


def _classical(t: np.ndarray, alpha: float, sides: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Wang-Tsiatis boundaries ``C t^(delta - 1/2)`` with ``C`` solved for total crossing probability ``alpha``."""
    shape = t ** (delta - 0.5)

    def excess(c: float) -> float:
        up, low = exit_probabilities(t, c * shape, -c * shape if sides == 2 else np.full(t.size, -np.inf))
        return float(up.sum() + low.sum()) - alpha

    c = _solve(excess, norm.isf(alpha / sides) - 1e-9, norm.isf(alpha / (sides * t.size)) + 1e-9)
    z = c * shape
    up, low = exit_probabilities(t, z, -z if sides == 2 else np.full(t.size, -np.inf))
    return z, np.cumsum(up + low)


def _spending_bounds(t: np.ndarray, spent: np.ndarray, sides: int) -> np.ndarray:
    """Efficacy boundaries that spend ``diff(spent)`` at each look (Lan-DeMets)."""
    increments = np.diff(spent, prepend=0.0)
    rec = LookRecursion(0.0)
    z = np.empty(t.size)
    for k in range(t.size):
        if increments[k] <= 0:
            z[k] = np.inf
        else:
            log_target = float(np.log(increments[k]))

            def excess(b: float, k: int = k, log_target: float = log_target) -> float:
                log_p = rec.exit_above(t[k], b)
                if sides == 2:
                    log_p = float(np.logaddexp(log_p, rec.exit_below(t[k], -b)))
                return _log_diff(log_p, log_target)

            z[k] = _solve(excess, 0.0 if sides == 2 else -_BOUND / 4, _BOUND)
        if k + 1 < t.size:
            rec.advance(t[k], -z[k] if sides == 2 else -np.inf, z[k])
    return z


def _futility_bounds(t: np.ndarray, z: np.ndarray, beta_spent: np.ndarray, drift: float) -> np.ndarray:
    """Futility boundaries spending ``diff(beta_spent)`` below, under ``drift``, inside the efficacy boundaries."""
    increments = np.diff(beta_spent, prepend=0.0)
    rec = LookRecursion(drift)
    fut = np.empty(t.size)
    for k in range(t.size):
        if increments[k] <= 0:
            fut[k] = -np.inf
        else:
            log_target = float(np.log(increments[k]))

            def shortfall(a: float, k: int = k, log_target: float = log_target) -> float:
                return _log_diff(rec.exit_below(t[k], a), log_target)

            fut[k] = _solve(shortfall, -_BOUND, _BOUND)
        if k + 1 < t.size:
            rec.advance(t[k], fut[k], z[k])
    return fut


def _planned_futility(
    t: np.ndarray, z: np.ndarray, beta_spent: np.ndarray, alpha: float, beta: float
) -> tuple[float, np.ndarray]:
    """Drift at which the last futility boundary meets the last efficacy boundary, and the boundaries."""
    fixed = norm.isf(alpha) + norm.isf(beta)
    drift = _solve(lambda d: _futility_bounds(t, z, beta_spent, d)[-1] - z[-1], 0.0, 2 * fixed + 5.0)
    fut = _futility_bounds(t, z, beta_spent, drift)
    fut[-1] = z[-1]
    return drift, fut
