"""The delta method over the means of expressions, for one group or many groups at once.

Every offline estimator in abkit is a smooth function ``f`` of the means of a few per-row expressions (``w * r``,
``min(w, c)``, ...). Its standard error is the delta method's ``sqrt(g' S g / n)`` with ``g`` the gradient of ``f`` at
the sample means and ``S`` the covariance matrix of the expressions (``ddof=1``), both taken from the moments an engine
returns. :class:`Dual` carries a value and its gradient through ``+ - * /`` (forward-mode differentiation), so an
estimator is written once as ordinary arithmetic on means and gets its gradient, its paired differences with other
estimators on the same rows, and its bootstrap replicates (the same function applied to arrays of reweighted means).

Values are vectorised over groups: a :class:`Dual` holds ``G`` values and a ``(G, k)`` gradient, so one call evaluates
an estimator on every seed of a simulation or every day of a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines.moments import Moments

__all__ = ["Dual", "GroupMeans", "point", "safe_log", "where"]


class Dual:
    """Values (G,) with their gradients (G, k) with respect to the k means of a :class:`GroupMeans`.

    Examples
    --------
    >>> import numpy as np
    >>> a = Dual(np.array([2.0]), np.array([[1.0, 0.0]]))
    >>> b = Dual(np.array([4.0]), np.array([[0.0, 1.0]]))
    >>> r = a / b
    >>> float(r.value[0]), r.grad[0].tolist()
    (0.5, [0.25, -0.125])
    """

    __slots__ = ("grad", "value")
    __array_priority__ = 100.0  # numpy defers to Dual's reflected operators

    def __init__(self, value: np.ndarray, grad: np.ndarray) -> None:
        self.value = np.asarray(value, dtype=float)
        self.grad = np.asarray(grad, dtype=float)

    def _lift(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return other
        v = np.broadcast_to(np.asarray(other, dtype=float), self.value.shape)
        return Dual(v, np.zeros_like(self.grad))

    def __add__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(self.value + o.value, self.grad + o.grad)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(self.value - o.value, self.grad - o.grad)

    def __rsub__(self, other: Any) -> Dual:
        return self._lift(other) - self

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.grad)

    def __mul__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(self.value * o.value, self.grad * o.value[:, None] + o.grad * self.value[:, None])

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        o = self._lift(other)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = self.value / o.value
            grad = (self.grad - o.grad * q[:, None]) / o.value[:, None]
        return Dual(q, grad)

    def __rtruediv__(self, other: Any) -> Dual:
        return self._lift(other) / self

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r})"


def point(x: Any) -> np.ndarray:
    """The value of ``x`` (a :class:`Dual` or an array), as an array."""
    return x.value if isinstance(x, Dual) else np.asarray(x, dtype=float)


def safe_log(x: Any) -> Any:
    """Natural logarithm of a :class:`Dual` or an array (``nan`` where not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(x, Dual):
            return Dual(np.log(x.value), x.grad / x.value[:, None])
        return np.log(np.asarray(x, dtype=float))


def where(mask: Any, a: Any, b: Any) -> Any:
    """Elementwise choice between two :class:`Dual` values (or arrays) by a boolean mask over groups."""
    mask = np.asarray(mask, dtype=bool)
    if isinstance(a, Dual) or isinstance(b, Dual):
        da = a if isinstance(a, Dual) else b._lift(a)
        db = b if isinstance(b, Dual) else a._lift(b)
        return Dual(np.where(mask, da.value, db.value), np.where(mask[:, None], da.grad, db.grad))
    return np.where(mask, a, b)


@dataclass(frozen=True)
class GroupMeans:
    """Means and covariance matrices of named quantities, per group, with the number of independent units.

    ``n[g]`` is the number of independent units (rows, or clusters such as slates) of group ``g``; ``mean[g]`` the
    mean per unit and ``cov[g]`` the covariance between units (``ddof=1``). The variance of a smooth function ``f`` of
    the means is ``g' cov g / n``.
    """

    names: tuple[str, ...]
    keys: pd.DataFrame
    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    @classmethod
    def from_moments(cls, moments: Moments) -> GroupMeans:
        """Per-row means and covariances of every group of ``moments``."""
        n = moments.n.astype(float)
        s = moments.sums
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = moments.shift[None, :] + s / n[:, None]
            cov = (moments.cross - s[:, :, None] * s[:, None, :] / n[:, None, None]) / (n - 1.0)[:, None, None]
        return cls(moments.columns, moments.keys, n, mean, cov, moments.minimum, moments.maximum)

    @classmethod
    def from_clusters(cls, moments: Moments, cluster: str) -> GroupMeans:
        """Means and covariances over clusters (one group of ``moments`` per value of key ``cluster``).

        Each cluster is one unit; its value is the total of each column over its rows. Groups are the combinations
        of the other keys (one group when there are none).
        """
        totals = moments.sums + moments.n[:, None] * moments.shift[None, :]
        others = [k for k in moments.keys.columns if k != cluster]
        if others:
            codes, keys = _codes(moments.keys[others])
        else:
            codes, keys = np.zeros(len(moments), dtype=np.intp), pd.DataFrame(index=[0])
        g = len(keys)
        k = len(moments.columns)
        n = np.bincount(codes, minlength=g).astype(float)
        mean = np.zeros((g, k))
        cov = np.zeros((g, k, k))
        for grp in range(g):
            x = totals[codes == grp]
            mean[grp] = x.mean(axis=0) if len(x) else np.nan
            cov[grp] = np.atleast_2d(np.cov(x, rowvar=False, ddof=1)) if len(x) > 1 else np.nan
        low = np.full((g, k), np.nan)
        high = np.full((g, k), np.nan)
        np.fmin.at(low, codes, totals)
        np.fmax.at(high, codes, totals)
        return cls(moments.columns, keys, n, mean, cov, low, high)

    def __len__(self) -> int:
        return len(self.n)

    def duals(self) -> dict[str, Dual]:
        """Each mean as a :class:`Dual` whose gradient is its unit vector."""
        g, k = self.mean.shape
        eye = np.eye(k)
        return {c: Dual(self.mean[:, j], np.broadcast_to(eye[j], (g, k))) for j, c in enumerate(self.names)}

    def variance(self, d: Dual) -> np.ndarray:
        """Delta-method variance of the estimate ``d`` (per group)."""
        with np.errstate(invalid="ignore"):
            quad = np.einsum("gi,gij,gj->g", d.grad, np.nan_to_num(self.cov, nan=0.0), d.grad)
            # a covariance entry that is nan (not computed, or a group of one) only matters where its weight is non-zero
            used = np.einsum("gi,gij,gj->g", np.abs(d.grad), np.isnan(self.cov).astype(float), np.abs(d.grad))
            return np.where(used > 0, np.nan, quad) / self.n

    def index(self, name: str) -> int:
        return self.names.index(name)

    def point_means(self, group: int = 0) -> Mapping[str, float]:
        """The means of group ``group`` as plain floats."""
        return {c: float(self.mean[group, j]) for j, c in enumerate(self.names)}


def _codes(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    uniques = frame.drop_duplicates().sort_values(list(frame.columns), kind="stable").reset_index(drop=True)
    merged = frame.merge(uniques.reset_index(), on=list(frame.columns), how="left")
    return merged["index"].to_numpy(dtype=np.intp), uniques
