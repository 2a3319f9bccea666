"""The README and docs/ are tested: every block they show runs on the demo build.

Each fenced block of README.md and docs/*.md runs as a reader would run it, in
a scratch directory (a sandbox) where ``lifecycle.duckdb`` is the published demo
warehouse of the shared ``demo_build`` fixture:

- ```sql: every statement, read-only, in the DuckDB of the requirements; a
  query must return at least one row (an example that shows nothing on the demo
  is a broken example);
- ```bash: every command, with bash, the project's virtualenv first on PATH and
  no stdin. Commands that build a warehouse are not run again: they are mapped
  to the fixture that ran exactly them (``FIXTURE_COMMANDS``); ``pytest`` is
  skipped with its reason (``SKIPPED_COMMANDS``);
- ```python: the snippet, in a subprocess;
- ```yaml after ``<!-- file: PATH -->``: written to PATH in the sandbox first.

A block after ``<!-- not run: REASON -->`` and a ```text block never run; the
not-run list is kept tiny (``MAX_NOT_RUN``). docs/vars.md is generated
(scripts/generate_vars_doc.py) and must match a fresh generation.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, BuildResult

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
RUNNABLE = {"sql", "bash", "python"}
KNOWN = RUNNABLE | {"yaml", "text"}
MAX_NOT_RUN = 3
# Commands that build a warehouse: the fixture that ran exactly this build.
FIXTURE_COMMANDS = {
    "pip install -r requirements-dev.txt && dbt build": "demo_build",
    "dbt build --vars '{input_dir: data/cdnow, as_of_date: 1997-09-30}'": (
        "cdnow_build"
    ),
}
SKIPPED_COMMANDS = {
    "pytest": "the whole suite: CI runs it (.ci/run); run from a test it would recurse",
    # One Spark build per test run: test_spark_build runs exactly these
    # (test_spark_commands_are_the_documented_ones).
    "python -m customer_lifecycle.build --target spark": "test_spark_build",
    "python -m customer_lifecycle.spark.compare --duckdb lifecycle.duckdb "
    "--spark-schema lifecycle": "test_spark_build",
}
MARKER = re.compile(r"<!--\s*(not run|file):\s*(.+?)\s*-->")
FENCE = re.compile(r"^```(\S*)\s*$")

# Run by the sql blocks, in the sandbox: statement by statement, read-only.
SQL_RUNNER = """
import json, sys
import duckdb
connection = duckdb.connect("lifecycle.duckdb", read_only=True)
empty = []
for statement in duckdb.extract_statements(sys.stdin.read()):
    rows = connection.execute(statement.query).fetchall()
    if statement.type == duckdb.StatementType.SELECT and not rows:
        empty.append(statement.query.strip())
print(json.dumps(empty))
"""


@dataclass
class Block:
    page: Path
    line: int  # the line of the opening fence, 1-based
    language: str
    text: str
    marker: tuple[str, str] | None  # ("not run", reason) or ("file", path)

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(PROJECT_ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a markdown page, with the marker comment above each."""
    found: list[Block] = []
    lines = page.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"),
            None,
        )
        assert end is not None, f"{page}:{index + 1}: fence never closed"
        before = next((line for line in reversed(lines[:index]) if line.strip()), "")
        marker = MARKER.search(before)
        found.append(
            Block(
                page,
                index + 1,
                opening.group(1),
                "\n".join(lines[index + 1 : end]) + "\n",
                (marker.group(1), marker.group(2)) if marker else None,
            )
        )
        index = end + 1
    return found


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
TO_RUN = [
    block
    for block in ALL_BLOCKS
    if block.language in RUNNABLE
    and not (block.marker and block.marker[0] == "not run")
]


def commands(script: str) -> list[str]:
    """The commands of a shell block: continuations joined, comments dropped."""
    joined = script.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        command = re.sub(r"\s+#\s[^'\"]*$", "", line).strip()
        if command and not command.startswith("#"):
            found.append(re.sub(r"\s+", " ", command))
    return found


@pytest.fixture(scope="module")
def sandboxes(demo_build: BuildResult, tmp_path_factory) -> dict[Path, Path]:
    """Per page, a scratch directory where lifecycle.duckdb is the demo build.

    It also holds dbt_project.yml and the build's semantic manifest (what mf
    reads from the project root), and the page's ``<!-- file: -->`` blocks.
    """
    made = {}
    for page in PAGES:
        sandbox = tmp_path_factory.mktemp(page.stem)
        (sandbox / "lifecycle.duckdb").symlink_to(demo_build.database)
        shutil.copy(PROJECT_ROOT / "dbt_project.yml", sandbox)
        (sandbox / "target").mkdir()
        manifest = demo_build.database.parent / "target" / "semantic_manifest.json"
        (sandbox / "target" / manifest.name).write_text(
            _as_published(manifest.read_text(), demo_build.database.stem)
        )
        for block in blocks(page):
            if block.marker and block.marker[0] == "file":
                target = sandbox / block.marker[1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.text)
        made[page] = sandbox
    return made


