"""Command line: python -m customer_lifecycle.report --out DIR.

The report reads the marts only. The two vars it needs beyond them (currency,
report_min_survey_answers) are not in any mart, so each comes from a flag,
defaulting to the var in the project's dbt_project.yml: a build run with
``--vars '{currency: EUR}'`` needs ``--currency EUR`` here too.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import yaml

from customer_lifecycle.report.base import Settings
from customer_lifecycle.report.page import WarehouseNotBuilt, write_report

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def project_vars(project_dir: Path) -> dict:
    """The vars of ``project_dir/dbt_project.yml`` ({} when there is none)."""
    project_file = project_dir / "dbt_project.yml"
    if not project_file.is_file():
        return {}
    return yaml.safe_load(project_file.read_text(encoding="utf-8")).get("vars") or {}


def currency_code(text: str) -> str:
    """An ISO 4217 code: three capital letters (dbt checks the list itself)."""
    if not CURRENCY_CODE.match(text):
        raise argparse.ArgumentTypeError(
            f"currency must be an ISO 4217 code such as USD or EUR, got {text!r}"
        )
    return text


def positive_whole(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def parser(defaults: dict) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m customer_lifecycle.report",
        description="Write the customer lifecycle report (DIR/index.html).",
    )
    parser.add_argument("--out", required=True, help="directory for index.html")
    parser.add_argument(
        "--database",
        default=os.environ.get("LIFECYCLE_DUCKDB_PATH", "lifecycle.duckdb"),
        help="the published warehouse (default: $LIFECYCLE_DUCKDB_PATH or "
        "lifecycle.duckdb)",
    )
    parser.add_argument(
        "--project-dir", default=".", type=Path,
        help="dbt project whose dbt_project.yml vars give the defaults below "
        "(default: the current directory)",
    )  # fmt: skip
    parser.add_argument(
        "--currency", type=currency_code, default=defaults.get("currency"),
        help="ISO 4217 code of the amounts (default: var currency)",
    )  # fmt: skip
    parser.add_argument(
        "--min-survey-answers", type=positive_whole,
        default=defaults.get("report_min_survey_answers"),
        help="NPS/CSAT scores on fewer answers are marked as not reliable "
        "(default: var report_min_survey_answers)",
    )  # fmt: skip
    parser.add_argument(
        "--top-actions", type=positive_whole, default=10,
        help="rows of the to-do list at the top (default: 10)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> None:
    """Write the report; on a missing build print one line and exit 1."""
    argv = sys.argv[1:] if argv is None else argv
    project = parser({}).parse_known_args(argv + ["--out", "."])[0].project_dir
    args = parser(project_vars(project)).parse_args(argv)
    for flag, value in (
        ("--currency", args.currency),
        ("--min-survey-answers", args.min_survey_answers),
    ):
        if value is None:
            sys.exit(
                f"error: {flag} is not given and {project / 'dbt_project.yml'} has "
                "no var for it: pass the flag or --project-dir"
            )
    try:  # a default from dbt_project.yml passes the flags' checks too
        settings = Settings(
            currency=currency_code(str(args.currency)),
            min_survey_answers=positive_whole(str(args.min_survey_answers)),
            top_actions=args.top_actions,
        )
    except argparse.ArgumentTypeError as error:
        sys.exit(f"error: {error} (var in {project / 'dbt_project.yml'})")
    try:
        target = write_report(args.database, args.out, settings)
    except WarehouseNotBuilt as error:
        sys.exit(f"error: {error}")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
