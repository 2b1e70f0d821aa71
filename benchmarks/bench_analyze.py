"""Live-analysis benchmark: ``ab.analyze`` against tea-tasting 2.0 and a plain numpy pass, on the same frame.

10M units (``--n``), two arms, a pandas DataFrame with ``variant`` (pandas' string dtype, then categorical),
``revenue``, ``revenue_pre`` (float64), ``orders``, ``sessions`` (int64). Analyses: Mean(revenue),
Ratio(orders/sessions) and Mean(revenue, covariate=revenue_pre) (CUPED).

Every measurement runs in a fresh subprocess that reads the frame from a Parquet file in ``benchmarks/data/``
(gitignored), imports its library, records its resident memory, resets the high-water mark
(``/proc/self/clear_refs``), runs the analysis ``--repeats`` times and reports the median time and the peak extra
memory (VmHWM minus the RSS before the first call). A last, untimed call runs under ``tracemalloc`` (numpy and
Python allocations; Arrow's own allocator is not traced). tea-tasting needs Python >= 3.12, so it runs with another
interpreter (``--tt-python``, default ``/work/venv-tt/bin/python``); the same file serves as its worker, which is why
this module imports only the standard library at the top.

Lower bounds: one numpy pass with a boolean mask per arm (masks built from the variant column inside the timing),
and a pass over columns already sorted by arm (the sort is not timed). Both compute the count, the 4 sums and the 6
products the three metrics need, per arm.

Run from the repository root::

    .venv/bin/python benchmarks/bench_analyze.py            # 10M units, 5 repeats (3 for tea-tasting)
    .venv/bin/python benchmarks/bench_analyze.py --n 1000000 --repeats 3 --no-tt
    .venv/bin/python benchmarks/bench_analyze.py --profile  # where abkit's time goes (cProfile, string variant)

Set up tea-tasting once (any Python >= 3.12)::

    python3.12 -m venv /work/venv-tt && /work/venv-tt/bin/pip install tea-tasting pandas numpy pyarrow
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_DIR = HERE / "data"
DEFAULT_TT_PYTHON = "/work/venv-tt/bin/python"
COLUMNS = ("revenue", "revenue_pre", "orders", "sessions")
FIELDS = ("control", "treatment", "effect", "ci_low", "ci_high", "pvalue", "rel_effect", "rel_ci_low", "rel_ci_high")
METRICS = ("revenue", "orders_per_session", "revenue_cuped")
MB = 1024 * 1024
NOTE = """  (relative CIs: abkit with rel_method='log', as tea-tasting. By definition: abkit's Ratio uses z,
   tea-tasting t with Welch df; for CUPED abkit reports the observed control mean and control + effect,
   tea-tasting the adjusted means, so control, treatment and the relative figures differ there.)"""


# ----------------------------------------------------------------------------------------------------------- data


def make_frame(n: int, seed: int) -> Any:
    """A seeded unit-level experiment: small true lifts so that p-values are moderate, not 0."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    treated = rng.random(n) < 0.5
    activity = rng.gamma(shape=1.2, scale=1.0, size=n)
    sessions = 1 + rng.poisson(3.0 * activity)
    p_conv = np.clip(0.03 * (0.5 + 0.5 * activity), 0, 0.9)
    converted = rng.random(n) < p_conv
    orders = converted * (1 + rng.poisson(0.3 * activity * np.where(treated, 1.01, 1.0)))
    revenue_pre = rng.poisson(0.6 * activity) * rng.lognormal(3.5, 0.9, size=n)
    revenue = (0.5 * revenue_pre + orders * rng.lognormal(3.5, 0.9, size=n)) * np.where(treated, 1.003, 1.0)
    return pd.DataFrame(
        {
            "variant": np.where(treated, "treatment", "control").astype(object),
            "revenue": np.round(revenue, 2),
            "revenue_pre": np.round(revenue_pre, 2),
            "orders": orders.astype(np.int64),
            "sessions": sessions.astype(np.int64),
        }
    )


def data_path(n: int, seed: int) -> Path:
    return DATA_DIR / f"analyze_n{n}_seed{seed}.parquet"


