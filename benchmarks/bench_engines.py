"""Engines at scale: abkit's engines against the bare computation each one wraps, side by side.

Writes 50M rows x (user_id, variant, revenue, revenue_pre, orders, sessions) once to Parquet under benchmarks/data/
(gitignored; generated when absent, seeded), then runs every contender in its own subprocess (so peak RSS is its
own) and prints the median time of ``--repeats`` runs, peak RSS and the ratio to the bare computation:

- ``ab.analyze`` (Mean + Ratio + CUPED) on a pandas frame (numpy engine) vs one plain numpy pass with boolean masks
  per arm over the same columns (the frame is loaded before timing in both);
- ``ab.analyze`` on the Parquet path (DuckDB engine) vs the hand-written GROUP BY with SUMs it wraps;
- ``ab.analyze`` on a Spark DataFrame (local[2], warm session) vs hand-written Spark SQL (``--spark-rows`` rows);
- moments with a bucket bootstrap (B = 1,000 buckets) vs the plain moments pass, in memory and in DuckDB, on
  ``--bootstrap-rows`` rows, and the 1,000 replicates computed from the bucket moments.

Goals (issue 6): DuckDB within 1.2x of the bare query with peak RSS < 1 GB; in-memory within 2x of a numpy pass;
bucket bootstrap within 2x of the plain pass. Usage::

    python benchmarks/bench_engines.py [--rows 50000000] [--spark-rows 10000000] [--bootstrap-rows 10000000]
                                       [--repeats 3] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
COLS = ("revenue", "revenue_pre", "orders", "sessions")
PAIRS = [("revenue", "revenue"), ("revenue", "revenue_pre"), ("revenue_pre", "revenue_pre"), ("orders", "orders"),
         ("orders", "sessions"), ("sessions", "sessions")]  # fmt: skip
BARE_SQL = (
    "SELECT variant, COUNT(*), " + ", ".join(f"SUM({c})" for c in COLS) + ", "
    + ", ".join(f"SUM({a} * {b})" for a, b in PAIRS) + " FROM {src} GROUP BY variant"
)  # fmt: skip


def ensure_data(rows: int) -> Path:
    """The seeded benchmark table with ``rows`` rows, written in 5M-row chunks (low memory)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = DATA / f"engines_{rows}.parquet"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    schema = pa.schema([("user_id", pa.int64()), ("variant", pa.string())] + [(c, pa.float64()) for c in COLS])
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as w:
        for start in range(0, rows, 5_000_000):
            m = min(5_000_000, rows - start)
            treat = rng.random(m) < 0.5
            pre = rng.gamma(2.0, 5.0, m)
            sessions = 1.0 + rng.poisson(3.0, m)
            orders = rng.binomial(sessions.astype(np.int64), 0.1 + 0.01 * treat).astype(float)
            revenue = 0.6 * pre + orders * rng.gamma(2.0, 4.0, m) + 0.3 * treat
            ids = rng.permutation(m).astype(np.int64) + start
            t = pa.table([ids, np.where(treat, "treatment", "control"), revenue, pre, orders, sessions], schema=schema)
            w.write_table(t, row_group_size=1_000_000)
    tmp.rename(path)
    return path


def _metrics():
    import abkit as ab

    return [ab.Mean("revenue"), ab.Ratio("orders", "sessions", name="orders_per_session"),
            ab.Mean("revenue", covariate="revenue_pre", name="revenue_cuped")]  # fmt: skip


def _frame(path: str):
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()


def _peak_mb(pid: str) -> float:
    """Peak RSS (VmHWM) of a process; unlike ru_maxrss it does not inherit the parent's peak across fork/exec."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return float(line.split()[1]) / 1024
    return float("nan")


def _jvm_peak_mb() -> float:
    """Peak RSS (VmHWM) of this process's child processes (the Spark JVM)."""
    peak = 0.0
    me = str(os.getpid())
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and (p / "stat").read_text().split(") ")[1].split()[1] == me:
                peak = max(peak, _peak_mb(p.name))
        except (OSError, IndexError):
            continue
    return peak


