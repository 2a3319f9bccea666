"""The visual report: one self-contained HTML file a marketer can read.

    python -m customer_lifecycle.report --out DIR [--database lifecycle.duckdb]
        [--currency USD] [--min-survey-answers 30] [--top-actions 10]

Reads the published warehouse read-only (``LIFECYCLE_DUCKDB_PATH``, default
``lifecycle.duckdb``) and writes ``DIR/index.html``: first what to do (the head
of marts.customer_actions in its rank order), then every chart with a one-line
reading computed from the data, plotly.js inlined once (the file opens offline).
Without a built warehouse it prints one line (``run dbt build first``) and
exits 1.

Charts are a registry (``page.CHARTS``): each is a :class:`Chart` whose
``build`` function takes a read-only DuckDB connection and the
:class:`Settings` and returns either a figure and its reading, or the reason
the chart is empty. Every query aggregates in SQL against the public plain-name
views (``marts.*``, ``audit.*``), so the report stays small and fast on a
million customers. Every axis and colour bar has a title; every amount carries
its ISO 4217 currency code (``money``). To add a chart, write a function in the
module of its area and append it to ``CHARTS``.

Modules: base (settings, result, formatting), actions (to-do list, actions,
data quality), customers, value, churn, satisfaction, page (registry, HTML,
``write_report``), cli (flags and their dbt_project.yml defaults).
"""

from customer_lifecycle.report.actions import actions, data_quality, top_actions
from customer_lifecycle.report.backtest import btyd_calibration_holdout
from customer_lifecycle.report.base import Chart, Result, Settings, money
from customer_lifecycle.report.churn import churn_models
from customer_lifecycle.report.cli import main
from customer_lifecycle.report.customers import (
    cohort_retention,
    rfm_grid,
    segment_profiles,
    stage_flows,
    stage_mix,
)
from customer_lifecycle.report.page import (
    CHARTS,
    PAGE_SCRIPT,
    WarehouseNotBuilt,
    render,
    write_report,
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

__all__ = [
    "CHARTS",
    "PAGE_SCRIPT",
    "Chart",
    "Result",
    "Settings",
    "WarehouseNotBuilt",
    "actions",
    "btyd_calibration_holdout",
    "churn_models",
    "clv_by_channel",
    "clv_distribution",
    "cohort_retention",
    "data_quality",
    "ltv_cac_by_channel",
    "main",
    "money",
    "p_alive_matrix",
    "render",
    "rfm_grid",
    "satisfaction_by_stage",
    "satisfaction_over_time",
    "segment_profiles",
    "stage_flows",
    "stage_mix",
    "top_actions",
    "value_at_risk_by_stage",
    "write_report",
]
