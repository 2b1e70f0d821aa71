"""Reading tables: pandas DataFrames, CSV/TSV/Parquet paths and globs (through DuckDB), DuckDB relations, Spark frames.

:func:`open_source` resolves whatever the user passed into a :class:`Source` naming its kind (``"pandas"``,
``"file"``, ``"duckdb"`` or ``"spark"``); :func:`column_types` lists its columns with a portable type class for every
kind, and :func:`check_columns` raises one clear :class:`~abkit.errors.ColumnError` for a missing or non-numeric
column. Spark frames are recognised by their class's module name, so pyspark is never imported unless the data is one.

Examples
--------
>>> import pandas as pd
>>> src = open_source(pd.DataFrame({"variant": ["a", "b"], "y": [1.0, 2.0]}))
>>> src.kind, column_types(src)
('pandas', {'variant': 'string', 'y': 'numeric'})
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from abkit.errors import ColumnError, DataError, ParameterError

__all__ = [
    "SUFFIXES",
    "Source",
    "as_frame",
    "check_columns",
    "column_types",
    "duckdb_relation",
    "is_spark_frame",
    "iter_batches",
    "open_source",
    "read_table",
    "type_class",
    "validate_columns",
]

SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Source:
    """A table as given by the user, resolved.

    Attributes
    ----------
    kind : {"pandas", "file", "duckdb", "spark"}
    data : object
        The DataFrame, the DuckDB relation or the Spark DataFrame; for files, the list of matching paths.
    label : str
        How error messages name the table (the path, or the object's type).
    format : str or None
        ``"csv"``, ``"tsv"`` or ``"parquet"`` for files.
    """

    kind: str
    data: Any
    label: str
    format: str | None = None


def is_spark_frame(data: Any) -> bool:
    """Whether ``data`` is a Spark DataFrame (classic or Connect), judged by class module names, without pyspark."""
    return any(
        c.__name__ == "DataFrame" and c.__module__.startswith("pyspark.sql") for c in type(data).__mro__
    )  # fmt: skip


def _is_duckdb_relation(data: Any) -> bool:
    return any(c.__name__ == "DuckDBPyRelation" and c.__module__.startswith("duckdb") for c in type(data).__mro__)


def _resolve_paths(path: str) -> tuple[list[str], str]:
    p = Path(path)
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in SUFFIXES)
        kinds = {SUFFIXES[Path(f).suffix.lower()] for f in files}
        if not files:
            raise DataError(f"directory {path!r} holds no .csv, .tsv or .parquet files.")
        if len(kinds) > 1:
            raise DataError(f"directory {path!r} mixes file types ({', '.join(sorted(kinds))}); pass a glob.")
        return files, kinds.pop()
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ParameterError(
            f"cannot read {path!r}: unknown suffix {p.suffix or '(none)'!r}; use .csv, .tsv, .txt, .parquet or .pq."
        )
    if _GLOB_CHARS & set(path):
        files = sorted(glob.glob(path, recursive=True))
        if not files:
            raise DataError(f"the pattern {path!r} matches no file; check the directory and the pattern.")
        return files, kind
    if not p.exists():
        raise DataError(f"file not found: {path!r}")
    return [path], kind


def open_source(data: Any) -> Source:
    """Resolve ``data`` (DataFrame, path or glob, DuckDB relation, pyarrow Table, Spark DataFrame) into a Source.

    Raises
    ------
    DataError
        A path that does not exist, or a glob that matches nothing.
    ParameterError
        An unknown suffix, an unsupported object, or a Spark DataFrame while pyspark cannot be imported.
    """
    if isinstance(data, Source):
        return data
    if isinstance(data, pd.DataFrame):
        return Source("pandas", data, "the DataFrame")
    if isinstance(data, str | Path):
        files, kind = _resolve_paths(str(data))
        return Source("file", files, str(data), kind)
    if _is_duckdb_relation(data):
        return Source("duckdb", data, "the DuckDB relation")
    if type(data).__module__.startswith("pyarrow") and type(data).__name__ == "Table":
        import duckdb

        return Source("duckdb", duckdb.connect().from_arrow(data), "the Arrow table")
    if is_spark_frame(data):
        try:
            import pyspark  # noqa: F401
        except ImportError as exc:
            raise ParameterError(
                f"data is a Spark DataFrame ({type(data).__module__}.{type(data).__name__}) but pyspark cannot be "
                "imported here; install the spark extra: pip install 'abkit[spark]'."
            ) from exc
        return Source("spark", data, "the Spark DataFrame")
    raise ParameterError(
        "data must be a pandas DataFrame, a path to a CSV/TSV/Parquet file (or a glob), a DuckDB relation or a "
        f"Spark DataFrame; got {type(data).__module__}.{type(data).__name__}."
    )


def duckdb_relation(source: Source, con: Any) -> Any:
    """A DuckDB relation over ``source`` (pandas, file or relation) on connection ``con``."""
    if source.kind == "duckdb":
        return source.data
    if source.kind == "pandas":
        return con.from_df(source.data)
    if source.kind == "file":
        files = source.data if len(source.data) > 1 else source.data[0]
        if source.format == "parquet":
            return con.read_parquet(files)
        return con.read_csv(files, sep="\t" if source.format == "tsv" else ",")
    raise ParameterError(f"{source.label} cannot be read through DuckDB; use the Spark engine.")


def type_class(name: str) -> str:
    """Portable class of a DuckDB or Spark type name: numeric, bool, string, temporal, other."""
    t = name.upper()
    if t.startswith(("BOOL",)):
        return "bool"
    if t.startswith(("TIMESTAMP", "DATE")):
        return "temporal"
    if t.startswith(("VARCHAR", "STRING", "CHAR", "TEXT")):
        return "string"
    numeric = (
        "TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
        "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL", "BYTE", "SHORT", "LONG",
    )  # fmt: skip
    return "numeric" if t.split("(")[0] in numeric else "other"


def _pandas_class(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "temporal"
    if pd.api.types.is_string_dtype(dtype):
        return "string"
    return "other"


def raw_types(source: Source) -> dict[str, str]:
    """Column name -> the engine's own type name (pandas dtype, DuckDB type, Spark simple string)."""
    if source.kind == "pandas":
        return {str(c): str(t) for c, t in source.data.dtypes.items()}
    if source.kind == "spark":
        return {f.name: f.dataType.simpleString() for f in source.data.schema.fields}
    if source.kind == "file":
        import duckdb

        con = duckdb.connect()
        try:
            rel = duckdb_relation(source, con)
            return {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
        finally:
            con.close()
    rel = source.data
    return {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}


def column_types(source: Source) -> dict[str, str]:
    """Column name -> ``"numeric"``, ``"bool"``, ``"string"``, ``"temporal"`` or ``"other"``, for every kind."""
    if source.kind == "pandas":
        out = {}
        for c, t in source.data.dtypes.items():
            is_object = pd.api.types.is_object_dtype(t)
            out[str(c)] = _object_class(source.data[c]) if is_object else _pandas_class(t)
        return out
    return {c: type_class(t) for c, t in raw_types(source).items()}


def _object_class(s: pd.Series) -> str:
    kind = pd.api.types.infer_dtype(s, skipna=True)
    return {"string": "string", "date": "temporal", "datetime": "temporal", "boolean": "bool"}.get(
        kind, "numeric" if kind in ("integer", "floating", "mixed-integer-float", "decimal") else "other"
    )


def check_columns(source: Source, *, numeric: Iterable[str] = (), keys: Iterable[str] = ()) -> dict[str, str]:
    """Check that ``numeric`` columns exist and are numeric (or boolean) and that ``keys`` exist; return the types.

    Raises
    ------
    ColumnError
        Naming the missing column and listing the existing ones, or naming the non-numeric column and its type.
    """
    types = column_types(source)
    validate_columns(types, lambda c: raw_types(source)[c], numeric=numeric, keys=keys, label=source.label)
    return types


def validate_columns(
    types: dict[str, str],
    raw: Callable[[str], str],
    *,
    numeric: Iterable[str] = (),
    keys: Iterable[str] = (),
    label: str = "the data",
) -> None:
    """Raise ColumnError for a column of ``numeric`` or ``keys`` missing from ``types``, or a non-numeric one."""
    numeric = list(numeric)
    for c in [*numeric, *keys]:
        if c not in types:
            cols = ", ".join(types)
            raise ColumnError(f"column {c!r} not found in {label}; columns are: {cols}")
    for c in numeric:
        if types[c] not in ("numeric", "bool"):
            raise ColumnError(
                f"column {c!r} of {label} must be numeric (or boolean); found type {raw(c)}. "
                "Convert it first (a CAST in SQL, pd.to_numeric in pandas)."
            )


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file, a glob or a directory of them (by suffix) into a DataFrame through DuckDB."""
    import duckdb

    source = open_source(str(path))
    con = duckdb.connect()
    try:
        return duckdb_relation(source, con).df()
    finally:
        con.close()


def as_frame(data: Any) -> pd.DataFrame:
    """A pandas DataFrame for ``data``: a DataFrame as is; a path or a DuckDB relation read in full.

    Spark frames are never collected: use the Spark engine (:func:`abkit.engines.compute_moments`).
    """
    source = open_source(data)
    if source.kind == "pandas":
        return source.data
    if source.kind == "file":
        return read_table(str(data))
    if source.kind == "duckdb":
        return source.data.df()
    raise ParameterError(
        f"{source.label} is not collected into memory; call the engines (ab.analyze, compute_moments) on it."
    )


def iter_batches(path: str | Path, *, as_text: bool = True) -> Any:
    """Arrow record batches of a CSV/TSV/Parquet file, streamed (the file need not fit in memory).

    With ``as_text`` CSV columns are read as text, so ids such as ``007`` keep their leading zeros.
    """
    import duckdb

    p = Path(path)
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ParameterError(f"cannot read {str(p)!r}: unknown suffix {p.suffix!r}; use .csv, .tsv or .parquet.")
    if not p.exists():
        raise DataError(f"file not found: {str(p)!r}")
    con = duckdb.connect()
    if kind == "parquet":
        rel = con.sql("SELECT * FROM read_parquet($p)", params={"p": str(p)})
    else:
        sep = "\t" if kind == "tsv" else ","
        rel = con.sql(
            "SELECT * FROM read_csv($p, delim=$d, all_varchar=$v)", params={"p": str(p), "d": sep, "v": as_text}
        )
    yield from rel.to_arrow_reader()
    con.close()
