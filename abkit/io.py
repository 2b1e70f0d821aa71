"""Reading tables: pandas DataFrames and CSV/TSV/Parquet paths (through DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from abkit.errors import DataError, ParameterError

__all__ = ["SUFFIXES", "as_frame", "read_table"]

SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file (by suffix) into a DataFrame through DuckDB."""
    import duckdb

    p = Path(path)
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ParameterError(f"cannot read {str(p)!r}: unknown suffix {p.suffix!r}; use .csv, .tsv or .parquet.")
    if not p.exists():
        raise DataError(f"file not found: {str(p)!r}")
    con = duckdb.connect()
    try:
        if kind == "parquet":
            rel = con.read_parquet(str(p))
        else:
            rel = con.read_csv(str(p), sep="\t" if kind == "tsv" else ",")
        return rel.df()
    finally:
        con.close()


def as_frame(data: Any) -> pd.DataFrame:
    """A pandas DataFrame for ``data``: a DataFrame as is, a path read through DuckDB."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | Path):
        return read_table(data)
    raise ParameterError(
        f"data must be a pandas DataFrame or a path to a CSV/TSV/Parquet file; got {type(data).__name__}."
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
