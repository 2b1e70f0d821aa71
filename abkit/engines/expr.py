"""Derived columns as small expressions, evaluated block by block in memory and rendered as SQL for DuckDB/Spark.

Offline estimators need quantities such as ``w = target_propensity / propensity``, ``min(w, cap) * reward`` or the
indicator ``w > cap``. Writing them once as an expression lets every engine compute their moments in its own single
pass (numpy per block without full-length copies; one SQL query in DuckDB or Spark) with the same meaning.

Examples
--------
>>> from abkit.engines.expr import col
>>> w = col("target_propensity") / col("propensity")
>>> capped = w.minimum(10) * col("reward")
>>> sorted(capped.columns())
['propensity', 'reward', 'target_propensity']
>>> import numpy as np
>>> capped.evaluate({"target_propensity": np.array([0.5]), "propensity": np.array([0.01]), "reward": np.array([1.0])})
array([10.])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Expr", "col", "lit"]


class Expr:
    """A numeric expression over columns."""

    def columns(self) -> set[str]:
        raise NotImplementedError

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def sql(self, dialect: str = "duckdb", quote: Callable[[str], str] | None = None) -> str:
        """SQL for this expression in ``dialect`` ("duckdb" or "spark"), with numpy's NaN semantics.

        One renderer serves every engine: :func:`abkit.engines.sqlexpr.render`.
        """
        from abkit.engines.sqlexpr import render

        return render(self, dialect, quote)

    # arithmetic
    def __add__(self, o: object) -> Expr:
        return _Bin("+", self, _wrap(o))

    def __radd__(self, o: object) -> Expr:
        return _Bin("+", _wrap(o), self)

    def __sub__(self, o: object) -> Expr:
        return _Bin("-", self, _wrap(o))

    def __rsub__(self, o: object) -> Expr:
        return _Bin("-", _wrap(o), self)

    def __mul__(self, o: object) -> Expr:
        return _Bin("*", self, _wrap(o))

    def __rmul__(self, o: object) -> Expr:
        return _Bin("*", _wrap(o), self)

    def __truediv__(self, o: object) -> Expr:
        return _Bin("/", self, _wrap(o))

    def __rtruediv__(self, o: object) -> Expr:
        return _Bin("/", _wrap(o), self)

    def __neg__(self) -> Expr:
        return _Bin("-", lit(0.0), self)

    # comparisons give 0/1 indicators
    def gt(self, o: object) -> Expr:
        return _Cmp(">", self, _wrap(o))

    def ge(self, o: object) -> Expr:
        return _Cmp(">=", self, _wrap(o))

    def lt(self, o: object) -> Expr:
        return _Cmp("<", self, _wrap(o))

    def le(self, o: object) -> Expr:
        return _Cmp("<=", self, _wrap(o))

    def eq(self, o: object) -> Expr:
        return _Cmp("=", self, _wrap(o))

    def minimum(self, o: object) -> Expr:
        return _Fn("LEAST", (self, _wrap(o)))

    def maximum(self, o: object) -> Expr:
        return _Fn("GREATEST", (self, _wrap(o)))

    def log(self) -> Expr:
        return _Fn("LN", (self,))

    def exp(self) -> Expr:
        return _Fn("EXP", (self,))

    def abs(self) -> Expr:
        return _Fn("ABS", (self,))

    def clip(self, low: float, high: float) -> Expr:
        """Clipped to ``[low, high]``; NaN and infinite values are left as they are (so engines still count them)."""
        return _Clip(self, float(low), float(high))

    def where(self, then: object, otherwise: object) -> Expr:
        """``then`` where this expression is non-zero, else ``otherwise`` (SQL ``CASE WHEN``)."""
        return _Where(self, _wrap(then), _wrap(otherwise))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _wrap(o: object) -> Expr:
    if isinstance(o, Expr):
        return o
    if isinstance(o, bool | int | float | np.integer | np.floating):
        return lit(float(o))
    raise TypeError(f"cannot use {o!r} in an expression")


@dataclass(frozen=True, eq=True)
class _Col(Expr):
    name: str

    def columns(self) -> set[str]:
        return {self.name}

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        return block[self.name]


@dataclass(frozen=True, eq=True)
class _Lit(Expr):
    value: float

    def columns(self) -> set[str]:
        return set()

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.float64(self.value)  # type: ignore[return-value]


_NP_BIN = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_NP_CMP = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "=": np.equal}
_NP_FN = {"LEAST": np.minimum, "GREATEST": np.maximum, "LN": np.log, "EXP": np.exp, "ABS": np.abs}


@dataclass(frozen=True, eq=True)
class _Bin(Expr):
    op: str
    left: Expr
    right: Expr

    def columns(self) -> set[str]:
        return self.left.columns() | self.right.columns()

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return _NP_BIN[self.op](self.left.evaluate(block), self.right.evaluate(block))


@dataclass(frozen=True, eq=True)
class _Cmp(Expr):
    op: str
    left: Expr
    right: Expr

    def columns(self) -> set[str]:
        return self.left.columns() | self.right.columns()

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        left, right = self.left.evaluate(block), self.right.evaluate(block)
        out = _NP_CMP[self.op](left, right).astype(np.float64)
        # comparisons with NaN stay NaN (missing), as SQL's NULL
        return np.where(np.isnan(left) | np.isnan(right), np.nan, out)


@dataclass(frozen=True, eq=True)
class _Fn(Expr):
    fn: str
    args: tuple[Expr, ...]

    def columns(self) -> set[str]:
        return set().union(*(a.columns() for a in self.args))

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return _NP_FN[self.fn](*(a.evaluate(block) for a in self.args))


@dataclass(frozen=True, eq=True)
class _Where(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr

    def columns(self) -> set[str]:
        return self.cond.columns() | self.then.columns() | self.otherwise.columns()

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        c = self.cond.evaluate(block)
        out = np.where(c != 0, self.then.evaluate(block), self.otherwise.evaluate(block))
        return np.where(np.isnan(c), np.nan, out)


@dataclass(frozen=True, eq=True)
class _Clip(Expr):
    arg: Expr
    low: float
    high: float

    def columns(self) -> set[str]:
        return self.arg.columns()

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        x = self.arg.evaluate(block)
        return np.where(np.isfinite(x), np.clip(x, self.low, self.high), x)


def col(name: str) -> Expr:
    """A column of the data."""
    return _Col(name)


def lit(value: float) -> Expr:
    """A constant."""
    return _Lit(float(value))
