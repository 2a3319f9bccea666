"""The flags that point a dbt command at this project and keep its target and
logs in a test's own directory (one place for every test that runs dbt)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def project_args(workdir: Path) -> list[str]:
    """--project-dir/--profiles-dir of this project; target and logs in workdir."""
    return [
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
