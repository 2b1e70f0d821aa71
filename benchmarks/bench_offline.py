"""Offline evaluation at scale: abkit against Open Bandit Pipeline 0.5.7 on the same 10M logged rows.

What runs: IPS, SNIPS, capped IPS, NCIS and DR, each with a 95% interval, on one synthetic log (softmax logging policy,
a sharper candidate, Bernoulli rewards, a misspecified reward model; ``abkit.metrics.synthetic.bandit_world``).

- abkit: ``abkit.metrics.evaluate(logs, estimators=[...], cap=CAP, cap_grid=None)`` on the long form (5 float64
  columns), all estimators and their intervals (CLT / delta method) from one pass of moments. Timed end to end;
  peak extra memory measured with ``tracemalloc`` (numpy allocations are traced) against the bytes of the input
  columns. Run once more with the cap sensitivity table (one more pass) for reference.
- obp: ``InverseProbabilityWeighting``, ``SelfNormalizedInverseProbabilityWeighting``,
  ``InverseProbabilityWeighting(lambda_=CAP)`` (obp's capped IPS is max-capping, as abkit's) and ``DoublyRobust``,
  each with ``estimate_policy_value`` and ``estimate_interval``, on the dense layout obp expects
  (``action_dist`` and ``estimated_rewards_by_reg_model`` of shape (n, n_actions, 1)). obp has no NCIS: its column
  shows a numpy reference ``sum(min(w, c) r) / sum(min(w, c))`` computed in the same process. obp's interval is a
  bootstrap of row means (``n_bootstrap_samples=10000`` by default, one resample of all rows each); at 10M rows that
  takes hours, so the benchmark times ``--obp-boot`` replicates and extrapolates linearly to 10,000 (said in the
  output).

obp declares Python < 3.11 and pins old packages; it runs here in its own venv, in a subprocess, on the same arrays
(saved as .npy in a temporary folder)::

    python3.11 -m venv /work/venv-obp
    /work/venv-obp/bin/pip install --no-deps --ignore-requires-python obp==0.5.7
    /work/venv-obp/bin/pip install numpy==1.23.5 scipy==1.9.3 scikit-learn==1.1.3 pandas==1.5.2 \\
        matplotlib==3.6.3 seaborn==0.11.2 tqdm pyyaml

torch (an obp requirement) is not installed: obp's ``__init__`` imports its policy-learning modules, which need it,
but the OPE estimators do not. The subprocess loads ``obp.ope`` without running ``obp/__init__`` and with a stub
``torch`` module (``obp.utils`` names ``torch.Tensor`` in an annotation only).

Usage: ``python benchmarks/bench_offline.py [--n 10000000] [--obp-python /work/venv-obp/bin/python]``.
BLAS is pinned to one thread (``OPENBLAS_NUM_THREADS=1``) before numpy loads: on this 2-core machine, shared with
other jobs, OpenBLAS threads made the engine's small matrix products 10-100x slower.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from abkit.metrics import evaluate
from abkit.metrics.synthetic import bandit_world

CAP = 20.0
ESTIMATORS = ["ips", "snips", "capped_ips", "ncis", "dr"]

OBP_SCRIPT = r"""
import importlib.util, json, sys, time, types
import numpy as np
torch = types.ModuleType("torch"); torch.tensor = torch.Tensor = object; sys.modules["torch"] = torch
spec = importlib.util.find_spec("obp")
pkg = types.ModuleType("obp"); pkg.__path__ = list(spec.submodule_search_locations); sys.modules["obp"] = pkg
from obp.ope import DoublyRobust, InverseProbabilityWeighting, SelfNormalizedInverseProbabilityWeighting
from obp.utils import estimate_confidence_interval_by_bootstrap