def _as_published(manifest: str, catalog: str) -> str:
    """The semantic manifest as a default build writes it (catalog "lifecycle").

    DuckDB names a file's catalog after the file: the fixture publishes
    warehouse.duckdb, so its manifest names tables "warehouse"."marts"...,
    where the default build's (and the sandbox's lifecycle.duckdb) says
    "lifecycle".
    """

    def rename(node):
        if isinstance(node, dict):
            return {
                key: "lifecycle"
                if key == "database" and value == catalog
                else rename(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [rename(item) for item in node]
        if isinstance(node, str):
            return node.replace(f'"{catalog}".', '"lifecycle".')
        return node

    return json.dumps(rename(json.loads(manifest)))


def _run(args: list[str], sandbox: Path, stdin: str | None = None):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("LIFECYCLE_DUCKDB_PATH", "DBT_PROJECT_DIR", "DBT_PROFILES_DIR")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return subprocess.run(
        args,
        cwd=sandbox,
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _run_sql(block: Block, sandbox: Path) -> None:
    done = _run([sys.executable, "-c", SQL_RUNNER], sandbox, stdin=block.text)
    assert done.returncode == 0, f"{block.name}: SQL failed\n{done.stderr[-3000:]}"
    empty = json.loads(done.stdout)
    assert not empty, f"{block.name}: no rows on the demo build from {empty}"


def _run_bash(block: Block, sandbox: Path, request) -> None:
    for command in commands(block.text):
        if command in SKIPPED_COMMANDS:
            continue
        if command in FIXTURE_COMMANDS:
            build = request.getfixturevalue(FIXTURE_COMMANDS[command])
            assert build.returncode == 0 and build.database.exists(), block.name
            continue
        done = _run(["bash", "-o", "pipefail", "-c", command], sandbox)
        assert done.returncode == 0, (
            f"{block.name}: `{command}` exited {done.returncode}\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )


def _run_python(block: Block, sandbox: Path) -> None:
    done = _run([sys.executable, "-"], sandbox, stdin=block.text)
    assert done.returncode == 0, f"{block.name}: Python failed\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("block", TO_RUN, ids=[block.name for block in TO_RUN])
def test_block_runs_on_the_demo_build(block: Block, sandboxes, request) -> None:
    sandbox = sandboxes[block.page]
    if block.language == "sql":
        _run_sql(block, sandbox)
    elif block.language == "bash":
        _run_bash(block, sandbox, request)
    else:
        _run_python(block, sandbox)


def test_every_block_is_run_or_says_why_not() -> None:
    """A fence names a known language; not-run blocks are few and give a reason."""
    unknown = [b.name for b in ALL_BLOCKS if b.language not in KNOWN]
    assert not unknown, f"fences without a known language (sql, bash, ...): {unknown}"
    not_run = [b.name for b in ALL_BLOCKS if b.marker and b.marker[0] == "not run"]
    assert len(not_run) <= MAX_NOT_RUN, f"too many blocks not run: {not_run}"
    lonely_yaml = [b.name for b in ALL_BLOCKS if b.language == "yaml" and not b.marker]
    assert not lonely_yaml, f"yaml blocks need <!-- file: PATH -->: {lonely_yaml}"


def test_the_demo_simulation_gives_the_committed_files(sandboxes) -> None:
    """The simulate command of docs/structure.md, run above, rewrote data/demo."""
    written = sandboxes[PROJECT_ROOT / "docs" / "structure.md"] / "data" / "demo"
    committed = sorted((PROJECT_ROOT / "data" / "demo").glob("*.csv"))
    assert committed, "no committed demo files"
    for path in committed:
        assert (written / path.name).read_bytes() == path.read_bytes(), path.name


def test_links_point_at_files() -> None:
    """Every relative markdown link of the README and docs/ opens a file."""
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert not broken, broken


def test_readme_is_a_front_page() -> None:
    assert len((PROJECT_ROOT / "README.md").read_text().splitlines()) <= 250


def test_vars_page_is_fresh() -> None:
    """docs/vars.md is what scripts/generate_vars_doc.py writes today."""
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "generate_vars_doc.py")]
        + ["--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_vars_page_has_every_var_with_its_rule() -> None:
    """Every var of dbt_project.yml has a row; a few rows written out by hand."""
    import yaml

    page = (PROJECT_ROOT / "docs" / "vars.md").read_text()
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in page.splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == set(project["vars"])
    # From macros/check_vars.sql and dbt_project.yml, read by hand.
    assert rows["max_rejected_share"].startswith(
        "| `max_rejected_share` | `0.05` | a number in [0, 1] | The build fails"
    )
    assert rows["segment_k_max"].startswith(
        "| `segment_k_max` | `8` | a whole number >= 2 and >= `segment_k_min` |"
    )
    assert rows["as_of_date"].startswith(
        "| `as_of_date` | `null` | null or a real date written YYYY-MM-DD |"
    )
    assert "| one of week, month, quarter |" in rows["lifecycle_period"]
