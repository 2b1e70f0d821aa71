"""Power of the two-proportion comparison: R's ``power.prop.test`` formula and Cohen's arcsine ``h``.

Both models take the control proportion ``p1`` and the absolute difference ``delta`` (so ``p2 = p1 + delta``),
the control-arm size ``n`` and the allocation ``r`` (treatment arm = ``r * n``), and return the probability of a
type II error, ``beta = 1 - power``, computed without cancellation so that the solvers can take its normal quantile.

``"normal"`` (the default) is the formula of R's ``power.prop.test``: the test statistic's standard error under the
null uses the pooled proportion, under the alternative the unpooled variances,

    power = Phi((sqrt(n) |delta| - z_(1 - a) s0) / s1),
    s0^2 = pbar (1 - pbar) (1 + 1/r),  pbar = (p1 + r p2) / (1 + r),
    s1^2 = p1 (1 - p1) + p2 (1 - p2) / r,

which is R's formula for ``r = 1`` (then ``s0^2 = (p1 + p2)(1 - (p1 + p2)/2)``) and otherwise weighs the pooled
proportion by arm size, as the pooled z test does. ``"arcsine"`` uses Cohen's effect size
``h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1))``, whose estimate has variance ``1/n1 + 1/n2`` whatever the proportions,
as ``pwr.2p.test`` and ``pwr.2p2n.test`` (R package pwr) and statsmodels' ``NormalIndPower``:
``power = Phi(|h| sqrt(n r / (1 + r)) - z_(1 - a))``.

``a`` is the level per tail (alpha / 2 for a two-sided test). With ``strict=False`` only the tail in the direction
of the effect is counted, as R's ``power.prop.test`` and ``power.t.test`` by default; ``strict=True`` adds the
other tail, as ``pwr`` and statsmodels do. A CUPED variance factor ``vf = 1 - rho^2`` multiplies both variances.

References
----------
Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed., chapter 6. Erlbaum.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["ArcsineModel", "NormalProportionModel"]


class NormalProportionModel:
    """R's ``power.prop.test`` formula, generalised to unequal allocation (flat parameter arrays)."""

    def __init__(self, p1: np.ndarray, direction: np.ndarray, a_tail: np.ndarray, r: np.ndarray, vf: np.ndarray,
                 *, strict: bool) -> None:  # fmt: skip
        self.p1, self.direction, self.a_tail, self.r, self.vf, self.strict = p1, direction, a_tail, r, vf, strict

    def _scales(self, delta: np.ndarray, i: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p1, r, vf = self.p1[i], self.r[i], self.vf[i]
        p2 = p1 + self.direction[i] * delta
        pbar = (p1 + r * p2) / (1.0 + r)
        s0 = np.sqrt(pbar * (1.0 - pbar) * (1.0 + 1.0 / r) * vf)
        s1 = np.sqrt((p1 * (1.0 - p1) + p2 * (1.0 - p2) / r) * vf)
        return s0, s1, -special.ndtri(self.a_tail[i])

    def miss(self, n: np.ndarray, delta: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Type II error probability at control size ``n`` and absolute difference ``delta`` >= 0."""
        s0, s1, za = self._scales(delta, i)
        u = np.sqrt(n) * delta
        beta = special.ndtr((za * s0 - u) / s1)
        if self.strict:
            beta = beta - special.ndtr((-za * s0 - u) / s1)
        return beta

    def n_guess(self, delta: np.ndarray, i: np.ndarray, zb: np.ndarray) -> np.ndarray:
        """The control size solving the one-tail equation exactly."""
        s0, s1, za = self._scales(delta, i)
        return ((za * s0 + zb * s1) / delta) ** 2

    def delta_guess(self, n: np.ndarray, i: np.ndarray, zb: np.ndarray) -> np.ndarray:
        """A difference near the solution (variances taken at p2 = p1), kept inside the search range."""
        s0, _, za = self._scales(np.zeros_like(n), i)
        return np.minimum((za + zb) * s0 / np.sqrt(n), 0.5 * self.delta_limit(i))

    def delta_limit(self, i: np.ndarray) -> np.ndarray:
        """The largest possible difference in the direction of the effect (p2 stays inside (0, 1))."""
        return np.where(self.direction[i] > 0, 1.0 - self.p1[i], self.p1[i])


class ArcsineModel(NormalProportionModel):
    """Cohen's ``h`` with the normal approximation, as ``pwr.2p2n.test`` (flat parameter arrays)."""

    def _ncp_per_root_n(self, delta: np.ndarray, i: np.ndarray) -> np.ndarray:
        p1, r = self.p1[i], self.r[i]
        p2 = np.clip(p1 + self.direction[i] * delta, 0.0, 1.0)
        h = np.abs(2.0 * np.arcsin(np.sqrt(p2)) - 2.0 * np.arcsin(np.sqrt(p1)))
        return h * np.sqrt(r / ((1.0 + r) * self.vf[i]))

    def miss(self, n: np.ndarray, delta: np.ndarray, i: np.ndarray) -> np.ndarray:
        ncp = self._ncp_per_root_n(delta, i) * np.sqrt(n)
        za = -special.ndtri(self.a_tail[i])
        beta = special.ndtr(za - ncp)
        if self.strict:
            beta = beta - special.ndtr(-za - ncp)
        return beta

    def n_guess(self, delta: np.ndarray, i: np.ndarray, zb: np.ndarray) -> np.ndarray:
        za = -special.ndtri(self.a_tail[i])
        return ((za + zb) / self._ncp_per_root_n(delta, i)) ** 2

    def delta_guess(self, n: np.ndarray, i: np.ndarray, zb: np.ndarray) -> np.ndarray:
        """The exact one-tail solution ``p2 = sin(asin(sqrt(p1)) +- h/2)^2``, kept inside the search range."""
        p1, r = self.p1[i], self.r[i]
        za = -special.ndtri(self.a_tail[i])
        h = (za + zb) / np.sqrt(n * r / ((1.0 + r) * self.vf[i]))
        angle = np.clip(np.arcsin(np.sqrt(p1)) + self.direction[i] * 0.5 * h, 0.0, 0.5 * np.pi)
        delta = np.abs(np.sin(angle) ** 2 - p1)
        limit = self.delta_limit(i)
        return np.where((delta > 0) & (delta < limit), delta, 0.5 * limit)
