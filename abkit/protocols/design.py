"""``ab.design``: a protocol's test sized from pre-experiment data, turned into days, and written into its plan.

The primary metrics are sized with :func:`~abkit.protocols.sizing.sample_size` at the protocol's alpha, power,
correction, alternative and MDE, for its arms and split, with CUPED's variance reduction and the inflation of a
group-sequential plan; every other metric's power at that size is reported with :func:`~abkit.protocols.sizing.power`.
Baselines, sds and covariate correlations come from a history table (:mod:`abkit.protocols.history`) or are given.

Conventions (each is written into ``DesignResult.notes`` when it applies):

- Several primary metrics: the correction splits alpha over the primary family (metrics x treatment arms), so each
  comparison is sized at ``alpha / (metrics x treatments)`` (exact for Bonferroni, conservative for Holm and
  Hochberg, whose first rejection faces that level); the plan takes the largest size. Secondary metrics likewise
  within their family. Guardrails are one-sided non-inferiority tests at ``alpha``, not adjusted.
- Unequal splits: arm ``a`` gets ``share_a / share_control`` times the control arm's units; the control arm is sized
  for the treatment comparison that needs the most.
- A guardrail's power is that of its non-inferiority test when the true effect is zero: the power to detect a
  shift of one margin, one-sided at ``alpha`` (normal reference for proportions and ratios, t for means).
- The sequential inflation multiplies the primary metrics' sizes; secondary metrics and guardrails are read at the
  final analysis with the full size.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abkit.errors import ParameterError, ProtocolError
from abkit.protocols.history import MetricInputs, duration_from_history, enrolment, materialise, metric_inputs
from abkit.protocols.metric_plan import TABLE_COLUMNS, MetricPlan
from abkit.protocols.protocol import Protocol
from abkit.results import Result, jsonable
from abkit.stats.metrics import Guardrail, Metric
from abkit.stats.sequential import GroupSequential

__all__ = ["TABLE_COLUMNS", "DesignResult", "design"]


@dataclass(frozen=True, eq=False)
class DesignResult(Result):
    """A designed test: sizes, duration, each metric's power, the curves of the report and the filled protocol.

    Attributes
    ----------
    protocol : Protocol
        The input protocol with its ``[plan]`` filled (sizes, days, the assumptions of the sizing metric).
    units_per_arm : int or dict
        Planned units per arm: one number when every arm has the same share, else arm -> units.
    total_units : int
    days : int or None
        Days to enrol ``total_units`` (None without ``daily_units`` or a dated history).
    daily_units : float or None
        The traffic given (units entering the test per day, all arms).
    sizing_metric : str
        The primary metric that needs the most units.
    inflation : float
        The group-sequential size factor (1 without a group-sequential plan).
    duration_source : str
        ``"daily_units"``, ``"history"`` (the distinct-units curve) or ``"none"``.
    notes : tuple of str
        The conventions and caveats of this design, in words.
    curves : dict of DataFrame
        ``"power"``: metric, role, units_per_arm (control), power; ``"mde"``: metric, days, units_per_arm, mde;
        ``"traffic"`` (with a dated history): day, date, new_units, cumulative_units; ``"enrolment"``: day, units,
        extrapolated (the curve, then its extrapolation up to the planned days).
    sequential : GroupSequential or None
        The group-sequential plan whose boundaries the report shows.
    """

    protocol: Protocol
    units_per_arm: int | dict[str, int]
    total_units: int
    days: int | None
    daily_units: float | None
    sizing_metric: str
    alpha: float
    power: float
    mde: float
    mde_relative: bool
    alternative: str
    correction: str | None
    inflation: float
    duration_source: str
    notes: tuple[str, ...]
    curves: dict[str, pd.DataFrame]
    sequential: GroupSequential | None = None
    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per metric: role, kind, baseline, sd, rho, the effect it is powered for (``effect``, relative
        when ``relative``), the level of its test, the control-arm units it alone would need (``units_per_arm``), its
        power at the plan, and the effect detectable at the plan with the target power (``detectable``)."""
        return self._table.copy()

    @property
    def arm_units(self) -> dict[str, int]:
        """Planned units of every arm."""
        if isinstance(self.units_per_arm, dict):
            return dict(self.units_per_arm)
        return dict.fromkeys(self.protocol.arms, self.units_per_arm)

    def to_dict(self) -> dict[str, Any]:
        out = {k: jsonable(v) for k, v in self._scalar_items() if k not in ("protocol", "sequential")}
        out |= {
            "units_per_arm": jsonable(self.units_per_arm),
            "notes": list(self.notes),
            "plan": jsonable(self.protocol.plan),
            "table": jsonable(self._table),
            "curves": {k: jsonable(v) for k, v in self.curves.items()},
            "sequential": None if self.sequential is None else jsonable(self.sequential.table),
        }
        return out

    def __str__(self) -> str:
        arms = ", ".join(f"{a} {n:,}" for a, n in self.arm_units.items())
        effect = f"{self.mde:+.4g}" + (" (relative)" if self.mde_relative else "")
        when = f"{self.days} days ({self.duration_source})" if self.days is not None else "unknown (no daily traffic)"
        lines = [
            f"design: {self.protocol.name}",
            f"sized on {self.sizing_metric!r} for mde {effect}, alpha {self.alpha:g} "
            f"({self.correction or 'no correction'}), power {self.power:.0%}, {self.alternative}",
            f"units per arm: {arms}; total {self.total_units:,}",
            f"duration: {when}",
        ]
        if self.inflation != 1.0:
            lines.append(f"sequential inflation: {self.inflation:.4f}")
        with pd.option_context(
            "display.width", 200, "display.max_columns", 50, "display.float_format", "{:.4g}".format
        ):
            lines.append(self._table.to_string(index=False))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_html(self, path: Any = None, **kwargs: Any) -> str:
        """The design report as a self-contained HTML page; written to ``path`` when given."""
        from abkit.reports.design import design_report  # reports sit above protocols: imported only when asked

        return design_report(self, path, **kwargs)

    def _repr_html_(self) -> str:
        from abkit.reports.design import design_fragment

        return str(design_fragment(self))

    def plot(self, **kwargs: Any) -> Any:
        """Power against units per arm, with the plan marked (a matplotlib Figure)."""
        from abkit.reports.design import design_figure

        return design_figure(self, **kwargs)


