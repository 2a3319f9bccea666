"""Charts of where customers stand: stages, flows, cohorts, RFM and segments."""

from __future__ import annotations

import plotly.graph_objects as go

from customer_lifecycle.report.base import (
    STAGE_COLOURS,
    STAGE_ORDER,
    Result,
    Settings,
    colour_bar,
    frame,
    layout,
    pct,
)


def stage_mix(connection, settings: Settings) -> Result:
    data = frame(
        connection,
        """
        select period_start, stage, count(*) as customers
        from marts.customer_lifecycle_stages_v1
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
        f"In the latest period, {pct(engaged / buyers) if buyers else '0%'} of the "
        f"{buyers:,} customers who ever bought are active or growing."
    )
    return Result(
        layout(figure, xaxis_title="period", yaxis_title="people",
               legend_title_text="stage"),
        reading,
    )  # fmt: skip


def stage_flows(connection, settings: Settings) -> Result:
    data = frame(
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
            colorbar=colour_bar("share of the row's customers"),
        )
    )  # fmt: skip
    at_risk = matrix.loc["at_risk"]
    reading = (
        f"Of the customers at risk in a period, {pct(at_risk.get('churned', 0) or 0)} "
        f"are churned the next period and {pct(at_risk.get('active', 0) or 0)} are "
        "active again."
    )
    return Result(
        layout(figure, xaxis_title="stage in the next period",
               yaxis_title="stage in this period", yaxis_autorange="reversed"),
        reading,
    )  # fmt: skip


def cohort_retention(connection, settings: Settings) -> Result:
    data = frame(
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
            colorbar={**colour_bar("share buying again"), "tickformat": ".0%"},
        )
    )  # fmt: skip
    month3 = data[data["months_since_first_order"] == 3]["retention_rate"]
    reading = (
        f"On average {pct(month3.mean())} of a cohort buys again in its third month "
        "after the first order."
        if not month3.empty
        else "No cohort is three months old yet."
    )
    return Result(
        layout(figure, xaxis_title="months since first order",
               yaxis_title="first-order month"),
        reading,
    )  # fmt: skip


def rfm_grid(connection, settings: Settings) -> Result:
    data = frame(
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
        f"'{top['rfm_segment']}' are {pct(top['customer_share'])} of buyers and "
        f"bring {pct(top['revenue_share'])} of revenue."
    )
    return Result(
        layout(figure, barmode="group", yaxis_tickformat=".0%",
               xaxis_title="RFM segment", yaxis_title="share of all buyers / revenue"),
        reading,
    )  # fmt: skip


def segment_profiles(connection, settings: Settings) -> Result:
    data = frame(connection, "select * from marts.segment_profiles order by segment_id")
    if data.empty:
        return Result(empty_reason="The segmentation did not run (too few customers).")
    figure = go.Figure(
        go.Bar(x=data["segment_label"], y=data["share"],
               text=[f"{r:.0f} days since last order"
                     for r in data["centroid_recency_days"]])
    )  # fmt: skip
    biggest = data.sort_values("customers", ascending=False).iloc[0]
    reading = (
        f"The largest behavioural segment, '{biggest['segment_label']}', holds "
        f"{pct(biggest['share'])} of buyers."
    )
    return Result(
        layout(figure, yaxis_tickformat=".0%", yaxis_title="share of buyers",
               xaxis_title="behavioural segment (typical days since last order)"),
        reading,
    )  # fmt: skip
