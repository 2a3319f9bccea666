"""The visual report: one self-contained HTML file a marketer can read.

    python -m customer_lifecycle.report --out DIR [--database lifecycle.duckdb]

Reads the published warehouse read-only (``LIFECYCLE_DUCKDB_PATH``, default
``lifecycle.duckdb``) and writes ``DIR/index.html``: every chart with a one-line
reading computed from the data, plotly.js inlined once (the file opens offline).

Charts are a registry: each is a :class:`Chart` whose ``build`` function takes a
read-only DuckDB connection and returns either a figure and its reading, or the
reason the chart is empty. Every query aggregates in SQL against the public
plain-name views (``marts.*``, ``audit.*``), so the report stays small and fast on
a million customers. To add a chart, write a function and append it to
``CHARTS``.
"""

from __future__ import annotations

import argparse
import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

STAGE_ORDER = [
    "prospect",
    "new",
    "active",
    "growing",
    "at_risk",
    "churned",
    "reactivated",
]
STAGE_COLOURS = {
    "prospect": "#9e9e9e",
    "new": "#4dabf7",
    "active": "#2f9e44",
    "growing": "#82c91e",
    "at_risk": "#f59f00",
    "churned": "#e03131",
    "reactivated": "#ae3ec9",
}


@dataclass
class Result:
    """A chart's outcome: a figure and its reading, or why it is empty."""

    figure: go.Figure | None = None
    reading: str = ""
    empty_reason: str = ""


@dataclass
class Chart:
    key: str
    title: str
    build: Callable[[duckdb.DuckDBPyConnection], Result]


def _frame(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return connection.sql(sql).df()


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _layout(figure: go.Figure, **kwargs) -> go.Figure:
    figure.update_layout(
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        height=380,
        template="plotly_white",
        **kwargs,
    )
    return figure


# --- the charts ----------------------------------------------------------------


def stage_mix(connection) -> Result:
    data = _frame(
        connection,
        """
        select period_start, stage, count(*) as customers
        from marts.customer_lifecycle_stages
        group by period_start, stage
        order by period_start
        """,
    )
    if data.empty:
        return Result(empty_reason="No lifecycle stages: no customer is known.")
    figure = go.Figure()
    for stage in STAGE_ORDER:
        part = data[data["stage"] == stage]
        figure.add_trace(
            go.Scatter(
                x=part["period_start"], y=part["customers"], name=stage,
                stackgroup="stages", line={"color": STAGE_COLOURS[stage]},
            )
        )  # fmt: skip
    last = data[data["period_start"] == data["period_start"].max()]
    buyers = last[last["stage"] != "prospect"]["customers"].sum()
    engaged = last[last["stage"].isin(["active", "growing"])]["customers"].sum()
    reading = (
        f"In the latest period, {_pct(engaged / buyers) if buyers else '0%'} of the "
        f"{buyers:,} customers who ever bought are active or growing."
    )
    return Result(_layout(figure, yaxis_title="people"), reading)


def stage_flows(connection) -> Result:
    data = _frame(
        connection,
        "select from_stage, to_stage, transition_probability"
        " from marts.lifecycle_transition_matrix",
    )
    if data.empty:
        return Result(empty_reason="No transitions: fewer than two periods of data.")
    matrix = data.pivot_table(
        index="from_stage", columns="to_stage", values="transition_probability"
    ).reindex(index=STAGE_ORDER, columns=STAGE_ORDER)
    figure = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(), x=STAGE_ORDER, y=STAGE_ORDER, colorscale="Blues",
            zmin=0, zmax=1, text=matrix.round(2).to_numpy(), texttemplate="%{text}",
        )
    )  # fmt: skip
    at_risk = matrix.loc["at_risk"]
    reading = (
        f"Of the customers at risk in a period, {_pct(at_risk.get('churned', 0) or 0)} "
        f"are churned the next period and {_pct(at_risk.get('active', 0) or 0)} are "
        "active again."
    )
    return Result(
        _layout(figure, xaxis_title="next period", yaxis_title="this period",
                yaxis_autorange="reversed"),
        reading,
    )  # fmt: skip


