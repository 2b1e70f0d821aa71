"""Importance sampling estimators: IPS, self-normalised IPS, capped IPS (max- and zero-capping).

With ``w = target_propensity / propensity`` and reward ``r`` on ``n`` logged rows:

- IPS: ``mean(w r)``, unbiased when the logging policy covers the candidate's support; CLT interval.
- SNIPS: ``mean(w r) / mean(w)``, consistent, within the reward range; delta-method interval.
- capped IPS: ``mean(min(w, c) r)`` (max-capping) or ``mean(w 1[w <= c] r)`` (zero-capping); biased (downwards for
  non-negative rewards) with a smaller variance; the bias is bounded in :mod:`abkit.metrics.diagnostics`.

The normalised capped estimator (NCIS) lives in :mod:`abkit.metrics.ncis`.

References
----------
Horvitz, Thompson (1952). A generalization of sampling without replacement from a finite universe. JASA.
Swaminathan, Joachims (2015). The self-normalized estimator for counterfactual learning. NeurIPS.
Bottou, Peters, Quiñonero-Candela, et al. (2013). Counterfactual reasoning and learning systems. JMLR.
Gilotte, Calauzènes, Nedelec, Abraham, Dollé (2018). Offline A/B testing for Recommender Systems. WSDM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from abkit.metrics.terms import Estimator, Program, Roles, Terms
from abkit.metrics.weights import capped

__all__ = ["IPS", "SNIPS", "CappedIPS", "ZeroCappedIPS"]


@dataclass(frozen=True)
class IPS(Estimator):
    """Inverse propensity scoring, ``mean(w r)``.

    Examples
    --------
    >>> import pandas as pd, abkit.metrics as am
    >>> logs = pd.DataFrame({"reward": [1.0, 0.0, 1.0, 0.0], "propensity": [0.5, 0.5, 0.25, 0.5],
    ...                      "target_propensity": [1.0, 0.0, 0.5, 1.0]})
    >>> float(am.evaluate(logs, estimators=["ips"]).value("ips"))
    1.0
    """

    name: ClassVar[str] = "ips"

    def build(self, roles: Roles, terms: Terms) -> Program:
        wr = terms.add(roles.w * roles.reward)
        return Program(lambda m: m[wr], "mean(w r); CLT")


@dataclass(frozen=True)
class SNIPS(Estimator):
    """Self-normalised IPS, ``mean(w r) / mean(w)``; delta-method interval from the joint moments."""

    name: ClassVar[str] = "snips"
    within_reward_range: ClassVar[bool] = True
    self_normalised: ClassVar[bool] = True

    def build(self, roles: Roles, terms: Terms) -> Program:
        wr, w = terms.add(roles.w * roles.reward), terms.add(roles.w)
        return Program(lambda m: m[wr] / m[w], "mean(w r) / mean(w); delta method")


@dataclass(frozen=True)
class CappedIPS(Estimator):
    """Capped IPS with max-capping, ``mean(min(w, cap) r)``; ``cap`` defaults to evaluate's."""

    name: ClassVar[str] = "capped_ips"
    capping: ClassVar[str] = "max"
    on_policy_exact: ClassVar[bool] = True  # weights are 1 <= cap when target == logging and cap >= 1
    cap: float | None = None

    def build(self, roles: Roles, terms: Terms) -> Program:
        c = self.resolve_cap(roles)
        wc = capped(roles.w, c, self.capping)
        wcr = terms.add(wc * roles.reward)
        method = f"mean(w' r), w' = {self.capping}-capped at {c:g}; CLT"
        return Program(lambda m: m[wcr], method, capped_weight=terms.add(wc))


@dataclass(frozen=True)
class ZeroCappedIPS(CappedIPS):
    """Capped IPS with zero-capping, ``mean(w 1[w <= cap] r)``."""

    name: ClassVar[str] = "zero_capped_ips"
    capping: ClassVar[str] = "zero"
