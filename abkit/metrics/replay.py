"""Replay (Li et al., WSDM 2011) for deterministic candidates.

A deterministic candidate shows one action per context, so ``target_propensity`` is 1 where it would have shown the
logged action (a match) and 0 elsewhere. Replay keeps the matches and averages their rewards: unbiased when logging
was uniformly random. With known non-uniform propensities the matches are reweighted by ``1 / propensity`` (the
expected-value form of Li et al.'s rejection sampling, which accepts a match with probability ``p_min / p``), which is
self-normalised IPS restricted to the matches: ``sum(m r / p) / sum(m / p)``.

References
----------
Li, Chu, Langford, Wang (2011). Unbiased offline evaluation of contextual-bandit-based news article recommendation
algorithms. WSDM.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from abkit.errors import AbkitWarning, DataError, DegenerateDataWarning
from abkit.metrics.delta import GroupMeans
from abkit.metrics.terms import Estimator, Program, Roles, Terms

__all__ = ["Replay"]


@dataclass(frozen=True)
class Replay(Estimator):
    """Replay: mean reward over the rows where the deterministic candidate matches the logged action.

    ``correction=True`` (default) reweights matches by ``1 / propensity`` (rejection-sampling correction for
    non-uniform logging); with ``correction=False`` the plain replay average is returned and a warning is raised when
    the logging propensities are not all equal (the average is then biased).

    Examples
    --------
    >>> import pandas as pd, abkit.metrics as am
    >>> logs = pd.DataFrame({"reward": [1.0, 0.0, 1.0, 1.0], "propensity": [0.5] * 4,
    ...                      "target_propensity": [1.0, 1.0, 0.0, 1.0]})
    >>> round(float(am.evaluate(logs, estimators=["replay"]).value("replay")), 4)
    0.6667
    """

    name: ClassVar[str] = "replay"
    within_reward_range: ClassVar[bool] = True
    self_normalised: ClassVar[bool] = True
    correction: bool = True

    def build(self, roles: Roles, terms: Terms) -> Program:
        m_ = roles.target
        if self.correction:
            m_ = m_ / roles.propensity
        num, den = terms.add(m_ * roles.reward), terms.add(m_)
        partial = terms.add(roles.target.gt(0.0) * roles.target.lt(1.0))
        prop = terms.add(roles.propensity)
        target_name = roles.names.get("target", "target_propensity")
        correction = self.correction

        def check(gm: GroupMeans) -> None:
            bad = np.rint(gm.mean[:, gm.index(partial)] * gm.n)
            if np.any(bad > 0):
                raise DataError(
                    f"replay needs a deterministic candidate: column {target_name!r} must be 0 or 1; "
                    f"{int(bad.max())} rows have a value strictly between. Use 'snips' or 'ips' for stochastic "
                    "candidates."
                )
            if np.any(gm.mean[:, gm.index(den)] == 0):
                warnings.warn(
                    "replay: the candidate matches no logged action; the estimate is nan.",
                    DegenerateDataWarning,
                    stacklevel=4,
                )
            j = gm.index(prop)
            varying = gm.cov[:, j, j] > 1e-12 * np.maximum(gm.mean[:, j] ** 2, 1e-300)
            if not correction and np.any(varying):
                warnings.warn(
                    "replay: the logging propensities are not all equal (logging was not uniform), so plain replay "
                    "is biased; use Replay(correction=True) to reweight matches by 1/propensity.",
                    AbkitWarning,
                    stacklevel=4,
                )

        method = "sum(m r / p) / sum(m / p) over matches m" if self.correction else "mean reward over matches"
        return Program(lambda m: m[num] / m[den], method + "; delta", (check,))
