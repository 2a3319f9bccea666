"""Compare every public mart of two builds: a DuckDB file and a Spark schema.

The public marts are the contracted, versioned models under ``models/marts``
with ``access: public`` (read from dbt's manifest). Two builds agree on a mart
when it has the same columns, the same rows (matched on its primary key) and
the same values: numbers within ``REL_TOL`` relative (``ABS_TOL`` absolute near
zero), everything else exactly, nulls equal to nulls. The fit run-time columns
(``RUN_TIME_COLUMNS``: wall-clock seconds, different between any two builds)
are left out.

The comparison itself (``compare_frames``) works on pandas frames, so it is
tested without Spark; the loaders read a mart from a DuckDB file or from a
Spark schema through Arrow into DuckDB, so both sides reach pandas with the
same dtypes.

    python -m customer_lifecycle.spark.compare --duckdb lifecycle.duckdb \\
        --spark-schema lifecycle [--manifest target/manifest.json]

prints one line per difference (table, column, key, both values) and exits 1
when any mart differs, 0 when every public mart is equal.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REL_TOL = 1e-9
ABS_TOL = 1e-12
# Wall-clock columns of the fit runs: they differ between any two builds.
RUN_TIME_COLUMNS = ("fit_seconds",)
# Differences printed per column (the count says how many there are in all).
SHOWN_PER_COLUMN = 5


@dataclass(frozen=True)
class Mart:
    """A public mart: its dbt name, relation identifier and primary key."""

    name: str
    schema: str
    identifier: str
    key: tuple[str, ...]
    columns: tuple[str, ...]


def public_marts(manifest: dict) -> list[Mart]:
    """The contracted public marts of models/marts, every version, by identifier."""
    marts = []
    for node in manifest["nodes"].values():
        if (
            node["resource_type"] != "model"
            or node.get("access") != "public"
            or not node["original_file_path"].startswith("models/marts/")
        ):
            continue
        columns = tuple(node["columns"])
        marts.append(
            Mart(
                name=node["name"],
                schema=node["schema"],
                identifier=node["alias"],
                key=primary_key(node),
                columns=columns,
            )
        )
    return sorted(marts, key=lambda mart: mart.identifier)


def primary_key(node: dict) -> tuple[str, ...]:
    """Primary-key columns of a model node (model or column constraints)."""
    for constraint in node.get("constraints", []):
        if constraint["type"] == "primary_key":
            return tuple(constraint["columns"])
    return tuple(
        name
        for name, column in node["columns"].items()
        if any(c["type"] == "primary_key" for c in column.get("constraints", []))
    )


def _is_number(series: pd.Series) -> bool:
    return series.dtype.kind in "iuf"


def _as_float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()


def _values_equal(left: pd.Series, right: pd.Series) -> np.ndarray:
    """Element-wise equality: numbers within tolerance, nulls equal to nulls."""
    if _is_number(left) and _is_number(right):
        a, b = _as_float(left), _as_float(right)
        both_nan = np.isnan(a) & np.isnan(b)
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= np.maximum(
                REL_TOL * np.maximum(np.abs(a), np.abs(b)), ABS_TOL
            )
            same_inf = (a == b) & np.isinf(a)
        return both_nan | close | same_inf
    left_null, right_null = left.isna().to_numpy(), right.isna().to_numpy()
    a = np.where(left_null, None, left.astype(object).to_numpy())
    b = np.where(right_null, None, right.astype(object).to_numpy())
    equal = np.array([x == y for x, y in zip(a, b, strict=True)], dtype=bool)
    return (left_null & right_null) | (~left_null & ~right_null & equal)


def _key_text(row: tuple) -> str:
    return "(" + ", ".join(str(value) for value in row) + ")"


def compare_frames(
    table: str,
    left: pd.DataFrame,
    right: pd.DataFrame,
    key: Iterable[str],
    ignore: Iterable[str] = RUN_TIME_COLUMNS,
    names: tuple[str, str] = ("duckdb", "spark"),
) -> list[str]:
    """Differences between two versions of one table, one line each ([] = equal).

    Columns must match by name and kind (numbers, text, dates, booleans); rows
    are matched on ``key`` (missing rows are listed by key); each value of the
    matched rows must be equal (numbers within REL_TOL relative).
    """
    ignore = set(ignore)
    key = [column for column in key if column not in ignore]
    out = []
    only_left = [c for c in left.columns if c not in right.columns]
    only_right = [c for c in right.columns if c not in left.columns]
    for side, cols in ((names[0], only_left), (names[1], only_right)):
        out += [f"{table}.{column}: column only in {side}" for column in cols]
    if list(left.columns) != list(right.columns) and not (only_left or only_right):
        out.append(f"{table}: columns in another order")
    common = [c for c in left.columns if c in right.columns and c not in ignore]
    for column in common:
        kinds = {_kind(left[column]), _kind(right[column])}
        if len(kinds) > 1:
            out.append(f"{table}.{column}: types differ ({' vs '.join(sorted(kinds))})")
    if any(column not in common for column in key):
        return out + [f"{table}: key {key} not in both"]
    if not key:
        key, left, right = _positional_key(common, left, right)
        common = [*common, ROW_COLUMN]
    merged = left[common].merge(
        right[common], on=key, how="outer", suffixes=("@l", "@r"), indicator=True
    )
    merged = merged.sort_values(key, kind="stable", ignore_index=True)
    for side, flag in ((names[0], "left_only"), (names[1], "right_only")):
        missing = merged.loc[merged["_merge"] == flag, key]
        out += [
            f"{table} key {_key_text(row)}: row only in {side}"
            for row in missing.itertuples(index=False)
        ]
    both = merged.loc[merged["_merge"] == "both"]
    for column in (c for c in common if c not in key):
        equal = _values_equal(both[f"{column}@l"], both[f"{column}@r"])
        bad = both.loc[~equal]
        for _, row in bad.head(SHOWN_PER_COLUMN).iterrows():
            out.append(
                f"{table}.{column} key {_key_text(tuple(row[key]))}: "
                f"{names[0]}={row[f'{column}@l']!r} {names[1]}={row[f'{column}@r']!r}"
            )
        if len(bad) > SHOWN_PER_COLUMN:
            out.append(f"{table}.{column}: {len(bad)} rows differ in all")
    return out


ROW_COLUMN = "_row_within_key"


def _positional_key(
    common: list[str], left: pd.DataFrame, right: pd.DataFrame
) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """A key for a table without a primary key: its columns that are not
    floating point (floats differ in the last bits between engines), plus the
    row's rank among equal such values in the order of its float columns."""
    key = [c for c in common if left[c].dtype.kind != "f"]
    floats = [c for c in common if c not in key]
    ranked = []
    for frame in (left, right):
        frame = frame.sort_values(key + floats, kind="stable", ignore_index=True)
        rank = (
            frame.groupby(key, dropna=False, sort=False).cumcount()
            if key
            else (pd.Series(range(len(frame))))
        )
        ranked.append(frame.assign(**{ROW_COLUMN: rank}))
    return [*key, ROW_COLUMN], ranked[0], ranked[1]


