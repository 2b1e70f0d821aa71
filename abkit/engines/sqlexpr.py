"""Derived-column expressions rendered as SQL with numpy's NaN semantics, for DuckDB and Spark.

:meth:`abkit.engines.expr.Expr.sql` writes plain SQL, whose missing-value rules differ from numpy's (the in-memory
engine's): DuckDB's ``LEAST``/``GREATEST`` skip NULL and rank NaN above every number, a comparison with NULL is
false in ``CASE WHEN``, Spark returns NULL (or raises, in ANSI mode) for ``x / 0`` and ``LN(0)``. Rendered here, every
node gives what numpy gives, with NULL standing for NaN (both are counted as missing):

- ``a / b``: ``+-inf`` for ``b = 0`` (NaN for ``0 / 0``), as IEEE division;
- comparisons and ``where``: NULL when an operand (or the condition) is NULL or NaN, else 1.0/0.0;
- ``minimum``/``maximum``: NULL when an argument is NULL or NaN;
- ``log``: ``-inf`` at 0 and NaN below (Spark would give NULL).

Examples
--------
>>> from abkit.engines.expr import col
>>> render(col("a").gt(1), "duckdb")
'(CASE WHEN ("a" IS NULL OR isnan("a")) THEN NULL WHEN "a" > 1.0 THEN 1.0 ELSE 0.0 END)'
"""

from __future__ import annotations

from collections.abc import Callable

from abkit.engines import expr as ex

__all__ = ["render"]

NAN = "CAST('NaN' AS DOUBLE)"
INF = "CAST('Infinity' AS DOUBLE)"


def _bad(parts: list[str]) -> str:
    """SQL: some part is NULL or NaN (literals are never)."""
    cols = [p for p in parts if not _is_literal(p)]
    return "(" + " OR ".join(f"{p} IS NULL OR isnan({p})" for p in cols) + ")" if cols else "FALSE"


def _is_literal(sql: str) -> bool:
    try:
        float(sql)
    except ValueError:
        return False
    return True


def _literal(value: float) -> str:
    if value != value:
        return NAN
    if value in (float("inf"), float("-inf")):
        return INF if value > 0 else f"(-{INF})"
    return repr(float(value))


def render(e: ex.Expr, dialect: str, quote: Callable[[str], str] | None = None) -> str:
    """SQL for expression ``e`` in ``dialect`` ("duckdb" or "spark") with the in-memory engine's semantics."""
    from abkit.engines.sql import finite_sql, quote_for

    q = quote or quote_for(dialect)

    def go(node: ex.Expr) -> str:
        if isinstance(node, ex._Col):
            return q(node.name)
        if isinstance(node, ex._Lit):
            return _literal(node.value)
        if isinstance(node, ex._Bin):
            left, right = go(node.left), go(node.right)
            if node.op != "/":
                return f"({left} {node.op} {right})"
            sign = f"WHEN {left} > 0 THEN {INF} WHEN {left} < 0 THEN (-{INF})"
            by_zero = f"CASE WHEN isnan({left}) THEN {NAN} {sign} ELSE {NAN} END"
            return f"(CASE WHEN {right} = 0 THEN {by_zero} ELSE {left} / {right} END)"
        if isinstance(node, ex._Cmp):
            left, right = go(node.left), go(node.right)
            return f"(CASE WHEN {_bad([left, right])} THEN NULL WHEN {left} {node.op} {right} THEN 1.0 ELSE 0.0 END)"
        if isinstance(node, ex._Fn):
            args = [go(a) for a in node.args]
            if node.fn in ("LEAST", "GREATEST"):
                return f"(CASE WHEN {_bad(args)} THEN NULL ELSE {node.fn}({', '.join(args)}) END)"
            (x,) = args
            if node.fn == "LN":
                return f"(CASE WHEN {x} = 0 THEN (-{INF}) WHEN {x} < 0 THEN {NAN} ELSE LN({x}) END)"
            return f"{node.fn}({x})"
        if type(node).__name__ == "_Clip":  # Expr.clip: finite values clipped, NaN and inf left as they are
            x = go(node.arg)  # type: ignore[attr-defined]
            low, high = _literal(node.low), _literal(node.high)  # type: ignore[attr-defined]
            return f"(CASE WHEN {finite_sql(x, dialect)} THEN LEAST(GREATEST({x}, {low}), {high}) ELSE {x} END)"
        if isinstance(node, ex._Where):
            c, then, other = go(node.cond), go(node.then), go(node.otherwise)
            return f"(CASE WHEN {_bad([c])} THEN NULL WHEN {c} <> 0 THEN {then} ELSE {other} END)"
        raise TypeError(f"no SQL rendering for {type(node).__name__}")

    return go(e)