def cohort_retention(connection) -> Result:
    data = _frame(
        connection,
        """
        select cohort_month, months_since_first_order, retention_rate
        from marts.cohort_retention
        where is_complete_month and months_since_first_order <= 24
        """,
    )
    if data.empty:
        return Result(empty_reason="No complete cohort month yet.")
    matrix = data.pivot_table(
        index="cohort_month",
        columns="months_since_first_order",
        values="retention_rate",
    ).sort_index()
    figure = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(), x=list(matrix.columns),
            y=[str(c)[:7] for c in matrix.index], colorscale="Greens", zmin=0,
        )
    )  # fmt: skip
    month3 = data[data["months_since_first_order"] == 3]["retention_rate"]
    reading = (
        f"On average {_pct(month3.mean())} of a cohort buys again in its third month "
        "after the first order."
        if not month3.empty
        else "No cohort is three months old yet."
    )
    return Result(
        _layout(figure, xaxis_title="months since first order",
                yaxis_title="first-order month"),
        reading,
    )  # fmt: skip


def rfm_grid(connection) -> Result:
    data = _frame(
        connection,
        """
        select rfm_segment, count(*) as customers, sum(revenue) as revenue
        from marts.customer_rfm
        group by rfm_segment
        order by customers desc
        """,
    )
    if data.empty:
        return Result(empty_reason="No buyer on or before as_of_date.")
    data["revenue"] = data["revenue"].astype(float)
    figure = go.Figure(
        [
            go.Bar(x=data["rfm_segment"], y=data["customers"] / data["customers"].sum(),
                   name="share of buyers"),
            go.Bar(x=data["rfm_segment"], y=data["revenue"] / data["revenue"].sum(),
                   name="share of revenue"),
        ]
    )  # fmt: skip
    top = (
        data.assign(
            revenue_share=data["revenue"] / data["revenue"].sum(),
            customer_share=data["customers"] / data["customers"].sum(),
        )
        .sort_values("revenue_share", ascending=False)
        .iloc[0]
    )
    reading = (
        f"'{top['rfm_segment']}' are {_pct(top['customer_share'])} of buyers and "
        f"bring {_pct(top['revenue_share'])} of revenue."
    )
    return Result(_layout(figure, barmode="group", yaxis_tickformat=".0%"), reading)


def clv_distribution(connection) -> Result:
    data = _frame(
        connection,
        """
        with ranked as (
            select
                predicted_clv,
                ntile(100) over (order by predicted_clv desc) as percentile
            from marts.customer_clv
            where predicted_clv is not null
        )
        select percentile, count(*) as customers, sum(predicted_clv) as value
        from ranked
        group by percentile
        order by percentile
        """,
    )
    if data.empty:
        return Result(empty_reason="No predicted CLV: the BTYD fit did not run.")
    share = data["value"].cumsum() / data["value"].sum()
    figure = go.Figure(
        go.Scatter(x=data["percentile"], y=share, mode="lines", fill="tozeroy")
    )
    top20 = float(share.iloc[min(19, len(share) - 1)])
    reading = f"The top 20% of buyers hold {_pct(top20)} of the predicted future value."
    return Result(
        _layout(figure, xaxis_title="top % of buyers by predicted CLV",
                yaxis_title="share of predicted value", yaxis_tickformat=".0%"),
        reading,
    )  # fmt: skip


