"""Publishing guards (issue 23): what may publish, and how publishing fails.

Unit tests call customer_lifecycle.publish directly. The dbt tests build a mini
project of the real dbt_project.yml, profiles.yml and macros with two models and
one test (seconds per build, no input files), so that the hooks (check_vars,
publish_warehouse) and the plugin run as in the real project.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_ROOT

from customer_lifecycle import publish as publishing
from customer_lifecycle.publish import (
    PublishError,
    build_path,
    lock_path,
    prepare_build,
    publish,
    release_build_lock,
)


def _database(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.sql(f"create table t as select range as v from range({rows})")


def _rows(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql("select count(*) from t").fetchone()[0]


def _temporaries(folder: Path) -> list[Path]:
    return list(folder.glob(".*.publishing"))


def test_a_symlinked_published_path_updates_its_target(tmp_path):
    build, target = tmp_path / "w.build", tmp_path / "disk" / "real.duckdb"
    target.parent.mkdir()
    _database(target, 1)
    _database(build, 2)
    link = tmp_path / "lifecycle.duckdb"
    link.symlink_to(target)
    assert publish(build, link) == str(target)
    assert link.is_symlink() and link.resolve() == target
    assert _rows(target) == 2
    assert _temporaries(target.parent) == []


def test_a_missing_published_folder_is_one_line(tmp_path):
    build = tmp_path / "w.build"
    _database(build, 1)
    missing = tmp_path / "nope"
    with pytest.raises(PublishError) as raised:
        publish(build, missing / "w.duckdb")
    assert str(raised.value) == (
        f"The folder {missing} of the published file {missing / 'w.duckdb'} does not"
        " exist: create it, or set LIFECYCLE_DUCKDB_PATH to a file in a writable folder"
    )
    assert not missing.exists()


def _mounted_tmpfs(folder: Path, options: str) -> bool:
    """Mount a tmpfs (root only); False when the machine does not allow it."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return mounted.returncode == 0


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_published_folder_is_one_line(tmp_path):
    build, folder = tmp_path / "w.build", tmp_path / "read_only"
    _database(build, 1)
    if _mounted_tmpfs(folder, "size=1m,ro"):
        cleanup = _unmount
    elif os.geteuid() != 0:
        folder.chmod(0o555)

        def cleanup(path: Path) -> None:
            path.chmod(0o755)
    else:
        pytest.skip("root without mount: no folder is read-only")
    try:
        with pytest.raises(PublishError, match="read-only: make it writable"):
            publish(build, folder / "w.duckdb")
    finally:
        cleanup(folder)


def test_a_full_disk_is_one_line_and_leaves_no_temporary(tmp_path, monkeypatch):
    """A real 1 MiB tmpfs where the machine allows it, else a copy that fails
    with ENOSPC; either way the old published file stays and no copy is left."""
    build, folder = tmp_path / "w.build", tmp_path / "small_disk"
    build.write_bytes(os.urandom(3 * 1024 * 1024))
    mounted = _mounted_tmpfs(folder, "size=1m")
    if not mounted:

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "copy_file_range", full)
        monkeypatch.setattr(publishing.shutil, "copyfileobj", full)
    try:
        published = folder / "w.duckdb"
        published.write_bytes(b"as it was")
        with pytest.raises(PublishError) as raised:
            publish(build, published)
        assert str(raised.value).startswith(
            f"No space left in {folder} to publish ({3 * 1024 * 1024} bytes needed)"
        )
        assert published.read_bytes() == b"as it was"
        assert _temporaries(folder) == []
    finally:
        if mounted:
            _unmount(folder)


