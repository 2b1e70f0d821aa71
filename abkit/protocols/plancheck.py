"""The plan against what happened: sample size, duration and the power achieved, for the report's health checks.

:func:`plan_checks` compares a designed protocol's ``[plan]`` with an analysis result (and, when given, the
monitoring of the running test). The split against the plan is the sample-ratio check of the analysis and is not
repeated here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from abkit.errors import AbkitWarning, ParameterError
from abkit.protocols import sizing
from abkit.protocols.protocol import Protocol

__all__ = ["plan_checks"]

UNDER = 0.9  # fewer units than this share of the plan: underpowered
OVER = 1.5  # more than this share: the test ran far past its plan
POWER_SLACK = 0.05  # achieved power this far below the target is a warning


def plan_checks(protocol: Protocol, result: Any, *, monitoring: Any = None) -> list[dict[str, str]]:
    """Health checks of a finished test against its plan: units per arm, duration and power achieved.

    Parameters
    ----------
    protocol : Protocol
        With the ``[plan]`` written by ``ab.design`` (``units_per_arm``, ``days``) and ``[analysis] mde``.
    result : ExperimentResult
        ``ab.analyze(data, protocol=protocol)``.
    monitoring : Monitoring, optional
        ``ab.monitor(...)`` of the same test: its number of days is the duration, and a sequential stop explains a
        test that ended short of its planned size.

    Returns
    -------
    list of dict
        Each with ``status`` ("ok", "warn", "fail" or "info"), ``name`` and ``message``; pass them to the committee
        report (``result.to_html(plan_checks=...)``).

    Notes
    -----
    - Units: fail below 90% of the planned units in any arm (the test is underpowered for the planned MDE), warn
      above 150% (it ran far past the plan), unless a sequential plan stopped it early.
    - Duration: warn when shorter than planned (weekly cycles may be missed) or than 7 days.
    - Power achieved: the power of each primary comparison at the observed units, for the planned MDE, with the
      observed per-unit sd ``sd = se / sqrt(1 / n_control + 1 / n_treatment)`` (``se`` of the effect, so CUPED's
      reduction is included and both arms are taken to share one sd) and the analysis' alpha split; a relative MDE
      is taken relative to the observed control value. Warn when it is more than 0.05 below the target power.

    Examples
    --------
    >>> import abkit as ab
    >>> df = ab.datasets.make_experiment(20_000, seed=3)
    >>> p = ab.Protocol(name="x", variant="variant", control="control", arms={"control": 0.5, "treatment": 0.5},
    ...                 primary=[ab.Mean("revenue")], mde=0.03, mde_relative=True).with_plan(units_per_arm=12_000)
    >>> [(c["name"], c["status"]) for c in plan_checks(p, ab.analyze(df, protocol=p))]
    [('Sample size', 'fail'), ('Duration', 'info'), ('Power achieved', 'warn')]
    """
    if not isinstance(protocol, Protocol):
        raise ParameterError(f"The 'protocol' parameter of plan_checks must be an ab.Protocol. Got {protocol!r}.")
    plan = protocol.plan or {}
    if not plan.get("units_per_arm"):
        return [
            {"status": "info", "name": "Plan", "message": "The protocol has no designed plan (run ab.design): "
             "sample size and duration are not checked."}
        ]  # fmt: skip
    stopped = getattr(monitoring, "recommendation", "continue") != "continue"
    sequential = protocol.sequential is not None
    return [_units(plan, protocol, result, stopped), _duration(plan, monitoring, sequential), _power(protocol, result)]


def _units(plan: dict[str, Any], protocol: Protocol, result: Any, stopped: bool) -> dict[str, str]:
    planned = plan["units_per_arm"]
    planned = dict(planned) if isinstance(planned, dict) else dict.fromkeys(protocol.arms, planned)
    actual = {str(r["arm"]): int(r["units"]) for r in result.arms.to_dict(orient="records")}
    shares = {a: actual.get(a, 0) / float(n) for a, n in planned.items()}
    text = ", ".join(f"{a} {actual.get(a, 0):,} of {int(n):,} ({shares[a]:.0%})" for a, n in planned.items())
    low, high = min(shares.values()), max(shares.values())
    if low < UNDER:
        if stopped:
            return {"status": "info", "name": "Sample size", "message": f"{text}: the sequential plan stopped the "
                    "test before its planned size."}  # fmt: skip
        return {"status": "fail", "name": "Sample size", "message": f"{text}: below {UNDER:.0%} of the plan, the "
                "test is underpowered for the planned MDE."}  # fmt: skip
    if high > OVER:
        return {"status": "warn", "name": "Sample size", "message": f"{text}: more than {OVER:.0%} of the plan; "
                "a test run past its plan invites stopping when the result looks good."}  # fmt: skip
    return {"status": "ok", "name": "Sample size", "message": f"{text} of the planned units."}


def _duration(plan: dict[str, Any], monitoring: Any, sequential: bool) -> dict[str, str]:
    days = plan.get("days")
    if monitoring is None or not getattr(monitoring, "series", None):
        what = f"{days} days planned; " if days else ""
        return {"status": "info", "name": "Duration", "message": f"{what}pass monitoring=ab.monitor(...) to check "
                "the test's duration."}  # fmt: skip
    ran = len(monitoring.series[0].look)
    if days is None:
        return {"status": "info", "name": "Duration", "message": f"{ran} days run; the plan has no duration."}
    text = f"{ran} days run of {int(days)} planned"
    if ran < days:
        if sequential:
            return {"status": "info", "name": "Duration", "message": f"{text}: the sequential plan allows stopping "
                    "early."}  # fmt: skip
        return {"status": "warn", "name": "Duration", "message": f"{text}: shorter than planned, weekly cycles and "
                "late adopters may be missing."}  # fmt: skip
    if ran < 7:
        return {"status": "warn", "name": "Duration", "message": f"{text}: less than a week misses weekly cycles."}
    return {"status": "ok", "name": "Duration", "message": f"{text}."}


def _power(protocol: Protocol, result: Any) -> dict[str, str]:
    if protocol.mde is None:
        return {"status": "info", "name": "Power achieved", "message": "No [analysis] mde: power not computed."}
    table = result.table
    primary = table[table["role"] == "primary"]
    k = len(protocol.primary)
    alpha = protocol.alpha / (k if protocol.correction is not None else 1)
    parts, worst = [], math.inf
    for rec in primary.to_dict(orient="records"):
        nc, nt, se = float(rec["n_control"]), float(rec["n_treatment"]), float(rec["se"])
        sd = se / math.sqrt(1.0 / nc + 1.0 / nt)
        base = float(rec["control"])
        if not (math.isfinite(sd) and sd > 0) or (protocol.mde_relative and not base):
            parts.append(f"{rec['metric']} ({rec['variant']}): not computable")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AbkitWarning)
            pw = float(
                sizing.power(
                    "mean", baseline=base if protocol.mde_relative else None, mde=_signed_mde(protocol), n=nc,
                    relative=protocol.mde_relative, sd=sd, alpha=alpha, alternative=protocol.alternative,
                    ratio=nt / nc, arms=len(protocol.arms), correction=protocol.correction,
                    method="t" if math.isfinite(rec["df"]) else "normal",
                )
            )  # fmt: skip
        worst = min(worst, pw)
        parts.append(f"{rec['metric']} ({rec['variant']}) {pw:.0%}")
    effect = f"{protocol.mde:+.2%}" if protocol.mde_relative else f"{protocol.mde:+.4g}"
    text = f"Power for the planned MDE {effect}: {'; '.join(parts)} (target {protocol.power:.0%})."
    if not math.isfinite(worst):
        return {"status": "info", "name": "Power achieved", "message": text}
    status = "ok" if worst >= protocol.power - POWER_SLACK else "warn"
    return {"status": status, "name": "Power achieved", "message": text}


def _signed_mde(protocol: Protocol) -> float:
    mde = float(protocol.mde)  # type: ignore[arg-type]
    if protocol.alternative == "less":
        return -abs(mde)
    if protocol.alternative == "greater":
        return abs(mde)
    return mde
