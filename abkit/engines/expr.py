"""Derived columns as small expressions, evaluated block by block in memory and rendered as SQL for DuckDB/Spark.

Offline estimators need quantities such as ``w = target_propensity / propensity``, ``min(w, cap) * reward`` or the
indicator ``w > cap``. Writing them once as an expression lets every engine compute their moments in its own single
pass (numpy per block without full-length copies; one SQL query in DuckDB or Spark) with the same meaning.

Examples
--------
>>> from abkit.engines.expr import col
>>> w = col("target_propensity") / col("propensity")
>>> (w.minimum(10) * col("reward")).sql()
'(LEAST(("target_propensity" / "propensity"), 10.0) * "reward")'
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

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        raise NotImplementedError

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

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        return (quote or _quote)(self.name)


@dataclass(frozen=True, eq=True)
class _Lit(Expr):
    value: float

    def columns(self) -> set[str]:
        return set()

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.float64(self.value)  # type: ignore[return-value]

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        return repr(float(self.value)) if np.isfinite(self.value) else "NULL"


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

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        left, right = self.left.sql(quote), self.right.sql(quote)
        if self.op == "/":
            # division by zero gives inf/nan in numpy; make SQL agree (NULL is then counted as missing)
            return f"({left} / NULLIF({right}, 0.0))"
        return f"({left} {self.op} {right})"


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

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        return f"(CASE WHEN {self.left.sql(quote)} {self.op} {self.right.sql(quote)} THEN 1.0 ELSE 0.0 END)"


@dataclass(frozen=True, eq=True)
class _Fn(Expr):
    fn: str
    args: tuple[Expr, ...]

    def columns(self) -> set[str]:
        return set().union(*(a.columns() for a in self.args))

    def evaluate(self, block: Mapping[str, np.ndarray]) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return _NP_FN[self.fn](*(a.evaluate(block) for a in self.args))

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        return f"{self.fn}({', '.join(a.sql(quote) for a in self.args)})"


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

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        c, then, other = self.cond.sql(quote), self.then.sql(quote), self.otherwise.sql(quote)
        return f"(CASE WHEN {c} IS NULL THEN NULL WHEN {c} <> 0 THEN {then} ELSE {other} END)"


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

    def sql(self, quote: Callable[[str], str] | None = None) -> str:
        x = self.arg.sql(quote)
        return (
            f"(CASE WHEN ABS({x}) < 1.7976931348623157e308 THEN LEAST(GREATEST({x}, {self.low!r}), {self.high!r}) "
            f"ELSE {x} END)"
        )


def col(name: str) -> Expr:
    """A column of the data."""
    return _Col(name)


def lit(value: float) -> Expr:
    """A constant."""
    return _Lit(float(value))
