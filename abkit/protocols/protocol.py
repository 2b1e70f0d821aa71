"""The experiment protocol: the pre-registered plan, stored as a TOML file the analysis reads back.

A protocol file, with every key (``?`` marks optional keys; comments are not kept when abkit saves a file)::

    [experiment]
    name = "ranker-v2"                  # required
    hypothesis = "The new ranker raises revenue per user by 2%"   # ?
    unit = "user_id"                    # ? the randomisation unit's id column
    variant = "variant"                 # required: the column holding the arm name
    control = "control"                 # required: the control arm, one of [arms]

    [arms]                              # required: arm name = share of units; shares sum to 1
    control = 0.5
    treatment = 0.5

    [[metrics]]                         # one table per metric; at least one primary
    name = "revenue"                    # ? defaults to the column (numerator/denominator for ratios)
    kind = "mean"                       # "mean" | "proportion" | "ratio"
    column = "revenue"                  # mean and proportion; a ratio has numerator and denominator instead
    covariate = "revenue_pre"           # ? CUPED covariate; [numerator_pre, denominator_pre] for a ratio
    role = "primary"                    # "primary" | "secondary" | "guardrail"
    higher_is_better = true             # ? default true
    winsorize = [0.0, 0.999]            # ? quantiles fixed before looking at the data

    [[metrics]]
    kind = "mean"
    column = "latency_ms"
    role = "guardrail"
    higher_is_better = false
    margin = 0.02                       # guardrails only (required there): the largest acceptable degradation
    relative = true                     # ? guardrails only: margin relative to control (default true)

    [analysis]                          # ? every key has a default
    alpha = 0.05
    power = 0.8
    correction = "holm"                 # "bonferroni" | "holm" | "hochberg" | "BH" | "BY" | "none"
    alternative = "two-sided"           # "two-sided" | "greater" | "less"
    confidence_level = 0.95             # ? defaults to 1 - alpha in the analysis
    mde = 0.02                          # ? the primary metric's minimum detectable effect
    mde_relative = true                 # ? default false
    srm_threshold = 0.001               # ? p-value below which the sample-ratio check fails

    [sequential]                        # ? a group-sequential plan
    looks = 4                           # or information = [0.25, 0.5, 0.75, 1.0]
    spending = "obrien-fleming"         # Lan-DeMets spending; or boundary = "pocock" | "obrien-fleming"
    sides = 2                           # ? 1 or 2
    # gamma = -4 (spending = "hwang-shih-decani"), rho = 3 (spending = "kim-demets"), futility = ...

    [plan]                              # ? written by the designer
    units_per_arm = 52000               # or a table: units_per_arm = { control = 52000, treatment = 52000 }
    total_units = 104000
    days = 14
    daily_units = 7500
    designed_at = "2024-06-01T09:30:00+00:00"

``Protocol.load(path)`` reads and checks a file; ``protocol.save(path)`` writes it, so that
``Protocol.load(path)`` gives back an equal protocol and saving it again gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from abkit.errors import ProtocolError
from abkit.protocols.power_inputs import ALTERNATIVES, CORRECTIONS
from abkit.protocols.protocol_schema import (
    SchemaError,
    check_keys,
    check_plan,
    check_sequential,
    metric_from_table,
    metric_to_table,
    number,
    text,
)
from abkit.stats.metrics import Guardrail, Mean, Metric, Proportion, Ratio

__all__ = ["Protocol"]

SECTIONS = ("experiment", "arms", "metrics", "analysis", "sequential", "plan")
EXPERIMENT_KEYS = ("name", "hypothesis", "unit", "variant", "control")
ANALYSIS_KEYS = (
    "alpha", "power", "correction", "alternative", "confidence_level", "mde", "mde_relative", "srm_threshold",
)  # fmt: skip
HEADER = "# abkit experiment protocol. Keys: see abkit.protocols.protocol; comments are not kept on save.\n\n"


@dataclass(frozen=True, kw_only=True)
class Protocol:
    """A pre-registered experiment: who is randomised, into which arms, what is measured and how it is decided.

    Build one in Python or read a TOML file with :meth:`load` (the schema is in the module docstring). Every
    field is checked on construction; errors are :class:`~abkit.errors.ProtocolError` naming the key.

    Parameters
    ----------
    name, variant, control : str
        Experiment name, the column with the arm names, and the control arm.
    arms : dict
        Arm name -> share of units (sum 1).
    primary, secondary : sequence of Mean, Proportion or Ratio
        Metrics tested for an effect; at least one primary.
    guardrails : sequence of Guardrail
        Metrics that must not degrade beyond their margin.
    hypothesis, unit : str, optional
    alpha, power, correction, alternative, confidence_level, mde, mde_relative, srm_threshold
        The analysis plan; ``correction=None`` means no multiplicity correction (``"none"`` in the file).
    sequential : dict, optional
        The group-sequential plan (keys ``looks``/``information``, ``spending``/``boundary``, ``sides``, ...).
    plan : dict, optional
        The designer's output (``units_per_arm``, ``total_units``, ``days``, ``daily_units``, ``designed_at``).

    Examples
    --------
    >>> from abkit.protocols.protocol import Protocol
    >>> from abkit.stats.metrics import Mean, Proportion
    >>> p = Protocol(name="ranker-v2", variant="variant", control="control",
    ...              arms={"control": 0.5, "treatment": 0.5},
    ...              primary=[Mean("revenue")], secondary=[Proportion("converted")])
    >>> [m.label for m in p.metrics], p.alpha, p.correction
    (['revenue', 'converted'], 0.05, 'holm')
    >>> Protocol.from_dict(p.to_dict()) == p
    True
    """

    name: str
    variant: str
    control: str
    arms: dict[str, float]
    primary: tuple[Mean | Proportion | Ratio, ...]
    secondary: tuple[Mean | Proportion | Ratio, ...] = ()
    guardrails: tuple[Guardrail, ...] = ()
    hypothesis: str | None = None
    unit: str | None = None
    alpha: float = 0.05
    power: float = 0.8
    correction: str | None = "holm"
    alternative: str = "two-sided"
    confidence_level: float | None = None
    mde: float | None = None
    mde_relative: bool = False
    srm_threshold: float = 0.001
    sequential: dict[str, Any] | None = field(default=None)
    plan: dict[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        try:
            self._check()
        except SchemaError as exc:
            raise ProtocolError(f"Protocol: {exc}") from None

    # ---- reading and writing ----------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Protocol:
        """Read and check a protocol file; errors name the file and the key."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ProtocolError(f"{path}: protocol file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ProtocolError(f"{path.name}: not valid TOML: {exc}") from None
        return cls.from_dict(data, source=path.name)

    def save(self, path: str | Path) -> None:
        """Write the protocol as TOML (UTF-8); the same protocol always gives the same bytes."""
        Path(path).write_bytes(self.dumps().encode("utf-8"))

    def dumps(self) -> str:
        """The protocol file's text."""
        return HEADER + tomli_w.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "protocol") -> Protocol:
        """Build a protocol from the file's tables (as :func:`tomllib.load` returns them)."""
        try:
            return cls(**_fields_from_tables(data))
        except SchemaError as exc:
            raise ProtocolError(f"{source}: {exc}") from None
        except ProtocolError as exc:
            raise ProtocolError(str(exc).replace("Protocol: ", f"{source}: ", 1)) from None

    def to_dict(self) -> dict[str, Any]:
        """The file's tables: plain dicts, lists, strings and numbers; optional keys left out when unset."""
        experiment = {"name": self.name, "hypothesis": self.hypothesis, "unit": self.unit}
        experiment |= {"variant": self.variant, "control": self.control}
        metrics = [metric_to_table(m, "primary") for m in self.primary]
        metrics += [metric_to_table(m, "secondary") for m in self.secondary]
        metrics += [metric_to_table(g, "guardrail") for g in self.guardrails]
        analysis = {
            "alpha": self.alpha,
            "power": self.power,
            "correction": "none" if self.correction is None else self.correction,
            "alternative": self.alternative,
            "confidence_level": self.confidence_level,
            "mde": self.mde,
            "mde_relative": self.mde_relative,
            "srm_threshold": self.srm_threshold,
        }
        out: dict[str, Any] = {
            "experiment": _drop_none(experiment),
            "arms": dict(self.arms),
            "metrics": metrics,
            "analysis": _drop_none(analysis),
        }
        if self.sequential is not None:
            out["sequential"] = dict(self.sequential)
        if self.plan is not None:
            out["plan"] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in self.plan.items()}
        return out

    # ---- accessors the analysis uses ----------------------------------------------------------------------------

    @property
    def metrics(self) -> tuple[Mean | Proportion | Ratio, ...]:
        """The metrics tested for an effect: primary, then secondary (guardrails are in :attr:`guardrails`)."""
        return self.primary + self.secondary

    @property
    def treatments(self) -> tuple[str, ...]:
        """The arms other than control, in file order."""
        return tuple(a for a in self.arms if a != self.control)

    def analysis_options(self) -> dict[str, Any]:
        """What the analysis needs from the plan: metrics with their roles, arms, split, alpha and correction.

        ``ab.analyze(data, protocol=p)`` and ``ab.monitor(data, p)`` call this, so the statistics layer does not
        depend on the protocol module.
        """
        return {
            "name": self.name,
            "metrics": list(self.primary),
            "secondary": list(self.secondary),
            "guardrails": list(self.guardrails),
            "variant": self.variant,
            "control": self.control,
            "unit": self.unit,
            "alpha": self.alpha,
            "correction": self.correction,
            "alternative": self.alternative,
            "confidence_level": self.confidence_level,
            "expected_split": dict(self.arms),
            "srm_threshold": self.srm_threshold,
            "mde": self.mde,
            "mde_relative": self.mde_relative,
        }

    def with_plan(self, **plan: Any) -> Protocol:
        """A copy with the designer's plan (replacing any previous one).

        Examples
        --------
        >>> from abkit.protocols.protocol import Protocol
        >>> from abkit.stats.metrics import Mean
        >>> p = Protocol(name="x", variant="v", control="a", arms={"a": 0.5, "b": 0.5}, primary=[Mean("y")])
        >>> p.with_plan(units_per_arm=1200, days=7).plan
        {'units_per_arm': 1200, 'days': 7}
        """
        return dataclasses.replace(self, plan=plan)

    # ---- checks ----------------------------------------------------------------------------------------------------

    def _check(self) -> None:
        set_ = object.__setattr__
        for key in ("name", "variant", "control"):
            text(getattr(self, key), "[experiment]", key)
        for key in ("hypothesis", "unit"):
            if getattr(self, key) is not None:
                text(getattr(self, key), "[experiment]", key)
        set_(self, "arms", _check_arms(self.arms, self.control))
        set_(self, "primary", tuple(self.primary))
        set_(self, "secondary", tuple(self.secondary))
        set_(self, "guardrails", tuple(self.guardrails))
        for role, items in (("primary", self.primary), ("secondary", self.secondary)):
            for m in items:
                if not isinstance(m, Metric):
                    raise SchemaError(f"[[metrics]] {role} metrics must be Mean, Proportion or Ratio, got {m!r}")
        for g in self.guardrails:
            if not isinstance(g, Guardrail):
                raise SchemaError(f"[[metrics]] guardrails must be Guardrail objects, got {g!r}")
        if not self.primary:
            raise SchemaError('[[metrics]] no primary metric: mark the decision metric with role = "primary"')
        labels = [m.label for m in self.metrics] + [g.label for g in self.guardrails]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise SchemaError(f"[[metrics]] duplicate metric name {dupes[0]!r}; give each metric a distinct name")
        set_(self, "alpha", number(self.alpha, "[analysis]", "alpha", lo=0.0, hi=1.0))
        set_(self, "power", number(self.power, "[analysis]", "power", lo=0.0, hi=1.0))
        set_(self, "srm_threshold", number(self.srm_threshold, "[analysis]", "srm_threshold", lo=0.0, hi=1.0))
        if self.confidence_level is not None:
            level = number(self.confidence_level, "[analysis]", "confidence_level", lo=0.0, hi=1.0)
            set_(self, "confidence_level", level)
        if self.mde is not None:
            mde = number(self.mde, "[analysis]", "mde")
            if mde == 0:
                raise SchemaError("[analysis] mde must be nonzero, got 0")
            set_(self, "mde", mde)
        if not isinstance(self.mde_relative, bool):
            raise SchemaError(f"[analysis] mde_relative must be true or false, got {self.mde_relative!r}")
        if self.correction == "none":
            set_(self, "correction", None)
        if self.correction is not None and self.correction not in CORRECTIONS:
            allowed = ", ".join((*CORRECTIONS, "none"))
            raise SchemaError(f"[analysis] correction must be one of {allowed}, got {self.correction!r}")
        if self.alternative not in ALTERNATIVES:
            allowed = ", ".join(ALTERNATIVES)
            raise SchemaError(f"[analysis] alternative must be one of {allowed}, got {self.alternative!r}")
        if self.sequential is not None:
            set_(self, "sequential", check_sequential(self.sequential))
        if self.plan is not None:
            set_(self, "plan", check_plan(self.plan, self.arms))


