"""Assignment of 10M unit ids: abkit's vectorised MurmurHash3 against the usual per-id Python loops.

Run: ``python benchmarks/bench_assign.py [--n 10000000] [--loop-n 200000] [--repeat 3]``

The per-id loops (hashlib.md5, and mmh3 when installed) are timed on ``--loop-n`` ids and extrapolated linearly to
``--n``; abkit runs on all ``--n`` ids (median of ``--repeat`` runs). Building the input ids is not timed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from abkit.protocols.assignment import assign, split_ranges

SALT = "exp-42"
SPLIT = [50, 50]


def _median_time(func: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is less sensitive to other processes on a busy machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def md5_loop(ids: Any) -> list[str]:
    """The common hand-written assignment: first 32 bits of md5(salt:id) against the split."""
    high = split_ranges(SPLIT)["control"][1]
    return [
        "control" if int(hashlib.md5(f"{SALT}:{uid}".encode()).hexdigest()[:8], 16) < high else "treatment"
        for uid in ids
    ]


def mmh3_loop(ids: Any) -> list[str]:
    import mmh3

    high = split_ranges(SPLIT)["control"][1]
    return ["control" if mmh3.hash(f"{SALT}:{uid}", 0, signed=False) < high else "treatment" for uid in ids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--loop-n", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, loop_n = args.n, args.loop_n
    try:
        import mmh3  # noqa: F401

        has_mmh3 = True
    except ImportError:
        has_mmh3 = False

    int_ids = np.arange(n, dtype=np.int64)
    str_series = pd.Series([f"user_{i}" for i in range(n)])
    str_object = str_series.to_numpy(dtype=object)
    inputs = {
        f"str, pandas Series ({str_series.dtype})": str_series,
        "str, numpy object array": str_object,
        "int, numpy int64 array": int_ids,
    }

    # The loops and abkit agree (on the loop sample) before anything is timed.
    sample = str_object[:loop_n]
    if has_mmh3:
        assert mmh3_loop(sample) == assign(sample, salt=SALT, split=SPLIT).tolist()

    print(f"assign {n:,} ids, salt={SALT!r}, split={SPLIT}; per-id loops timed on {loop_n:,} ids and extrapolated")
    header = f"{'input':<40}{'way':<24}{'wall s':>9}{'cpu s':>9}{'wall vs abkit':>15}{'cpu vs abkit':>14}"
    print(header)
    print("-" * len(header))
    for label, ids in inputs.items():
        wall, cpu = _median_time(lambda ids=ids: assign(ids, salt=SALT, split=SPLIT), args.repeat)
        rows = [("abkit assign", wall, cpu)]
        sub = ids[:loop_n]
        loops = [("hashlib.md5 per id", md5_loop)] + ([("mmh3.hash per id", mmh3_loop)] if has_mmh3 else [])
        for way, loop in loops:
            loop_wall, loop_cpu = _median_time(lambda sub=sub, loop=loop: loop(sub), 1)
            rows.append((way, loop_wall * n / loop_n, loop_cpu * n / loop_n))
        for way, w, c in rows:
            print(f"{label:<40}{way:<24}{w:>9.2f}{c:>9.2f}{w / wall:>14.1f}x{c / cpu:>13.1f}x")
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak RSS of this process (inputs included): {peak_gb:.2f} GB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
