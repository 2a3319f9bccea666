"""The bad-input corpus (tests/fixtures/bad_input/manifest.yml) and input formats.

Every expected outcome is declared by hand in the manifest (or below), never read
from the models. To stay fast, the row cases are built together in ONE dbt build
(each bad row has its own key), and the file-level cases run dbt in this process
with the same vars for every case (so dbt parses the project once) and select
one staging model: landing, where the file faults are caught, runs on-run-start.

The corpus build runs under TZ=America/New_York, the Parquet case under New York
and in this process (UTC on CI): the declared values are UTC, whatever the machine.

Every corpus test runs on both engines (fixture params `duckdb`, `spark`): the
Spark variant builds the input layer (staging, audit) with `--target spark` in
this process, one SparkSession for every case (tests/python/helpers/spark.py).
It is skipped, with the reason in the summary, only when pyspark, dbt-spark or
Java is missing or LIFECYCLE_SKIP_SPARK=1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import FIXTURES, PROJECT_ROOT, BuildResult, dbt_build
from helpers.dbt_args import project_args
from helpers.spark import SparkDbt, spark_unavailable_reason

from customer_lifecycle.publish import build_path

CORPUS = FIXTURES / "bad_input"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yml").read_text())
VARS = {"as_of_date": "2024-03-31", "max_rejected_share": 1}
ENGINES = ["duckdb", "spark"]
# What the Spark variant builds: the input layer, with its tests.
SPARK_INPUT_LAYER = ["--select", "+path:models/audit", "path:models/staging"]


def _input_vars(workdir: Path) -> dict:
    return {**VARS, "input_dir": str(workdir / "input")}


def _set_input(workdir: Path, files: dict[str, bytes]) -> None:
    """Make ``workdir/input`` hold exactly ``files``."""
    shutil.rmtree(workdir / "input", ignore_errors=True)
    (workdir / "input").mkdir()
    for name, content in files.items():
        (workdir / "input" / name).write_bytes(content)


def _files_of(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("input_corpus")


@pytest.fixture(scope="module")
def corpus_build(workdir) -> BuildResult:
    """rows/ built whole (every model and data test), on a machine whose clock is
    in New York. Unit tests do not read the input: left out to save time."""
    _set_input(workdir, _files_of(CORPUS / "rows"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "America/New_York")
        patch.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        result = dbt_build(workdir, _input_vars(workdir))
    assert result.returncode == 0, result.output[-4000:]
    # Unit tests left out, so not every node ran: the build file is read, never
    # published (only a build of every node publishes).
    assert "NOT PUBLISHED" in result.output, result.output[-4000:]
    return BuildResult(
        result.returncode, result.output, build_path(workdir / "warehouse.duckdb")
    )


@pytest.fixture(scope="module")
def spark_dbt(tmp_path_factory) -> SparkDbt:
    reason = spark_unavailable_reason()
    if reason:
        pytest.skip(f"Spark variant not run: {reason}")
    return SparkDbt(tmp_path_factory.mktemp("spark_corpus"))


class SparkResult:
    """A Spark build of the input layer: its output, and queries on it."""

    def __init__(self, spark_dbt: SparkDbt, success: bool, output: str) -> None:
        self.spark_dbt, self.success, self.output = spark_dbt, success, output

    def query(self, sql: str) -> list[tuple]:
        return self.spark_dbt.query(sql)


@pytest.fixture(scope="module")
def spark_corpus_build(spark_dbt) -> SparkResult:
    """rows/ built on Spark: the input layer and its data tests."""
    _set_input(spark_dbt.workdir, _files_of(CORPUS / "rows"))
    success, output = spark_dbt.invoke(
        ["build", *SPARK_INPUT_LAYER], _input_vars(spark_dbt.workdir)
    )
    assert success, output[-4000:]
    return SparkResult(spark_dbt, success, output)


@pytest.fixture(scope="module", params=ENGINES)
def corpus(request):
    """The corpus build on each engine (DuckDB: the whole warehouse)."""
    name = "corpus_build" if request.param == "duckdb" else "spark_corpus_build"
    return request.getfixturevalue(name)


def _expected_rejections() -> dict[tuple[str, int], tuple[str, str]]:
    expected = {}
    for case in MANIFEST["row_cases"]:
        for row in case["rows"]:
            key = (case["source"], row)
            assert key not in expected, f"two cases declare {key}"
            expected[key] = (case["column"], case["reason"])
    return expected


def test_corpus_has_at_least_30_kinds():
    kinds = {
        case["case"]
        for group in ("row_cases", "accepted_cases", "file_cases")
        for case in MANIFEST[group]
    }
    assert len(kinds) == sum(len(MANIFEST[group]) for group in MANIFEST)
    assert len(MANIFEST["row_cases"]) + len(MANIFEST["file_cases"]) >= 30


def test_every_declared_bad_row_is_quarantined_with_its_reason(corpus):
    got = {
        (source, row): (column, reason)
        for source, row, column, reason in corpus.query(
            "select source_name, source_row_number, rejected_column, reason"
            " from audit.rejected_rows"
        )
    }
    expected = _expected_rejections()
    wrong = {
        key: (got.get(key), want)
        for key, want in expected.items()
        if got.get(key) != want
    }
    assert not wrong, f"(got, declared) per (source, row): {wrong}"
    assert set(got) == set(expected), f"undeclared: {set(got) - set(expected)}"


@pytest.mark.parametrize(
    "case", MANIFEST["accepted_cases"], ids=lambda case: case["case"]
)
def test_odd_but_valid_rows_are_read_exactly(corpus, case):
    assert corpus.query(case["query"]) == [(case["expected"],)], case["input"]


def test_corpus_row_accounting(corpus):
    """input_rows is the count of CSV records (Python's csv module), split into
    accepted + the declared rejections."""
    declared = _expected_rejections()
    counts = corpus.query(
        "select source_name, input_rows, accepted_rows, rejected_rows"
        " from audit.source_row_counts order by source_name"
    )
    for source, input_rows, accepted, rejected in counts:
        text = (CORPUS / "rows" / f"{source}.csv").read_text(encoding="utf-8")
        records = len(list(csv.reader(io.StringIO(text, newline="")))) - 1
        assert input_rows == records == accepted + rejected, source
        assert rejected == sum(1 for s, _ in declared if s == source), source


@pytest.mark.parametrize(
    "table",
    ["orders", "customers", "touchpoints", "survey_responses", "marketing_spend"],
)
def test_key_rules_decide_exactly_when_every_key_hash_collides(
    corpus_build, workdir, tmp_path, table
):
    """validate_input_rows finds repeated keys by a 64-bit hash of the key, then
    decides on the key itself. Replacing the hash by a constant makes every key
    collide, so every row takes the exact path: the verdicts must not change
    (a rule grouped by the hash instead of the key would reject every row here)."""
    compiled = next(
        (workdir / "target" / "compiled").rglob(f"base_input__{table}.sql")
    ).read_text()
    assert compiled.count("hash(") >= 2, "the key hash is no longer in the SQL"
    colliding = compiled.replace("hash(", "0 * hash(")
    catalog = re.search(r'from "([^"]+)"\."raw"\.', compiled).group(1)
    copy = tmp_path / "corpus.duckdb"
    shutil.copy(corpus_build.database, copy)
    con = duckdb.connect()
    con.execute(f"attach '{copy}' as \"{catalog}\"")
    con.execute(f'use "{catalog}"')
    con.execute(f"create temp table hashed as {compiled}")
    con.execute(f"create temp table collided as {colliding}")
    candidates = con.execute(
        "select count(*) from ("
        + colliding.split("repeated_key_row_numbers as (")[0].rstrip().rstrip(",")
        + " select * from repeated_key_hashes)"
    ).fetchone()[0]
    assert candidates == 1, "every key should share the one (constant) hash"
    for a, b in (("hashed", "collided"), ("collided", "hashed")):
        assert (
            con.execute(
                f"select count(*) from (from {a} except all from {b})"
            ).fetchone()[0]
            == 0
        ), f"{table}: verdicts differ when the key hashes collide"
    built = con.execute(f"select count(*) from staging.base_input__{table}").fetchone()[
        0
    ]
    assert con.execute("select count(*) from collided").fetchone()[0] == built > 0


def test_corpus_warnings_are_printed_and_the_build_goes_on(corpus):
    assert (
        "INPUT WARNING: orders: order O48 (amount 900000.00) is worth more than all"
        " other orders together" in corpus.output
    )
    assert "INPUT WARNING: orders: 1 rows of 1 customers not in customers" in (
        corpus.output
    )


def test_customer_not_in_customers_is_kept_in_the_marts(corpus_build):
    """DuckDB only: the marts are not part of the Spark input-layer build."""
    # A customer missing from customers is counted, not rejected.
    assert corpus_build.query(
        "select customer_id, revenue from marts.customer_360 where customer_id = 'C404'"
    ) == [("C404", Decimal("10.00"))]


# --- Parquet input, under two machine time zones --------------------------------

PARQUET_ORDERS = pa.table(
    {
        "order_id": ["P1", "P2", "P3", "P4"],
        "customer_id": ["C1", "C2", "C3", "C4"],
        # instants: 2024-01-10 23:30 in Los Angeles is 2024-01-11 07:30 UTC
        "ordered_at": pa.array(
            [
                dt.datetime(2024, 1, 11, 7, 30, tzinfo=dt.UTC),
                dt.datetime(2024, 2, 1, 0, 15, tzinfo=dt.UTC),
                dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC),
                dt.datetime(2024, 3, 2, 12, 0, tzinfo=dt.UTC),
            ],
            type=pa.timestamp("us", tz="America/Los_Angeles"),
        ),
        "amount": pa.array([19.99, 12.345, 5.0, 7.5], type=pa.float64()),
        "cost": pa.array([10.0, 1.0, None, 2.25], type=pa.float64()),
        "is_refund": [False, False, False, False],
    }
)
# by hand: UTC wall-clock times; 12.345 has three decimals (quarantined)
PARQUET_EXPECTED = [
    ("P1", "2024-01-11 07:30:00", Decimal("19.99"), None),
    ("P2", None, None, "amount has more than 2 decimals (it would be rounded)"),
    ("P3", "2024-03-01 12:00:00", Decimal("5.00"), None),
    ("P4", "2024-03-02 12:00:00", Decimal("7.50"), None),
]


def _run_staging_subprocess(workdir: Path, time_zone: str) -> str:
    """`dbt run` of the orders validation in a process whose clock is in
    ``time_zone``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", time_zone)
        result = dbt_build(
            workdir, _input_vars(workdir), command="run", select="base_input__orders"
        )
    assert result.returncode == 0, result.output[-3000:]
    return result.output


STAGED_ORDERS = (
    "select order_id, cast(ordered_at as varchar), amount, rejection_reason"
    " from staging.base_input__orders order by order_id"
)


def _staged_orders(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(STAGED_ORDERS).fetchall()


# --- File-level faults: dbt in this process, one parse --------------------------


class InProcessDbt:
    """`dbt run --select <one staging model>` in this process, for many inputs.

    The vars never change between cases (only the files in ``workdir/input``), so
    dbt parses the project once; landing (on-run-start) is what is tested.
    """

    engine = "duckdb"

    def __init__(self, workdir: Path) -> None:
        from dbt.cli.main import dbtRunner

        self.workdir = workdir
        self.messages: list[str] = []
        self.runner = dbtRunner(
            callbacks=[lambda event: self.messages.append(event.info.msg)]
        )

    def run(
        self, files: dict[str, bytes], variables: dict | None = None
    ) -> tuple[bool, str]:
        _set_input(self.workdir, files)
        self.messages = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(
                "LIFECYCLE_DUCKDB_PATH", str(self.workdir / "warehouse.duckdb")
            )
            patch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
            result = self.runner.invoke(
                [
                    "run",
                    "--select",
                    "base_input__orders",
                    *project_args(self.workdir),
                    "--vars",
                    json.dumps({**_input_vars(self.workdir), **(variables or {})}),
                ]
            )
        output = "\n".join(str(message) for message in self.messages)
        return result.success, output + "\n" + str(result.exception or "")

    def query(self, sql: str) -> list[tuple]:
        # dbt-duckdb keeps its instance open in this process: share it.
        with duckdb.connect(str(build_path(self.workdir / "warehouse.duckdb"))) as c:
            return c.sql(sql).fetchall()


class SparkInProcess:
    """InProcessDbt's interface on Spark: `dbt run` of one staging model."""

    engine = "spark"

    def __init__(self, spark_dbt: SparkDbt) -> None:
        self.spark_dbt = spark_dbt
        self.workdir = spark_dbt.workdir

    def run(
        self, files: dict[str, bytes], variables: dict | None = None
    ) -> tuple[bool, str]:
        _set_input(self.workdir, files)
        return self.spark_dbt.invoke(
            ["run", "--select", "base_input__orders"],
            {**_input_vars(self.workdir), **(variables or {})},
        )

    def query(self, sql: str) -> list[tuple]:
        return self.spark_dbt.query(sql)


@pytest.fixture(scope="module")
def duckdb_in_process(workdir, corpus_build) -> InProcessDbt:
    return InProcessDbt(workdir)


@pytest.fixture(scope="module", params=ENGINES)
def in_process(request):
    if request.param == "duckdb":
        return request.getfixturevalue("duckdb_in_process")
    return SparkInProcess(request.getfixturevalue("spark_dbt"))


def test_parquet_timestamptz_is_utc_whatever_the_machine_time_zone(
    duckdb_in_process,
):
    """The same Parquet file staged in a process under TZ=America/New_York and in
    this one (CI: UTC): identical rows, equal to the UTC values worked out by hand.
    The subprocess runs first: the in-process dbt keeps the build file open."""
    buffer = io.BytesIO()
    pq.write_table(PARQUET_ORDERS, buffer)
    files = _files_of(CORPUS / "rows")
    del files["orders.csv"]
    files["orders.parquet"] = buffer.getvalue()
    _set_input(duckdb_in_process.workdir, files)
    output = _run_staging_subprocess(duckdb_in_process.workdir, "America/New_York")
    assert "Input orders: landed 4 rows from orders.parquet" in output
    new_york = _staged_orders(
        build_path(duckdb_in_process.workdir / "warehouse.duckdb")
    )
    _assert_parquet_orders_staged(duckdb_in_process, files)
    assert duckdb_in_process.query(STAGED_ORDERS) == new_york


def test_parquet_input_on_spark(spark_dbt):
    """The same Parquet file on Spark gives the same rows, worked out by hand."""
    buffer = io.BytesIO()
    pq.write_table(PARQUET_ORDERS, buffer)
    files = _files_of(CORPUS / "rows")
    del files["orders.csv"]
    files["orders.parquet"] = buffer.getvalue()
    _assert_parquet_orders_staged(SparkInProcess(spark_dbt), files)


def _assert_parquet_orders_staged(engine, files: dict[str, bytes]) -> None:
    success, output = engine.run(files)
    assert success, output[-2000:]
    assert "Input orders: landed 4 rows from orders.parquet" in output
    here = engine.query(STAGED_ORDERS)
    for order_id, at, amount, reason in PARQUET_EXPECTED:
        row = next(r for r in here if r[0] == order_id)
        assert row[3] == reason, row
        if reason is None:
            assert (row[1], row[2]) == (at, amount), row


# Spark's file sources list no 0-byte file, so there a 0-byte file cannot be told
# from a missing one: the same outcome, and a message that names both.
SPARK_MESSAGES = {
    "empty_required_file": "Required input file missing or empty (0 bytes):",
    "empty_optional_file": "Input touchpoints: no file or an empty file (0 bytes)",
}


@pytest.mark.parametrize("case", MANIFEST["file_cases"], ids=lambda case: case["case"])
def test_file_level_fault(in_process, case):
    success, output = in_process.run(_files_of(CORPUS / "files" / case["case"]))
    message = case["message"]
    if in_process.engine == "spark":
        message = SPARK_MESSAGES.get(case["case"], message)
    lines = [line for line in output.splitlines() if message in line]
    assert lines, f"{case['case']}: no line with {message!r} in\n{output}"
    assert success == (case["outcome"] == "landed"), output[-2000:]
    assert "Possible Solution" not in output and "Traceback" not in output
    if case["outcome"] == "error":
        assert "input file" in lines[0].lower() or "Input directory" in lines[0]


def test_quoted_fields_after_20000_rows_are_read_with_the_same_dialect(in_process):
    """A sniffer that looks at the first rows only would see no quotes."""
    tiny = (FIXTURES / "tiny" / "orders.csv").read_text()
    filler = "".join(f"F{i},C1,2024-01-02,1.00,0.50,false\n" for i in range(25_000))
    tail = (
        '"Q,1",C2,2024-01-03,2.00,1.00,false\n"Q""2","C3",2024-01-04,3.00,1.00,false\n'
    )
    success, output = in_process.run({"orders.csv": (tiny + filler + tail).encode()})
    assert success, output[-2000:]
    assert in_process.query(
        "select order_id, customer_id, amount from staging.base_input__orders"
        " where order_id like 'Q%' order by order_id"
    ) == [('Q"2', "C3", Decimal("3.00")), ("Q,1", "C2", Decimal("2.00"))]
    assert in_process.query("select count(*) from raw.orders") == [(18 + 25_000 + 2,)]


def test_input_time_zone_var(in_process):
    """With input_time_zone Asia/Kolkata (UTC+05:30), an offset timestamp becomes
    Kolkata wall-clock time, a naive one is kept as written. (A changed var makes
    dbt parse again: one such case only.)"""
    orders = (
        b"order_id,customer_id,ordered_at,amount\n"
        b"K1,C1,2024-01-10T23:30:00-05:00,1.00\n"
        b"K2,C1,2024-01-10 23:30:00,1.00\n"
    )
    success, output = in_process.run(
        {"orders.csv": orders}, {"input_time_zone": "Asia/Kolkata"}
    )
    assert success, output[-2000:]
    # 23:30 at UTC-5 = 04:30 UTC on the 11th = 10:00 in Kolkata
    assert in_process.query(
        "select order_id, cast(ordered_at as varchar) from staging.base_input__orders"
        " order by order_id"
    ) == [("K1", "2024-01-11 10:00:00"), ("K2", "2024-01-10 23:30:00")]


def test_every_input_table_has_a_validation_model():
    """validated_sources() (macros/validation.sql) must list every table of the
    input contract; landing also checks it at run time."""
    sources = yaml.safe_load(
        (PROJECT_ROOT / "models/staging/input/_input__sources.yml").read_text()
    )["sources"][0]["tables"]
    macro = (PROJECT_ROOT / "macros/validation.sql").read_text()
    for table in sources:
        assert f"('{table['name']}', 'base_input__{table['name']}')" in macro
