"""Writing the simulated tables as CSV or Parquet (see the package docstring,
"Files and types")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

TRUTH_TABLES: frozenset[str] = frozenset({"customer_truth"})
MONEY_COLUMNS: frozenset[str] = frozenset(
    {"amount", "cost", "acquisition_cost", "spend"}
)
FORMATS: tuple[str, ...] = ("csv", "parquet")


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _write_csv(table: pa.Table, path: Path) -> None:
    """Header, no quoting, money as exactly two decimals."""
    for i, f in enumerate(table.schema):
        if f.name in MONEY_COLUMNS:
            table = table.set_column(
                i, f.name, pc.cast(table[f.name], pa.decimal128(18, 2))
            )
    with path.open("wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode("ascii"))
        pa_csv.write_csv(
            table,
            fh,
            pa_csv.WriteOptions(include_header=False, quoting_style="none"),
        )


def write(
    tables: dict[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write each table to ``out_dir/<table>.<fmt>`` (truth under ``truth/``)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    out = Path(out_dir)
    paths: list[Path] = []
    for name, df in tables.items():
        folder = out / "truth" if name in TRUTH_TABLES else out
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.{fmt}"
        table = _arrow_table(df)
        if fmt == "parquet":
            pq.write_table(table, path)
        else:
            _write_csv(table, path)
        paths.append(path)
    return paths
