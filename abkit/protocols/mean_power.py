"""Power of the two-sample t test (Mean and Ratio metrics) and the delta-method sd of a ratio metric.

The model is R's ``power.t.test(type="two.sample")`` generalised to unequal allocation: with ``n`` units in the
control arm and ``r * n`` in the treatment arm, a standardised difference ``d = |delta| / sd``,

    df = n (1 + r) - 2,   ncp = d / sqrt(1/n + 1/(r n)),   power = P(T'(df, ncp) > t_(1 - a, df)),

where ``T'`` is the noncentral t distribution and ``a`` the level per tail. For ``r = 1`` this is R's formula
(``df = 2 (n - 1)``, ``ncp = sqrt(n / 2) d``). ``strict=True`` adds the other tail ``P(T' < -t_(1 - a, df))``, as
R's ``strict=TRUE`` and statsmodels' ``TTestIndPower``. ``method="normal"`` replaces both t distributions by the
normal one (the large-sample z test).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from abkit.errors import ParameterError

__all__ = ["ShiftModel", "ratio_sd"]


class ShiftModel:
    """The t (or z) test of a difference in means, on flat parameter arrays indexed by ``i``."""

    def __init__(self, a_tail: np.ndarray, r: np.ndarray, *, strict: bool, method: str) -> None:
        self.a_tail, self.r, self.strict, self.exact = a_tail, r, strict, method == "t"

    def min_n(self, i: np.ndarray) -> np.ndarray:
        """The smallest control size with a defined test: ``df > 0`` for the t test, ``n > 0`` for z."""
        return 2.0 / (1.0 + self.r[i]) if self.exact else np.zeros(i.size)

    def miss(self, n: np.ndarray, d: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Type II error probability at control size ``n`` and standardised difference ``d`` >= 0."""
        r, a = self.r[i], self.a_tail[i]
        ncp = d / np.sqrt((1.0 + 1.0 / r) / n)
        if self.exact:
            df = n * (1.0 + r) - 2.0
            crit = -special.stdtrit(df, a)
            beta = _nct_cdf(df, ncp, crit)
            if self.strict:
                beta = beta - _nct_cdf(df, ncp, -crit)
            return beta
        za = -special.ndtri(a)
        beta = special.ndtr(za - ncp)
        if self.strict:
            beta = beta - special.ndtr(-za - ncp)
        return beta

    def n_guess(self, d: np.ndarray, i: np.ndarray, zb: np.ndarray) -> np.ndarray:
        """The z-test size, exact for ``method="normal"`` with one tail, slightly small for the t test."""
        za = -special.ndtri(self.a_tail[i])
        return ((za + zb) / d) ** 2 * (1.0 + 1.0 / self.r[i]) + (za**2 / 4.0 if self.exact else 0.0)

    def d_guess(self, n: np.ndarray, i: np.ndarray, zb: np.ndarray) -> np.ndarray:
        """The z-test standardised MDE at control size ``n``."""
        za = -special.ndtri(self.a_tail[i])
        return (za + zb) * np.sqrt((1.0 + 1.0 / self.r[i]) / n)


def _nct_cdf(df: np.ndarray, ncp: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The noncentral t cdf; where scipy returns nan (far tails, below ~1e-15) the normal approximation.

    Abramowitz and Stegun 26.7.10: ``P(T' <= t) ~ Phi((t (1 - 1/(4 df)) - ncp) / sqrt(1 + t^2 / (2 df)))``.
    """
    out = special.nctdtr(df, ncp, t)
    bad = np.isnan(out)
    if np.any(bad):
        df_b, ncp_b, t_b = df[bad], ncp[bad], t[bad]
        out[bad] = special.ndtr((t_b * (1.0 - 0.25 / df_b) - ncp_b) / np.sqrt(1.0 + t_b**2 / (2.0 * df_b)))
    return out


def ratio_sd(
    mean_num: float | np.ndarray,
    mean_den: float | np.ndarray,
    var_num: float | np.ndarray,
    var_den: float | np.ndarray,
    cov: float | np.ndarray,
) -> float | np.ndarray:
    """The per-unit standard deviation of a ratio metric's linearisation, by the delta method.

    A ratio metric R = mean(num) / mean(den) behaves, to first order, like the mean of the per-unit variable
    ``L = (num - R * den) / mean(den)``, whose variance is

        var(L) = (var_num - 2 R cov + R^2 var_den) / mean_den^2.

    Pass ``sqrt(var(L))`` as ``sd`` to :func:`sample_size`, :func:`power` and :func:`mde` for a :class:`Ratio`
    metric: the standard error of R in an arm of ``n`` units is then ``sd / sqrt(n)``.

    Parameters
    ----------
    mean_num, mean_den : float or array
        Per-unit means of the numerator and denominator (the denominator mean must not be 0).
    var_num, var_den : float or array
        Per-unit variances (>= 0).
    cov : float or array
        Per-unit covariance of numerator and denominator.

    Returns
    -------
    float or numpy.ndarray
        The standard deviation of ``L``; a float when every input is a scalar.

    References
    ----------
    Deng, A., Knoblich, U. and Lu, J. (2018). Applying the delta method in metric analytics: a practical guide
    with novel ideas. KDD 2018.

    Examples
    --------
    >>> from abkit.protocols.sizing import ratio_sd
    >>> round(ratio_sd(0.5, 10.0, 4.0, 100.0, 15.0), 6)
    0.165831
    """
    arrays = [np.asarray(v, dtype=float) for v in (mean_num, mean_den, var_num, var_den, cov)]
    names = ("mean_num", "mean_den", "var_num", "var_den", "cov")
    for name, v in zip(names, arrays, strict=True):
        if not np.all(np.isfinite(v)):
            raise ParameterError(f"The {name!r} parameter of ratio_sd must be finite. Got {v!r} instead.")
    m_num, m_den, v_num, v_den, c = np.broadcast_arrays(*arrays)
    for name, v in (("var_num", v_num), ("var_den", v_den)):
        if np.any(v < 0):
            raise ParameterError(f"The {name!r} parameter of ratio_sd must be >= 0. Got {v[v < 0].flat[0]!r} instead.")
    if np.any(m_den == 0):
        raise ParameterError(
            "The 'mean_den' parameter of ratio_sd must not be 0: the ratio is undefined. Got 0 instead."
        )
    ratio = m_num / m_den
    var = (v_num - 2.0 * ratio * c + ratio**2 * v_den) / m_den**2
    if np.any(var <= 0):
        raise ParameterError(
            "The moments passed to ratio_sd give a linearised variance <= 0 "
            f"({var[var <= 0].flat[0]!r}); |cov| must be below sqrt(var_num * var_den) and not make the "
            "numerator an exact multiple of the denominator."
        )
    out = np.sqrt(var)
    return float(out) if out.ndim == 0 else out