def clv_by_channel(connection) -> Result:
    data = _frame(
        connection,
        """
        select
            coalesce(acquisition_channel, 'unknown') as channel,
            count(*) as buyers,
            avg(historical_clv) as historical_clv,
            avg(predicted_clv) as predicted_clv
        from marts.customer_360
        where is_buyer
        group by 1
        order by predicted_clv desc nulls last
        """,
    )
    if data.empty:
        return Result(empty_reason="No buyer on or before as_of_date.")
    figure = go.Figure(
        [
            go.Bar(x=data["channel"], y=data["historical_clv"], name="historical CLV"),
            go.Bar(x=data["channel"], y=data["predicted_clv"], name="predicted CLV"),
        ]
    )
    best = data.iloc[0]
    reading = (
        f"Buyers from {best['channel']} are worth the most ahead: "
        f"{best['predicted_clv']:,.0f} predicted CLV each on average."
    )
    return Result(_layout(figure, barmode="group", yaxis_title="per buyer"), reading)


def ltv_cac_by_channel(connection) -> Result:
    data = _frame(
        connection,
        """
        select group_value as channel, ltv, cac, ltv_to_cac
        from marts.ltv_cac
        where group_type = 'acquisition_channel' and ltv_to_cac is not null
        order by ltv_to_cac desc
        """,
    )
    if data.empty:
        return Result(
            empty_reason="No LTV:CAC: no acquisition costs or marketing spend in the input."
        )
    figure = go.Figure(go.Bar(x=data["channel"], y=data["ltv_to_cac"]))
    figure.add_hline(y=3, line_dash="dot", annotation_text="3:1 rule of thumb")
    best, worst = data.iloc[0], data.iloc[-1]
    reading = (
        f"{best['channel']} returns {best['ltv_to_cac']:.1f}x its acquisition cost, "
        f"{worst['channel']} {worst['ltv_to_cac']:.1f}x."
    )
    return Result(_layout(figure, yaxis_title="LTV / CAC"), reading)


def btyd_calibration_holdout(connection) -> Result:
    data = _frame(
        connection,
        """
        select group_value, group_order, mean_predicted_purchases,
               mean_actual_purchases, customers
        from marts.btyd_backtest
        where grain = 'frequency_bucket'
        order by group_order
        """,
    )
    if data.empty:
        return Result(
            empty_reason="No backtest: there are no orders after as_of_date, and "
            "the purchase models could not be refitted on an earlier cutoff (too "
            "few customers), so the forecasts cannot be compared with what "
            "customers did next."
        )
    figure = go.Figure(
        [
            go.Scatter(x=data["group_value"], y=data["mean_actual_purchases"],
                       name="actual", mode="lines+markers"),
            go.Scatter(x=data["group_value"], y=data["mean_predicted_purchases"],
                       name="predicted", mode="lines+markers"),
        ]
    )  # fmt: skip
    total = _frame(
        connection,
        "select relative_total_error, backtest_kind, purchase_model,"
        " calibration_end_date from marts.btyd_backtest where grain = 'total'",
    )
    error = float(total["relative_total_error"].iloc[0]) if not total.empty else 0.0
    if not total.empty and total["backtest_kind"].iloc[0] == "internal":
        window = (
            "Refitted on the orders up to "
            f"{pd.Timestamp(total['calibration_end_date'].iloc[0]).date()}, over the "
            "months since then"
        )
    else:
        window = "Over the holdout (orders after as_of_date)"
    model = total["purchase_model"].iloc[0] if not total.empty else "the model"
    reading = (
        f"{window}, {model} predicted {abs(error):.0%} "
        f"{'more' if error > 0 else 'fewer'} purchases than customers made in total."
    )
    return Result(
        _layout(figure, xaxis_title="repeat purchases in calibration",
                yaxis_title="purchases per customer in holdout"),
        reading,
    )  # fmt: skip


