"""Checks and conversions between a protocol file's tables and abkit objects.

The functions here read plain dicts (what :mod:`tomllib` returns) section by section, check every key and type,
and raise :class:`SchemaError` with the location (``[arms]``, ``[[metrics]] #2 'ctr'``); the :class:`Protocol`
prefixes the file name. They also write metric objects back to tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from typing import Any

from abkit.errors import AbkitError
from abkit.stats.metrics import Guardrail, Mean, Metric, Proportion, Ratio

__all__ = [
    "METRIC_KEYS",
    "PLAN_KEYS",
    "ROLES",
    "SEQUENTIAL_KEYS",
    "SchemaError",
    "check_keys",
    "check_plan",
    "check_sequential",
    "metric_from_table",
    "metric_to_table",
    "number",
    "text",
]

ROLES = ("primary", "secondary", "guardrail")
KINDS = ("mean", "proportion", "ratio")
METRIC_KEYS = (
    "name", "kind", "column", "numerator", "denominator", "covariate", "role", "higher_is_better", "winsorize",
    "margin", "relative",
)  # fmt: skip
SEQUENTIAL_KEYS = ("method", "looks", "information", "spending", "boundary", "sides", "gamma", "rho", "futility")
SPENDING = ("obrien-fleming", "pocock", "hwang-shih-decani", "kim-demets")
BOUNDARIES = ("obrien-fleming", "pocock")
PLAN_KEYS = (
    "units_per_arm", "total_units", "days", "daily_units", "designed_at", "sizing_metric", "baseline", "unit_sd",
    "covariate_correlation", "inflation",
)  # fmt: skip


class SchemaError(AbkitError):
    """A protocol table breaks the schema; the message starts with the location of the problem."""


def check_keys(table: Any, where: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``table`` must be a table with keys from ``allowed`` including all of ``required``."""
    if not isinstance(table, Mapping):
        raise SchemaError(f"{where} must be a table of keys, got {type(table).__name__} {table!r}")
    unknown = [k for k in table if k not in allowed]
    if unknown:
        raise SchemaError(f"{where} unknown key {unknown[0]!r}; allowed keys are: {', '.join(allowed)}")
    missing = [k for k in required if k not in table]
    if missing:
        raise SchemaError(f"{where} missing required key {missing[0]!r}")
    return dict(table)


