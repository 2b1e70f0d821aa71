"""A vectorised root finder for the designer's increasing functions (power in n, power in the effect).

The sample-size and MDE solvers solve one equation per grid point. Calling a scalar root finder in a Python loop
costs milliseconds per point; here every point advances together, one vectorised evaluation per step, and the
functions solved are nearly linear (the normal quantile of the power is close to linear in sqrt(n) and in the
effect), so the Illinois variant of regula falsi converges in a handful of steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["solve_increasing"]

Objective = Callable[[np.ndarray, np.ndarray], np.ndarray]

_MAX_EXPAND = 80
_MAX_ITER = 200


def solve_increasing(
    g: Objective,
    x0: np.ndarray,
    *,
    lower: np.ndarray | float = 0.0,
    upper: np.ndarray | float = np.inf,
    rtol: float = 1e-13,
) -> np.ndarray:
    """Solve ``g(x) = 0`` elementwise for functions increasing in ``x`` on ``(lower, upper)``.

    Parameters
    ----------
    g : callable
        ``g(x, idx)`` evaluates the functions of the elements ``idx`` (an index array into the flat problem) at
        ``x`` (an array of the same length) and returns their values; ``nan`` marks an element as unsolvable.
    x0 : array
        A starting guess per element, strictly inside ``(lower, upper)``.
    lower, upper : float or array
        Open limits of the search; the bracket grows geometrically from ``x0`` towards them.
    rtol : float
        Relative width of the final bracket.

    Returns
    -------
    numpy.ndarray
        The roots, flat; ``nan`` where no sign change exists inside the limits.

    References
    ----------
    Dowell, M. and Jarratt, P. (1971). A modified regula falsi method for computing the root of an equation.
    BIT Numerical Mathematics 11, 168-174.

    Examples
    --------
    >>> import numpy as np
    >>> from abkit.protocols.roots import solve_increasing
    >>> c = np.array([2.0, 9.0])
    >>> [round(float(x), 12) for x in solve_increasing(lambda x, i: x**2 - c[i], np.ones(2))]
    [1.414213562373, 3.0]
    """
    x0 = np.asarray(x0, dtype=float).ravel()
    m = x0.size
    lower_a = np.broadcast_to(np.asarray(lower, dtype=float), (m,)).ravel()
    upper_a = np.broadcast_to(np.asarray(upper, dtype=float), (m,)).ravel()
    root = np.full(m, np.nan)
    lo, hi = np.full(m, np.nan), np.full(m, np.nan)
    glo, ghi = np.full(m, np.nan), np.full(m, np.nan)

    every = np.arange(m)
    g0 = np.asarray(g(x0, every), dtype=float)
    root[g0 == 0] = x0[g0 == 0]
    up, down = g0 < 0, g0 > 0
    lo[up], glo[up] = x0[up], g0[up]
    hi[down], ghi[down] = x0[down], g0[down]
    _expand(g, every[up], x0[up], upper_a, lo, glo, hi, ghi, rising=True)
    _expand(g, every[down], x0[down], lower_a, hi, ghi, lo, glo, rising=False)

    idx = np.flatnonzero(np.isfinite(lo) & np.isfinite(hi) & np.isnan(root))
    a, b, fa, fb = lo[idx], hi[idx], glo[idx], ghi[idx]
    last = np.zeros(idx.size, dtype=np.int8)  # which end moved last: -1 low, +1 high
    for _ in range(_MAX_ITER):
        if idx.size == 0:
            break
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            c = (a * fb - b * fa) / (fb - fa)
        outside = ~((c > a) & (c < b))
        c[outside] = 0.5 * (a[outside] + b[outside])
        fc = np.asarray(g(c, idx), dtype=float)
        done = (fc == 0) | np.isnan(fc)
        root[idx[fc == 0]] = c[fc == 0]
        low = fc < 0
        high = fc > 0
        # Illinois: an end kept twice in a row has its value halved, so the other end moves next time.
        fb = np.where(low & (last == -1), 0.5 * fb, fb)
        fa = np.where(high & (last == 1), 0.5 * fa, fa)
        a, fa = np.where(low, c, a), np.where(low, fc, fa)
        b, fb = np.where(high, c, b), np.where(high, fc, fb)
        last = np.where(low, -1, np.where(high, 1, last)).astype(np.int8)
        narrow = (b - a) <= rtol * np.maximum(np.abs(a), np.abs(b))
        finished = narrow & ~done
        root[idx[finished]] = np.where(fc[finished] != 0, 0.5 * (a[finished] + b[finished]), c[finished])
        keep = ~(done | finished)
        idx, a, b, fa, fb, last = idx[keep], a[keep], b[keep], fa[keep], fb[keep], last[keep]
    if idx.size:
        root[idx] = 0.5 * (a + b)
    return root


def _expand(
    g: Objective,
    idx: np.ndarray,
    start: np.ndarray,
    limit: np.ndarray,
    near: np.ndarray,
    gnear: np.ndarray,
    far: np.ndarray,
    gfar: np.ndarray,
    *,
    rising: bool,
) -> None:
    """Move away from ``start`` towards ``limit`` until ``g`` changes sign; fill the bracket arrays in place."""
    cur = start.copy()
    for _ in range(_MAX_EXPAND):
        if idx.size == 0:
            return
        lim = limit[idx]
        bounded = np.isfinite(lim)
        finite_lim = np.where(bounded, lim, 0.0)
        if rising:
            grow = np.where(cur > 0, 4.0 * cur, np.abs(cur) + 1.0)
            nxt = np.where(bounded, finite_lim - 0.5 * (finite_lim - cur), grow)
        else:
            shrink = np.where(cur > 0, 0.25 * cur, cur - np.abs(cur) - 1.0)
            nxt = np.where(bounded, finite_lim + 0.5 * (cur - finite_lim), shrink)
        gv = np.asarray(g(nxt, idx), dtype=float)
        crossed = (gv >= 0) if rising else (gv <= 0)
        far[idx[crossed]], gfar[idx[crossed]] = nxt[crossed], gv[crossed]
        same = ~crossed & ~np.isnan(gv)
        near[idx[same]], gnear[idx[same]] = nxt[same], gv[same]
        idx, cur = idx[same], nxt[same]
    # Elements still without a sign change have no root inside the limits: their bracket stays open (nan).
    far[idx] = np.nan
