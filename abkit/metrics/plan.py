"""What one offline evaluation computes: candidates x estimators -> terms -> one moments request -> estimates.

:func:`make_plan` asks every estimator for its terms for every candidate (shared terms are computed once), adds the
terms of the logged value, of the diagnostics and of input validation, and :meth:`Plan.request` turns them into one
:class:`abkit.engines.MomentsRequest`. :meth:`Plan.estimates` then evaluates every estimator on every group of the
returned moments at once (a group is the whole log, or a seed of a simulation, or a day).

Examples
--------
>>> import pandas as pd
>>> from abkit.engines import compute_moments
>>> from abkit.metrics.delta import GroupMeans
>>> from abkit.metrics.estimators import get_estimator
>>> from abkit.metrics.logs import LogColumns, parse_candidates
>>> logs = pd.DataFrame({"reward": [1.0, 0.0, 1.0, 0.0], "propensity": [0.5] * 4,
...                      "target_propensity": [1.0, 0.0, 0.5, 0.5], "day": [1, 1, 2, 2]})
>>> plan = make_plan(parse_candidates(None, LogColumns()), [get_estimator("ips")], LogColumns())
>>> gm = GroupMeans.from_moments(compute_moments(logs, plan.request(by=("day",))))
>>> plan.estimates(gm)[["day", "estimator", "value"]].to_dict(orient="records")
[{'day': 1, 'estimator': 'ips', 'value': 1.0}, {'day': 2, 'estimator': 'ips', 'value': 0.5}]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from abkit.engines import MomentsRequest
from abkit.engines.expr import col
from abkit.errors import ParameterError
from abkit.metrics.bootstrap import BootstrapMeans, percentile_interval
from abkit.metrics.delta import GroupMeans
from abkit.metrics.lift import difference_columns, estimate_columns, z_value
from abkit.metrics.logs import Candidate, LogColumns
from abkit.metrics.terms import Estimator, Program, Roles, Terms
from abkit.metrics.weights import capped, capped_share

__all__ = ["Plan", "make_plan"]


@dataclass
class Plan:
    """Terms and programs of an evaluation (see :func:`make_plan`)."""

    candidates: list[Candidate]
    estimators: list[Estimator]
    roles: dict[str, Roles]
    terms: Terms
    programs: dict[tuple[str, str], Program]
    reward: str
    weight: dict[str, str]
    cap: float | None
    capped_weight: dict[str, str] = field(default_factory=dict)
    capped_rows: dict[str, str] = field(default_factory=dict)
    bad: dict[str, str] = field(default_factory=dict)

    def request(
        self, *, by: Sequence[str] = (), buckets: int | None = None, unit: str | None = None, seed: int = 0
    ) -> MomentsRequest:
        """One request for every term (all cross-products: estimators and lifts are compared on the same rows)."""
        return MomentsRequest(
            columns=tuple(self.terms.exprs),
            by=tuple(by),
            derived=dict(self.terms.exprs),
            extremes=True,
            buckets=buckets,
            unit=unit,
            seed=seed,
        )

    def run_checks(self, gm: GroupMeans) -> None:
        """Every estimator's checks (errors for unusable input, warnings for degenerate estimates)."""
        for program in self.programs.values():
            for check in program.checks:
                check(gm)

    def estimates(
        self,
        gm: GroupMeans,
        *,
        confidence_level: float = 0.95,
        boot: BootstrapMeans | None = None,
        reward_bound: float | None = None,
    ) -> pd.DataFrame:
        """One row per group, candidate and estimator: value with its interval, and lift over the logged value."""
        z = z_value(confidence_level)
        duals = gm.duals()
        logged = duals[self.reward]
        frames = []
        for cand in self.candidates:
            for est in self.estimators:
                program = self.programs[(cand.name, est.key)]
                d = program.value(duals)
                cols: dict[str, object] = {k: gm.keys[k].to_numpy() for k in gm.keys.columns}
                cols.update(candidate=cand.name, estimator=est.key)
                cols.update(estimate_columns(d, gm, z))
                cols["logged"] = logged.value
                cols.update(difference_columns(d, logged, gm, z, "lift"))
                cols["bias_bound"] = self._bias_bound(gm, cand.name, program, reward_bound)
                cols["method"] = program.method
                cols["n"] = gm.n.astype(np.int64)
                if boot is not None:
                    cols.update(self._boot_columns(boot, program, confidence_level))
                frames.append(pd.DataFrame(cols, index=range(len(gm))))
        return pd.concat(frames, ignore_index=True)

    def comparisons(self, gm: GroupMeans, *, confidence_level: float = 0.95) -> pd.DataFrame:
        """Every pair of candidates (later minus earlier) under every estimator, with paired intervals."""
        z = z_value(confidence_level)
        duals = gm.duals()
        frames = []
        for i, control in enumerate(self.candidates):
            for treatment in self.candidates[i + 1 :]:
                for est in self.estimators:
                    dc = self.programs[(control.name, est.key)].value(duals)
                    dt = self.programs[(treatment.name, est.key)].value(duals)
                    cols: dict[str, object] = {k: gm.keys[k].to_numpy() for k in gm.keys.columns}
                    cols.update(estimator=est.key, control=control.name, treatment=treatment.name)
                    cols.update(control_value=dc.value, treatment_value=dt.value)
                    cols.update(difference_columns(dt, dc, gm, z, "effect"))
                    frames.append(pd.DataFrame(cols, index=range(len(gm))))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _bias_bound(self, gm: GroupMeans, cand: str, program: Program, reward_bound: float | None) -> np.ndarray:
        if program.capped_weight is None or reward_bound is None:
            return np.full(len(gm), np.nan)
        w, wc = gm.mean[:, gm.index(self.weight[cand])], gm.mean[:, gm.index(program.capped_weight)]
        return reward_bound * (w - wc)

    def _boot_columns(self, boot: BootstrapMeans, program: Program, cl: float) -> dict[str, object]:
        with np.errstate(all="ignore"):
            v = np.asarray(program.value(boot.means), dtype=float)
            lift = v - boot.means[self.reward]
        se, lo, hi = percentile_interval(v, cl)
        _, llo, lhi = percentile_interval(lift, cl)
        return {"boot_se": se, "boot_ci_low": lo, "boot_ci_high": hi, "boot_lift_ci_low": llo,
                "boot_lift_ci_high": lhi}  # fmt: skip


