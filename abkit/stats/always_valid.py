"""Always-valid inference: the normal-mixture mSPRT and its confidence sequence, for tests watched continuously.

Everything is computed from a sequence of cumulative ``(effect, se)`` pairs, one per look, so the same code serves any
estimator that is asymptotically normal with a known standard error (difference of means or proportions, ratio
metrics by the delta method, CUPED). With ``V = se**2``, the mixture of likelihood ratios over a normal prior
``N(0, tau**2)`` on the effect is

    Lambda = sqrt(V / (V + tau**2)) * exp(tau**2 * effect**2 / (2 V (V + tau**2)))

(Johari et al.), a nonnegative martingale under "no effect", so by Ville's inequality it exceeds ``1 / alpha`` with
probability at most ``alpha`` ever, however often one looks. The always-valid p-value is the running minimum of
``1 / Lambda``; inverting the test gives the confidence sequence ``effect +- w sqrt(log(1 + tau**2 / V) +
2 log(1 / alpha))`` with ``w = sqrt(V (V + tau**2) / tau**2)`` (Howard et al., two-sided normal mixture), whose
running intersection is reported. One-sided tests mix over the half-normal prior on the tested side:
``Lambda = 2 sqrt(V / (V + tau**2)) exp(u**2 / 2) Phi(u)`` with ``u = effect / w``.

References
----------
Johari, R., Koomen, P., Pekelis, L., Walsh, D. (2017). Peeking at A/B tests: why it matters, and what to do about
it. KDD '17, 1517-1525. Johari, R., Pekelis, L., Walsh, D. (2022). Always valid inference: continuous monitoring of
A/B tests. Operations Research 70(3), 1806-1821.
Howard, S. R., Ramdas, A., McAuliffe, J., Sekhon, J. (2021). Time-uniform, nonparametric, nonasymptotic confidence
sequences. Annals of Statistics 49(2), 1055-1080.
Robbins, H. (1970). Statistical methods related to the law of the iterated logarithm. Annals of Mathematical
Statistics 41(5), 1397-1409.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import log_ndtr
from scipy.stats import norm

from abkit.errors import DegenerateDataWarning, ParameterError
from abkit.results import Result
from abkit.stats.crossing import exit_probabilities
from abkit.stats.sequential import readonly_array

__all__ = ["AlwaysValid", "AlwaysValidResult", "always_valid", "mixture_tau"]

ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class AlwaysValid:
    """The plan of an always-valid (continuously monitored) test: the mixture scale ``tau``, ``alpha``, direction.

    Examples
    --------
    >>> from abkit.stats.always_valid import AlwaysValid, mixture_tau
    >>> spec = AlwaysValid(tau=mixture_tau(0.02, 0.007), alpha=0.05)
    >>> spec.alternative
    'two-sided'
    """

    tau: float
    alpha: float = 0.05
    alternative: str = "two-sided"

    def __post_init__(self) -> None:
        _check_spec(self.tau, self.alpha, self.alternative, "AlwaysValid")

    def z(self, se: Sequence[float] | np.ndarray) -> np.ndarray:
        """The rejection boundary on the Z scale at looks with standard errors ``se``: the test rejects at a look
        where ``|effect / se|`` reaches it (on the tested side for one-sided tests)."""
        s = np.asarray(se, dtype=float)
        return _z_boundary(self.tau**2 / s**2, self.alpha, self.alternative)


@dataclass(frozen=True)
class AlwaysValidResult(Result):
    """Per-look always-valid p-values and confidence sequence (arrays, one entry per look)."""

    effect: np.ndarray
    se: np.ndarray
    log_likelihood_ratio: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    tau: float
    alpha: float
    alternative: str

    @property
    def reject(self) -> np.ndarray:
        """True from the first look at which the always-valid p-value is at most ``alpha``."""
        return self.pvalue <= self.alpha

    @property
    def table(self) -> pd.DataFrame:
        """One row per look: look, effect, se, log_likelihood_ratio, pvalue, ci_low, ci_high."""
        return pd.DataFrame(
            {
                "look": np.arange(1, self.effect.size + 1),
                "effect": self.effect,
                "se": self.se,
                "log_likelihood_ratio": self.log_likelihood_ratio,
                "pvalue": self.pvalue,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )


def always_valid(
    effect: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    *,
    tau: float,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> AlwaysValidResult:
    """Always-valid p-values (mSPRT) and confidence sequence from cumulative estimates at successive looks.

    Parameters
    ----------
    effect : array of float
        Cumulative effect estimate (treatment - control) at each look, in time order.
    se : array of float
        Its standard error at each look (> 0).
    tau : float
        Scale of the normal mixture over effects, in the units of ``effect`` (see :func:`mixture_tau`).
    alpha : float
        Level of the test; the confidence sequence has coverage ``1 - alpha`` at all looks simultaneously.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: the test rejects for treatment > control and the sequence is a lower bound.

    Returns
    -------
    AlwaysValidResult
        ``pvalue`` is non-increasing, ``ci_low``/``ci_high`` are running intersections, so ``pvalue <= alpha``
        exactly when the sequence has excluded 0 at some look.

    Examples
    --------
    >>> from abkit.stats.always_valid import always_valid
    >>> res = always_valid([0.5, 0.3, 0.35], [0.3, 0.15, 0.1], tau=0.3)
    >>> [round(float(p), 4) for p in res.pvalue]
    [0.7062, 0.4515, 0.0128]
    >>> bool(res.ci_low[-1] > 0)
    True

    References
    ----------
    Johari, R., Pekelis, L., Walsh, D. (2022). Always valid inference: continuous monitoring of A/B tests.
    Operations Research 70(3), 1806-1821. Howard, S. R., Ramdas, A., McAuliffe, J., Sekhon, J. (2021).
    Time-uniform, nonparametric, nonasymptotic confidence sequences. Annals of Statistics 49(2), 1055-1080.
    """
    _check_spec(tau, alpha, alternative, "always_valid")
    est, s = check_estimates(effect, se, "always_valid")
    v = s**2
    ratio = tau**2 / v
    width = np.sqrt(v * (v + tau**2)) / tau
    radius = s * _z_boundary(ratio, alpha, alternative)
    if alternative == "two-sided":
        log_lr = -0.5 * np.log1p(ratio) + 0.5 * (est / width) ** 2
        low, high = est - radius, est + radius
    else:
        u = (est if alternative == "greater" else -est) / width
        log_lr = np.log(2.0) - 0.5 * np.log1p(ratio) + 0.5 * u**2 + log_ndtr(u)
        if alternative == "greater":
            low, high = est - radius, np.full(est.size, np.inf)
        else:
            low, high = np.full(est.size, -np.inf), est + radius
    pvalue = np.minimum.accumulate(np.minimum(1.0, np.exp(-log_lr)))
    low = np.maximum.accumulate(low)
    high = np.minimum.accumulate(high)
    empty = low > high
    if np.any(empty):
        first = int(np.argmax(empty)) + 1
        warnings.warn(
            f"The confidence sequence of always_valid is empty from look {first} on: the estimates disagree more "
            "than a constant effect allows (a time-varying effect, or standard errors too small). Its bounds are nan.",
            DegenerateDataWarning,
            stacklevel=2,
        )
        low = np.where(empty, np.nan, low)
        high = np.where(empty, np.nan, high)
    return AlwaysValidResult(
        effect=readonly_array(est),
        se=readonly_array(s),
        log_likelihood_ratio=readonly_array(log_lr),
        pvalue=readonly_array(pvalue),
        ci_low=readonly_array(low),
        ci_high=readonly_array(high),
        tau=float(tau),
        alpha=float(alpha),
        alternative=alternative,
    )


def mixture_tau(
    mde: float,
    se: float,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    looks: int = 30,
) -> float:
    """The mixture scale ``tau`` that makes the always-valid test most powerful at the MDE by the planned horizon.

    The rule: among all ``tau``, take the one that maximises the probability that the test rejects (in the
    direction of the effect) by the planned end, when the true effect is ``mde``, the final standard error is ``se``
    and the data are looked at ``looks`` times at equal information increments (daily looks over the planned
    duration, for instance). The probability is computed exactly for the discrete looks by the recursive integration
    of :mod:`abkit.stats.crossing`; ``tau`` depends on ``mde`` and ``se`` only through ``mde / se``, and scales
    with them.

    Parameters
    ----------
    mde : float
        Minimum detectable effect (absolute, in the units of the estimate), > 0.
    se : float
        Standard error of the estimate at the planned horizon, > 0.
    alpha : float
        Level of the test.
    alternative : {"two-sided", "greater", "less"}
    looks : int
        Number of equally spaced looks assumed when optimising.

    Returns
    -------
    float
        ``tau``, in the units of ``mde``.

    Examples
    --------
    >>> from abkit.stats.always_valid import mixture_tau
    >>> round(mixture_tau(2.8, 1.0), 3)
    3.371
    >>> round(mixture_tau(0.028, 0.01), 5)
    0.03371
    """
    for name, value in (("mde", mde), ("se", se)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 < value < np.inf:
            raise ParameterError(f"The '{name}' parameter of mixture_tau must be a float > 0. Got {value!r} instead.")
    _check_spec(1.0, alpha, alternative, "mixture_tau")
    if isinstance(looks, bool) or not isinstance(looks, int | np.integer) or looks < 1:
        raise ParameterError(f"The 'looks' parameter of mixture_tau must be an integer >= 1. Got {looks!r} instead.")
    t = np.arange(1, looks + 1) / looks
    drift = mde / se

    def neg_power(log_x: float) -> float:
        z = _z_boundary(np.exp(log_x) * t, alpha, alternative)  # tau^2 / V_k = (tau / se)^2 * t_k
        lower = -z if alternative == "two-sided" else np.full(t.size, -np.inf)
        return -float(exit_probabilities(t, z, lower, drift=drift, r=16)[0].sum())

    best = minimize_scalar(neg_power, bounds=(np.log(1e-4), np.log(1e4)), method="bounded", options={"xatol": 1e-4})
    return float(se * np.sqrt(np.exp(best.x)))


def _z_boundary(ratio: np.ndarray, alpha: float, alternative: str) -> np.ndarray:
    """Rejection boundary on the Z scale at looks where ``tau**2 / se**2`` is ``ratio``."""
    scale = np.sqrt(1.0 + 1.0 / ratio)
    if alternative == "two-sided":
        return scale * np.sqrt(np.log1p(ratio) + 2.0 * np.log(1.0 / alpha))
    return scale * _one_sided_root(np.log(1.0 / alpha) - np.log(2.0) + 0.5 * np.log1p(ratio))


def _one_sided_root(c: np.ndarray) -> np.ndarray:
    """Solve ``u**2 / 2 + log(Phi(u)) = c`` for ``u`` (``c > log(1/2)``); the left side is increasing and convex."""
    c = np.asarray(c, dtype=float)
    u = np.sqrt(2.0 * (c + np.log(2.0)))  # g(u) >= c here: Newton from the right converges monotonically
    for _ in range(100):
        g = 0.5 * u**2 + log_ndtr(u) - c
        step = g / (u + np.exp(norm.logpdf(u) - log_ndtr(u)))
        u = u - step
        if np.all(np.abs(step) < 1e-13 * np.maximum(1.0, np.abs(u))):
            break
    return u


def _check_spec(tau: float, alpha: float, alternative: str, where: str) -> None:
    if isinstance(tau, bool) or not isinstance(tau, int | float | np.floating) or not 0 < tau < np.inf:
        raise ParameterError(
            f"The 'tau' parameter of {where} must be a float > 0 (in the units of the effect). Got {tau!r} instead; "
            "mixture_tau(mde, se) gives one."
        )
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating) or not 0 < alpha < 1:
        raise ParameterError(f"The 'alpha' parameter of {where} must be a float in (0, 1). Got {alpha!r} instead.")
    if alternative not in ALTERNATIVES:
        raise ParameterError(
            f"The 'alternative' parameter of {where} must be one of 'two-sided', 'greater', 'less'. "
            f"Got {alternative!r} instead."
        )


def check_estimates(
    effect: Sequence[float] | np.ndarray, se: Sequence[float] | np.ndarray, where: str = "always_valid"
) -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays of per-look cumulative estimates and standard errors."""
    try:
        est = np.asarray(effect, dtype=float)
        s = np.asarray(se, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"The 'effect' and 'se' of {where} must be sequences of numbers.") from None
    if est.ndim != 1 or est.shape != s.shape or est.size == 0:
        raise ParameterError(
            f"The 'effect' and 'se' of {where} must be 1-d arrays of the same non-zero length (one per look). "
            f"Got shapes {est.shape} and {s.shape}."
        )
    if not np.all(np.isfinite(est)):
        raise ParameterError(f"The 'effect' of {where} must be finite at every look. Got {est.tolist()}.")
    if not (np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ParameterError(
            f"The 'se' of {where} must be finite and > 0 at every look. Got {s.tolist()}; drop the looks before "
            "both arms have data."
        )
    return est, s