def design(
    protocol: Protocol,
    *,
    history: Any = None,
    daily_units: float | None = None,
    sd: float | dict[str, float] | None = None,
    baseline: float | dict[str, float] | None = None,
    power: float | None = None,
    traffic: Any = None,
    time: str = "date",
    missing: str = "raise",
    designed_at: Any = None,
) -> DesignResult:
    """Size a protocol's test from pre-experiment data and write the plan into the protocol.

    Parameters
    ----------
    protocol : Protocol
        Its ``[analysis] mde`` (and ``mde_relative``) is the effect the primary metrics are sized for.
    history : DataFrame or path, optional
        Pre-experiment data, one row per unit, with every metric's columns (no arm column): baselines, sds and CUPED
        correlations are estimated from it in one engine pass. Winsorised metrics are clipped at its quantiles.
    daily_units : float, optional
        Units entering the test per day, all arms together: ``days = ceil(total_units / daily_units)``.
    sd, baseline : float or dict, optional
        Given values instead of (or without) a history: a number applies to the primary metric, a dict maps metric
        names to values. ``sd`` is the per-unit sd (of the linearised ratio for a ratio; not used for proportions).
    power : float, optional
        The target power; default the protocol's.
    traffic : DataFrame or path, optional
        Visits (a unit column and a ``time`` column, one row per unit and day) for the distinct-units curve; default
        the history. Used when ``daily_units`` is not given.
    time : str, default "date"
        The day column of ``traffic`` (or of the history).
    missing : {"raise", "drop"}
        NaN/inf in the history's metric columns: an error, or leave the incomplete rows out.
    designed_at : str or datetime, optional
        Written to the plan as given (the clock is never read, so the same inputs give the same protocol).

    Returns
    -------
    DesignResult

    Examples
    --------
    >>> import abkit as ab
    >>> p = ab.Protocol(name="ctr-test", variant="variant", control="control",
    ...                 arms={"control": 0.5, "treatment": 0.5}, primary=[ab.Proportion("converted")],
    ...                 mde=0.05, mde_relative=True)
    >>> d = design(p, baseline=0.1, daily_units=10_000)
    >>> d.units_per_arm, d.total_units, d.days
    (57763, 115526, 12)
    >>> d.protocol.plan["units_per_arm"]
    57763
    """
    if not isinstance(protocol, Protocol):
        raise ParameterError(
            f"The 'protocol' parameter of design must be an ab.Protocol (ab.Protocol.load(path)). Got {protocol!r}."
        )
    if protocol.mde is None:
        raise ProtocolError(
            "design: the protocol has no [analysis] mde; set the smallest effect worth detecting on the primary "
            "metric (mde = 0.02 with mde_relative = true for +2%)."
        )
    target = protocol.power if power is None else _unit_interval(power, "power")
    if daily_units is not None:
        daily_units = _positive(daily_units, "daily_units")
    if missing not in ("raise", "drop"):
        raise ParameterError(f"The 'missing' parameter of design must be 'raise' or 'drop'. Got {missing!r} instead.")
    notes: list[str] = []
    history = None if history is None else materialise(history)
    traffic = None if traffic is None else materialise(traffic)
    roles = _roles(protocol)
    inputs = _estimate(protocol, roles, history, missing, notes)
    _override(inputs, sd, "sd", roles)
    _override(inputs, baseline, "baseline", roles)

    gs, inflation = _sequential(protocol, target, notes)
    share_c = protocol.arms[protocol.control]
    ratios = np.array([protocol.arms[t] / share_c for t in protocol.treatments])
    plan = MetricPlan(protocol, target, ratios, inflation)
    primary = [(m, r) for m, r, _ in roles if r == "primary"]
    needs = {m.label: plan.size(m, "primary", _need(inputs, m, "primary")) for m, _ in primary}
    sizing_metric = max(needs, key=lambda k: needs[k])
    n_control = needs[sizing_metric]
    arm_units = {a: math.ceil(n_control * protocol.arms[a] / share_c - 1e-9) for a in protocol.arms}
    equal = len(set(protocol.arms.values())) == 1
    units_per_arm: int | dict[str, int] = arm_units[protocol.control] if equal else arm_units
    total = int(sum(arm_units.values()))
    n_c = float(arm_units[protocol.control])

    rows = [plan.row(m, role, g, inputs.get(m.label), n_c, notes) for m, role, g in roles]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))

    curve = None
    if daily_units is not None:
        days: int | None = math.ceil(total / daily_units - 1e-9)
        source = "daily_units"
    else:
        days, source, curve = duration_from_history(
            traffic, history, unit=protocol.unit, time=time, total=total, notes=notes
        )
    curves = {
        "power": plan.power_curve(primary + [(m, r) for m, r, _ in roles if r == "guardrail"], inputs, roles, n_c),
        "mde": plan.mde_curve([m for m, _ in primary], inputs, share_c, n_c, days, daily_units, curve),
    }
    if curve is not None:
        curves["traffic"] = curve
        curves["enrolment"] = enrolment(curve, days)

    sized = inputs[sizing_metric]
    fields: dict[str, Any] = {"units_per_arm": units_per_arm, "total_units": total}
    if days is not None:
        fields["days"] = days
    if daily_units is not None:
        fields["daily_units"] = daily_units
    if designed_at is not None:
        fields["designed_at"] = designed_at
    fields["sizing_metric"] = sizing_metric
    if sized.baseline is not None and math.isfinite(sized.baseline):
        fields["baseline"] = float(sized.baseline)
    if sized.sd is not None and math.isfinite(sized.sd):
        fields["unit_sd"] = float(sized.sd)
    if sized.rho is not None:
        fields["covariate_correlation"] = float(sized.rho)
    if inflation != 1.0:
        fields["inflation"] = float(inflation)
    return DesignResult(
        protocol=protocol.with_plan(**fields),
        units_per_arm=units_per_arm,
        total_units=total,
        days=days,
        daily_units=daily_units,
        sizing_metric=sizing_metric,
        alpha=protocol.alpha,
        power=target,
        mde=float(protocol.mde),
        mde_relative=protocol.mde_relative,
        alternative=protocol.alternative,
        correction=protocol.correction,
        inflation=float(inflation),
        duration_source=source if days is not None else "none",
        notes=tuple(notes),
        curves=curves,
        sequential=gs,
        _table=table,
    )