def _kind(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind in "iuf":
        return "number"
    if kind == "b":
        return "boolean"
    if kind in "mM":
        return "datetime"
    non_null = series.dropna()
    if non_null.empty:
        return "null"
    return type(non_null.iloc[0]).__name__


def compare_marts(
    marts: Iterable[Mart],
    load_left: Callable[[Mart], pd.DataFrame],
    load_right: Callable[[Mart], pd.DataFrame],
) -> list[str]:
    """Differences over every mart (loaders read one mart from each build); a
    mart that a side cannot read is one difference naming the error."""
    out = []
    for mart in marts:
        frames = []
        for side, load in (("duckdb", load_left), ("spark", load_right)):
            try:
                frames.append(load(mart))
            except Exception as error:  # noqa: BLE001 - reported per mart
                first_line = str(error).strip().splitlines()[0][:300]
                out.append(f"{mart.identifier}: cannot read in {side}: {first_line}")
        if len(frames) == 2:
            out += compare_frames(mart.identifier, *frames, mart.key)
    return out


def duckdb_loader(path: str) -> Callable[[Mart], pd.DataFrame]:
    """Read a mart from a DuckDB file (its schema as dbt built it)."""
    import duckdb

    connection = duckdb.connect(path, read_only=True)
    return lambda mart: connection.sql(
        f'select * from "{mart.schema}"."{mart.identifier}"'
    ).df()


def spark_loader(spark, schema: str) -> Callable[[Mart], pd.DataFrame]:
    """Read a mart from a Spark schema, through Arrow into DuckDB's dtypes."""
    from customer_lifecycle.spark.frames import spark_to_duckdb

    return lambda mart: spark_to_duckdb(
        spark, f"select * from `{schema}`.`{mart.identifier}`"
    ).df()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duckdb", required=True, help="a built DuckDB file")
    parser.add_argument(
        "--spark-schema", required=True, help="Spark schema holding the marts"
    )
    parser.add_argument("--manifest", default="target/manifest.json")
    args = parser.parse_args(argv)
    marts = public_marts(json.loads(Path(args.manifest).read_text()))
    from customer_lifecycle.spark.session import spark_session

    differences = compare_marts(
        marts,
        duckdb_loader(args.duckdb),
        spark_loader(spark_session(), args.spark_schema),
    )
    for line in differences:
        print(line)
    print(
        f"{len(marts)} public marts compared: "
        + (f"{len(differences)} difference(s)" if differences else "all equal")
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