def ensure_data(n: int, seed: int) -> Path:
    path = data_path(n, seed)
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        frame = make_frame(n, seed)
        tmp = path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.rename(path)
        print(f"wrote {path.relative_to(ROOT)} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return path


def load_frame(path: str, variant_dtype: str) -> Any:
    import pandas as pd

    df = pd.read_parquet(path)
    if variant_dtype == "category":
        df["variant"] = df["variant"].astype("category")
    return df


# ------------------------------------------------------------------------------------------------ measuring


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) * 1024
    return out


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _release_free_memory() -> None:
    """Hand memory freed earlier (Arrow's pool, glibc's heap) back to the OS, so reused pages do not hide a peak."""
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measure(fn: Any, repeats: int) -> dict[str, Any]:
    """Times of ``repeats`` calls, their peak RSS above the level before the first one, and a tracemalloc peak."""
    _release_free_memory()
    before = _status()["VmRSS"]
    resettable = _reset_peak()
    times, cpu = [], []
    out = None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        del out
        gc.collect()
    hwm = _status()["VmHWM"]
    tracemalloc.start()
    out = fn()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "times": times,
        "median": statistics.median(times),
        "min": min(times),
        "cpu": statistics.median(cpu),
        "rss_extra": hwm - before if resettable else None,
        "traced_peak": traced,
        "last": out,
    }


def frame_bytes(df: Any) -> int:
    return int(df.memory_usage(deep=True, index=False).sum())


# ---------------------------------------------------------------------------------------------------- workers


