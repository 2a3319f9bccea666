"""The visual report (customer_lifecycle.report).

- In a real browser (Debian's headless Chromium): every chart that has data
  renders, with no script error; a chart without data says why.
- Readings computed from a tiny warehouse built here by hand.
- The dbt exposure customer_lifecycle_report declares every table the report
  queries (and no other), read from the queries the report really runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from customer_lifecycle import report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _dump_dom(page: Path, profile: Path) -> str:
    assert CHROMIUM, "chromium is not installed (apt-get install -y chromium)"
    completed = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}",
            "--virtual-time-budget=20000", "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def _status(dom: str) -> dict[str, str]:
    match = re.search(r"<p id=\"render-status\"([^>]*)>", dom)
    assert match, "the page script did not run"
    return dict(re.findall(r'data-(\w+)="([^"]*)"', match.group(1)))


class _RecordingConnection:
    """A read-only DuckDB connection that records the SQL the report runs."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.queries: list[str] = []

    def sql(self, query: str):
        self.queries.append(query)
        return self.connection.sql(query)


def test_exposure_declares_every_table_the_report_queries(demo_build) -> None:
    with demo_build.connect() as connection:
        recording = _RecordingConnection(connection)
        report.render(recording)
    queried = {
        # "marts.customer_clv AS clv" -> "customer_clv"
        name.split(" ")[0].split(".")[-1]
        for query in recording.queries
        for name in duckdb.get_table_names(query, qualified=True)
    }
    assert {"customer_360", "rejected_rows"} <= queried, queried
    manifest = json.loads(
        (demo_build.database.parent / "target" / "manifest.json").read_text()
    )
    exposure = manifest["exposures"][
        "exposure.customer_lifecycle.customer_lifecycle_report"
    ]
    declared = {
        manifest["nodes"][node]["name"] for node in exposure["depends_on"]["nodes"]
    }
    assert queried - declared == set(), "queried by the report, not in the exposure"
    assert declared - queried == set(), "in the exposure, never queried by the report"


def test_report_renders_every_chart_in_a_browser(demo_build, tmp_path: Path) -> None:
    page = report.write_report(demo_build.database, tmp_path / "report")
    html = page.read_text()
    # Offline: no script, style or image is loaded from elsewhere.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", html)
    dom = _dump_dom(page, tmp_path / "profile")
    status = _status(dom)
    assert json.loads(status["errors"].replace("&quot;", '"')) == []
    charts = int(status["charts"])
    assert charts >= len(report.CHARTS) - 2, status  # at most two without data
    assert status["rendered"] == status["charts"], status
    # Each chart without a figure says why, and each section has a reading.
    sections = re.findall(
        r"<section class=\"chart\"[^>]*data-has-figure=\"(\w+)\"", dom
    )
    assert len(sections) == len(report.CHARTS)
    assert dom.count('class="empty"') == sections.count("false")


def test_a_broken_chart_is_caught_by_the_browser_check(tmp_path: Path) -> None:
    """The browser check can fail: a figure whose div never renders is counted."""
    page = tmp_path / "broken.html"
    good = report.go.Figure(report.go.Bar(x=[1], y=[1])).to_html(
        full_html=False, include_plotlyjs=False
    )
    broken = "<div class='not-a-plot'></div><script>undefined_function();</script>"
    page.write_text(
        "<html><head>"
        f"<script>{report.PAGE_SCRIPT}</script><script>{report.get_plotlyjs()}</script>"
        "</head><body>"
        f"<section class='chart' data-has-figure='true'>{good}</section>"
        f"<section class='chart' data-has-figure='true'>{broken}</section>"
        "<p id='render-status'></p></body></html>"
    )
    status = _status(_dump_dom(page, tmp_path / "profile"))
    assert status["charts"] == "2" and status["rendered"] == "1"
    assert "undefined_function" in status["errors"]


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "tiny.duckdb"))
    connection.sql("create schema marts; create schema audit")
    connection.sql(
        """
        create table marts.customer_rfm as
        select * from (values
            ('a', 'champions', 600.0), ('b', 'champions', 200.0),
            ('c', 'dormant', 100.0), ('d', 'dormant', 50.0), ('e', 'dormant', 50.0)
        ) as t(customer_id, rfm_segment, revenue)
        """
    )
    connection.sql(
        """
        create table audit.rejected_rows as
        select * from (values ('orders', 'missing customer_id'),
            ('orders', 'missing customer_id'), ('surveys', 'duplicate row'))
            as t(source_name, reason);
        create table audit.source_row_counts as
        select * from (values ('orders', 97, 2), ('surveys', 3, 1))
            as t(source_name, input_rows, rejected_rows)
        """
    )
    return connection


def test_readings_are_computed_from_the_data(tiny_warehouse) -> None:
    # champions: 2 of 5 buyers = 40%; revenue 800 of 1000 = 80%.
    rfm = report.rfm_grid(tiny_warehouse)
    assert rfm.reading == "'champions' are 40% of buyers and bring 80% of revenue."
    # 3 of 100 input rows rejected = 3.00%; most common: orders' missing customer_id.
    quality = report.data_quality(tiny_warehouse)
    assert quality.reading == (
        "3 of 100 input rows (3.00%) were set aside; the most common reason: "
        "orders: missing customer_id."
    )


def test_empty_tables_say_why(tiny_warehouse) -> None:
    tiny_warehouse.sql(
        """
        create table marts.btyd_backtest (grain varchar, group_value varchar,
            group_order integer, mean_predicted_purchases double,
            mean_actual_purchases double, customers integer,
            relative_total_error double, backtest_kind varchar,
            purchase_model varchar, calibration_end_date date)
        """
    )
    result = report.btyd_calibration_holdout(tiny_warehouse)
    assert result.figure is None
    assert "no orders after as_of_date" in result.empty_reason


@pytest.mark.parametrize(
    ("kind", "error", "opening"),
    [
        (
            "internal",
            0.25,
            "Refitted on the orders up to 2024-01-01, over the months since then,",
        ),
        ("external", -0.125, "Over the holdout (orders after as_of_date),"),
    ],
)
def test_backtest_reading_names_its_window(tiny_warehouse, kind, error, opening):
    tiny_warehouse.sql(
        f"""
        create or replace table marts.btyd_backtest as
        select * from (values
            ('frequency_bucket', '0', 0, 1.0, 0.8, 10, null, '{kind}', 'pareto_nbd',
             date '2024-01-01'),
            ('total', 'all', 0, 1.0, 0.8, 10, {error}, '{kind}', 'pareto_nbd',
             date '2024-01-01')
        ) as t(grain, group_value, group_order, mean_predicted_purchases,
               mean_actual_purchases, customers, relative_total_error,
               backtest_kind, purchase_model, calibration_end_date)
        """
    )
    result = report.btyd_calibration_holdout(tiny_warehouse)
    # 0.25 -> "25% more"; -0.125 -> "12% fewer" (Python rounds half to even).
    amount = "25% more" if error > 0 else "12% fewer"
    assert result.reading == (
        f"{opening} pareto_nbd predicted {amount} purchases than customers made"
        " in total."
    )