def text(value: Any, where: str, key: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{where} {key} must be a non-empty string, got {value!r}")
    return value


def number(
    value: Any, where: str, key: str, *, lo: float = -math.inf, hi: float = math.inf, closed: bool = False
) -> float:
    """A finite float in (lo, hi) (or [lo, hi] when ``closed``); ints are accepted, bools are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(f"{where} {key} must be a number, got {value!r}")
    v = float(value)
    inside = (lo <= v <= hi) if closed else (lo < v < hi)
    if not math.isfinite(v) or not inside:
        bounds = f"[{lo:g}, {hi:g}]" if closed else f"({lo:g}, {hi:g})"
        raise SchemaError(f"{where} {key} must be in {bounds}, got {value!r}")
    return v


def flag(value: Any, where: str, key: str) -> bool:
    """A TOML boolean."""
    if not isinstance(value, bool):
        raise SchemaError(f"{where} {key} must be true or false, got {value!r}")
    return value


def metric_from_table(table: Any, where: str) -> tuple[str, Metric | Guardrail]:
    """One ``[[metrics]]`` table -> (role, metric object); guardrails become :class:`Guardrail` objects."""
    t = check_keys(table, where, METRIC_KEYS, required=("kind", "role"))
    kind, role = t["kind"], t["role"]
    if kind not in KINDS:
        raise SchemaError(f"{where} kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if role not in ROLES:
        raise SchemaError(f"{where} role must be one of {', '.join(ROLES)}, got {role!r}")
    if role != "guardrail":
        for key in ("margin", "relative"):
            if key in t:
                raise SchemaError(f'{where} {key} is only allowed for role = "guardrail", not {role!r}')
    elif "margin" not in t:
        raise SchemaError(f"{where} a guardrail needs a margin (the largest acceptable degradation, > 0)")
    common: dict[str, Any] = {"higher_is_better": flag(t.get("higher_is_better", True), where, "higher_is_better")}
    if "name" in t:
        common["name"] = text(t["name"], where, "name")
    if "winsorize" in t:
        w = t["winsorize"]
        if not isinstance(w, list) or len(w) != 2:
            raise SchemaError(f"{where} winsorize must be a pair of quantiles [low, high], got {w!r}")
        common["winsorize"] = tuple(number(q, where, "winsorize", lo=0.0, hi=1.0, closed=True) for q in w)
    try:
        metric: Metric
        if kind == "ratio":
            for key in ("numerator", "denominator"):
                if key not in t:
                    raise SchemaError(f"{where} missing required key {key!r} for a ratio metric")
            if "column" in t:
                raise SchemaError(f"{where} a ratio metric takes numerator and denominator, not column")
            cov = t.get("covariate")
            if cov is not None and (not isinstance(cov, list) or len(cov) != 2):
                raise SchemaError(f"{where} covariate of a ratio must be a pair [numerator_pre, denominator_pre]")
            num = text(t["numerator"], where, "numerator")
            den = text(t["denominator"], where, "denominator")
            cov_pair = None if cov is None else (text(cov[0], where, "covariate"), text(cov[1], where, "covariate"))
            metric = Ratio(num, den, covariate=cov_pair, **common)
        else:
            if "column" not in t:
                raise SchemaError(f"{where} missing required key 'column' for a {kind} metric")
            for key in ("numerator", "denominator"):
                if key in t:
                    raise SchemaError(f"{where} {key} is only for ratio metrics; a {kind} metric takes column")
            cov_col = None if "covariate" not in t else text(t["covariate"], where, "covariate")
            cls = Proportion if kind == "proportion" else Mean
            metric = cls(text(t["column"], where, "column"), covariate=cov_col, **common)
        if role == "guardrail":
            margin = number(t["margin"], where, "margin", lo=0.0)
            return role, Guardrail(metric, margin=margin, relative=flag(t.get("relative", True), where, "relative"))
    except SchemaError:
        raise
    except AbkitError as exc:  # the metric classes' own checks
        raise SchemaError(f"{where} {exc}") from None
    return role, metric


def metric_to_table(item: Metric | Guardrail, role: str) -> dict[str, Any]:
    """A metric object (or guardrail) -> its ``[[metrics]]`` table, keys in schema order."""
    metric = item.metric if isinstance(item, Guardrail) else item
    out: dict[str, Any] = {"name": metric.label, "kind": metric.kind}
    if isinstance(metric, Ratio):
        out["numerator"], out["denominator"] = metric.numerator, metric.denominator
        if metric.covariate is not None:
            out["covariate"] = list(metric.covariate)
    elif isinstance(metric, Mean):
        out["column"] = metric.column
        if metric.covariate is not None:
            out["covariate"] = metric.covariate
    out["role"] = role
    out["higher_is_better"] = bool(metric.higher_is_better)  # type: ignore[attr-defined]
    if metric.winsorize is not None:  # type: ignore[attr-defined]
        out["winsorize"] = [float(q) for q in metric.winsorize]  # type: ignore[attr-defined]
    if isinstance(item, Guardrail):
        out["margin"], out["relative"] = float(item.margin), bool(item.relative)
    return out


def check_sequential(table: Any, where: str = "[sequential]") -> dict[str, Any]:
    """The group-sequential plan: ``looks`` or ``information``, ``spending`` or ``boundary``, and options."""
    t = check_keys(table, where, SEQUENTIAL_KEYS)
    method = t.get("method", "group-sequential")
    if method not in ("group-sequential", "always-valid"):
        raise SchemaError(f"{where} method must be 'group-sequential' or 'always-valid', got {method!r}")
    if method == "always-valid":
        extra = sorted(set(t) - {"method", "sides"})
        if extra:
            raise SchemaError(f"{where} an always-valid plan takes no {', '.join(extra)} (its tau comes from the MDE)")
        return t
    if ("looks" in t) == ("information" in t):
        raise SchemaError(f"{where} give exactly one of looks (a number) or information (increasing fractions)")
    if "looks" in t and (isinstance(t["looks"], bool) or not isinstance(t["looks"], int) or t["looks"] < 1):
        raise SchemaError(f"{where} looks must be an integer >= 1, got {t['looks']!r}")
    if "information" in t:
        info = t["information"]
        if not isinstance(info, list) or not info:
            raise SchemaError(f"{where} information must be a list of increasing fractions ending at 1, got {info!r}")
        values = [number(v, where, "information", lo=0.0, hi=1.0, closed=True) for v in info]
        if any(b <= a for a, b in itertools.pairwise(values)) or values[0] <= 0 or values[-1] != 1.0:
            raise SchemaError(f"{where} information must increase strictly within (0, 1] and end at 1, got {info!r}")
        t["information"] = values
    if "spending" in t and "boundary" in t:
        raise SchemaError(f"{where} give spending (Lan-DeMets) or boundary (classical), not both")
    if "spending" in t and t["spending"] not in SPENDING:
        raise SchemaError(f"{where} spending must be one of {', '.join(SPENDING)}, got {t['spending']!r}")
    if "boundary" in t and t["boundary"] not in BOUNDARIES:
        raise SchemaError(f"{where} boundary must be one of {', '.join(BOUNDARIES)}, got {t['boundary']!r}")
    if "sides" in t and (isinstance(t["sides"], bool) or t["sides"] not in (1, 2)):
        raise SchemaError(f"{where} sides must be 1 or 2, got {t['sides']!r}")
    for key, family in (("gamma", "hwang-shih-decani"), ("rho", "kim-demets")):
        if key in t:
            if t.get("spending") != family:
                raise SchemaError(f"{where} {key} applies only to spending = {family!r}")
            t[key] = number(t[key], where, key, lo=-math.inf if key == "gamma" else 0.0)
    if "futility" in t and not isinstance(t["futility"], bool | str):
        raise SchemaError(f"{where} futility must be true/false or the name of a spending function")
    return t


def check_plan(table: Any, arms: Mapping[str, float], where: str = "[plan]") -> dict[str, Any]:
    """The design's output: sizes (numbers, or per-arm tables for units_per_arm), days and the design time."""
    t = check_keys(table, where, PLAN_KEYS)
    for key in ("total_units", "days", "daily_units"):
        if key in t:
            t[key] = _positive(t[key], where, key)
    if "units_per_arm" in t:
        u = t["units_per_arm"]
        if isinstance(u, Mapping):
            unknown = [a for a in u if a not in arms]
            if unknown:
                raise SchemaError(f"{where} units_per_arm names arm {unknown[0]!r}, not in [arms] ({', '.join(arms)})")
            t["units_per_arm"] = {a: _positive(v, where, f"units_per_arm.{a}") for a, v in u.items()}
        else:
            t["units_per_arm"] = _positive(u, where, "units_per_arm")
    for key in ("unit_sd", "inflation"):
        if key in t:
            t[key] = _positive(t[key], where, key)
    if "inflation" in t and t["inflation"] < 1:
        raise SchemaError(
            f"{where} inflation must be a number >= 1 (a sequential plan's size factor), got {t['inflation']!r}"
        )
    if "baseline" in t:
        t["baseline"] = _finite(t["baseline"], where, "baseline")
    if "covariate_correlation" in t:
        rho = _finite(t["covariate_correlation"], where, "covariate_correlation")
        if not -1 < rho < 1:
            raise SchemaError(f"{where} covariate_correlation must be in (-1, 1), got {rho!r}")
        t["covariate_correlation"] = rho
    if "sizing_metric" in t:
        t["sizing_metric"] = text(t["sizing_metric"], where, "sizing_metric")
    if "designed_at" in t:
        when = t["designed_at"]
        if isinstance(when, dt.date | dt.datetime | dt.time):
            when = when.isoformat()
        t["designed_at"] = text(when, where, "designed_at")
    return t


def _finite(value: Any, where: str, key: str) -> int | float:
    """A finite number; ints stay ints (numpy scalars become Python numbers)."""
    if hasattr(value, "item") and not isinstance(value, bool):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SchemaError(f"{where} {key} must be a finite number, got {value!r}")
    return value


def _positive(value: Any, where: str, key: str) -> int | float:
    """A number > 0; ints stay ints (numpy scalars become Python numbers)."""
    if hasattr(value, "item") and not isinstance(value, bool):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or not math.isfinite(value):
        raise SchemaError(f"{where} {key} must be a number > 0, got {value!r}")
    return value