def p_alive_matrix(connection) -> Result:
    data = _frame(
        connection,
        """
        select
            least(summary.frequency, 20) as frequency,
            least(cast(floor(10 * summary.recency / nullif(summary.t, 0)) as integer), 9)
                as recency_decile,
            avg(clv.p_alive) as p_alive
        from marts.customer_purchase_summary as summary
        inner join marts.customer_clv as clv
            on summary.customer_id = clv.customer_id
        where clv.p_alive is not null and summary.t > 0
        group by 1, 2
        """,
    )
    if data.empty:
        return Result(empty_reason="No p_alive: the BTYD fit did not run.")
    matrix = data.pivot_table(
        index="frequency", columns="recency_decile", values="p_alive"
    ).sort_index()
    figure = go.Figure(
        go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index),
                   colorscale="RdYlGn", zmin=0, zmax=1)
    )  # fmt: skip
    reading = (
        "Customers who bought often but not lately (top left) are the likeliest to be "
        "gone; recent buyers (right) are very likely still active."
    )
    return Result(
        _layout(figure, xaxis_title="recency as tenths of the customer's age",
                yaxis_title="repeat purchases (frequency)"),
        reading,
    )  # fmt: skip


def churn_models(connection) -> Result:
    calibration = _frame(
        connection,
        """
        select calibration.mean_predicted_probability, calibration.observed_churn_rate
        from marts.model_calibration as calibration
        inner join marts.model_evaluations as evaluations
            on calibration.model_run_id = evaluations.model_run_id
            and calibration.model_name = evaluations.model_name
        where evaluations.is_selected and evaluations.metric = 'roc_auc'
        order by calibration.calibration_bin
        """,
    )
    auc = _frame(
        connection,
        """
        select model_name, is_baseline, value as roc_auc
        from marts.model_evaluations
        where metric = 'roc_auc'
        order by value desc
        """,
    )
    if auc.empty:
        return Result(empty_reason="The churn model did not run (too few customers).")
    from plotly.subplots import make_subplots

    figure = make_subplots(cols=2, subplot_titles=("calibration", "ROC AUC on holdout"))
    figure.add_trace(
        go.Scatter(x=calibration["mean_predicted_probability"],
                   y=calibration["observed_churn_rate"], mode="lines+markers",
                   name="selected model"), 1, 1,
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"},
                   name="perfect"), 1, 1,
    )  # fmt: skip
    figure.add_trace(
        go.Bar(x=auc["model_name"], y=auc["roc_auc"],
               marker_color=["#adb5bd" if b else "#1c7ed6" for b in auc["is_baseline"]],
               name="ROC AUC"), 1, 2,
    )  # fmt: skip
    best_model = auc[~auc["is_baseline"]]["roc_auc"].max()
    best_baseline = auc[auc["is_baseline"]]["roc_auc"].max()
    reading = (
        f"The best churn model ranks customers with ROC AUC {best_model:.3f}; the best "
        f"simple baseline reaches {best_baseline:.3f} (grey bars are baselines)."
    )
    return Result(_layout(figure, showlegend=False), reading)


def satisfaction_over_time(connection) -> Result:
    data = _frame(
        connection,
        "select period_start, nps, csat from marts.survey_scores order by period_start",
    )
    if data.empty or data[["nps", "csat"]].isna().all().all():
        return Result(empty_reason="No survey answers in the input.")
    figure = go.Figure(
        [
            go.Scatter(x=data["period_start"], y=data["nps"], name="NPS (-100..100)"),
            go.Scatter(
                x=data["period_start"], y=data["csat"], name="CSAT (% satisfied)"
            ),
        ]
    )
    last = data.dropna(subset=["nps"]).iloc[-1] if data["nps"].notna().any() else None
    reading = (
        f"Latest NPS {last['nps']:.0f} ({str(last['period_start'])[:7]})."
        if last is not None
        else "No NPS answers; CSAT only."
    )
    return Result(_layout(figure), reading)


def satisfaction_by_stage(connection) -> Result:
    data = _frame(
        connection,
        """
        select group_value as stage, nps, csat
        from marts.survey_scores_by_group
        where group_type = 'lifecycle_stage'
        """,
    )
    if data.empty:
        return Result(empty_reason="No survey answers in the input.")
    data = data.set_index("stage").reindex(
        [s for s in STAGE_ORDER if s in set(data["stage"])]
    )
    figure = go.Figure(
        [
            go.Bar(x=data.index, y=data["nps"], name="NPS"),
            go.Bar(x=data.index, y=data["csat"], name="CSAT"),
        ]
    )
    scored = data["nps"].dropna()
    reading = (
        f"NPS is highest among {scored.idxmax()} customers ({scored.max():.0f}) and "
        f"lowest among {scored.idxmin()} ({scored.min():.0f})."
        if not scored.empty
        else "No NPS answers by stage."
    )
    return Result(_layout(figure, barmode="group"), reading)


