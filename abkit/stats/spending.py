"""Error-spending functions for group sequential designs (Lan & DeMets 1983).

A spending function gives the cumulative type I (or type II) error allowed to be spent by information fraction ``t``:
zero at ``t = 0`` and the whole ``alpha`` at ``t = 1``. The formulas and the parameter conventions are rpact's
(``typeOfDesign = "asOF" | "asP" | "asHSD" | "asKD"`` and their ``"bs*"`` beta-spending twins).

References
----------
Lan, K. K. G., DeMets, D. L. (1983). Discrete sequential boundaries for clinical trials. Biometrika 70(3), 659-663.
Hwang, I. K., Shih, W. J., DeCani, J. S. (1990). Group sequential designs using a family of type I error probability
spending functions. Statistics in Medicine 9(12), 1439-1445.
Kim, K., DeMets, D. L. (1987). Design and analysis of group sequential tests based on the type I error spending rate
function. Biometrika 74(1), 149-154.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from abkit.errors import ParameterError

__all__ = ["SPENDING_FUNCTIONS", "spend"]

#: Names accepted by ``spending=`` and ``futility=`` of :class:`~abkit.stats.sequential.GroupSequential`.
SPENDING_FUNCTIONS = ("obrien-fleming", "pocock", "hwang-shih-decani", "kim-demets")


def spend(
    name: str,
    information: np.ndarray | float,
    error: float,
    *,
    sides: int = 1,
    gamma: float = -4.0,
    rho: float = 3.0,
) -> np.ndarray:
    """Cumulative error spent by information fraction ``information`` under the named spending function.

    Parameters
    ----------
    name : {"obrien-fleming", "pocock", "hwang-shih-decani", "kim-demets"}
        ``"obrien-fleming"``: ``2 s (1 - Phi(z_{1 - error / (2 s)} / sqrt(t)))`` with ``s = sides`` (rpact's
        ``asOF``; for ``sides=2`` the whole two-sided ``error`` is spent, half per side);
        ``"pocock"``: ``error log(1 + (e - 1) t)``;
        ``"hwang-shih-decani"``: ``error (1 - exp(-gamma t)) / (1 - exp(-gamma))``, ``error t`` when ``gamma = 0``;
        ``"kim-demets"``: ``error t ** rho``.
    information : float or array
        Information fractions in ``[0, 1]``.
    error : float
        The total error spent at ``t = 1`` (alpha, or beta for futility).
    sides : {1, 2}
        Only used by ``"obrien-fleming"``.
    gamma, rho : float
        Parameters of the Hwang-Shih-DeCani and Kim-DeMets families (rpact's ``gammaA``/``gammaB`` for both).

    Returns
    -------
    numpy.ndarray
        The cumulative error spent, same shape as ``information``.

    Examples
    --------
    >>> from abkit.stats.spending import spend
    >>> [round(float(a), 6) for a in spend("obrien-fleming", [0.5, 1.0], 0.025)]
    [0.001525, 0.025]
    >>> round(float(spend("kim-demets", 0.5, 0.05, rho=2)), 4)
    0.0125
    """
    t = np.asarray(information, dtype=float)
    if name == "obrien-fleming":
        with np.errstate(divide="ignore"):
            return np.asarray(2.0 * sides * norm.sf(norm.isf(error / (2.0 * sides)) / np.sqrt(t)))
    if name == "pocock":
        return np.asarray(error * np.log1p((math.e - 1.0) * t))
    if name == "hwang-shih-decani":
        if gamma == 0:
            return np.asarray(error * t)
        return np.asarray(error * -np.expm1(-gamma * t) / -math.expm1(-gamma))
    if name == "kim-demets":
        return np.asarray(error * t**rho)
    raise ParameterError(
        f"The spending function must be one of {', '.join(repr(s) for s in SPENDING_FUNCTIONS)}. Got {name!r} instead."
    )