# Publishes through the SQL function, as the on-run-end hook does (DuckDB calls it
# from one of its own threads), with a copy slowed down after its first MiB.
SLOW_PUBLISH = textwrap.dedent(
    """
    import sys, time, duckdb
    from customer_lifecycle import publish as publishing

    real = publishing._copy_file
    def slow(source, target):
        target.write(source.read(1024 * 1024))
        target.flush()
        print("copying", flush=True)
        time.sleep(60)
        real(source, target)
    publishing._copy_file = slow
    publishing.install_signal_cleanup()
    connection = duckdb.connect()
    publishing.Plugin(name="publish", plugin_config={}).configure_connection(
        connection)
    connection.sql("select publish_warehouse(?, ?)", params=sys.argv[1:3]).fetchall()
    """
)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_publishing_leaves_no_temporary(tmp_path, number):
    build, published = tmp_path / "w.build", tmp_path / "w.duckdb"
    build.write_bytes(os.urandom(3 * 1024 * 1024))
    published.write_bytes(b"as it was")
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_PUBLISH, str(build), str(published)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "copying"
    assert len(_temporaries(tmp_path)) == 1  # the partial copy exists now
    process.send_signal(number)
    try:
        process.wait(timeout=30)
    finally:
        process.kill()
    assert process.returncode != 0
    if number == signal.SIGTERM:
        assert process.returncode == -signal.SIGTERM  # the signal went on
    assert _temporaries(tmp_path) == []
    assert published.read_bytes() == b"as it was"


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from customer_lifecycle.publish import prepare_build
    prepare_build(sys.argv[1], start_empty=False)
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_a_second_command_on_the_same_build_file_stops_in_one_line(tmp_path):
    build = build_path(tmp_path / "w.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(build)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(PublishError) as raised:
            prepare_build(build, start_empty=False)
        assert str(raised.value) == (
            f"Another dbt command (process {holder.pid}) is using {build}: wait for"
            " it to end, then run again"
        )
    finally:
        holder.kill()
        holder.wait()
    # The holder gone, the lock is free (the kernel drops it with the process).
    prepare_build(build, start_empty=False)
    release_build_lock(str(build))
    assert lock_path(build).exists()


def test_a_plain_build_starts_from_an_empty_build_file(tmp_path):
    build = build_path(tmp_path / "w.duckdb")
    _database(build, 1000)
    Path(f"{build}.wal").write_bytes(b"left by a killed build")
    prepare_build(build, start_empty=True)
    try:
        assert not build.exists() and not Path(f"{build}.wal").exists()
        assert publishing.build_started_empty(str(build))
    finally:
        release_build_lock(str(build))


# --- The hooks, in a mini project -------------------------------------------------


@pytest.fixture(scope="module")
def mini_project(tmp_path_factory) -> Path:
    """The real dbt_project.yml, profiles.yml and macros; models one and two (a
    view of one) and a unique test on two."""
    root = tmp_path_factory.mktemp("mini_project")
    for name in ("dbt_project.yml", "profiles.yml", "macros"):
        (root / name).symlink_to(PROJECT_ROOT / name)
    models = root / "models"
    models.mkdir()
    (models / "one.sql").write_text("select 1 as id\n")
    (models / "two.sql").write_text("select id from {{ ref('one') }}\n")
    (models / "_models.yml").write_text(
        "models:\n  - name: two\n    columns:\n      - name: id\n"
        "        data_tests: [unique]\n"
    )
    return root


def _mini_dbt(project: Path, published: Path, *args: str) -> tuple[int, str]:
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(published),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), *args, "--project-dir", str(project), "--profiles-dir",
         str(project)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return completed.returncode, completed.stdout + completed.stderr


def test_quoted_path_publishes_from_an_empty_build_file(mini_project, tmp_path):
    """Apostrophe, double quote and space in LIFECYCLE_DUCKDB_PATH; the build
    file left big by an earlier build is not carried into the published file."""
    folder = tmp_path / 'it\'s "here"'
    folder.mkdir()
    published = folder / "w.duckdb"
    with duckdb.connect(str(build_path(published))) as connection:
        connection.sql(
            "create table stale as select md5(range::varchar) as v from range(300000)"
        )
    stale_size = build_path(published).stat().st_size
    code, output = _mini_dbt(mini_project, published, "build")
    assert code == 0, output[-3000:]
    assert f"PUBLISHED {published}" in output
    assert published.stat().st_size < stale_size / 4
    with duckdb.connect(str(published), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.sql(
                "select table_name from information_schema.tables"
            ).fetchall()
        }
    assert "two" in tables and "stale" not in tables


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["build", "--resource-type", "model"], "a build narrowed by --resource-type"),
        (["run"], "`dbt run` does not build and test everything"),
    ],
)
def test_only_a_build_of_every_node_publishes(mini_project, tmp_path, args, reason):
    published = tmp_path / "w.duckdb"
    code, output = _mini_dbt(mini_project, published, *args)
    assert code == 0, output[-3000:]
    assert f"NOT PUBLISHED: {reason}" in output
    assert not published.exists()


def test_a_default_selector_does_not_publish(mini_project, tmp_path):
    """No flag narrows the build, but selectors.yml does: the graph says which
    nodes did not run."""
    selectors = mini_project / "selectors.yml"
    selectors.write_text(
        "selectors:\n  - name: only_one\n    default: true\n"
        "    definition: {method: fqn, value: one}\n"
    )
    try:
        published = tmp_path / "w.duckdb"
        code, output = _mini_dbt(mini_project, published, "build")
    finally:
        selectors.unlink()
    assert code == 0, output[-3000:]
    assert "NOT PUBLISHED: a selection, 2 node(s) of the project did not pass" in output
    assert not published.exists()


def test_a_missing_build_folder_stops_in_one_line(mini_project, tmp_path):
    published = tmp_path / "nope" / "w.duckdb"
    code, output = _mini_dbt(mini_project, published, "build")
    assert code != 0
    assert (
        f"The folder {tmp_path / 'nope'} of the build file {build_path(published)}"
        " does not exist: create it" in output
    )
    assert "Traceback" not in output
