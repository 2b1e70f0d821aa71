"""The interface every offline estimator implements: terms (expressions) in, a function of their means out.

An estimator's :meth:`Estimator.build` registers the per-row expressions it needs in a shared :class:`Terms` (the
same expression asked by two estimators is computed once) and returns a :class:`Program`: a function of the means of
those expressions, written with ordinary arithmetic so it works on :class:`abkit.metrics.delta.Dual` numbers (point
estimate and gradient) and on arrays (bootstrap replicates), and checks run once the moments are known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from abkit.engines.expr import Expr
from abkit.errors import ParameterError
from abkit.metrics.delta import GroupMeans
from abkit.metrics.weights import check_cap, importance_weight

__all__ = ["Estimator", "Program", "Roles", "Terms"]

Value = Callable[[Mapping[str, Any]], Any]
Check = Callable[[GroupMeans], None]


@dataclass(frozen=True)
class Roles:
    """The expressions of one candidate policy's evaluation and the options every estimator may read.

    ``cap`` is :func:`abkit.metrics.evaluate`'s cap (estimators may override it); ``context_range`` is the smallest
    and largest ``context_value`` (for the default groups of :class:`abkit.metrics.PieceNCIS`, set by ``evaluate``);
    ``names`` maps roles to the data's column names (for messages).
    """

    reward: Expr
    propensity: Expr
    target: Expr
    q_hat: Expr | None = None
    v_hat: Expr | None = None
    context_value: Expr | None = None
    normaliser: Expr | None = None
    cap: float | None = None
    context_range: tuple[float, float] | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def w(self) -> Expr:
        """The importance weight ``target / propensity``."""
        return importance_weight(self.target, self.propensity)

    def need(self, role: str, estimator: str) -> Expr:
        """The expression of optional role ``role``; ParameterError naming the column to pass when absent."""
        e = getattr(self, role)
        if e is None:
            raise ParameterError(
                f"estimator {estimator!r} needs the {role!r} column (reward model output), which was not given; "
                f"pass columns={{'{role}': 'your_column'}} to evaluate or drop {estimator!r}."
            )
        return e


class Terms:
    """Named per-row expressions, each registered once.

    Examples
    --------
    >>> from abkit.engines.expr import col
    >>> t = Terms()
    >>> a = t.add(col("reward") * 2)
    >>> a == t.add(col("reward") * 2), len(t)
    (True, 1)
    """

    def __init__(self) -> None:
        self.exprs: dict[str, Expr] = {}
        self._names: dict[Expr, str] = {}

    def add(self, expr: Expr) -> str:
        """The name of ``expr`` (registering it if new)."""
        name = self._names.get(expr)
        if name is None:
            name = f"__t{len(self.exprs)}"
            self._names[expr] = name
            self.exprs[name] = expr
        return name

    def __len__(self) -> int:
        return len(self.exprs)


@dataclass(frozen=True)
class Program:
    """What an estimator computes once its terms are known.

    ``value`` maps the means of the terms (a mapping name -> Dual or array) to the estimate; ``checks`` run on the
    moments (raise on bad input, warn on degenerate cases); ``method`` is a short description for the results;
    ``capped_weight`` names the capped-weight term of a capped (not normalised) IS estimator, whose worst-case bias
    is then bounded by ``reward_bound * (mean(w) - mean(capped_weight))``.
    """

    value: Value
    method: str
    checks: tuple[Check, ...] = ()
    capped_weight: str | None = None


@dataclass(frozen=True)
class Estimator:
    """Base class of the offline estimators (see :mod:`abkit.metrics.estimators` for the registry)."""

    name: ClassVar[str] = "estimator"
    #: estimators whose value is a ratio of means (delta-method CI, value within the reward range)
    self_normalised: ClassVar[bool] = False
    #: a weighted average of the rewards (stays within their range)
    within_reward_range: ClassVar[bool] = False
    #: equals the mean reward when the target policy is the logging policy
    on_policy_exact: ClassVar[bool] = True
    #: optional roles the estimator needs ("q_hat", "v_hat", "context_value", ...)
    requires: ClassVar[tuple[str, ...]] = ()

    def build(self, roles: Roles, terms: Terms) -> Program:
        raise NotImplementedError

    @property
    def key(self) -> str:
        """The name shown in results: the registry name (and non-default parameters)."""
        params = self.params()
        return self.name + ("(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")

    def params(self) -> dict[str, Any]:
        """The parameters that differ from their defaults."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.default is not dataclasses.MISSING and v != f.default:
                out[f.name] = v
        return out

    def resolve_cap(self, roles: Roles) -> float:
        """This estimator's cap, or evaluate's; ParameterError when neither is set."""
        cap = getattr(self, "cap", None)
        cap = roles.cap if cap is None else cap
        if cap is None:
            raise ParameterError(
                f"The 'cap' parameter of evaluate must be a float > 0 for estimator {self.name!r}. Got None instead."
            )
        return check_cap(cap)
