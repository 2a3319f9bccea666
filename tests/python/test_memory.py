"""DuckDB's memory cap follows the machine unless LIFECYCLE_DUCKDB_MEMORY_LIMIT is set.

Hand numbers for the pure function; the dbt runs check that the cap a dbt command's
DuckDB actually has is 40% of /proc/meminfo's MemTotal, or the variable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_ROOT

from customer_lifecycle.memory import (
    default_memory_limit,
    input_sized_memory_limit,
    memory_limit,
)

GIB = 2**30


@pytest.mark.parametrize(
    ("total_bytes", "expected"),
    [
        # 0.4 x 24 GiB = 9.6 GiB = 9830.4 MiB
        (24 * GIB, "9830MiB"),
        # 0.4 x 8e9 B = 3.2e9 B = 3051.76 MiB
        (8_000_000_000, "3051MiB"),
        # 0.4 x 64 GiB = 25.6 GiB = 26214.4 MiB
        (64 * GIB, "26214MiB"),
        # 0.4 x 1 GiB = 409.6 MiB, below the 512 MiB floor
        (1 * GIB, "512MiB"),
    ],
)
def test_the_default_is_40_percent_of_the_machine(total_bytes, expected):
    assert default_memory_limit(total_bytes) == expected


def test_the_variable_overrides_the_default():
    variable = "LIFECYCLE_DUCKDB_MEMORY_LIMIT"
    assert memory_limit({variable: "12GB"}, 24 * GIB) == "12GB"
    assert memory_limit({variable: " 2GiB "}, 24 * GIB) == "2GiB"
    assert memory_limit({variable: ""}, 24 * GIB) == "9830MiB"
    assert memory_limit({}, 24 * GIB) == "9830MiB"


def _mem_total_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def _as_duckdb_shows(limit: str) -> str:
    with duckdb.connect(config={"memory_limit": limit}) as connection:
        return connection.sql("select current_setting('memory_limit')").fetchone()[0]


def _dbt_memory_limit(tmp_path: Path, variable: str | None) -> str:
    """current_setting('memory_limit') in a dbt command of the real profile."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "macros"):
        (project / name).symlink_to(PROJECT_ROOT / name)
    (project / "models").mkdir()
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(tmp_path / "w.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("LIFECYCLE_DUCKDB_MEMORY_LIMIT", None)
    if variable is not None:
        env["LIFECYCLE_DUCKDB_MEMORY_LIMIT"] = variable
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), "show", "--inline",
         "select current_setting('memory_limit') as memory_limit_now",
         "--output", "json", "--log-format", "text", "--quiet",
         "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    marker = '"memory_limit_now": "'
    start = completed.stdout.index(marker) + len(marker)
    return completed.stdout[start : completed.stdout.index('"', start)]


def test_a_dbt_command_gets_40_percent_of_the_machine(tmp_path):
    share = int(_mem_total_bytes() * 0.4) // 2**20
    assert _dbt_memory_limit(tmp_path, None) == _as_duckdb_shows(f"{share}MiB")


def test_a_dbt_command_gets_the_variable(tmp_path):
    assert _dbt_memory_limit(tmp_path, "1234MB") == _as_duckdb_shows("1234MB")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # 80 B x 11.4M rows = 0.85 GiB: the 3 GiB floor (3072 MiB)
        (11_400_000, "3072MiB"),
        # 80 B x 114M rows = 9.12e9 B = 8697.5 MiB, under 40% of 24 GiB (9830)
        (114_000_000, "8697MiB"),
        # 80 B x 200M rows = 15258.8 MiB: capped at 40% of 24 GiB
        (200_000_000, "9830MiB"),
        # no rows: the floor
        (0, "3072MiB"),
    ],
)
def test_the_cap_follows_the_input_under_the_machine(rows, expected):
    assert input_sized_memory_limit(rows, {}, 24 * GIB) == expected


def test_the_input_sized_cap_never_exceeds_a_small_machine():
    # 40% of 4 GiB = 1638.4 MiB, below the 3 GiB floor: the machine wins
    assert input_sized_memory_limit(11_400_000, {}, 4 * GIB) == "1638MiB"


def test_the_variable_overrides_the_input_sized_cap():
    variable = {"LIFECYCLE_DUCKDB_MEMORY_LIMIT": "12GB"}
    assert input_sized_memory_limit(11_400_000, variable, 24 * GIB) == "12GB"