def segment_profiles(connection) -> Result:
    data = _frame(
        connection, "select * from marts.segment_profiles order by segment_id"
    )
    if data.empty:
        return Result(empty_reason="The segmentation did not run (too few customers).")
    figure = go.Figure(
        go.Bar(x=data["segment_label"], y=data["share"],
               text=[f"{r:.0f} days since last order" for r in data["centroid_recency_days"]])
    )  # fmt: skip
    biggest = data.sort_values("customers", ascending=False).iloc[0]
    reading = (
        f"The largest behavioural segment, '{biggest['segment_label']}', holds "
        f"{_pct(biggest['share'])} of buyers."
    )
    return Result(_layout(figure, yaxis_tickformat=".0%", yaxis_title="share of buyers"),
                  reading)  # fmt: skip


def value_at_risk_by_stage(connection) -> Result:
    data = _frame(
        connection,
        """
        select lifecycle_stage, sum(value_at_risk) as value_at_risk,
               sum(predicted_clv) as predicted_clv
        from marts.customer_360
        where is_buyer
        group by lifecycle_stage
        """,
    )
    if data.empty or data["value_at_risk"].isna().all():
        return Result(empty_reason="No value at risk: no churn scores or CLV.")
    data = data.set_index("lifecycle_stage").reindex(
        [s for s in STAGE_ORDER if s in set(data["lifecycle_stage"])]
    )
    figure = go.Figure(
        [
            go.Bar(x=data.index, y=data["predicted_clv"], name="predicted CLV"),
            go.Bar(x=data.index, y=data["value_at_risk"], name="value at risk"),
        ]
    )
    top = data["value_at_risk"].idxmax()
    reading = (
        f"Most value at risk sits with {top} customers: "
        f"{data.loc[top, 'value_at_risk']:,.0f} of {data['value_at_risk'].sum():,.0f}."
    )
    return Result(_layout(figure, barmode="group"), reading)


def actions(connection) -> Result:
    data = _frame(
        connection,
        """
        select strategy, action, count(*) as customers,
               sum(expected_net_value) as expected_net_value
        from marts.customer_actions
        where is_worth_acting
        group by strategy, action
        order by expected_net_value desc
        """,
    )
    if data.empty:
        return Result(
            empty_reason="No action pays with the playbook's costs and rates."
        )
    figure = go.Figure(
        go.Bar(x=data["expected_net_value"], y=data["action"], orientation="h",
               text=data["customers"].map("{:,} customers".format))
    )  # fmt: skip
    reading = (
        f"{data['customers'].sum():,} actions pay; together they are worth "
        f"{data['expected_net_value'].sum():,.0f} net. Start with "
        f"'{data.iloc[0]['action']}'."
    )
    return Result(_layout(figure, yaxis_autorange="reversed",
                          xaxis_title="expected net value"), reading)  # fmt: skip


def data_quality(connection) -> Result:
    data = _frame(
        connection,
        """
        select source_name || ': ' || reason as reason, count(*) as rows
        from audit.rejected_rows
        group by 1
        order by rows desc
        """,
    )
    totals = _frame(
        connection, "select sum(input_rows) as input, sum(rejected_rows) as rejected"
        " from audit.source_row_counts"
    )  # fmt: skip
    if data.empty:
        return Result(empty_reason="No input row was rejected: nothing to show.")
    figure = go.Figure(go.Bar(x=data["rows"], y=data["reason"], orientation="h"))
    rejected, total = int(totals["rejected"].iloc[0]), int(totals["input"].iloc[0])
    reading = (
        f"{rejected:,} of {total:,} input rows ({rejected / total:.2%}) were set aside; "
        f"the most common reason: {data.iloc[0]['reason']}."
    )
    return Result(_layout(figure, yaxis_autorange="reversed", xaxis_title="rows"),
                  reading)  # fmt: skip


