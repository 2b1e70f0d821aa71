"""``ab.simulate_aa``: the planned analysis run on re-randomised history, to measure its false-positive rate.

Every simulation assigns the history's units at random to the protocol's arms, with the planned split (exact counts,
largest remainder), and runs the analysis' own estimators on each metric (the functions ``ab.analyze`` calls, from
:mod:`abkit.stats.compare`), with the p-values of :func:`abkit.stats.inference.compare` computed for all simulations
at once, and :func:`abkit.stats.multiplicity.adjust_pvalues` for the family. No arm has an effect, so a valid analysis
rejects a share ``alpha`` of the time and its p-values are uniform.

Speed: the engine computes each unit's moments once (count, shifted sums and cross-products of the metric columns,
grouped by unit: all rows of a unit move together, as in a unit-randomised test); every batch of simulations then
adds them up per arm with one matrix product (simulations x units one-hot assignments times units x moments).

A metric whose rows are not independent given the unit (several rows per unit analysed as if each were a unit, a
duplicated log) shows up as a false-positive rate above alpha.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from abkit.engines import MomentsRequest, compute_moments
from abkit.engines.moments import Moments
from abkit.errors import DataError, ParameterError
from abkit.protocols.history import check_columns, materialise, winsor_bounds
from abkit.protocols.progress import ProgressBar
from abkit.protocols.protocol import Protocol
from abkit.results import Result, jsonable
from abkit.stats.compare import _estimate as estimate  # the analysis' own estimators (ab.analyze calls them)
from abkit.stats.compare import metric_pairs
from abkit.stats.multiplicity import adjust_pvalues

__all__ = ["AAResult", "aa_assignment", "clopper_pearson", "simulate_aa"]

_ROW = "_abkit_row"
_BATCH_CELLS = 8_000_000  # simulations x units per matrix product (64 MB of float64)


@dataclass(frozen=True, eq=False)
class AAResult(Result):
    """False-positive rates of the planned analysis on re-randomised history.

    Attributes
    ----------
    n_sim : int
    alpha : float
        The level a valid test rejects at.
    family_fpr, family_ci_low, family_ci_high : float
        Share of simulations where any primary comparison was significant after the correction (the family-wise
        error rate), with its Clopper-Pearson interval at ``confidence_level``.
    family_size : int
        Primary metrics x treatment arms.
    units, rows : int
        Randomisation units and rows of the history used.
    histogram : DataFrame
        metric, variant, bin_low, bin_high, count: the p-values of each comparison in ``bins`` equal bins.
    notes : tuple of str
    """

    n_sim: int
    alpha: float
    confidence_level: float
    correction: str | None
    alternative: str
    family_fpr: float
    family_ci_low: float
    family_ci_high: float
    family_size: int
    units: int
    rows: int
    rng: int
    notes: tuple[str, ...]
    histogram: pd.DataFrame
    _table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _pvalues: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """Per (metric, treatment arm): role, valid simulations, false positives, fpr with its Clopper-Pearson
        interval, ``status`` ("ok", "inflated": the interval is above alpha, "conservative": below) and
        ``uniformity_pvalue`` (chi-square of the p-value histogram against the uniform; nan when the p-values take
        fewer than ``10 * bins`` distinct values, as a 0/1 metric's do, or there are fewer than ``5 * bins``)."""
        return self._table.copy()

    @property
    def pvalues(self) -> pd.DataFrame:
        """The raw p-values, one row per simulation and one column per (metric, arm) (``metric`` or
        ``metric / arm`` with several treatment arms)."""
        t = self._table
        several = t["variant"].nunique() > 1
        names = [f"{m} / {v}" if several else m for m, v in zip(t["metric"], t["variant"], strict=True)]
        return pd.DataFrame(self._pvalues, columns=names)

    def to_dict(self) -> dict[str, Any]:
        out = {k: jsonable(v) for k, v in self._scalar_items()}
        out |= {"notes": list(self.notes), "table": jsonable(self._table), "histogram": jsonable(self.histogram)}
        return out

    def __str__(self) -> str:
        lines = [
            f"A/A simulation: {self.n_sim:,} re-randomisations of {self.units:,} units ({self.rows:,} rows), "
            f"alpha = {self.alpha:g}",
            f"family-wise false-positive rate (primary, {self.correction or 'no correction'}): "
            f"{self.family_fpr:.4f} [{self.family_ci_low:.4f}, {self.family_ci_high:.4f}]",
        ]
        cols = ["metric", "variant", "role", "fpr", "ci_low", "ci_high", "status", "uniformity_pvalue"]
        with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
            lines.append(self._table[cols].to_string(index=False))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def clopper_pearson(k: Any, n: Any, confidence_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The exact (Clopper-Pearson) interval of a binomial proportion ``k / n``, as R's ``binom.test``.

    Examples
    --------
    >>> low, high = clopper_pearson(5, 100)
    >>> round(float(low), 6), round(float(high), 6)   # R: binom.test(5, 100)$conf.int
    (0.016432, 0.112835)
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    a = (1.0 - confidence_level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, st.beta.ppf(a, k, n - k + 1), 0.0)
        high = np.where(k < n, st.beta.isf(a, k + 1, n - k), 1.0)
    return low, high


def aa_assignment(n_units: int, split: dict[str, float], n_sim: int, rng: int = 0, *, start: int = 0) -> np.ndarray:
    """The arm codes (index into ``split``) of simulations ``start .. start + n_sim - 1``, shape (n_sim, n_units).

    Each simulation draws a uniformly random assignment with exact arm counts (the shares times ``n_units``,
    remainders to the largest fractions) from its own generator, ``SeedSequence(rng, spawn_key=(i,))``: simulation
    ``i`` is the same whatever the batch it is computed in.

    Examples
    --------
    >>> codes = aa_assignment(10, {"control": 0.5, "treatment": 0.5}, 3, rng=1)
    >>> codes.shape, codes.sum(axis=1).tolist()
    ((3, 10), [5, 5, 5])
    """
    shares = np.array(list(split.values()), dtype=float)
    raw = shares * n_units
    counts = np.floor(raw).astype(np.int64)
    extra = n_units - int(counts.sum())
    counts[np.argsort(-(raw - counts), kind="stable")[:extra]] += 1
    out = np.zeros((n_sim, n_units), dtype=np.int8)
    bounds = np.cumsum(counts)[:-1]
    for i in range(n_sim):
        gen = np.random.default_rng(np.random.SeedSequence(rng, spawn_key=(start + i,)))
        if len(counts) == 2:  # choosing the treatment units is 3x faster than a permutation
            out[i, gen.choice(n_units, counts[1], replace=False, shuffle=False)] = 1
        else:
            for a, block in enumerate(np.split(gen.permutation(n_units), bounds)):
                out[i, block] = a
    return out


def simulate_aa(
    history: Any,
    protocol: Protocol,
    *,
    n_sim: int = 1000,
    rng: int = 0,
    progress: bool | None = None,
    missing: str = "raise",
    confidence_level: float = 0.95,
    bins: int = 20,
) -> AAResult:
    """Re-randomise the history's units into the planned arms ``n_sim`` times and run the planned analysis.

    Parameters
    ----------
    history : DataFrame or path
        Pre-experiment data with every metric's column; rows of the same unit (the protocol's ``unit`` column, when
        present) stay together. Without a unit column every row is a unit.
    protocol : Protocol
        Metrics and roles, arms and split, alpha, correction and alternative of the analysis.
    n_sim : int, default 1000
    rng : int, default 0
        Seed; simulation ``i`` depends only on it and ``i``.
    progress : bool, optional
        A progress bar on stderr; default: only when stderr is a terminal.
    missing : {"raise", "drop"}
        As in ``ab.analyze``.
    confidence_level : float, default 0.95
        Of the Clopper-Pearson intervals.
    bins : int, default 20
        Bins of the p-value histograms.

    Returns
    -------
    AAResult

    Examples
    --------
    >>> import numpy as np, pandas as pd, abkit as ab
    >>> hist = pd.DataFrame({"revenue": np.random.default_rng(1).exponential(10.0, 2000)})
    >>> p = ab.Protocol(name="aa", variant="variant", control="control",
    ...                 arms={"control": 0.5, "treatment": 0.5}, primary=[ab.Mean("revenue")])
    >>> res = simulate_aa(hist, p, n_sim=200, rng=3)
    >>> 0.0 <= res.family_fpr <= 0.12, int(res.histogram["count"].sum())
    (True, 200)
    """
    if not isinstance(protocol, Protocol):
        raise ParameterError(f"The 'protocol' parameter of simulate_aa must be an ab.Protocol. Got {protocol!r}.")
    if isinstance(n_sim, bool) or not isinstance(n_sim, int | np.integer) or n_sim < 1:
        raise ParameterError(f"The 'n_sim' parameter of simulate_aa must be an int >= 1. Got {n_sim!r} instead.")
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 2:
        raise ParameterError(f"The 'bins' parameter of simulate_aa must be an int >= 2. Got {bins!r} instead.")
    if missing not in ("raise", "drop"):
        raise ParameterError(f"The 'missing' parameter of simulate_aa must be 'raise' or 'drop'. Got {missing!r}.")
    if not 0.0 < float(confidence_level) < 1.0:
        raise ParameterError(
            f"The 'confidence_level' parameter of simulate_aa must be in (0, 1). Got {confidence_level!r} instead."
        )
    if isinstance(rng, np.random.Generator):
        rng = int(rng.integers(2**63))
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ParameterError(f"The 'rng' parameter of simulate_aa must be an int seed >= 0. Got {rng!r} instead.")

    data = materialise(history)
    comps = [(m, "primary") for m in protocol.primary] + [(m, "secondary") for m in protocol.secondary]
    comps += [(g.metric, "guardrail") for g in protocol.guardrails]
    metrics = [m for m, _ in comps]
    check_columns(data, metrics, "simulate_aa")
    per_unit, notes = _unit_moments(data, protocol, metrics, missing)
    arms = [protocol.control, *protocol.treatments]
    split = {a: protocol.arms[a] for a in arms}
    if per_unit.n.shape[0] < len(arms) * 2:
        raise DataError(f"simulate_aa: the history has {per_unit.n.shape[0]} units; each arm needs at least 2.")

    pv = _simulate(per_unit, protocol, comps, arms, split, int(n_sim), int(rng), progress)
    return _summarise(pv, protocol, comps, arms, per_unit, int(n_sim), int(rng), confidence_level, bins, notes)


def _unit_moments(data: Any, protocol: Protocol, metrics: list[Any], missing: str) -> tuple[Moments, list[str]]:
    """Per-unit moments of every metric column, from one engine pass grouped by unit."""
    columns: list[str] = []
    pairs: list[tuple[str, str]] = []
    for m in metrics:
        columns += [c for c in m.columns if c not in columns]
        pairs += metric_pairs(m)
    notes: list[str] = []
    cols = [str(c) for c in getattr(data, "columns", [])]
    unit = protocol.unit if protocol.unit is not None and protocol.unit in cols else None
    if unit is None:
        if not isinstance(data, pd.DataFrame):
            raise ParameterError("simulate_aa: a history without a unit column must be a pandas DataFrame or a path.")
        data = data.assign(**{_ROW: np.arange(len(data))})
    request = MomentsRequest(
        columns=tuple(columns), by=(unit or _ROW,), pairs=tuple(pairs), clip=winsor_bounds(data, metrics)
    )
    moments = compute_moments(data, request)
    bad = moments.missing + moments.infinite
    if bad.any():
        if missing == "raise":
            parts = [f"{c!r}: {int(b)}" for c, b in zip(columns, bad.sum(axis=0), strict=True) if b]
            raise DataError(
                f"simulate_aa: the history has NaN/inf values ({', '.join(parts)} rows). Pass missing='drop' to "
                "leave the incomplete rows out, as ab.analyze(missing='drop') does."
            )
        notes.append(f"{int((moments.rows - moments.n).sum()):,} rows with missing values were left out.")
    if unit is not None and int(moments.rows.max()) > 1:
        notes.append(
            f"The history has {int(moments.rows.sum()):,} rows for {len(moments):,} units ({unit!r}): the rows of a "
            "unit share an arm, and the analysis treats each row as a unit."
        )
    return moments, notes


def _simulate(
    per_unit: Moments,
    protocol: Protocol,
    comps: list[tuple[Any, str]],
    arms: list[str],
    split: dict[str, float],
    n_sim: int,
    rng: int,
    progress: bool | None,
) -> np.ndarray:
    k = len(per_unit.columns)
    n_units = len(per_unit)
    asked = ~np.isnan(per_unit.cross[0])
    iu = np.argwhere(asked)
    # one row of moments per unit: rows, complete rows, sums, and the cross-products asked for
    w = np.column_stack([per_unit.rows, per_unit.n, per_unit.sums, per_unit.cross[:, iu[:, 0], iu[:, 1]]])
    total = w.sum(axis=0)
    keys = pd.DataFrame({protocol.variant: arms})
    out = np.full((n_sim, len(comps) * (len(arms) - 1), 4), np.nan)
    batch = max(1, min(n_sim, _BATCH_CELLS // max(n_units, 1)))
    bar = ProgressBar(n_sim, "simulate_aa", enabled=sys.stderr.isatty() if progress is None else bool(progress))
    for start in range(0, n_sim, batch):
        stop = min(n_sim, start + batch)
        codes = aa_assignment(n_units, split, stop - start, rng, start=start)
        sums = np.empty((stop - start, len(arms), w.shape[1]))
        for a in range(len(arms) - 1):
            sums[:, a] = (codes == a).astype(np.float64) @ w
        sums[:, -1] = total - sums[:, :-1].sum(axis=1)
        for s in range(stop - start):
            out[start + s] = _analyse(sums[s], keys, per_unit, iu, k, comps)
        bar.update(stop)
    bar.close()
    alternatives = [protocol.alternative if role != "guardrail" else "two-sided" for _, role in comps]
    return _pvalues(out, [a for a in alternatives for _ in range(len(arms) - 1)])


def _analyse(
    sums: np.ndarray,
    keys: pd.DataFrame,
    per_unit: Moments,
    iu: np.ndarray,
    k: int,
    comps: list[tuple[Any, str]],
) -> np.ndarray:
    """Effect, its variance, the null variance and df of every (metric, treatment arm) of one simulation."""
    g = sums.shape[0]
    cross = np.full((g, k, k), np.nan)
    cross[:, iu[:, 0], iu[:, 1]] = sums[:, 2 + k :]
    zeros = np.zeros((g, k), dtype=np.int64)
    moments = Moments(
        keys=keys, columns=per_unit.columns, shift=per_unit.shift, rows=np.rint(sums[:, 0]).astype(np.int64),
        n=np.rint(sums[:, 1]).astype(np.int64), sums=sums[:, 2 : 2 + k], cross=cross, missing=zeros,
        infinite=zeros, minimum=np.full((g, k), np.nan), maximum=np.full((g, k), np.nan),
    )  # fmt: skip
    out = np.full((len(comps) * (g - 1), 4), np.nan)
    i = 0
    for metric, _ in comps:
        for t in range(1, g):
            try:
                est, _ = estimate(metric, moments, 0, t)
                null = est.var_effect if est.null_var is None else est.null_var
                out[i] = (est.effect, est.var_effect, null, est.df)
            except DataError:
                pass
            i += 1
    return out


def _pvalues(est: np.ndarray, alternatives: list[str]) -> np.ndarray:
    """The p-values ``ab.analyze`` reports (:func:`abkit.stats.inference.compare`), for arrays of estimates.

    ``est`` has shape (simulations, comparisons, 4): effect, var_effect, null variance, df (inf: normal). A
    comparison with a variance that is not > 0 gets nan, as ``compare`` does (with its warning).
    """
    effect, var, null, df = (est[..., i] for i in range(4))
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (var > 0) & np.isfinite(var) & (null > 0) & np.isfinite(effect)
        stat = np.where(ok, effect / np.sqrt(np.where(null > 0, null, 1.0)), np.nan)
        t = np.isfinite(df) & ok
        out = np.full(stat.shape, np.nan)
        for j, alt in enumerate(alternatives):
            x = stat[:, j] if alt == "greater" else -stat[:, j] if alt == "less" else np.abs(stat[:, j])
            sf = np.where(t[:, j], st.t.sf(x, np.where(t[:, j], df[:, j], 1.0)), st.norm.sf(x))
            out[:, j] = np.minimum(1.0, 2.0 * sf) if alt == "two-sided" else sf
    return np.where(ok, out, np.nan)


def _summarise(
    pv: np.ndarray,
    protocol: Protocol,
    comps: list[tuple[Any, str]],
    arms: list[str],
    per_unit: Moments,
    n_sim: int,
    rng: int,
    level: float,
    bins: int,
    notes: list[str],
) -> AAResult:
    alpha = protocol.alpha
    labels = [(m.label, arms[t], role) for m, role in comps for t in range(1, len(arms))]
    valid = np.isfinite(pv)
    hits = (pv < alpha) & valid
    n_valid = valid.sum(axis=0)
    k = hits.sum(axis=0)
    low, high = clopper_pearson(k, np.maximum(n_valid, 1), level)
    edges = np.linspace(0.0, 1.0, bins + 1)
    hist_rows, uniform = [], []
    lumpy = []
    for j, (metric, arm, _) in enumerate(labels):
        values = pv[valid[:, j], j]
        counts, _ = np.histogram(values, bins=edges)
        distinct = len(np.unique(values))
        if distinct < 10 * bins and len(values) >= 10 * bins:
            lumpy.append(f"{metric} ({distinct} distinct)")
        ok = counts.sum() >= 5 * bins and distinct >= 10 * bins
        uniform.append(float(st.chisquare(counts).pvalue) if ok else math.nan)
        hist_rows += [(metric, arm, edges[b], edges[b + 1], int(counts[b])) for b in range(bins)]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = k / n_valid
    status = np.where(low > alpha, "inflated", np.where(high < alpha, "conservative", "ok"))
    table = pd.DataFrame(
        {
            "metric": [x[0] for x in labels],
            "variant": [x[1] for x in labels],
            "role": [x[2] for x in labels],
            "n_sim": n_valid.astype(int),
            "false_positives": k.astype(int),
            "fpr": fpr,
            "ci_low": low,
            "ci_high": high,
            "status": status,
            "uniformity_pvalue": uniform,
        }
    )
    primary = [j for j, x in enumerate(labels) if x[2] == "primary"]
    fam = pv[:, primary]
    if protocol.correction is not None:
        adj = np.vstack([adjust_pvalues(row, method=protocol.correction, n=len(primary)) for row in fam])
    else:
        adj = fam
    family_hits = int(np.any(np.nan_to_num(adj, nan=1.0) < alpha, axis=1).sum())
    f_low, f_high = clopper_pearson(family_hits, n_sim, level)
    if any(labels[j][2] == "guardrail" for j in range(len(labels))):
        notes.append("Guardrails are tested two-sided for no difference here (their non-inferiority test has no "
                     "false positive in an A/A test).")  # fmt: skip
    if lumpy:
        notes.append(
            f"Discrete p-values ({', '.join(lumpy)}): a metric with few distinct values has a lumpy p-value "
            "histogram, so its uniformity is not tested; its false-positive rate still is."
        )
    if (n_valid < n_sim).any():
        notes.append("Some simulations gave no p-value (a metric with no variance in an arm); rates use the others.")
    return AAResult(
        n_sim=n_sim, alpha=alpha, confidence_level=float(level), correction=protocol.correction,
        alternative=protocol.alternative, family_fpr=family_hits / n_sim, family_ci_low=float(f_low),
        family_ci_high=float(f_high), family_size=len(primary), units=len(per_unit), rows=int(per_unit.rows.sum()),
        rng=rng, notes=tuple(notes), histogram=pd.DataFrame(hist_rows, columns=["metric", "variant", "bin_low",
        "bin_high", "count"]), _table=table, _pvalues=pv,
    )  # fmt: skip
