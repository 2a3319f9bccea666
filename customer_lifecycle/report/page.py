"""The page: the to-do list, then every chart of the registry, in one HTML file."""

from __future__ import annotations

import html
import os
from pathlib import Path

import duckdb
from plotly.offline import get_plotlyjs

from customer_lifecycle.report.actions import actions, data_quality, to_do_html
from customer_lifecycle.report.backtest import btyd_calibration_holdout
from customer_lifecycle.report.base import Chart, Settings
from customer_lifecycle.report.churn import churn_models
from customer_lifecycle.report.customers import (
    cohort_retention,
    rfm_grid,
    segment_profiles,
    stage_flows,
    stage_mix,
)
from customer_lifecycle.report.satisfaction import (
    satisfaction_by_stage,
    satisfaction_over_time,
)
from customer_lifecycle.report.value import (
    clv_by_channel,
    clv_distribution,
    ltv_cac_by_channel,
    p_alive_matrix,
    value_at_risk_by_stage,
)

CHARTS: list[Chart] = [
    Chart("actions", "Actions that pay, by action", actions),
    Chart("value_at_risk", "Value at risk by lifecycle stage", value_at_risk_by_stage),
    Chart("stage_mix", "Lifecycle stage mix over time", stage_mix),
    Chart("stage_flows", "How customers move between stages", stage_flows),
    Chart("cohort_retention", "Cohort retention", cohort_retention),
    Chart("rfm_grid", "RFM segments: buyers and revenue", rfm_grid),
    Chart("clv_distribution", "Where the predicted value is", clv_distribution),
    Chart("clv_by_channel", "CLV by acquisition channel", clv_by_channel),
    Chart("ltv_cac_by_channel", "LTV:CAC by channel", ltv_cac_by_channel),
    Chart(
        "btyd_backtest",
        "Purchase forecast against what happened",
        btyd_calibration_holdout,
    ),
    Chart("p_alive_matrix", "Probability a customer is still active", p_alive_matrix),
    Chart("churn_models", "Churn score: the published model", churn_models),
    Chart("satisfaction_over_time", "NPS and CSAT over time", satisfaction_over_time),
    Chart(
        "satisfaction_by_stage",
        "NPS and CSAT by lifecycle stage",
        satisfaction_by_stage,
    ),
    Chart("segment_profiles", "Behavioural segments", segment_profiles),
    Chart("data_quality", "Data quality: rows set aside", data_quality),
]

PAGE_SCRIPT = """
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message));
});
window.addEventListener('load', function () {
  setTimeout(function () {
    var charts = document.querySelectorAll('.chart[data-has-figure="true"]');
    var rendered = 0;
    charts.forEach(function (c) {
      if (c.querySelector('svg.main-svg')) {
        rendered += 1; c.dataset.rendered = 'true';
      }
    });
    var status = document.getElementById('render-status');
    status.dataset.charts = String(charts.length);
    status.dataset.rendered = String(rendered);
    status.dataset.errors = JSON.stringify(window.__errors);
    status.textContent = rendered + ' of ' + charts.length + ' charts rendered';
  }, 500);
});
"""

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em;"
    "color:#212529}h1{margin-bottom:.2em}.chart,#to-do{border-top:1px solid #dee2e6;"
    "padding-top:.5em}.reading{font-size:1.1em;color:#1864ab}.empty{color:#868e96}"
    ".how{color:#495057}#render-status{color:#adb5bd;font-size:.8em}"
    ".todo{border-collapse:collapse;width:100%}.todo th,.todo td{text-align:left;"
    "padding:.3em .5em;border-bottom:1px solid #e9ecef;vertical-align:top}"
    ".todo .money{text-align:right;white-space:nowrap}"
)


class WarehouseNotBuilt(Exception):
    """The warehouse file is missing, not DuckDB, or lacks a table the report reads."""


def header(connection, settings: Settings) -> str:
    facts = connection.sql(
        """
        select
            (select max(as_of_date) from marts.customer_360) as as_of_date,
            (select min(first_contact_date) from marts.customer_360) as first_date,
            (select count(*) from marts.customer_360) as people,
            (select count(*) from marts.customer_360 where is_buyer) as buyers
        """
    ).fetchone()
    as_of, first, people, buyers = facts
    return (
        f"<p class='facts'>As of <b>{as_of}</b> · data from {first} · "
        f"{people:,} people known, {buyers:,} of them buyers · amounts in "
        f"<b>{html.escape(settings.currency)}</b>.</p>"
        "<p class='how'>How to read this report: first the customers to contact, "
        "then one chart per question; the sentence under each title is the reading "
        "of today's data. Stages (prospect, new, active, growing, at_risk, churned, "
        "reactivated) say where customers stand in time; RFM segments rank buyers "
        "against each other; value is margin (not revenue) per customer, in "
        f"{html.escape(settings.currency)}. Survey scores on fewer than "
        f"{settings.min_survey_answers} answers are marked as not reliable. Every "
        "number comes from the warehouse tables named in the docs site.</p>"
    )


def chart_section(chart: Chart, connection, settings: Settings) -> str:
    result = chart.build(connection, settings)
    if result.figure is not None:
        body = result.figure.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}",
            config={"displaylogo": False, "responsive": True},
        )  # fmt: skip
        reading = html.escape(result.reading)
    else:
        body = f"<p class='empty'>{html.escape(result.empty_reason)}</p>"
        reading = "No chart."
    return (
        f"<section class='chart' id='{chart.key}' "
        f"data-has-figure='{str(result.figure is not None).lower()}'>"
        f"<h2>{html.escape(chart.title)}</h2><p class='reading'>{reading}</p>"
        f"{body}</section>"
    )


def render(connection: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The report as one HTML page (plotly.js inlined once)."""
    sections = "".join(chart_section(chart, connection, settings) for chart in CHARTS)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Customer lifecycle report</title><style>{STYLE}</style>"
        f"<script>{PAGE_SCRIPT}</script>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        "<h1>Customer lifecycle report</h1>"
        f"{header(connection, settings)}{to_do_html(connection, settings)}{sections}"
        "<p id='render-status'></p></body></html>"
    )


def _not_built(database: Path, problem: str) -> WarehouseNotBuilt:
    return WarehouseNotBuilt(f"{problem} {database}: run dbt build first")


def write_report(
    database: str | os.PathLike[str], out: str | os.PathLike[str], settings: Settings
) -> Path:
    """Read ``database`` read-only and write ``out/index.html``; returns its path.

    Raises WarehouseNotBuilt (one line naming the file) when there is no built
    warehouse to read.
    """
    database = Path(database).resolve()
    if not database.is_file():
        raise _not_built(database, "no warehouse at")
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.IOException as error:
        raise _not_built(database, "not a DuckDB warehouse:") from error
    try:
        page = render(connection, settings)
    except duckdb.CatalogException as error:
        missing = str(error).splitlines()[0].removeprefix("Catalog Error: ")
        raise _not_built(database, f"{missing.rstrip('!')} in") from error
    finally:
        connection.close()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
