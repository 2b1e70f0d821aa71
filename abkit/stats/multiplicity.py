"""Multiple-testing adjustment of p-values, as R's ``p.adjust``."""

from __future__ import annotations

import numpy as np

from abkit.errors import ParameterError

__all__ = ["CORRECTIONS", "adjust_pvalues"]

CORRECTIONS = ("bonferroni", "holm", "hochberg", "BH", "BY")


def adjust_pvalues(pvalues: object, *, method: str, n: int | None = None) -> np.ndarray:
    """Adjusted p-values controlling the family-wise error (bonferroni, holm, hochberg) or the FDR (BH, BY).

    Parameters
    ----------
    pvalues : array_like
        Raw p-values; NaN values stay NaN and do not count in the family unless ``n`` says so.
    method : {"bonferroni", "holm", "hochberg", "BH", "BY"}
        R's ``p.adjust`` names (also accepted: ``"none"``, lower-case ``"bh"``/``"by"``, ``"fdr"`` for BH).
    n : int, optional
        The family size, at least the number of non-NaN p-values (R's ``n=``): the family includes tests whose
        p-values are not given, e.g. a metric that could not be estimated.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order, equal to R's ``p.adjust(p, method, n)``.

    Examples
    --------
    >>> import abkit as ab
    >>> ab.stats.adjust_pvalues([0.01, 0.04, 0.03], method="holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    aliases = {"bh": "BH", "by": "BY", "fdr": "BH", "none": "none"}
    m = aliases.get(str(method).lower(), method) if method not in CORRECTIONS else method
    if m not in (*CORRECTIONS, "none"):
        raise ParameterError(
            f"The 'method' parameter of adjust_pvalues must be one of {', '.join(CORRECTIONS)} or 'none'. "
            f"Got {method!r} instead."
        )
    p0 = np.asarray(pvalues, dtype=float).ravel().copy()
    ok = ~np.isnan(p0)
    p = p0[ok]
    if np.any((p < 0) | (p > 1)):
        raise ParameterError("The 'pvalues' parameter of adjust_pvalues must hold values in [0, 1].")
    lp = len(p)
    nn = lp if n is None else int(n)
    if nn < lp:
        raise ParameterError(f"The 'n' parameter of adjust_pvalues must be >= {lp}, the number of p-values. Got {n}.")
    if nn <= 1 or m == "none":
        return p0
    if m == "bonferroni":
        adj = np.minimum(1.0, nn * p)
    elif m == "holm":
        i = np.arange(1, lp + 1)
        o = np.argsort(p, kind="stable")
        adj = np.empty(lp)
        adj[o] = np.minimum(1.0, np.maximum.accumulate((nn - i + 1) * p[o]))
    else:
        i = np.arange(lp, 0, -1)
        o = np.argsort(-p, kind="stable")
        if m == "hochberg":
            scaled = (nn + 1 - i) * p[o]
        elif m == "BH":
            scaled = nn / i * p[o]
        else:
            scaled = np.sum(1.0 / np.arange(1, nn + 1)) * nn / i * p[o]
        adj = np.empty(lp)
        adj[o] = np.minimum(1.0, np.minimum.accumulate(scaled))
    p0[ok] = adj
    return p0