# ---- inputs ----------------------------------------------------------------------------------------------------


def _roles(protocol: Protocol) -> list[tuple[Metric, str, Guardrail | None]]:
    out: list[tuple[Metric, str, Guardrail | None]] = [(m, "primary", None) for m in protocol.primary]
    out += [(m, "secondary", None) for m in protocol.secondary]
    out += [(g.metric, "guardrail", g) for g in protocol.guardrails]
    return out


def _estimate(
    protocol: Protocol, roles: list[Any], history: Any, missing: str, notes: list[str]
) -> dict[str, MetricInputs]:
    if history is None:
        return {}
    found, dropped = metric_inputs(history, [m for m, _, _ in roles], unit=protocol.unit, missing=missing)
    if dropped:
        notes.append(f"{dropped:,} history rows with missing values were left out of every metric.")
    return found


def _override(inputs: dict[str, MetricInputs], value: Any, what: str, roles: list[Any]) -> None:
    if value is None:
        return
    labels = [m.label for m, _, _ in roles]
    if isinstance(value, dict):
        unknown = [k for k in value if k not in labels]
        if unknown:
            raise ParameterError(
                f"The {what!r} parameter of design names metric {unknown[0]!r}, not in the protocol; metrics are: "
                f"{', '.join(labels)}."
            )
        given = dict(value)
    else:
        primary = [m.label for m, r, _ in roles if r == "primary"]
        if len(primary) > 1:
            raise ParameterError(
                f"The {what!r} parameter of design is one number but the protocol has {len(primary)} primary "
                f"metrics; pass a dict metric -> {what} ({', '.join(primary)})."
            )
        given = {primary[0]: value}
    for label, v in given.items():
        try:
            x = float(v)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x) or (what == "sd" and x <= 0):
            expected = "a float > 0" if what == "sd" else "a finite float"
            raise ParameterError(f"The {what!r} parameter of design must be {expected} for {label!r}. Got {v!r}.")
        old = inputs.get(label, MetricInputs(math.nan, math.nan, None, 0))
        inputs[label] = dataclasses.replace(old, baseline=x) if what == "baseline" else dataclasses.replace(old, sd=x)