folder, cap, boot = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
a = {k: np.load(f"{folder}/{k}.npy") for k in ("ctx", "action", "reward", "pscore", "target", "q")}
t0 = time.perf_counter()
action_dist = a["target"][a["ctx"]][:, :, None]
q = a["q"][a["ctx"]][:, :, None]
prep = time.perf_counter() - t0
kw = dict(reward=a["reward"], action=a["action"], pscore=a["pscore"], action_dist=action_dist)
out = {"prep_seconds": prep, "estimators": {}}
t = time.perf_counter()  # one bootstrap replicate of obp's interval: a resample of all n round rewards
estimate_confidence_interval_by_bootstrap(a["reward"], n_bootstrap_samples=boot, random_state=0)
per_rep = (time.perf_counter() - t) / boot
out["seconds_per_replicate"] = per_rep
for name, est, extra in [
    ("ips", InverseProbabilityWeighting(), {}),
    ("snips", SelfNormalizedInverseProbabilityWeighting(), {}),
    ("capped_ips", InverseProbabilityWeighting(lambda_=cap), {}),
    ("dr", DoublyRobust(), {"estimated_rewards_by_reg_model": q}),
]:
    t = time.perf_counter(); value = est.estimate_policy_value(**kw, **extra); t_value = time.perf_counter() - t
    t = time.perf_counter()
    ci = est.estimate_interval(**kw, **extra, n_bootstrap_samples=boot, random_state=0)
    t_boot = time.perf_counter() - t
    out["estimators"][name] = {"value": float(value), "value_seconds": t_value, "interval_seconds_measured": t_boot,
                               "interval_seconds_10000": t_boot + (10000 - boot) * per_rep,
                               "ci": [float(v) for v in ci.values()]}
t = time.perf_counter()
w = a["target"][a["ctx"], a["action"]] / a["pscore"]
wc = np.minimum(w, cap)
ncis = float(np.sum(wc * a["reward"]) / np.sum(wc))
out["estimators"]["ncis"] = {"value": ncis, "value_seconds": time.perf_counter() - t, "reference": "numpy"}
print(json.dumps(out))
"""


def make_data(n: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Arrays of a synthetic log from the heavy-weighted world of make_bandit_logs (same world, ``n`` rows)."""
    world = bandit_world(10)
    rng = np.random.default_rng(seed)
    ctx = rng.choice(len(world["p_context"]), size=n, p=world["p_context"])
    cum = np.cumsum(world["logging"], axis=1)
    u = rng.random(n)
    action = np.zeros(n, dtype=np.int64)
    for k in range(cum.shape[1] - 1):  # inverse-CDF sampling without an (n, actions) temporary
        action += u > cum[ctx, k]
    reward = (rng.random(n) < world["mu"][ctx, action]).astype(np.float64)
    arrays = {"ctx": ctx, "action": action, "reward": reward, "pscore": world["logging"][ctx, action]}
    return arrays, world


def long_form(a: dict[str, np.ndarray], world: dict[str, np.ndarray]) -> pd.DataFrame:
    v = np.einsum("ca,ca->c", world["target"], world["q"])
    return pd.DataFrame(
        {
            "reward": a["reward"],
            "propensity": a["pscore"],
            "target_propensity": world["target"][a["ctx"], a["action"]],
            "q_hat": world["q"][a["ctx"], a["action"]],
            "v_hat": v[a["ctx"]],
        }
    )