def worker_abkit(path: str, variant_dtype: str, repeats: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import abkit as ab

    df = load_frame(path, variant_dtype)
    metrics = [
        ab.Mean("revenue"),
        ab.Ratio("orders", "sessions", name="orders_per_session"),
        ab.Mean("revenue", covariate="revenue_pre", name="revenue_cuped"),
    ]

    def run() -> Any:
        return ab.analyze(df, metrics, variant="variant", control="control")

    m = measure(run, repeats)
    table = m.pop("last").table.set_index("metric")
    log_table = ab.analyze(df, metrics, variant="variant", control="control", rel_method="log").table
    log_table = log_table.set_index("metric")
    values = {}
    for name in METRICS:
        row = {f: float(table.loc[name, f]) for f in FIELDS}
        for f in ("rel_ci_low", "rel_ci_high"):  # tea-tasting's relative intervals are on the log scale
            row[f] = float(log_table.loc[name, f])
        values[name] = row
    return {**m, "frame_bytes": frame_bytes(df), "values": values, "version": ab.__version__}


def worker_tt(path: str, variant_dtype: str, repeats: int) -> dict[str, Any]:
    import tea_tasting as tt

    df = load_frame(path, variant_dtype)
    experiment = tt.Experiment(
        revenue=tt.Mean("revenue"),
        orders_per_session=tt.RatioOfMeans("orders", "sessions"),
        revenue_cuped=tt.Mean("revenue", covariate="revenue_pre"),
    )

    def run() -> Any:
        return experiment.analyze(df, control="control")

    m = measure(run, repeats)
    res = m.pop("last")
    names = {
        "control": "control", "treatment": "treatment", "effect": "effect_size", "ci_low": "effect_size_ci_lower",
        "ci_high": "effect_size_ci_upper", "pvalue": "pvalue", "rel_effect": "rel_effect_size",
        "rel_ci_low": "rel_effect_size_ci_lower", "rel_ci_high": "rel_effect_size_ci_upper",
    }  # fmt: skip
    values = {name: {f: float(getattr(res[name], names[f])) for f in FIELDS} for name in METRICS}
    return {**m, "frame_bytes": frame_bytes(df), "values": values, "version": tt.__version__}


def _sums(arrays: dict[str, Any], take: Any) -> Any:
    """n, the 4 sums and the 6 products of one arm; ``take`` maps a full column to this arm's part."""
    import numpy as np

    r, x, o, s = (np.asarray(take(arrays[c]), dtype=np.float64) for c in COLUMNS)
    return np.array(
        [len(r), r.sum(), x.sum(), o.sum(), s.sum(), r @ r, x @ x, r @ x, o @ o, s @ s, o @ s]
    )  # fmt: skip


def worker_numpy(path: str, variant_dtype: str, repeats: int) -> dict[str, Any]:
    import numpy as np

    df = load_frame(path, variant_dtype)
    arrays = {c: df[c].to_numpy() for c in COLUMNS}

    def masks() -> Any:
        is_control = (df["variant"] == "control").to_numpy(dtype=bool)
        return [_sums(arrays, lambda a, m=m: a[m]) for m in (is_control, ~is_control)]

    order = np.argsort((df["variant"] != "control").to_numpy(), kind="stable")
    cut = int((df["variant"] == "control").sum())
    ordered = {c: np.ascontiguousarray(a[order]) for c, a in arrays.items()}
    del order

    def pre_sorted() -> Any:
        return [_sums(ordered, lambda a: a[:cut]), _sums(ordered, lambda a: a[cut:])]

    out = {"masks": measure(masks, repeats), "sorted": measure(pre_sorted, repeats)}
    sums = out["masks"].pop("last")
    out["sorted"].pop("last")
    # the per-arm means of the Mean and Ratio metrics, to check against abkit's
    values = {
        "revenue": {"control": sums[0][1] / sums[0][0], "treatment": sums[1][1] / sums[1][0]},
        "orders_per_session": {"control": sums[0][3] / sums[0][4], "treatment": sums[1][3] / sums[1][4]},
    }
    return {**out, "frame_bytes": frame_bytes(df), "values": values}


def worker_profile(path: str, variant_dtype: str) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    import abkit as ab

    df = load_frame(path, variant_dtype)
    metrics = [
        ab.Mean("revenue"),
        ab.Ratio("orders", "sessions", name="orders_per_session"),
        ab.Mean("revenue", covariate="revenue_pre", name="revenue_cuped"),
    ]
    ab.analyze(df, metrics, variant="variant", control="control")
    prof = cProfile.Profile()
    prof.enable()
    ab.analyze(df, metrics, variant="variant", control="control")
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


WORKERS = {"abkit": worker_abkit, "tt": worker_tt, "numpy": worker_numpy}


def run_worker(python: str, way: str, path: Path, variant_dtype: str, repeats: int) -> dict[str, Any]:
    cmd = [python, str(Path(__file__).resolve()), "--worker", way, "--data", str(path)]
    cmd += ["--variant-dtype", variant_dtype, "--repeats", str(repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {way} ({variant_dtype}) failed:\n{proc.stderr[-4000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


# ------------------------------------------------------------------------------------------------- reporting


def rel_diff(a: float, b: float) -> float:
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def _mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x / MB:,.0f}"


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _ratio_lines(results: dict[tuple[str, str], Any], dtypes: list[str], key: str) -> list[tuple[str, list[Any]]]:
    ab_t = {d: results[("abkit", d)][key] for d in dtypes}
    tt_t = {d: results[("tt", d)][key] if ("tt", d) in results else None for d in dtypes}
    np_m = {d: results[("numpy", d)]["masks"][key] for d in dtypes}
    np_s = {d: results[("numpy", d)]["sorted"][key] for d in dtypes}
    what = {"median": "time", "min": "best time", "cpu": "CPU time"}[key]
    return [
        (f"tea-tasting / abkit {what} (>= 5)", [None if tt_t[d] is None else tt_t[d] / ab_t[d] for d in dtypes]),
        (f"abkit / numpy masks pass {what} (<= 2)", [ab_t[d] / np_m[d] for d in dtypes]),
        (f"abkit / numpy pre-sorted pass {what}", [ab_t[d] / np_s[d] for d in dtypes]),
    ]


def report(n: int, repeats: int, tt_repeats: int, results: dict[tuple[str, str], Any], load: tuple[str, str]) -> None:
    import numpy as np
    import pandas as pd

    dtypes = sorted({d for _, d in results}, key=["str", "category"].index)
    first = results[("abkit", dtypes[0])]
    tt_ver = next((r["version"] for (w, _), r in results.items() if w == "tt"), None)
    print(f"abkit live-analysis benchmark: {n:,} units, 2 arms; Mean(revenue) + Ratio(orders/sessions) + "
          "Mean(revenue, covariate=revenue_pre)")  # fmt: skip
    print(f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, abkit "
          f"{first['version']}; tea-tasting {tt_ver or 'not run'}; {os.cpu_count()} cores; median of {repeats} "
          f"runs ({tt_repeats} for tea-tasting); load average before {load[0]}, after {load[1]}")  # fmt: skip
    for d in dtypes:
        print(f"frame (variant {d}): {results[('abkit', d)]['frame_bytes'] / MB:,.0f} MB (memory_usage deep)")
    print()
    head = (f"{'variant':<9} {'way':<30} {'median s':>8} {'min s':>7} {'cpu s':>7}  {'runs s':<28} "
            f"{'peak extra RSS MB':>17} {'tracemalloc MB':>14}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for d in dtypes:
        rows = [("abkit analyze", results[("abkit", d)])]
        if ("tt", d) in results:
            rows.append(("tea-tasting 2.0", results[("tt", d)]))
        rows.append(("numpy pass, boolean masks", results[("numpy", d)]["masks"]))
        rows.append(("numpy pass, pre-sorted by arm", results[("numpy", d)]["sorted"]))
        for label, r in rows:
            runs = " ".join(f"{t:.3g}" for t in r["times"])
            print(f"{d:<9} {label:<30} {r['median']:>8.3f} {r['min']:>7.3f} {r['cpu']:>7.3f}  {runs:<28} "
                  f"{_mb(r['rss_extra']):>17} {_mb(r['traced_peak']):>14}")  # fmt: skip
    print()
    print(f"{'ratio (goal)':<46}" + "".join(f"{d:>10}" for d in dtypes))
    lines = [x for key in ("median", "min", "cpu") for x in _ratio_lines(results, dtypes, key)]
    fb = {d: results[("abkit", d)]["frame_bytes"] for d in dtypes}
    rss = {d: results[("abkit", d)]["rss_extra"] for d in dtypes}
    lines.append(
        ("abkit peak extra RSS / frame (<= 0.5)", [None if rss[d] is None else rss[d] / fb[d] for d in dtypes])
    )
    lines.append(
        ("abkit tracemalloc peak / frame (<= 0.5)", [results[("abkit", d)]["traced_peak"] / fb[d] for d in dtypes])
    )
    for label, vals in lines:
        print(f"{label:<46}" + "".join(f"{'n/a' if v is None else f'{v:.2f}':>10}" for v in vals))

    for d in dtypes:
        if ("tt", d) not in results:
            continue
        a, t = results[("abkit", d)]["values"], results[("tt", d)]["values"]
        print()
        print(f"agreement, tea-tasting vs abkit (variant {d}): relative difference |a - t| / max(|a|, |t|)")
        print(f"  {'metric':<19}" + "".join(f"{f:>12}" for f in FIELDS))
        for m in METRICS:
            print(f"  {m:<19}" + "".join(f"{rel_diff(a[m][f], t[m][f]):>12.1e}" for f in FIELDS))
    print(NOTE)
    for d in dtypes:
        a, v = results[("abkit", d)]["values"], results[("numpy", d)]["values"]
        worst = max(rel_diff(a[m][f], v[m][f]) for m in v for f in ("control", "treatment"))
        print(f"agreement, numpy pass vs abkit (variant {d}): arm means of revenue and orders/sessions, "
              f"max relative difference {worst:.1e}")  # fmt: skip
    print()
    a = results[("abkit", dtypes[0])]["values"]
    print(f"abkit's results (variant {dtypes[0]}):")
    for m in METRICS:
        r = a[m]
        print(f"  {m:<19} effect {r['effect']:+.5g} [{r['ci_low']:+.5g}, {r['ci_high']:+.5g}]  "
              f"rel {r['rel_effect']:+.3%}  p = {r['pvalue']:.3g}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=10_000_000, help="units (rows)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=5, help="timed runs for abkit and numpy (median reported)")
    p.add_argument("--tt-repeats", type=int, default=3, help="timed runs for tea-tasting")
    p.add_argument("--tt-python", default=os.environ.get("ABKIT_TT_PYTHON", DEFAULT_TT_PYTHON),
                   help="a Python >= 3.12 with tea-tasting, pandas, numpy, pyarrow")  # fmt: skip
    p.add_argument("--no-tt", action="store_true", help="skip tea-tasting")
    p.add_argument("--variant-dtypes", default="str,category", help="comma-separated: str, category")
    p.add_argument("--profile", action="store_true", help="cProfile one abkit call (string variant) and exit")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--variant-dtype", default="str", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.worker:
        out = WORKERS[args.worker](args.data, args.variant_dtype, args.repeats)
        print("RESULT " + json.dumps(_jsonable(out)))
        return
    path = ensure_data(args.n, args.seed)
    if args.profile:
        worker_profile(str(path), "str")
        return
    tt_python = None if args.no_tt else args.tt_python
    if tt_python is not None and not Path(tt_python).exists():
        print(f"tea-tasting skipped: {tt_python} not found (see the module docstring to set it up)", file=sys.stderr)
        tt_python = None
    results: dict[tuple[str, str], Any] = {}
    load_before = _load()
    for d in args.variant_dtypes.split(","):
        for way, python, reps in (
            ("abkit", sys.executable, args.repeats),
            ("numpy", sys.executable, args.repeats),
            ("tt", tt_python, args.tt_repeats),
        ):
            if python is None:
                continue
            print(f"running {way} (variant {d}) ...", file=sys.stderr)
            results[(way, d)] = run_worker(python, way, path, d, reps)
    report(args.n, args.repeats, args.tt_repeats, results, (load_before, _load()))


if __name__ == "__main__":
    main()
