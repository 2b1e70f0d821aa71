"""The bucket bootstrap: a portable hash puts each unit in one of ``B`` buckets; replicates reweight buckets.

A per-row bootstrap costs replicates x rows. Here the engine returns moments per (arm, bucket) in its single pass
(``MomentsRequest(buckets=B, unit=..., seed=...)``) and each replicate weights the ``B`` bucket moments with
Poisson(1) or multinomial counts, so any estimator that is a function of moments is recomputed per replicate for
O(replicates x buckets) work. Units of all arms in one bucket share its weight: since buckets hold disjoint units,
the arms' replicate estimates are (asymptotically) independent, as in a unit-level bootstrap of the pooled sample.

The bucket of a unit is the same in numpy, DuckDB SQL and Spark SQL:

- **integer ids** (any width, read as 64-bit two's complement ``v``): with ``lo = v & 0xFFFFFFFF``,
  ``hi = (v >> 32) & 0xFFFFFFFF`` and the 32-bit mixer ``mix`` (xorshift-multiply, constants ``0x21F0AAAD`` and
  ``0x735A2D97`` from Wellons' hash prospector, both below 2^31 so that products fit in a signed BIGINT),
  ``bucket = mix(lo ^ mix(hi ^ mix(seed))) % B``. ``mix`` is a bijection of 32-bit words, so ids below 2^32 fill
  the buckets evenly.
- **string ids**: the first 8 hex digits of ``md5(f"{seed}:{id}")`` (UTF-8) as an integer, modulo ``B``.

Other id types (floats, dates) raise a ColumnError. DuckDB's multi-argument ``hash(a, b)`` is not used: it is
``f(a) XOR g(b)``, which makes replicate weights dependent.

``B`` defaults to :data:`DEFAULT_BUCKETS` = 1000: the bootstrap variance then has the precision of about 1000
degrees of freedom (a relative standard error of about ``sqrt(2 / B)`` = 4.5% on a variance, 2.2% on a standard
error), and the per-(arm, bucket) moments stay small (2 arms x 1000 buckets).

Examples
--------
>>> import numpy as np
>>> bucket_codes(np.array([1, 2, 3]), buckets=1000, seed=7).tolist()
[126, 184, 372]

References
----------
Chamandy, Muralidharan, Najmi, Naidu (2012). Estimating uncertainty for massive data streams. Google technical report.
Wellons (2018). Prospecting for hash functions. https://nullprogram.com/blog/2018/07/31/
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines.moments import Moments
from abkit.errors import ColumnError, DataError, ParameterError

__all__ = [
    "DEFAULT_BUCKETS",
    "bootstrap_replicates",
    "bootstrap_se",
    "bootstrap_weights",
    "bucket_codes",
    "bucket_sql_layers",
]

DEFAULT_BUCKETS = 1000
MASK = 0xFFFFFFFF
_M1, _M2 = 0x21F0AAAD, 0x735A2D97


def _check(buckets: int, seed: int) -> None:
    if not isinstance(buckets, int | np.integer) or not 2 <= buckets <= 1 << 24:
        raise ParameterError(f"The 'buckets' parameter must be an integer in [2, 2^24]. Got {buckets!r} instead.")
    if not isinstance(seed, int | np.integer) or not 0 <= seed <= MASK:
        raise ParameterError(f"The 'seed' parameter must be an integer in [0, 2^32). Got {seed!r} instead.")


def _mix(h: Any) -> Any:
    """The 32-bit mixer on Python ints or uint64 arrays holding 32-bit words."""
    h = h ^ (h >> 16)
    h = (h * _M1) & MASK
    h = h ^ (h >> 15)
    h = (h * _M2) & MASK
    return h ^ (h >> 15)


def _mix32(h: np.ndarray) -> np.ndarray:
    """:func:`_mix` on a uint32 array, in place (uint32 products wrap modulo 2^32)."""
    h ^= h >> np.uint32(16)
    h *= np.uint32(_M1)
    h ^= h >> np.uint32(15)
    h *= np.uint32(_M2)
    h ^= h >> np.uint32(15)
    return h


def _int_buckets(values: np.ndarray, buckets: int, seed: int) -> np.ndarray:
    words = values.astype(np.int64, copy=False).view(np.uint32).reshape(-1, 2)  # little-endian: (lo, hi)
    lo, hi = (words[:, 0], words[:, 1]) if sys.byteorder == "little" else (words[:, 1], words[:, 0])
    a = _mix32(hi ^ np.uint32(_mix(seed)))
    a ^= lo
    h = _mix32(a)
    return (h % np.uint32(buckets)).astype(np.int64)


def _string_bucket(value: str, buckets: int, prefix: str) -> int:
    return int.from_bytes(hashlib.md5((prefix + value).encode()).digest()[:4], "big") % buckets


def bucket_codes(units: Any, *, buckets: int = DEFAULT_BUCKETS, seed: int = 0) -> np.ndarray:
    """The bucket in ``[0, buckets)`` of each unit id (integers or strings), identical to the SQL engines'.

    Parameters
    ----------
    units : array_like or pandas Series
        Unit ids: integers (hashed with a vectorised integer mixer) or strings (MD5).
    buckets : int, default 1000
    seed : int in [0, 2^32), default 0

    Returns
    -------
    ndarray of int64
    """
    _check(buckets, seed)
    s = units if isinstance(units, pd.Series) else pd.Series(np.asarray(units))
    if s.isna().any():
        raise DataError(f"the unit column has {int(s.isna().sum())} missing ids; every row needs a unit id.")
    dtype = s.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return _int_buckets(s.to_numpy(dtype=np.int64), int(buckets), int(seed))
    if pd.api.types.is_string_dtype(dtype) and pd.api.types.infer_dtype(s, skipna=False) == "string":
        codes, uniques = pd.factorize(s)
        prefix = f"{int(seed)}:"
        per = np.fromiter((_string_bucket(u, int(buckets), prefix) for u in uniques.tolist()), np.int64, len(uniques))
        return per[codes]
    raise ColumnError(
        f"the unit column {s.name!r} must hold integer or string ids to be hashed into buckets; found dtype {dtype}."
    )


def bucket_sql_layers(unit: str, kind: str, *, buckets: int, seed: int, dialect: str) -> list[str]:
    """SQL expressions computing the bucket of column expression ``unit``, one per nested SELECT layer.

    Layer ``i`` may refer to the column ``_h{i-1}`` made by the layer before it; the last layer gives the bucket.
    ``kind`` is ``"int"`` or ``"string"``; ``dialect`` is ``"duckdb"`` or ``"spark"``.
    """
    _check(buckets, seed)
    if kind == "string":
        text = f"md5(concat('{int(seed)}:', CAST({unit} AS {'STRING' if dialect == 'spark' else 'VARCHAR'})))"
        if dialect == "spark":
            return [f"(CAST(conv(substr({text}, 1, 8), 16, 10) AS BIGINT) % {int(buckets)})"]
        return [f"(CAST(concat('0x', substr({text}, 1, 8)) AS BIGINT) % {int(buckets)})"]

    def xor(a: str, b: str) -> str:
        return f"({a} ^ {b})" if dialect == "spark" else f"xor({a}, {b})"

    def shr(a: str, n: int) -> str:
        return f"shiftright({a}, {n})" if dialect == "spark" else f"({a} >> {n})"

    def mix(p: str, first: int) -> list[str]:
        a, b = f"_h{first}", f"_h{first + 1}"
        return [
            f"(({xor(p, shr(p, 16))} * {_M1}) & {MASK})",
            f"(({xor(a, shr(a, 15))} * {_M2}) & {MASK})",
            xor(b, shr(b, 15)),
        ]

    v = f"CAST({unit} AS BIGINT)"
    hi = f"({shr(v, 32)} & {MASK})"
    k1 = _mix(int(seed))
    first = mix(xor(hi, str(k1)), 0)
    # ids below 2^32 (hi = 0) all get the constant mix(k1): skip the first mix for them
    layers = [
        f"CASE WHEN {shr(v, 32)} = 0 THEN NULL ELSE {first[0]} END",
        f"CASE WHEN _h0 IS NULL THEN NULL ELSE {first[1]} END",
        f"CASE WHEN _h1 IS NULL THEN {_mix(k1)} ELSE {first[2]} END",
    ]
    layers += mix(xor(f"({v} & {MASK})", "_h2"), 3)
    layers.append(f"(_h5 % {int(buckets)})")
    return layers


# ---------------------------------------------------------------------------------------------- replicates
def bootstrap_weights(buckets: int, n_replicates: int, *, rng: Any = None, kind: str = "poisson") -> np.ndarray:
    """Replicate weights of the buckets, shape ``(n_replicates, buckets)``: Poisson(1) or multinomial counts."""
    if kind not in ("poisson", "multinomial"):
        raise ParameterError(f"The 'kind' parameter must be 'poisson' or 'multinomial'. Got {kind!r} instead.")
    if not isinstance(n_replicates, int | np.integer) or n_replicates < 1:
        raise ParameterError(f"The 'n_replicates' parameter must be a positive integer. Got {n_replicates!r}.")
    gen = np.random.default_rng(rng)
    if kind == "poisson":
        return gen.poisson(1.0, size=(int(n_replicates), buckets)).astype(np.float64)
    return gen.multinomial(buckets, np.full(buckets, 1.0 / buckets), size=int(n_replicates)).astype(np.float64)


def _dense(moments: Moments) -> tuple[pd.DataFrame, int, dict[str, np.ndarray]]:
    if "_bucket" not in moments.keys.columns:
        raise ParameterError(
            "these moments have no '_bucket' key; compute them with MomentsRequest(buckets=..., unit=...)."
        )
    others = [k for k in moments.keys.columns if k != "_bucket"]
    b = moments.keys["_bucket"].to_numpy(dtype=np.int64)
    nb = int(b.max()) + 1
    if others:
        sub = moments.keys[others]
        table = sub.drop_duplicates().sort_values(others, kind="stable").reset_index(drop=True)
        g = sub.merge(table.reset_index(), on=others, how="left")["index"].to_numpy(dtype=np.intp)
    else:
        table, g = pd.DataFrame(index=[0]), np.zeros(len(b), dtype=np.intp)
    out: dict[str, np.ndarray] = {}
    for name in ("rows", "n", "sums", "cross", "missing", "infinite", "minimum", "maximum"):
        a = getattr(moments, name)
        fill = np.nan if name in ("minimum", "maximum") else 0.0
        d = np.full((len(table), nb, *a.shape[1:]), fill)
        d[g, b] = a
        out[name] = d
    return table, nb, out


def bootstrap_replicates(
    moments: Moments, n_replicates: int, *, rng: Any = None, kind: str = "poisson"
) -> Iterator[Moments]:
    """Replicates of ``moments`` (computed with buckets): bucket moments summed with random weights.

    Parameters
    ----------
    moments : Moments
        With a ``_bucket`` key (``MomentsRequest(buckets=B, unit=..., seed=...)``).
    n_replicates : int
    rng : seed or numpy Generator
        The same seed gives the same replicates for the same moments, whichever engine computed them.
    kind : {"poisson", "multinomial"}
        Poisson(1) weights per bucket, or multinomial counts of ``B`` draws of buckets (the classical bootstrap).

    Yields
    ------
    Moments
        One per replicate, with the keys of ``moments`` except ``_bucket``; counts are weighted (integer) counts.
    """
    table, nb, dense = _dense(moments)
    w = bootstrap_weights(nb, n_replicates, rng=rng, kind=kind)
    summed = {}
    for name in ("rows", "n", "sums", "cross", "missing", "infinite"):
        d = dense[name]  # (G, B, ...) -> (B, G * ...) for one matrix product with the weights
        flat = np.moveaxis(d, 1, 0).reshape(nb, -1)
        summed[name] = (w @ flat).reshape(len(w), d.shape[0], *d.shape[2:])
    has_ext = bool(np.isfinite(dense["minimum"]).any())
    for r in range(len(w)):
        low = high = np.full(summed["sums"].shape[1:], np.nan)
        if has_ext:
            keep = (w[r] > 0)[None, :, None]
            low = np.fmin.reduce(np.where(keep, dense["minimum"], np.nan), axis=1)
            high = np.fmax.reduce(np.where(keep, dense["maximum"], np.nan), axis=1)
        yield Moments(
            keys=table,
            columns=moments.columns,
            shift=moments.shift,
            rows=np.rint(summed["rows"][r]).astype(np.int64),
            n=np.rint(summed["n"][r]).astype(np.int64),
            sums=summed["sums"][r],
            cross=summed["cross"][r],
            missing=np.rint(summed["missing"][r]).astype(np.int64),
            infinite=np.rint(summed["infinite"][r]).astype(np.int64),
            minimum=low,
            maximum=high,
        )


def bootstrap_se(
    moments: Moments,
    statistic: Callable[[Moments], Any],
    n_replicates: int = 1000,
    *,
    rng: Any = None,
    kind: str = "poisson",
) -> Any:
    """Bucket-bootstrap standard error (``ddof=1``) of ``statistic(moments_without_buckets)``.

    ``statistic`` takes per-group Moments (the keys of ``moments`` without ``_bucket``) and returns a float or an
    array; replicates where it is not finite are left out.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from abkit.engines import MomentsRequest, compute_moments
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"user": np.arange(20_000), "y": rng.normal(size=20_000)})
    >>> m = compute_moments(df, MomentsRequest(columns=("y",), buckets=1000, unit="user"))
    >>> se = bootstrap_se(m, lambda r: r.summary(0).mean_of("y"), 500, rng=1)
    >>> bool(abs(se / (1 / np.sqrt(20_000)) - 1) < 0.1)
    True
    """
    values = np.array([statistic(r) for r in bootstrap_replicates(moments, n_replicates, rng=rng, kind=kind)])
    finite = np.isfinite(values) if values.ndim == 1 else np.isfinite(values).all(axis=tuple(range(1, values.ndim)))
    values = values[finite]
    if len(values) < 2:
        return np.full(values.shape[1:], np.nan) if values.ndim > 1 else float("nan")
    se = values.std(axis=0, ddof=1)
    return float(se) if np.ndim(se) == 0 else se