def worker(name: str, path: str, repeats: int) -> dict:
    """Run one contender ``repeats`` times; its setup (loading a frame, starting Spark) is not timed."""
    setup = time.perf_counter()
    extra: dict = {}
    if name in ("numpy_pass", "abkit_memory"):
        df = _frame(path)
        if name == "numpy_pass":

            def run():
                arm = (df["variant"] == "treatment").to_numpy()
                cols = {c: df[c].to_numpy() for c in COLS}
                out = []
                for mask in (~arm, arm):
                    x = {c: v[mask] for c, v in cols.items()}
                    out.append([mask.sum()] + [x[c].sum() for c in COLS] + [x[a] @ x[b] for a, b in PAIRS])
                return out
        else:
            import abkit as ab

            def run():
                return ab.analyze(df, _metrics(), correction=None)
    elif name == "duckdb_bare":
        import duckdb

        def run():
            con = duckdb.connect(config={"memory_limit": "512MB", "threads": os.cpu_count() or 1})
            r = con.sql(BARE_SQL.format(src=f"read_parquet('{path}')")).fetchall()
            con.close()
            return r
    elif name == "abkit_duckdb":
        import abkit as ab

        def run():
            return ab.analyze(path, _metrics(), correction=None)
    elif name in ("spark_bare", "abkit_spark"):
        from pyspark.sql import SparkSession

        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        spark = (
            SparkSession.builder.master("local[2]").config("spark.driver.memory", "2g")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.warehouse.dir", str(DATA / "spark-warehouse")).getOrCreate()
        )  # fmt: skip
        spark.sparkContext.setLogLevel("ERROR")
        sdf = spark.read.parquet(path)
        sdf.createOrReplaceTempView("bench")
        extra["session_start_s"] = round(time.perf_counter() - setup, 1)
        first = time.perf_counter()
        spark.sql(BARE_SQL.format(src="bench")).collect()  # warm-up
        extra["first_query_s"] = round(time.perf_counter() - first, 1)
        if name == "spark_bare":

            def run():
                return spark.sql(BARE_SQL.format(src="bench")).collect()
        else:
            import abkit as ab

            def run():
                return ab.analyze(sdf, _metrics(), correction=None)
    elif name.startswith(("moments_", "buckets_")):
        from abkit.engines import MomentsRequest, compute_moments

        engine = name.split("_")[1]
        data = _frame(path) if engine == "memory" else path
        buckets = {"buckets": 1000, "unit": "user_id"} if name.startswith("buckets_") else {}
        request = MomentsRequest(columns=COLS, group="variant", pairs=tuple(PAIRS), **buckets)

        def run():
            return compute_moments(data, request)
    elif name == "replicates":
        from abkit.engines import MomentsRequest, compute_moments
        from abkit.engines.buckets import bootstrap_se

        req = MomentsRequest(columns=COLS, group="variant", pairs=tuple(PAIRS), buckets=1000, unit="user_id")
        m = compute_moments(path, req)

        def stat(r):
            return r.summary(1).mean_of("revenue") - r.summary(0).mean_of("revenue")

        def run():
            return bootstrap_se(m, stat, 1000, rng=1)
    else:
        raise SystemExit(f"unknown worker {name!r}")
    setup = time.perf_counter() - setup
    times = []
    if name in ("spark_bare", "abkit_spark"):
        repeats = max(repeats, 5)  # the JVM keeps compiling for a few runs
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    rss = _peak_mb("self")
    if name in ("spark_bare", "abkit_spark"):
        extra["jvm_peak_mb"] = round(_jvm_peak_mb())
    return {"median_s": statistics.median(times), "times": [round(x, 2) for x in times], "peak_rss_mb": round(rss),
            "setup_s": round(setup, 1), **extra}  # fmt: skip


def run_worker(name: str, path: Path, repeats: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    cmd = [sys.executable, str(Path(__file__)), "--worker", name, "--data", str(path), "--repeats", str(repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _machine() -> str:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gib = int(mem.split()[1]) / 2**20
    return f"{os.cpu_count()} cores, {gib:.0f} GiB RAM, load average {os.getloadavg()[0]:.1f} (1 min)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--spark-rows", type=int, default=10_000_000)
    ap.add_argument("--bootstrap-rows", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--worker")
    ap.add_argument("--data")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.repeats)))
        return
    big = ensure_data(args.rows)
    small = ensure_data(args.bootstrap_rows)
    spark_data = ensure_data(args.spark_rows)
    size = f"{big.stat().st_size / 2**20:.0f} MiB"
    print(f"machine: {_machine()}")
    print(f"data: {args.rows:,} rows x (user_id, variant, revenue, revenue_pre, orders, sessions), Parquet {size}")
    pairs = [
        ("in memory: ab.analyze(frame)", "abkit_memory", "numpy_pass", big, 2.0),
        ("DuckDB: ab.analyze(parquet)", "abkit_duckdb", "duckdb_bare", big, 1.2),
    ]
    if not args.no_spark:
        pairs.append((f"Spark local[2]: ab.analyze ({args.spark_rows:,} rows)", "abkit_spark", "spark_bare",
                      spark_data, None))  # fmt: skip
    pairs += [
        (f"buckets B=1000, memory ({args.bootstrap_rows:,} rows)", "buckets_memory", "moments_memory", small, 2.0),
        (f"buckets B=1000, DuckDB ({args.bootstrap_rows:,} rows)", "buckets_duckdb", "moments_duckdb", small, 2.0),
    ]
    header = f"{'contender':48} {'time':>7} {'bare':>7} {'ratio':>6} {'goal':>5} {'RSS MB':>7} {'bare RSS':>8}"
    print(header)
    print("-" * len(header))
    for label, mine, bare, path, goal in pairs:
        a, b = run_worker(mine, path, args.repeats), run_worker(bare, path, args.repeats)
        if "error" in a or "error" in b:
            print(f"{label:48} error: {a.get('error') or b.get('error')}")
            continue
        ratio = a["median_s"] / b["median_s"]
        met = "" if goal is None else ("ok" if ratio <= goal else "MISS")
        print(f"{label:48} {a['median_s']:7.2f} {b['median_s']:7.2f} {ratio:6.2f} {met:>5} {a['peak_rss_mb']:7d} "
              f"{b['peak_rss_mb']:8d}")  # fmt: skip
        if mine == "abkit_duckdb":
            print(f"{'':4}peak RSS goal < 1 GB: {'ok' if a['peak_rss_mb'] < 1024 else 'MISS'}")
        notes = {k: v for k, v in a.items() if k not in ("median_s", "peak_rss_mb")}
        print(f"{'':4}abkit {notes}; bare { ({k: v for k, v in b.items() if k not in ('median_s', 'peak_rss_mb')}) }")
    r = run_worker("replicates", small, args.repeats)
    print(f"1,000 bootstrap replicates from the bucket moments (bootstrap_se): {r.get('median_s', float('nan')):.2f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
