"""The project's generic data tests (macros/generic_tests.sql) can fail.

Each case renders a generic test over a small inline table through `dbt show`
and counts the rows it returns (a data test fails when it returns rows). The
expected counts are worked out by hand from the inline rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# (case, macro call, failing rows expected by hand)
CASES = [
    # b > a: row (1, NULL) is NULL -> failure; (2, 3) passes; (5, 4) fails.
    (
        "expression_null_fails",
        "test_expression_is_true(model=T1, expression='b > a')",
        2,
    ),
    (
        "expression_allowed_null",
        "test_expression_is_true(model=T1, expression='b is null or b > a or a = 5')",
        0,
    ),
    # sums_to per g: g=1 sums 0.4 + 0.6 = 1 (pass), g=2 all NULL (fail),
    # g=3 sums 0.5 (fail).
    ("sums_to", "test_sums_to(model=T2, column_name='v', group_by=['g'])", 2),
    # value_between [0, 1]: T2's 0.4, 0.6, 0.5 pass, NULL is not checked;
    # T3's 1.5 and -0.1 fail.
    (
        "value_between",
        "test_value_between(model=T2, column_name='v', min_value=0, max_value=1)",
        0,
    ),
    (
        "value_between_bad",
        "test_value_between(model=T3, column_name='v', min_value=0, max_value=1)",
        2,
    ),
    # unique_combination (g, h): (1, 'x') twice -> one failing group.
    (
        "unique_combination",
        "test_unique_combination(model=T3, combination=['g', 'h'])",
        1,
    ),
    # not_null_columns: one failing row per column holding a NULL. T1's b has
    # one NULL (a none): 1 row; T2's v two NULLs (g none): 1 row; T3's g, h
    # none: 0 rows.
    ("not_null_columns_t1", "test_not_null_columns(model=T1, columns=['a', 'b'])", 1),
    ("not_null_columns_t2", "test_not_null_columns(model=T2, columns=['g', 'v'])", 1),
    ("not_null_columns_t3", "test_not_null_columns(model=T3, columns=['g', 'h'])", 0),
]

TABLES = {
    "T1": "(select * from (values (1, null), (2, 3), (5, 4)) as t(a, b))",
    "T2": "(select * from (values (1, 0.4), (1, 0.6), (2, null), (2, null),"
    " (3, 0.5)) as t(g, v))",
    "T3": "(select * from (values (1, 'x', 1.5), (1, 'x', -0.1), (2, 'y', null),"
    " (3, 'z', 0.5)) as t(g, h, v))",
}


def _dbt_show(inline: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        LIFECYCLE_DUCKDB_PATH=str(tmp_path / "generic.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt), "show", "--inline", inline, "--output", "json", "-q",
            "--limit", "-1",
            "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
            "--target-path", str(tmp_path / "target"),
            "--log-path", str(tmp_path / "logs"),
        ],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_generic_tests_fail_on_violations(tmp_path: Path) -> None:
    parts = []
    for case, call, _ in CASES:
        for name, table in TABLES.items():
            call = call.replace(f"model={name}", f"model={table!r}")
        parts.append(
            f"select '{case}' as test_case, count(*) as failing_rows"
            f" from ({{{{ {call} }}}}) as failures"
        )
    completed = _dbt_show(" union all ".join(parts), tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = json.loads(completed.stdout[completed.stdout.index("{") :])["show"]
    observed = {row["test_case"]: row["failing_rows"] for row in rows}
    assert observed == {case: expected for case, _, expected in CASES}


def test_value_between_without_bounds_is_an_error(tmp_path: Path) -> None:
    completed = _dbt_show(
        "select * from ({{ test_value_between(model='(select 1 as v)',"
        " column_name='v') }}) as failures",
        tmp_path,
    )
    assert completed.returncode != 0
    assert "cannot fail" in completed.stdout + completed.stderr


def test_not_null_columns_names_each_column_and_counts_its_nulls(
    tmp_path: Path,
) -> None:
    # By hand: a has no NULL, b two, c one.
    table = (
        "(select * from (values (1, null, 'x'), (2, null, null), (3, 5, 'y'))"
        " as t(a, b, c))"
    )
    completed = _dbt_show(
        "select column_name, null_rows from ({{ test_not_null_columns(model="
        f"{table!r}, columns=['a', 'b', 'c']) }}}}) as failures",
        tmp_path,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = json.loads(completed.stdout[completed.stdout.index("{") :])["show"]
    assert {row["column_name"]: row["null_rows"] for row in rows} == {"b": 2, "c": 1}