CHARTS: list[Chart] = [
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
    Chart(
        "churn_models", "Churn model: calibration and against baselines", churn_models
    ),
    Chart("satisfaction_over_time", "NPS and CSAT over time", satisfaction_over_time),
    Chart(
        "satisfaction_by_stage",
        "NPS and CSAT by lifecycle stage",
        satisfaction_by_stage,
    ),
    Chart("segment_profiles", "Behavioural segments", segment_profiles),
    Chart("value_at_risk", "Value at risk by lifecycle stage", value_at_risk_by_stage),
    Chart("actions", "Actions that pay", actions),
    Chart("data_quality", "Data quality: rows set aside", data_quality),
]

PAGE_SCRIPT = """
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
window.addEventListener('load', function () {
  setTimeout(function () {
    var charts = document.querySelectorAll('.chart[data-has-figure="true"]');
    var rendered = 0;
    charts.forEach(function (c) {
      if (c.querySelector('svg.main-svg')) { rendered += 1; c.dataset.rendered = 'true'; }
    });
    var status = document.getElementById('render-status');
    status.dataset.charts = String(charts.length);
    status.dataset.rendered = String(rendered);
    status.dataset.errors = JSON.stringify(window.__errors);
    status.textContent = rendered + ' of ' + charts.length + ' charts rendered';
  }, 500);
});
"""


def _header(connection) -> str:
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
        f"{people:,} people known, {buyers:,} of them buyers.</p>"
        "<p class='how'>How to read this report: each chart answers one question; the "
        "sentence under its title is the reading of today's data. Stages (prospect, "
        "new, active, growing, at_risk, churned, reactivated) say where customers "
        "stand in time; RFM segments rank buyers against each other; value is money "
        "(margin) per customer. Every number comes from the warehouse tables named in "
        "the docs site.</p>"
    )


def render(connection: duckdb.DuckDBPyConnection) -> str:
    """The report as one HTML page (plotly.js inlined once)."""
    sections = []
    for chart in CHARTS:
        result = chart.build(connection)
        if result.figure is not None:
            body = result.figure.to_html(
                full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}",
                config={"displaylogo": False, "responsive": True},
            )  # fmt: skip
            reading = html.escape(result.reading)
        else:
            body = f"<p class='empty'>{html.escape(result.empty_reason)}</p>"
            reading = "No chart."
        sections.append(
            f"<section class='chart' id='{chart.key}' "
            f"data-has-figure='{str(result.figure is not None).lower()}'>"
            f"<h2>{html.escape(chart.title)}</h2><p class='reading'>{reading}</p>"
            f"{body}</section>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Customer lifecycle report</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em;"
        "color:#212529}h1{margin-bottom:.2em}.chart{border-top:1px solid #dee2e6;"
        "padding-top:.5em}.reading{font-size:1.1em;color:#1864ab}.empty{color:#868e96}"
        ".how{color:#495057}#render-status{color:#adb5bd;font-size:.8em}</style>"
        f"<script>{PAGE_SCRIPT}</script>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        "<h1>Customer lifecycle report</h1>"
        f"{_header(connection)}{''.join(sections)}"
        "<p id='render-status'></p></body></html>"
    )


def write_report(database: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Read ``database`` read-only and write ``out/index.html``; returns its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database), read_only=True) as connection:
        page = render(connection)
    target = out / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory for index.html")
    parser.add_argument(
        "--database",
        default=os.environ.get("LIFECYCLE_DUCKDB_PATH", "lifecycle.duckdb"),
        help="the published warehouse (default: $LIFECYCLE_DUCKDB_PATH or lifecycle.duckdb)",
    )
    args = parser.parse_args(argv)
    target = write_report(args.database, args.out)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
