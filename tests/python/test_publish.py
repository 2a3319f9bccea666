"""Publish, never overwrite (issue 8).

The published file changes only as a whole, after a full build that passed: a
reader holding it never blocks a build and keeps its snapshot; a gated, failed or
killed build leaves it byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, PROJECT_ROOT, TINY_VARS, dbt_build

from customer_lifecycle.publish import build_path, publish

# The shared tiny build's vars without its as_of_date: each test sets its own.
TINY = {name: value for name, value in TINY_VARS.items() if name != "as_of_date"}


# A reader in its own process: one connection, answers a query per input line.
READER = """
import duckdb, sys
connection = duckdb.connect(sys.argv[1], read_only=True)
for _ in sys.stdin:
    query = "select max(as_of_date) from marts.customer_rfm"
    print(connection.sql(query).fetchone()[0], flush=True)
"""


def _ask(reader: subprocess.Popen) -> str:
    reader.stdin.write("?\n")
    reader.stdin.flush()
    return reader.stdout.readline().strip()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _as_of(connection: duckdb.DuckDBPyConnection) -> str:
    return str(
        connection.sql("select max(as_of_date) from marts.customer_rfm").fetchone()[0]
    )


def test_publish_replaces_the_file_and_a_reader_keeps_its_snapshot(tmp_path):
    old, new, published = tmp_path / "old", tmp_path / "new", tmp_path / "pub.duckdb"
    for path, value in ((old, 1), (new, 2)):
        with duckdb.connect(str(path)) as connection:
            connection.sql(f"create table t as select {value} as v")
    publish(old, published)
    reader = duckdb.connect(str(published), read_only=True)
    assert reader.sql("select v from t").fetchone() == (1,)
    publish(new, published)  # the reader does not block it
    assert reader.sql("select v from t").fetchone() == (1,)  # its snapshot
    # Another process connecting now sees the new data at once.
    script = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
        " print(c.sql('select v from t').fetchone()[0])"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(published)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert other.stdout.strip() == "2"
    # In this process, DuckDB shares one instance per path: reconnect after
    # closing every connection.
    reader.close()
    with duckdb.connect(str(published), read_only=True) as fresh:
        assert fresh.sql("select v from t").fetchone() == (2,)
    assert not list(tmp_path.glob(".*.publishing")), "temporary file left behind"


def test_publish_of_a_missing_build_changes_nothing(tmp_path):
    published = tmp_path / "pub.duckdb"
    published.write_bytes(b"as it was")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        publish(tmp_path / "missing.build", published)
    assert published.read_bytes() == b"as it was"


@pytest.mark.parametrize("kernel", ["copies", "refuses part-way"])
def test_publish_copies_every_byte(tmp_path, monkeypatch, kernel):
    """The published file is the build file byte for byte, whether the kernel
    copies it (os.copy_file_range) or refuses after a first chunk, when the copy
    must start over in Python rather than keep the chunk twice or lose it."""
    build, published = tmp_path / "w.build", tmp_path / "w.duckdb"
    # 5 MiB + 7 bytes of varied content: several kernel chunks, an odd tail.
    payload = os.urandom(5 * 1024 * 1024 + 7)
    build.write_bytes(payload)
    calls = []
    real = os.copy_file_range

    def refusing(source, target, count, *args):
        calls.append(count)
        if len(calls) > 1:
            raise OSError(18, "Invalid cross-device link")
        return real(source, target, min(count, 1024 * 1024))

    if kernel == "refuses part-way":
        monkeypatch.setattr(os, "copy_file_range", refusing)
    publish(build, published)
    assert published.read_bytes() == payload
    if kernel == "refuses part-way":
        assert len(calls) == 2  # one chunk copied, then the refusal


@pytest.fixture(scope="module")
def published_tiny(tmp_path_factory, tiny_build):
    """A published tiny warehouse of its own, as of 2024-03-31, and its build file.

    A copy of the shared tiny build (TINY_VARS) rather than a second build: the
    published file, and the build file beside it, so that a partial build here
    finds the tables it selects from, as after a build of its own.
    """
    assert "PUBLISHED" in tiny_build.output
    assert "NOT PUBLISHED" not in tiny_build.output
    workdir = tmp_path_factory.mktemp("publish")
    published = workdir / "warehouse.duckdb"
    shutil.copyfile(tiny_build.database, published)
    shutil.copyfile(tiny_build.database, build_path(published))
    with duckdb.connect(str(published), read_only=True) as connection:
        assert _as_of(connection) == "2024-03-31"
    return workdir, published


def test_reader_open_gated_build_then_good_build(published_tiny):
    workdir, published = published_tiny
    before = _digest(published)
    # The reader is another process (a BI tool, a notebook) holding the file.
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert _ask(reader) == "2024-03-31"

    # Gated: tiny has quarantined rows, a 0 % limit fails the rejected-share gate.
    gated = dbt_build(
        workdir, {**TINY, "as_of_date": "2024-02-29", "max_rejected_share": 0}
    )
    assert gated.returncode != 0
    assert "NOT PUBLISHED" in gated.output
    assert _digest(published) == before

    # A good build while the reader is connected: not blocked, and published.
    # Its input folder has an apostrophe, a double quote and a space in its name
    # (they once broke the SQL of land_input_files).
    quoted = workdir / 'it\'s "in"'
    shutil.copytree(FIXTURES / "tiny", quoted)
    good = dbt_build(
        workdir, {**TINY, "input_dir": str(quoted), "as_of_date": "2024-02-29"}
    )
    assert good.returncode == 0, good.output[-3000:]
    assert "PUBLISHED" in good.output
    assert "NOT PUBLISHED" not in good.output
    assert _ask(reader) == "2024-03-31"  # the reader keeps its snapshot
    reader.stdin.close()
    reader.wait()
    with duckdb.connect(str(published), read_only=True) as fresh:
        assert _as_of(fresh) == "2024-02-29"


def test_partial_selection_does_not_publish(published_tiny):
    workdir, published = published_tiny
    before = _digest(published)
    partial = dbt_build(
        workdir, {**TINY, "as_of_date": "2024-01-31"}, select="int_customer_rfm"
    )
    assert partial.returncode == 0, partial.output[-3000:]
    assert "NOT PUBLISHED: a build narrowed by --select" in partial.output
    assert _digest(published) == before


def test_killed_build_leaves_the_published_file_as_it_was(published_tiny):
    workdir, published = published_tiny
    before = _digest(published)
    with duckdb.connect(str(published), read_only=True) as connection:
        as_of_before = _as_of(connection)
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(published),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = Path(sys.executable).parent / "dbt"
    process = subprocess.Popen(
        [
            str(dbt), "build", "--project-dir", str(PROJECT_ROOT),
            "--profiles-dir", str(PROJECT_ROOT),
            "--target-path", str(workdir / "target-killed"),
            "--log-path", str(workdir / "logs-killed"),
            "--vars", json.dumps({**TINY, "as_of_date": "2024-01-31"}),
        ],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    # Kill -9 once the build is writing models (the first model has started).
    deadline = time.monotonic() + 120
    for line in process.stdout:
        if " START sql table model" in line or time.monotonic() > deadline:
            break
    time.sleep(2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert _digest(published) == before
    with duckdb.connect(str(published), read_only=True) as connection:
        assert _as_of(connection) == as_of_before
    assert build_path(published).exists()


def test_a_far_future_typo_stops_the_default_as_of(tmp_path):
    """One order dated 2099 among 2024 orders: with as_of_date unset, the build
    stops with one line naming the date and the var, and publishes nothing."""
    data = tmp_path / "input"
    data.mkdir()
    for source in (FIXTURES / "tiny").iterdir():
        (data / source.name).write_bytes(source.read_bytes())
    orders = (data / "orders.csv").read_text().rstrip("\n").split("\n")
    header = orders[0].split(",")
    typo = dict.fromkeys(header, "")
    typo.update(
        order_id="O_TYPO",
        customer_id="C1",
        ordered_at="2099-06-01",
        amount="10",
        is_refund="false",
    )
    (data / "orders.csv").write_text(
        "\n".join([*orders, ",".join(typo[c] for c in header)]) + "\n"
    )
    result = dbt_build(tmp_path, {**TINY, "input_dir": str(data)})
    assert result.returncode != 0
    gate_lines = [line for line in result.output.splitlines() if "INPUT GATE" in line]
    assert any(
        "2099-06-01" in line and "as_of_max_gap_days" in line for line in gate_lines
    )
    assert "NOT PUBLISHED" in result.output
    assert not (tmp_path / "warehouse.duckdb").exists()
    # With as_of_date set, the same order is just after the snapshot: the gates
    # pass (built up to the gates only, to keep the suite fast).
    fixed = dbt_build(
        tmp_path,
        {**TINY, "input_dir": str(data), "as_of_date": "2024-03-31"},
        select="+input_gates",
    )
    assert fixed.returncode == 0, fixed.output[-3000:]
