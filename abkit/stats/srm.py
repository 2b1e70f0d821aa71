"""Sample-ratio mismatch: the chi-square goodness-of-fit test of arm sizes against the planned split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

from abkit.errors import ParameterError
from abkit.results import Result

__all__ = ["SRM_THRESHOLD", "SRMResult", "srm"]

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SRMResult(Result):
    """Chi-square goodness of fit of the observed arm sizes; ``mismatch`` when ``pvalue < threshold``."""

    arms: tuple[str, ...]
    counts: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    df: int
    pvalue: float
    threshold: float
    mismatch: bool

    @property
    def table(self):
        import pandas as pd

        total = sum(self.counts)
        return pd.DataFrame(
            {
                "arm": list(self.arms),
                "units": list(self.counts),
                "share": [c / total for c in self.counts],
                "expected_share": list(self.expected),
                "expected_units": [e * total for e in self.expected],
            }
        )


def srm(
    counts: Sequence[float] | Mapping[str, float],
    *,
    expected: Sequence[float] | Mapping[str, float] | None = None,
    threshold: float = SRM_THRESHOLD,
) -> SRMResult:
    """Sample-ratio-mismatch test: Pearson's chi-square goodness of fit, as R's ``chisq.test(counts, p=expected)``.

    Parameters
    ----------
    counts : sequence of int, or dict arm -> int
        Units observed in each arm.
    expected : sequence of float, or dict arm -> share, optional
        Planned shares (must sum to 1); None means equal shares.
    threshold : float, default 0.001
        p-values below it flag a mismatch (a broken assignment or logging, not a chance imbalance).

    Examples
    --------
    >>> import abkit as ab
    >>> r = ab.stats.srm([50210, 49790])
    >>> round(r.pvalue, 4), r.mismatch
    (0.1841, False)
    """
    if isinstance(counts, Mapping):
        arms = tuple(str(a) for a in counts)
        obs = np.array([counts[a] for a in counts], dtype=float)
    else:
        obs = np.asarray(counts, dtype=float).ravel()
        arms = tuple(f"arm_{i}" for i in range(len(obs)))
    if len(obs) < 2:
        raise ParameterError(f"The 'counts' parameter of srm needs at least two arms. Got {len(obs)}.")
    if not np.all(np.isfinite(obs)) or np.any(obs < 0) or np.any(obs != np.round(obs)):
        raise ParameterError(f"The 'counts' parameter of srm must be whole numbers >= 0. Got {obs.tolist()}.")
    if obs.sum() <= 0:
        raise ParameterError("The 'counts' parameter of srm sums to zero: there are no units to test.")
    if expected is None:
        p = np.full(len(obs), 1.0 / len(obs))
    else:
        if isinstance(expected, Mapping):
            if isinstance(counts, Mapping):
                missing = [a for a in counts if a not in expected]
                if missing:
                    raise ParameterError(f"The 'expected' parameter of srm has no share for arms {missing}.")
                p = np.array([expected[a] for a in counts], dtype=float)
            else:
                p = np.array(list(expected.values()), dtype=float)
        else:
            p = np.asarray(expected, dtype=float).ravel()
        if len(p) != len(obs):
            raise ParameterError(
                f"The 'expected' parameter of srm has {len(p)} shares for {len(obs)} arms; give one share per arm."
            )
        if np.any(~np.isfinite(p)) or np.any(p <= 0) or abs(p.sum() - 1.0) > 1e-9:
            raise ParameterError(
                f"The 'expected' parameter of srm must be positive shares summing to 1. Got {p.tolist()} "
                f"(sum {p.sum():.6g})."
            )
    total = obs.sum()
    exp_counts = total * p
    stat = float(((obs - exp_counts) ** 2 / exp_counts).sum())
    df = len(obs) - 1
    pv = float(st.chi2.sf(stat, df))
    return SRMResult(
        arms=arms,
        counts=tuple(int(c) for c in obs),
        expected=tuple(float(x) for x in p),
        statistic=stat,
        df=df,
        pvalue=pv,
        threshold=float(threshold),
        mismatch=bool(pv < threshold),
    )
