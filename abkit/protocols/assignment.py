"""Deterministic assignment of units to arms by salted hashing, and the check that recomputes it.

The rule, reproducible in any language or SQL dialect that has MurmurHash3 x86_32:

1. key = salt + ":" + unit id as text (integers in decimal, e.g. ``"exp-42:12345"``), encoded as UTF-8;
2. h = MurmurHash3_x86_32(key, seed=0), an unsigned 32-bit integer;
3. arm i (in split order) receives the units with ``low_i <= h < high_i``, the integer ranges of :func:`split_ranges`
   (bucket ``h / 2**32`` falls in ``[c_(i-1), c_i)`` of the cumulative shares).
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abkit.errors import ColumnError, DataError, DegenerateDataWarning, ParameterError
from abkit.protocols.hashing import _hash_keys
from abkit.results import Result

__all__ = ["AssignmentCheck", "assign", "check_assignment", "split_ranges"]

_TWO_32 = 2**32
_SPLIT_HELP = (
    "a dict of arm -> share summing to 1 (e.g. {'control': 0.5, 'treatment': 0.5}) "
    "or a list of percents summing to 100 (e.g. [50, 50])"
)


def assign(unit_ids: Any, *, salt: str, split: dict[str, float] | list[float] | tuple[float, ...]) -> Any:
    """Assign each unit to an arm by hashing its id with the experiment's salt.

    The assignment depends only on ``(salt, unit id, split)``: the same on every machine, process and Python version,
    and a unit keeps its arm when others are added. A new salt gives an assignment independent of the old one.

    Parameters
    ----------
    unit_ids : array-like of str or int, or pandas Series
        The unit ids (numpy array, pandas Series or Index, pyarrow Array, list). Integers are hashed as their decimal
        text, so ``12345`` and ``"12345"`` go to the same arm. Missing ids are refused.
    salt : str
        The experiment's salt, a non-empty string (e.g. the experiment's name). Change it for every experiment.
    split : dict of str to float, or list of float
        Either arm -> share (shares > 0, summing to 1 within 1e-9; arms in the dict's order), or a list of percents
        summing to 100 within 1e-7, whose arms are named ``control``, ``treatment``, ``treatment_2``, ...

    Returns
    -------
    numpy.ndarray of str (object dtype), or pandas.Series
        The arm of each unit, in input order. For a Series input, a categorical Series named ``variant`` (categories
        in split order) with the input's index.

    Raises
    ------
    ParameterError
        If the salt or split is invalid, or the ids are neither strings nor integers.
    DataError
        If an id is missing.

    Notes
    -----
    Exactly, with shares :math:`s_1, \\ldots, s_k` (for a list, :math:`s_i = p_i / 100`):

    - ``key = (salt + ":" + str(unit_id)).encode("utf-8")`` and ``h = murmur3_32(key, seed=0)`` (unsigned);
    - cumulative shares :math:`c_i`: for a dict, ``c_i = s_1 + ... + s_i``, for a list of percents,
      ``c_i = (p_1 + ... + p_i) / 100``, float64 sums from left to right; :math:`c_0 = 0`, :math:`c_k = 1`;
    - the unit goes to the first arm ``i`` with ``h / 2**32 < c_i``; since ``h`` is an integer, that is
      ``h < ceil(c_i * 2**32)``, the integer bounds returned by :func:`split_ranges`.

    ``h`` equals ``mmh3.hash(key, 0, signed=False)`` in Python and Guava's ``Hashing.murmur3_32_fixed(0)`` in Java.
    Spark SQL's ``hash()`` is a different function (seed 42 and another treatment of the last bytes).
    With the bounds of ``split_ranges``, a SQL engine that has MurmurHash3 x86_32 reproduces the assignment with
    ``CASE WHEN h < high_1 THEN arm_1 WHEN h < high_2 THEN arm_2 ... END``.

    References
    ----------
    Kohavi, R., Tang, D., Xu, Y. (2020). Trustworthy Online Controlled Experiments, ch. 4 (randomisation units and
    hashing with an experiment-specific salt). Cambridge University Press.

    Examples
    --------
    >>> assign(["user_5", "user_6", "user_7", "user_8"], salt="exp-42", split=[50, 50]).tolist()
    ['treatment', 'treatment', 'control', 'control']
    >>> import pandas as pd
    >>> ids = pd.Series([101, 102, 103], index=["a", "b", "c"])
    >>> assign(ids, salt="exp-42", split={"control": 0.9, "treatment": 0.1}).tolist()
    ['control', 'control', 'control']
    """
    arms, highs = _parse_split(split, "assign")
    codes = _arm_codes(unit_ids, salt=salt, highs=highs, param="unit_ids", func="assign")
    if isinstance(unit_ids, pd.Series):
        categorical = pd.Categorical.from_codes(codes, categories=pd.Index(list(arms)))
        return pd.Series(categorical, index=unit_ids.index, name="variant")
    return np.array(arms, dtype=object)[codes]


def split_ranges(split: dict[str, float] | list[float] | tuple[float, ...]) -> dict[str, tuple[int, int]]:
    """The range of hash values ``[low, high)`` each arm receives, as exact integers.

    Parameters
    ----------
    split : dict of str to float, or list of float
        As in :func:`assign`.

    Returns
    -------
    dict of str to (int, int)
        Arm -> ``(low, high)``: the arm receives the units whose hash ``h`` has ``low <= h < high``. The ranges tile
        ``[0, 2**32)`` in split order.

    Examples
    --------
    >>> split_ranges([50, 50])
    {'control': (0, 2147483648), 'treatment': (2147483648, 4294967296)}
    >>> split_ranges({"a": 0.25, "b": 0.75})
    {'a': (0, 1073741824), 'b': (1073741824, 4294967296)}
    """
    arms, highs = _parse_split(split, "split_ranges")
    lows = (0, *highs[:-1])
    return {arm: (low, high) for arm, low, high in zip(arms, lows, highs, strict=True)}


@dataclass(frozen=True)
class AssignmentCheck(Result):
    """Recorded arms compared with the arms the hash gives.

    Attributes
    ----------
    salt : str
        The salt used to recompute the assignment.
    n : int
        Units checked.
    n_mismatches : int
        Units whose recorded variant differs from the arm the hash gives (including unknown variants).
    mismatch_rate : float
        ``n_mismatches / n`` (nan when ``n`` is 0).
    n_unknown : int
        Units recorded in a variant that is not an arm of the split.
    unknown_variants : tuple of str
        Those variants, as text, sorted.
    variants, expected_shares, n_expected, n_recorded, mismatches : tuple
        The columns of :attr:`table`, one entry per arm (split order) then per unknown variant.
    """

    salt: str
    n: int
    n_mismatches: int
    mismatch_rate: float
    n_unknown: int
    unknown_variants: tuple[str, ...]
    variants: tuple[str, ...]
    expected_shares: tuple[float, ...]
    n_expected: tuple[int, ...]
    n_recorded: tuple[int, ...]
    mismatches: tuple[int, ...]

    @property
    def ok(self) -> bool:
        """True when every unit is recorded in the arm the hash gives."""
        return self.n_mismatches == 0

    @property
    def table(self) -> pd.DataFrame:
        """One row per variant: expected share, units the hash puts there, units recorded there, their share, and
        the recorded units that belong elsewhere (``mismatches``)."""
        n_recorded = np.array(self.n_recorded, dtype=np.int64)
        share = n_recorded / self.n if self.n else np.full(n_recorded.size, np.nan)
        return pd.DataFrame(
            {
                "variant": list(self.variants),
                "expected_share": list(self.expected_shares),
                "n_expected": list(self.n_expected),
                "n": n_recorded,
                "share": share,
                "mismatches": list(self.mismatches),
            }
        )

    def _headline(self) -> str:
        return f"Assignment check (salt {self.salt!r}): {self.n_mismatches:,} mismatches in {self.n:,} units"

    def __str__(self) -> str:
        return self._headline() + "\n" + self.table.to_string(index=False)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self._headline())}</p>" + self.table.to_html(index=False, escape=True)


def check_assignment(
    units: Any,
    variants: Any,
    *,
    salt: str,
    split: dict[str, float] | list[float] | tuple[float, ...],
    unit: str | None = None,
) -> AssignmentCheck:
    """Recompute the assignment of each unit and count the units recorded in another arm.

    Parameters
    ----------
    units : array-like of str or int, or pandas DataFrame
        The unit ids, or a DataFrame holding them in column ``unit``.
    variants : array-like, or str
        The recorded variant of each unit, paired with ``units`` by position; when ``units`` is a DataFrame, the
        name of its variant column.
    salt : str
        The salt of the assignment, as in :func:`assign`.
    split : dict of str to float, or list of float
        The split of the assignment, as in :func:`assign`.
    unit : str, optional
        The unit column, required when ``units`` is a DataFrame.

    Returns
    -------
    AssignmentCheck
        Totals and a per-variant :attr:`~AssignmentCheck.table`; variants that are not arms of the split are listed
        in ``unknown_variants`` and count as mismatches.

    Raises
    ------
    ColumnError
        If a named column is not in the DataFrame.
    DataError
        If ids or variants are missing, or the two have different lengths.
    ParameterError
        If the salt or split is invalid.

    Examples
    --------
    >>> ids = ["user_5", "user_6", "user_7", "user_8"]
    >>> check = check_assignment(ids, ["treatment", "control", "control", "control"], salt="exp-42", split=[50, 50])
    >>> check.n_mismatches, check.ok
    (1, False)
    >>> check.table[["variant", "n", "mismatches"]].to_numpy().tolist()
    [['control', 3, 1], ['treatment', 1, 0]]
    """
    func = "check_assignment"
    arms, highs = _parse_split(split, func)
    if isinstance(units, pd.DataFrame):
        frame = units
        for param, column in (("unit", unit), ("variants", variants)):
            if not isinstance(column, str):
                raise ParameterError(
                    f"The '{param}' parameter of {func} must be a column name when the data is a DataFrame. "
                    f"Got {column!r} instead."
                )
            if column not in frame.columns:
                raise ColumnError(
                    f"Column {column!r} (the '{param}' parameter of {func}) not found in the data; columns are: "
                    f"{', '.join(map(str, frame.columns))}."
                )
        units, variants = frame[unit], frame[variants]
    elif unit is not None:
        raise ParameterError(
            f"The 'unit' parameter of {func} names a column, so it needs a DataFrame as data. Got unit={unit!r} with "
            f"data of type {type(units).__name__} instead; pass the DataFrame, or drop 'unit'."
        )
    recorded = pd.Series(np.asarray(variants, dtype=object) if not isinstance(variants, pd.Series) else variants)
    if isinstance(variants, str | bytes) or recorded.ndim != 1:
        raise ParameterError(
            f"The 'variants' parameter of {func} must be one variant per unit (or a column name with a DataFrame). "
            f"Got {variants!r} instead."
        )
    n_units = len(units)
    if len(recorded) != n_units:
        raise DataError(
            f"The 'variants' parameter of {func} must have one entry per unit. Got {len(recorded)} variants for "
            f"{n_units} units instead."
        )
    missing = recorded.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"The 'variants' parameter of {func} must not contain missing values. Got {int(missing.sum())} missing "
            f"(first at position {int(np.flatnonzero(missing)[0])}) instead; drop those units or fill their variant."
        )
    expected = _arm_codes(units, salt=salt, highs=highs, param="units", func=func)
    observed = pd.Index(list(arms)).get_indexer(pd.Index(recorded.astype(object))).astype(np.int64)
    known = observed >= 0
    wrong = observed != expected
    k = len(arms)
    n_expected = np.bincount(expected, minlength=k)
    n_recorded = np.bincount(observed[known], minlength=k)
    arm_mismatches = np.bincount(observed[known & wrong], minlength=k)
    unknown_counts = recorded[~known].astype(str).value_counts().sort_index()
    unknown = tuple(str(v) for v in unknown_counts.index)
    n_mismatches = int(wrong.sum())
    if n_units == 0:
        warnings.warn(f"{func} got no units: the mismatch rate is nan.", DegenerateDataWarning, stacklevel=2)
    shares = [(hi - lo) / _TWO_32 for lo, hi in zip((0, *highs[:-1]), highs, strict=True)]
    return AssignmentCheck(
        salt=salt,
        n=n_units,
        n_mismatches=n_mismatches,
        mismatch_rate=n_mismatches / n_units if n_units else math.nan,
        n_unknown=int(unknown_counts.sum()),
        unknown_variants=unknown,
        variants=(*arms, *unknown),
        expected_shares=(*shares, *([math.nan] * len(unknown))),
        n_expected=(*map(int, n_expected), *([0] * len(unknown))),
        n_recorded=(*map(int, n_recorded), *map(int, unknown_counts.to_numpy())),
        mismatches=(*map(int, arm_mismatches), *map(int, unknown_counts.to_numpy())),
    )


def _arm_codes(unit_ids: Any, *, salt: Any, highs: tuple[int, ...], param: str, func: str) -> np.ndarray:
    """Index of each unit's arm: the number of upper bounds at or below its hash."""
    if not isinstance(salt, str) or not salt:
        raise ParameterError(
            f"The 'salt' parameter of {func} must be a non-empty string, e.g. the experiment's name. "
            f"Got {salt!r} instead."
        )
    h = _hash_keys(unit_ids, seed=0, prefix=f"{salt}:".encode(), param=param, func=func)
    inner = np.array([b for b in highs[:-1] if b < _TWO_32], dtype=np.uint32)
    if inner.size > 8:
        return np.searchsorted(inner, h, side="right")
    codes = np.zeros(h.size, dtype=np.uint8)
    for bound in inner:
        codes += h >= bound
    return codes


def _parse_split(split: Any, func: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Arm names and the exclusive upper bound of each arm's hash range, ``ceil(c_i * 2**32)``."""

    def bad(found: str) -> ParameterError:
        return ParameterError(f"The 'split' parameter of {func} must be {_SPLIT_HELP}. Got {found} instead.")

    def number(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
            raise bad(f"{split!r}, where {value!r} is not a positive number")
        return float(value)

    if isinstance(split, dict):
        arms = tuple(split)
        if any(not isinstance(a, str) or not a for a in arms):
            raise bad(f"{split!r}, whose arm names are not all non-empty strings")
        shares = [number(v) for v in split.values()]
        cumulative = _running_sums(shares)
        if abs(cumulative[-1] - 1.0) > 1e-9:
            raise bad(f"{split!r}, whose shares sum to {cumulative[-1]!r}")
    elif isinstance(split, list | tuple):
        percents = [number(v) for v in split]
        total = _running_sums(percents)[-1] if percents else 0.0
        if abs(total - 100.0) > 1e-7:
            hint = f"; for shares use percents, e.g. {[round(100 * p, 6) for p in percents]}" if total == 1 else ""
            raise bad(f"{list(split)!r}, whose percents sum to {total!r}{hint}")
        cumulative = [c / 100.0 for c in _running_sums(percents)]
        arms = ("control", "treatment", *(f"treatment_{i}" for i in range(2, len(percents))))[: len(percents)]
    else:
        raise bad(f"{split!r} of type {type(split).__name__}")
    if len(arms) < 2:
        raise bad(f"{split!r}, which has {len(arms)} arm; give at least two")
    highs = (*(min(math.ceil(c * _TWO_32), _TWO_32) for c in cumulative[:-1]), _TWO_32)
    return arms, highs


def _running_sums(values: list[float]) -> list[float]:
    out, total = [], 0.0
    for v in values:
        total += v
        out.append(total)
    return out


def assign_file(path: str | Path, output: str | Path, *, salt: str, split: Any, unit: str | None = None) -> int:
    """Assign the ids of a CSV/TSV/Parquet file and write ``unit,variant`` rows to the CSV ``output``.

    The file is streamed in batches, so it may be larger than memory; CSV ids are read as text (``007`` stays
    ``007``). Returns the number of units written.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from abkit.io import iter_batches

    writer = None
    count = 0
    try:
        for batch in iter_batches(path):
            col = unit or batch.schema.names[0]
            if col not in batch.schema.names:
                raise ColumnError(
                    f"column {col!r} not found in {str(path)!r}; columns are: {', '.join(batch.schema.names)}"
                )
            ids = batch.column(col)
            arms = assign(ids, salt=salt, split=split)
            table = pa.table({col: ids.cast(pa.string()), "variant": pa.array(arms, type=pa.string())})
            if writer is None:
                writer = pacsv.CSVWriter(str(output), table.schema)
            writer.write_table(table)
            count += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return count