def make_plan(
    candidates: Sequence[Candidate],
    estimators: Sequence[Estimator],
    columns: LogColumns,
    *,
    cap: float | None = None,
    context_range: tuple[float, float] | None = None,
) -> Plan:
    """Build the terms and programs of ``estimators`` for each of ``candidates``."""
    keys = [e.key for e in estimators]
    if len(set(keys)) != len(keys):
        raise ParameterError(f"The 'estimators' parameter of evaluate has duplicates: {keys}.")
    terms = Terms()
    reward = terms.add(col(columns.reward))
    p = col(columns.propensity)
    bad = {"propensity": terms.add(p.le(0.0) + p.gt(1.0))}
    roles: dict[str, Roles] = {}
    programs: dict[tuple[str, str], Program] = {}
    weight, capped_weight, capped_rows = {}, {}, {}
    for cand in candidates:
        names = {"reward": columns.reward, "propensity": columns.propensity, "target": cand.target_propensity}
        r = Roles(
            reward=col(columns.reward),
            propensity=p,
            target=col(cand.target_propensity),
            q_hat=col(columns.q_hat),
            v_hat=col(cand.v_hat) if cand.v_hat else None,
            context_value=col(columns.context_value),
            normaliser=col(cand.normaliser) if cand.normaliser else None,
            cap=cap,
            context_range=context_range,
            names=names,
        )
        roles[cand.name] = r
        t = r.target
        bad[cand.name] = terms.add(t.lt(0.0) + t.gt(1.0))
        weight[cand.name] = terms.add(r.w)
        if cap is not None:
            capped_weight[cand.name] = terms.add(capped(r.w, cap, "max"))
            capped_rows[cand.name] = terms.add(capped_share(r.w, cap))
        for est in estimators:
            programs[(cand.name, est.key)] = est.build(r, terms)
    return Plan(
        candidates=list(candidates),
        estimators=list(estimators),
        roles=roles,
        terms=terms,
        programs=programs,
        reward=reward,
        weight=weight,
        cap=cap,
        capped_weight=capped_weight,
        capped_rows=capped_rows,
        bad=bad,
    )
