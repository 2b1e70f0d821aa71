"""Model-based and doubly robust estimators: DM, DR, SNDR, SwitchDR, DR with optimistic shrinkage (DR-os).

They use a reward model through two columns: ``q_hat`` (the model's expected reward of the logged action in its
context) and ``v_hat`` (the model's expected reward of the candidate policy in that context, ``sum_a pi(a|x) q(x,a)``).
With ``w = target_propensity / propensity``:

- DM: ``mean(v_hat)``;
- DR: ``mean(v_hat + w (r - q_hat))``;
- SNDR: ``mean(v_hat) + mean(w (r - q_hat)) / mean(w)``;
- SwitchDR: ``mean(v_hat + 1[w <= tau] w (r - q_hat))`` (the Open Bandit Pipeline's form: DR where the weight is at
  most ``tau``, DM elsewhere);
- DR-os: ``mean(v_hat + w_l (r - q_hat))`` with ``w_l = lambda w / (w^2 + lambda)``.

Intervals treat the reward model as fixed (fit on other data, or cross-fitted): CLT for the linear ones, the delta
method for SNDR.

References
----------
Dudík, Langford, Li (2011). Doubly robust policy evaluation and learning. ICML.
Wang, Agarwal, Dudík (2017). Optimal and adaptive off-policy evaluation in contextual bandits. ICML.
Su, Dimakopoulou, Krishnamurthy, Dudík (2020). Doubly robust off-policy evaluation with shrinkage. ICML.
Saito, Aihara, Matsutani, Narita (2021). Open Bandit Dataset and Pipeline. NeurIPS Datasets and Benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from abkit.metrics.terms import Estimator, Program, Roles, Terms
from abkit.metrics.weights import check_cap, shrunk

__all__ = ["DM", "DR", "SNDR", "DRos", "SwitchDR"]


@dataclass(frozen=True)
class DM(Estimator):
    """Direct method, ``mean(v_hat)`` (the reward model's value of the candidate; biased when the model is)."""

    name: ClassVar[str] = "dm"
    on_policy_exact: ClassVar[bool] = False
    requires: ClassVar[tuple[str, ...]] = ("v_hat",)

    def build(self, roles: Roles, terms: Terms) -> Program:
        v = terms.add(roles.need("v_hat", self.name))
        return Program(lambda m: m[v], "mean(v_hat); CLT")


def _dr_terms(roles: Roles, terms: Terms, name: str, weight=None) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    w = roles.w if weight is None else weight
    v = terms.add(roles.need("v_hat", name))
    wr = terms.add(w * roles.reward)
    wq = terms.add(w * roles.need("q_hat", name))
    return v, wr, wq


@dataclass(frozen=True)
class DR(Estimator):
    """Doubly robust, ``mean(v_hat + w (r - q_hat))``.

    Examples
    --------
    >>> import pandas as pd, abkit.metrics as am
    >>> logs = pd.DataFrame({"reward": [1.0, 0.0], "propensity": [0.5, 0.5], "target_propensity": [1.0, 0.0],
    ...                      "q_hat": [0.5, 0.5], "v_hat": [0.5, 0.5]})
    >>> float(am.evaluate(logs, estimators=["dr"]).value("dr"))  # 0.5 + mean(2 * 0.5, 0 * -0.5)
    1.0
    """

    name: ClassVar[str] = "dr"
    on_policy_exact: ClassVar[bool] = False  # mean(v_hat) - mean(q_hat) is not exactly 0 on a finite sample
    requires: ClassVar[tuple[str, ...]] = ("q_hat", "v_hat")

    def build(self, roles: Roles, terms: Terms) -> Program:
        v, wr, wq = _dr_terms(roles, terms, self.name)
        return Program(lambda m: m[v] + m[wr] - m[wq], "mean(v_hat + w (r - q_hat)); CLT")


@dataclass(frozen=True)
class SNDR(Estimator):
    """Self-normalised DR, ``mean(v_hat) + mean(w (r - q_hat)) / mean(w)``; delta-method interval."""

    name: ClassVar[str] = "sndr"
    self_normalised: ClassVar[bool] = True
    on_policy_exact: ClassVar[bool] = False  # mean(v_hat) - mean(q_hat) is not exactly 0 on a finite sample
    requires: ClassVar[tuple[str, ...]] = ("q_hat", "v_hat")

    def build(self, roles: Roles, terms: Terms) -> Program:
        v, wr, wq = _dr_terms(roles, terms, self.name)
        w = terms.add(roles.w)
        return Program(lambda m: m[v] + (m[wr] - m[wq]) / m[w], "mean(v_hat) + mean(w (r - q_hat)) / mean(w); delta")


@dataclass(frozen=True)
class SwitchDR(Estimator):
    """Switch DR, ``mean(v_hat + 1[w <= tau] w (r - q_hat))``; ``tau`` defaults to evaluate's cap."""

    name: ClassVar[str] = "switch_dr"
    on_policy_exact: ClassVar[bool] = False  # mean(v_hat) - mean(q_hat) is not exactly 0 on a finite sample
    requires: ClassVar[tuple[str, ...]] = ("q_hat", "v_hat")
    tau: float | None = None

    def build(self, roles: Roles, terms: Terms) -> Program:
        tau = check_cap(self.tau, "SwitchDR", "tau") if self.tau is not None else self.resolve_cap(roles)
        w = roles.w if math.isinf(tau) else roles.w.le(tau) * roles.w
        v, wr, wq = _dr_terms(roles, terms, self.name, w)
        return Program(lambda m: m[v] + m[wr] - m[wq], f"DR where w <= {tau:g}, DM elsewhere; CLT")


@dataclass(frozen=True)
class DRos(Estimator):
    """DR with optimistic shrinkage, weights ``lambda w / (w^2 + lambda)``; ``lambda_`` defaults to cap squared.

    With ``lambda_ = cap^2`` weights well below the cap are barely changed and large ones are shrunk towards zero.
    """

    name: ClassVar[str] = "dr_os"
    on_policy_exact: ClassVar[bool] = False  # mean(v_hat) - mean(q_hat) is not exactly 0 on a finite sample
    requires: ClassVar[tuple[str, ...]] = ("q_hat", "v_hat")
    lambda_: float | None = None

    def build(self, roles: Roles, terms: Terms) -> Program:
        lam = check_cap(self.lambda_, "DRos", "lambda_") if self.lambda_ is not None else self.resolve_cap(roles) ** 2
        v, wr, wq = _dr_terms(roles, terms, self.name, shrunk(roles.w, lam))
        return Program(lambda m: m[v] + m[wr] - m[wq], f"DR, weights shrunk with lambda={lam:g}; CLT")
