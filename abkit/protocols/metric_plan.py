"""Each metric's test in a design: its level, the effect it is powered for, the units it needs, its power at the plan.

:class:`MetricPlan` turns a protocol's settings and a metric's inputs (baseline, sd, CUPED rho) into the keywords of
:func:`~abkit.protocols.sizing.sample_size`, :func:`~abkit.protocols.sizing.power` and
:func:`~abkit.protocols.sizing.mde`, and computes the curves of the design report (power against units per arm, MDE
against days). The conventions are those listed in :mod:`abkit.protocols.design`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from abkit.errors import AbkitWarning, ParameterError
from abkit.protocols import sizing
from abkit.protocols.history import MetricInputs, units_on_day
from abkit.protocols.protocol import Protocol
from abkit.stats.metrics import Guardrail, Metric

__all__ = ["TABLE_COLUMNS", "MetricPlan"]

TABLE_COLUMNS = (
    "metric", "role", "kind", "baseline", "sd", "rho", "effect", "relative", "alpha", "alternative",
    "units_per_arm", "power", "detectable",
)  # fmt: skip


class MetricPlan:
    """The solver calls of one design: every metric's level, effect and model, at the protocol's settings."""

    def __init__(self, protocol: Protocol, power: float, ratios: np.ndarray, inflation: float) -> None:
        self.p, self.target, self.ratios, self.inflation = protocol, power, ratios, inflation
        self.family = {"primary": len(protocol.primary), "secondary": len(protocol.secondary)}

    def kwargs(self, metric: Metric, role: str, inp: MetricInputs, guard: Guardrail | None = None) -> dict[str, Any]:
        """The keywords of sample_size/power/mde for ``metric`` (without n, mde and power)."""
        p = self.p
        kind = metric.kind
        base = inp.baseline if math.isfinite(inp.baseline) else None
        kw: dict[str, Any] = {"baseline": base, "ratio": self.ratios, "arms": len(p.arms)}
        if guard is not None:  # one-sided non-inferiority at alpha, unadjusted, true effect zero
            if kind == "proportion":
                kind, kw["sd"] = "mean", math.sqrt(base * (1 - base))  # type: ignore[operator]
            else:
                kw["sd"] = inp.sd
            kw |= {"alpha": p.alpha, "alternative": "greater", "correction": None, "relative": guard.relative}
            kw["method"] = "t" if metric.kind == "mean" else "normal"
        else:
            split = self.family[role] if p.correction is not None else 1
            kw |= {"alpha": p.alpha / split, "alternative": p.alternative, "correction": p.correction}
            kw |= {"relative": p.mde_relative, "method": "normal" if kind == "ratio" else None}
            if kind != "proportion":
                kw["sd"] = inp.sd
            if role == "primary":
                kw["inflation"] = self.inflation
        kw["covariate_correlation"] = inp.rho
        return {"kind": kind, **kw}

    def effect(self, role: str, guard: Guardrail | None) -> float:
        if guard is not None:
            return guard.margin
        if role != "primary" and not self.p.mde_relative:
            return math.nan  # an absolute MDE is in the primary metric's units
        return float(self.p.mde)  # type: ignore[arg-type]

    def size(self, metric: Metric, role: str, inp: MetricInputs, guard: Guardrail | None = None) -> float:
        kw = self.kwargs(metric, role, inp, guard)
        n = sizing.sample_size(kw.pop("kind"), mde=self.effect(role, guard), power=self.target, **kw)
        return float(np.max(n))

    def row(
        self, metric: Metric, role: str, guard: Guardrail | None, inp: MetricInputs | None, n_c: float, notes: list
    ) -> dict[str, Any]:
        base = {"metric": metric.label, "role": role, "kind": metric.kind}
        nan = math.nan
        if inp is None or (metric.kind != "proportion" and not math.isfinite(inp.sd)):
            notes.append(f"{metric.label!r} ({role}): no history or sd given, its power is not computed.")
            return base | dict.fromkeys(TABLE_COLUMNS[3:], nan) | {"relative": None, "alternative": None}
        kw = self.kwargs(metric, role, inp, guard)
        kind = kw.pop("kind")
        eff = self.effect(role, guard)
        sd = inp.sd if metric.kind != "proportion" else math.sqrt(inp.baseline * (1 - inp.baseline))
        out = base | {"baseline": inp.baseline, "sd": sd, "rho": nan if inp.rho is None else inp.rho}
        out |= {"effect": eff, "relative": bool(kw["relative"]), "alpha": kw["alpha"], "alternative": kw["alternative"]}
        need = pw = det = nan
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AbkitWarning)
                if math.isfinite(eff):
                    need = float(np.max(sizing.sample_size(kind, mde=eff, power=self.target, **kw)))
                    pw = float(np.min(sizing.power(kind, mde=eff, n=n_c, **kw)))
                d = sizing.mde(kind, n=n_c, power=self.target, **kw)
                det = float(np.max(np.abs(d))) if kw["alternative"] != "less" else -float(np.max(np.abs(d)))
        except ParameterError as exc:
            if role == "primary":
                raise
            notes.append(f"{metric.label!r} ({role}): not sized ({exc}).")
        if role == "secondary" and not math.isfinite(eff):
            notes.append(
                f"{metric.label!r} (secondary): the MDE is absolute (in the primary metric's units), so only the "
                "effect it can detect at the plan is shown."
            )
        return out | {"units_per_arm": need, "power": pw, "detectable": det}

    def power_curve(self, metrics: list[Any], inputs: dict[str, MetricInputs], roles: list[Any], n_c: float) -> Any:
        guards = {m.label: g for m, _, g in roles}
        grid = np.unique(np.concatenate([np.geomspace(n_c / 8, n_c * 4, 61), [n_c]]))
        parts = []
        for m, role in metrics:
            inp = inputs.get(m.label)
            g = guards.get(m.label)
            if inp is None or (m.kind != "proportion" and not math.isfinite(inp.sd)):
                continue
            kw = self.kwargs(m, role, inp, g)
            kind = kw.pop("kind")
            ok = grid * (1 + float(np.min(self.ratios))) / kw.get("inflation", 1.0) > 3
            try:
                pw = sizing.power(kind, mde=self.effect(role, g), n=grid[ok][:, None], **kw)
            except ParameterError:
                continue
            parts.append(
                pd.DataFrame({"metric": m.label, "role": role, "units_per_arm": grid[ok], "power": np.min(pw, axis=1)})
            )
        return (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame(columns=["metric", "role", "units_per_arm", "power"])
        )

    def mde_curve(
        self,
        metrics: list[Metric],
        inputs: dict[str, MetricInputs],
        share_c: float,
        n_c: float,
        days: int | None,
        daily: float | None,
        curve: pd.DataFrame | None,
    ) -> pd.DataFrame:
        if days is not None and (daily is not None or curve is not None):
            top = max(28, 2 * days)
            day_grid = np.unique(np.round(np.linspace(1, top, min(top, 60)))).astype(float)
            if daily is not None:
                total = day_grid * daily
            else:
                total = units_on_day(day_grid, curve["cumulative_units"].to_numpy())  # type: ignore[index]
            n = total * share_c
        else:
            n = np.geomspace(n_c / 8, n_c * 4, 61)
            day_grid = np.full(len(n), np.nan)
        parts = []
        for m in metrics:
            kw = self.kwargs(m, "primary", inputs[m.label])
            kind = kw.pop("kind")
            ok = n * (1 + float(np.min(self.ratios))) / kw.get("inflation", 1.0) > 3
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AbkitWarning)
                d = sizing.mde(kind, n=n[ok][:, None], power=self.target, **kw)
            worst = np.max(np.abs(d), axis=1) * (-1 if kw["alternative"] == "less" else 1)
            parts.append(pd.DataFrame({"metric": m.label, "days": day_grid[ok], "units_per_arm": n[ok], "mde": worst}))
        return pd.concat(parts, ignore_index=True)
