"""``abkit demo``: the whole story on synthetic recommender data, ending in a committee report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import abkit as ab

__all__ = ["run_demo"]


def run_demo(out: Path, *, seed: int = 7, users: int = 200_000, echo: Callable[[str], None] = print) -> Path:
    """Run the demo, write its files under ``out`` and return the path of the report (or of the table)."""
    out.mkdir(parents=True, exist_ok=True)
    echo(f"1. A simulated online test: {users:,} users, two arms, 14 days.")
    data = ab.datasets.make_experiment(users, seed=seed)
    data_path = out / "experiment.parquet"
    data.to_parquet(data_path, index=False)
    echo(f"   data: {data_path}")
    echo("2. The analysis.")
    result = ab.analyze(
        data_path,
        [
            ab.Mean("revenue", covariate="revenue_pre", name="revenue per user"),
            ab.Ratio("clicks", "displays", name="ctr"),
        ],
        secondary=[ab.Proportion("converted"), ab.Mean("orders")],
        guardrails=[ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False), margin=0.02)],
        unit="user_id",
        name="recommender-v2",
    )
    echo(str(result))
    table_path = out / "analysis.csv"
    result.table.to_csv(table_path, index=False)
    echo(f"   table: {table_path}")
    return table_path