def _check_arms(arms: Any, control: str) -> dict[str, float]:
    if not isinstance(arms, Mapping) or len(arms) < 2:
        raise SchemaError(f"[arms] needs at least two arms (name = share), got {arms!r}")
    shares = {text(a, "[arms]", "arm name"): number(s, "[arms]", f"share of {a!r}", lo=0.0, hi=1.0, closed=True)
              for a, s in arms.items()}  # fmt: skip
    if any(s == 0 for s in shares.values()):
        raise SchemaError(f"[arms] every share must be > 0, got {shares}")
    total = math.fsum(shares.values())
    if abs(total - 1.0) > 1e-9:
        raise SchemaError(f"[arms] shares sum to {total:.12g}, expected 1")
    if control not in shares:
        raise SchemaError(f"[experiment] control {control!r} is not one of the arms ({', '.join(shares)})")
    return shares


def _fields_from_tables(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise SchemaError(f"a protocol is a set of tables ([experiment], [arms], ...), got {type(data).__name__}")
    for key in data:
        if key not in SECTIONS:
            raise SchemaError(f"unknown section [{key}]; the sections are: {', '.join(SECTIONS)}")
    for key in ("experiment", "arms", "metrics"):
        if key not in data:
            raise SchemaError(f"missing required section [{key}]" if key != "metrics" else "no [[metrics]] tables")
    top = dict(data)
    exp = check_keys(top["experiment"], "[experiment]", EXPERIMENT_KEYS, required=("name", "variant", "control"))
    fields: dict[str, Any] = {k: exp.get(k) for k in EXPERIMENT_KEYS}
    fields["arms"] = top["arms"]
    tables = top["metrics"]
    if not isinstance(tables, list) or not tables:
        raise SchemaError("[[metrics]] must be one or more [[metrics]] tables")
    roles: dict[str, list[Any]] = {"primary": [], "secondary": [], "guardrail": []}
    for i, table in enumerate(tables, start=1):
        label = None
        if isinstance(table, Mapping):
            label = table.get("name") or table.get("column") or table.get("numerator")
        role, metric = metric_from_table(table, f"[[metrics]] #{i}" + (f" {label!r}:" if label else ":"))
        roles[role].append(metric)
    fields |= {"primary": roles["primary"], "secondary": roles["secondary"], "guardrails": roles["guardrail"]}
    analysis = check_keys(top.get("analysis", {}), "[analysis]", ANALYSIS_KEYS)
    fields |= analysis
    if "sequential" in top:
        fields["sequential"] = top["sequential"]
    if "plan" in top:
        fields["plan"] = top["plan"]
    return fields


def _drop_none(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if v is not None}