def _need(inputs: dict[str, MetricInputs], metric: Metric, role: str) -> MetricInputs:
    got = inputs.get(metric.label)
    kind = metric.kind
    missing_sd = kind != "proportion" and (got is None or not math.isfinite(got.sd))
    missing_base = kind == "proportion" and (got is None or not math.isfinite(got.baseline))
    if missing_sd or missing_base:
        what = "baseline proportion" if kind == "proportion" else "per-unit sd"
        raise ParameterError(
            f"design: no {what} for the {role} metric {metric.label!r}. Pass history= (a table with its columns) "
            f"or {'baseline' if kind == 'proportion' else 'sd'}={{{metric.label!r}: ...}}."
        )
    assert got is not None
    return got


def _sequential(protocol: Protocol, power: float, notes: list[str]) -> tuple[GroupSequential | None, float]:
    seq = protocol.sequential
    if seq is None:
        return None, 1.0
    opts = dict(seq)
    if opts.pop("method", "group-sequential") == "always-valid":
        notes.append(
            "The [sequential] plan is always-valid: the size is that of a fixed test. An always-valid test looked at "
            "continuously needs more units for the same power; plan a margin or use a group-sequential plan."
        )
        return None, 1.0
    if isinstance(opts.get("futility"), bool):
        opts["futility"] = opts.get("spending", "obrien-fleming") if opts["futility"] else None
    if opts.get("futility"):
        opts["beta"] = 1.0 - power
    gs = GroupSequential(alpha=protocol.alpha, **opts)
    factor = gs.inflation(power=power)
    notes.append(
        f"Group-sequential plan ({gs.looks} looks): the fixed-test size of the primary metrics is multiplied by "
        f"{factor:.4f} so that the sequential test keeps {power:.0%} power."
    )
    return gs, factor


def _unit_interval(value: Any, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not 0.0 < x < 1.0:
        raise ParameterError(f"The {name!r} parameter of design must be a float in (0, 1). Got {value!r} instead.")
    return x


def _positive(value: Any, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not (math.isfinite(x) and x > 0):
        raise ParameterError(
            f"The {name!r} parameter of design must be a number > 0 (units entering the test per day, all arms). "
            f"Got {value!r} instead."
        )
    return x
