"""The common behaviour of abkit's result objects.

Every result is a frozen dataclass with flat fields that mixes in :class:`Result`: it converts to a plain dict
(``nan`` and infinities become ``None`` so the JSON is valid), to JSON with a ``schema_version``, prints as a plain
table and renders as an escaped HTML fragment in Jupyter. Results that hold many rows expose ``.table``, a tidy
pandas DataFrame.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["SCHEMA_VERSION", "ConfidenceInterval", "Result", "jsonable", "printable"]


def printable(text: object) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``), so a name cannot forge lines in a terminal."""
    s = str(text)
    return s if s.isprintable() else s.encode("unicode_escape").decode("ascii")


SCHEMA_VERSION = 1


class ConfidenceInterval(NamedTuple):
    """A confidence interval; one-sided intervals have an infinite bound."""

    low: float
    high: float


def jsonable(value: Any) -> Any:
    """Convert ``value`` to plain JSON types: ``nan``/``inf`` become ``None``, numpy scalars become Python ones."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.tolist())
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, Result):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


class Result:
    """Mixin for frozen-dataclass results: ``to_dict``, ``to_json``, ``__str__`` and ``_repr_html_``."""

    def to_dict(self) -> dict[str, Any]:
        """The result as a dict of plain Python values (``nan`` becomes ``None``)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name.startswith("_"):
                continue
            out[f.name] = jsonable(getattr(self, f.name))
        table = getattr(type(self), "table", None)
        if isinstance(table, property) and "table" not in out:
            out["table"] = jsonable(self.table)  # type: ignore[attr-defined]
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """The result as valid JSON (``null`` for NaN), with ``schema_version``."""
        payload = {"schema_version": SCHEMA_VERSION, "kind": type(self).__name__, **self.to_dict()}
        return json.dumps(payload, indent=indent, allow_nan=False, ensure_ascii=False)

    def _scalar_items(self) -> list[tuple[str, Any]]:
        items = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if f.name.startswith("_") or isinstance(v, pd.DataFrame | np.ndarray | list | tuple | dict):
                continue
            items.append((f.name, v))
        return items

    def __str__(self) -> str:
        table = getattr(self, "table", None)
        if isinstance(table, pd.DataFrame):
            with pd.option_context("display.width", 200, "display.max_columns", 50, "display.precision", 4):
                return f"{type(self).__name__}\n{table.to_string(index=False)}"
        width = max((len(k) for k, _ in self._scalar_items()), default=0)
        lines = [type(self).__name__]
        lines += [f"  {k:<{width}}  {_fmt(v)}" for k, v in self._scalar_items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = getattr(self, "table", None)
        title = html.escape(type(self).__name__)
        if isinstance(table, pd.DataFrame):
            body = table.to_html(index=False, escape=True, float_format=lambda x: f"{x:.4g}", na_rep="")
        else:
            rows = "".join(
                f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>" for k, v in self._scalar_items()
            )
            body = f"<table>{rows}</table>"
        return f"<div class='abkit-result'><strong>{title}</strong>{body}</div>"


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(value)
