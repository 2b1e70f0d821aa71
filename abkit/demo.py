"""``abkit demo``: the whole story on synthetic recommender data, ending in one committee report.

1. Logged recommendations with propensities -> offline estimate of the candidate ranker's lift on clicks.
2. A protocol that registers CTR as the primary metric with an MDE of half the offline lift (offline estimates tend
   to overstate), sized from pre-experiment history with ``ab.design``.
3. A simulated online test of exactly that size, whose true CTR lift is 60% of the offline one.
4. The analysis of what was registered, daily monitoring, and the committee report with the offline prediction next
   to the online result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import abkit as ab
from abkit.metrics.diagnostics import weight_histogram

__all__ = ["run_demo"]

GENERATED_AT = "2026-12-07 09:00 UTC"  # fixed, so the demo writes the same bytes every run


def run_demo(out: Path, *, seed: int = 7, users: int | None = None, echo: Callable[[str], None] = print) -> Path:
    """Run the demo, write its files under ``out`` and return the path of the committee report.

    ``users`` overrides the designed size of the online test (for a quicker run).
    """
    out.mkdir(parents=True, exist_ok=True)

    echo("1. Offline: 500,000 logged recommendations from the production ranker; the candidate is ranker-v2.")
    logs = ab.datasets.make_bandit_logs(500_000, seed=seed, target_temperature=2.0)
    logs_path = out / "logs.parquet"
    logs.to_parquet(logs_path, index=False)
    off = ab.metrics.evaluate(logs_path, estimators=["ips", "snips", "capped_ips", "ncis", "dr"], cap=20)
    snips = off.table[off.table["estimator"] == "snips"].iloc[0].to_dict()
    echo(
        f"   SNIPS: click rate {snips['logged']:.4f} -> {snips['value']:.4f}, lift {snips['rel_lift']:+.2%} "
        f"[{snips['rel_lift_ci_low']:+.2%}, {snips['rel_lift_ci_high']:+.2%}]; call: {snips['call']}"
    )
    d = off.diagnostics.iloc[0]
    hist = weight_histogram(logs_path, min_weight=float(d["min_weight"]), max_weight=float(d["max_weight"]))
    off.to_html(out / "offline.html", histogram=hist, generated_at=GENERATED_AT)
    echo(f"   offline report: {out / 'offline.html'}")

    echo("2. Design: CTR is primary; the MDE is half the offline lift; variances come from last month's history.")
    mde = round(float(snips["rel_lift"]) / 2, 3)
    protocol = ab.Protocol(
        name="ranker-v2",
        hypothesis=(
            f"ranker-v2 raises click-through rate by at least {mde:.1%} (offline SNIPS estimate "
            f"{snips['rel_lift']:+.1%}) without slowing pages down."
        ),
        unit="user_id",
        variant="variant",
        control="control",
        arms={"control": 0.5, "treatment": 0.5},
        primary=(ab.Ratio("clicks", "displays", name="ctr"),),
        secondary=(ab.Mean("revenue", covariate="revenue_pre", name="revenue per user"), ab.Proportion("converted")),
        guardrails=(ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False, name="latency"), margin=0.02),),
        alpha=0.05,
        power=0.8,
        mde=mde,
        mde_relative=True,
        sequential={"looks": 4, "spending": "obrien-fleming", "sides": 2},
    )
    history = ab.datasets.make_experiment(100_000, arms={"control": 1.0}, seed=seed + 1, start="2026-10-01")
    history_path = out / "history.parquet"
    history.to_parquet(history_path, index=False)
    plan = ab.design(protocol, history=history_path, daily_units=3_000, designed_at=GENERATED_AT)
    protocol = plan.protocol
    protocol.save(out / "experiment.toml")
    plan.to_html(out / "design.html", generated_at=GENERATED_AT)
    echo(
        f"   {plan.units_per_arm:,} users per arm, {plan.total_units:,} in all, {plan.days} days at 3,000 a day "
        f"(group-sequential inflation included); protocol: {out / 'experiment.toml'}"
    )

    n = users or int(plan.total_units)
    days = max(int(plan.days or 14), 7)
    true_lift = 0.6 * float(snips["rel_lift"])
    echo(f"3. The online test: {n:,} users over {days} days; the true CTR lift is {true_lift:+.2%}.")
    data = ab.datasets.make_experiment(
        n, seed=seed, days=days, lift={"ctr": true_lift, "revenue": 0.01, "converted": 0.0, "latency_ms": 0.002}
    )
    data_path = out / "experiment.parquet"
    data.to_parquet(data_path, index=False)

    echo("4. The analysis of the registered plan, daily monitoring, and the committee report.")
    result = ab.analyze(data_path, protocol=protocol)
    timeline = ab.monitor(data_path, protocol)
    checks = ab.plan_checks(protocol, result, monitoring=timeline)
    report = out / "report.html"
    result.to_html(
        report,
        generated_at=GENERATED_AT,
        protocol=protocol,
        timeline=timeline,
        offline=off,
        plan_checks=checks,
        command=f"abkit demo --out {out.name} --seed {seed}",
    )
    echo(str(result))
    echo(f"   monitoring: {timeline.recommendation} ({timeline.period})")
    if not math.isnan(float(snips["rel_lift"])):
        row = result.table.iloc[0]
        echo(f"   offline predicted {snips['rel_lift']:+.2%}; online measured {row['rel_effect']:+.2%}")
    echo(f"Committee report: {report}")
    return report