def run_abkit(logs: pd.DataFrame, **kw: object) -> tuple[float, float, pd.DataFrame]:
    tracemalloc.start()
    t = time.perf_counter()
    res = evaluate(logs, estimators=ESTIMATORS, cap=CAP, **kw)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, res.table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--obp-python", default="/work/venv-obp/bin/python")
    parser.add_argument("--obp-boot", type=int, default=5, help="obp bootstrap replicates actually run")
    args = parser.parse_args()

    arrays, world = make_data(args.n, args.seed)
    logs = long_form(arrays, world)
    input_bytes = sum(logs[c].to_numpy().nbytes for c in logs.columns)
    print(f"rows: {args.n:,}; input columns: {len(logs.columns)} float64 = {input_bytes / 2**20:.0f} MiB; cap {CAP:g}")

    runs = {"abkit (one pass, no cap grid)": run_abkit(logs, cap_grid=None)}
    runs["abkit (one pass, repeat)"] = run_abkit(logs, cap_grid=None)
    runs["abkit (+ cap sensitivity pass)"] = run_abkit(logs)
    try:
        runs["abkit engine='duckdb' (no cap grid)"] = run_abkit(logs, cap_grid=None, engine="duckdb")
    except TypeError as e:  # compute_moments without the engine keyword (before the DuckDB engine landed)
        print(f"(engine='duckdb' not available here: {e})")
    for label, (seconds, peak, _) in runs.items():
        print(f"{label}: {seconds:.2f} s, peak extra memory {peak / 2**20:.0f} MiB ({peak / input_bytes:.2f}x input)")
    table = runs["abkit (one pass, repeat)"][2].set_index("estimator")
    abkit_seconds = runs["abkit (one pass, repeat)"][0]

    obp = None
    if Path(args.obp_python).exists():
        with tempfile.TemporaryDirectory() as folder:
            for k, v in arrays.items():
                np.save(f"{folder}/{k}.npy", v)
            np.save(f"{folder}/target.npy", world["target"])
            np.save(f"{folder}/q.npy", world["q"])
            proc = subprocess.run(
                [args.obp_python, "-c", OBP_SCRIPT, folder, str(CAP), str(args.obp_boot)],
                capture_output=True,
                text=True,
                check=False,
            )
        if proc.returncode != 0:
            print("obp failed:\n" + proc.stderr[-3000:])
        else:
            obp = json.loads(proc.stdout.strip().splitlines()[-1])
    else:
        print(f"obp venv not found at {args.obp_python}: abkit numbers only (see the docstring to set it up)")

    print()
    header = f"{'estimator':<11} {'abkit value':>20} {'ci_low':>9} {'ci_high':>9}"
    if obp:
        header += f" {'obp value':>20} {'rel diff':>9} {'obp point s':>11} {'obp CI s (10k boot)':>19}"
    print(header)
    total_obp_value = total_obp_ci = 0.0
    worst = 0.0
    for name in ESTIMATORS:
        row = table.loc[name]
        line = f"{name:<11} {row['value']:>20.15f} {row['ci_low']:>9.5f} {row['ci_high']:>9.5f}"
        if obp:
            o = obp["estimators"][name]
            rel = abs(o["value"] - row["value"]) / abs(row["value"])
            worst = max(worst, rel)
            ci_s = o.get("interval_seconds_10000", float("nan"))
            total_obp_value += o["value_seconds"]
            total_obp_ci += 0.0 if np.isnan(ci_s) else ci_s
            ref = " (numpy ref)" if o.get("reference") else ""
            line += f" {o['value']:>20.15f} {rel:>9.1e} {o['value_seconds']:>11.2f} {ci_s:>19.0f}{ref}"
        print(line)
    print()
    print(f"abkit, all five with intervals: {abkit_seconds:.2f} s (goal < 2 s)")
    if obp:
        print(f"obp point estimates: {total_obp_value:.2f} s (+ {obp['prep_seconds']:.2f} s building dense arrays)")
        print(
            f"obp intervals: {total_obp_ci:,.0f} s: each run with {args.obp_boot} bootstrap replicates, plus "
            f"{10000 - args.obp_boot:,} more at the measured {obp['seconds_per_replicate']:.3f} s each (obp's default "
            f"is 10,000); ratio obp interval path / abkit = {total_obp_ci / abkit_seconds:,.0f}x (goal >= 100x)"
        )
        print(f"largest relative difference of point estimates: {worst:.1e} (goal <= 1e-12)")


if __name__ == "__main__":
    main()
