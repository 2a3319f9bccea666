"""Charts of customer value: CLV, LTV:CAC, p_alive, value at risk."""

from __future__ import annotations

import plotly.graph_objects as go

from customer_lifecycle.report.base import (
    STAGE_ORDER,
    Result,
    Settings,
    colour_bar,
    frame,
    layout,
    money,
    pct,
)


def clv_distribution(connection, settings: Settings) -> Result:
    data = frame(
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
    total = money(float(data["value"].sum()), settings.currency)
    reading = (
        f"The top 20% of buyers hold {pct(top20)} of the predicted future value "
        f"({total} in all)."
    )
    return Result(
        layout(figure, xaxis_title="top % of buyers by predicted CLV",
               yaxis_title="share of predicted value", yaxis_tickformat=".0%"),
        reading,
    )  # fmt: skip


def clv_by_channel(connection, settings: Settings) -> Result:
    data = frame(
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
        f"{money(best['predicted_clv'], settings.currency)} predicted CLV each on "
        "average."
    )
    return Result(
        layout(figure, barmode="group", xaxis_title="acquisition channel",
               yaxis_title=f"CLV per buyer ({settings.currency})"),
        reading,
    )  # fmt: skip


def ltv_cac_by_channel(connection, settings: Settings) -> Result:
    data = frame(
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
            empty_reason=(
                "No LTV:CAC: no acquisition costs or marketing spend in the input."
            )
        )
    figure = go.Figure(go.Bar(x=data["channel"], y=data["ltv_to_cac"]))
    figure.add_hline(y=3, line_dash="dot", annotation_text="3:1 rule of thumb")
    best, worst = data.iloc[0], data.iloc[-1]
    reading = (
        f"{best['channel']} returns {best['ltv_to_cac']:.1f}x its acquisition cost "
        f"({money(best['ltv'], settings.currency)} lifetime value for "
        f"{money(best['cac'], settings.currency)} per customer), "
        f"{worst['channel']} {worst['ltv_to_cac']:.1f}x."
    )
    return Result(
        layout(figure, xaxis_title="acquisition channel",
               yaxis_title="lifetime value / acquisition cost"),
        reading,
    )  # fmt: skip


def p_alive_matrix(connection, settings: Settings) -> Result:
    data = frame(
        connection,
        """
        select
            least(summary.frequency, 20) as frequency,
            least(
                cast(floor(10 * summary.recency / nullif(summary.t, 0)) as integer), 9
            )
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
                   colorscale="RdYlGn", zmin=0, zmax=1,
                   colorbar=colour_bar("probability still active"))
    )  # fmt: skip
    reading = (
        "Customers who bought often but not lately (top left) are the likeliest to be "
        "gone; recent buyers (right) are very likely still active."
    )
    return Result(
        layout(figure, xaxis_title="recency as tenths of the customer's age",
               yaxis_title="repeat purchases (frequency)"),
        reading,
    )  # fmt: skip


def value_at_risk_by_stage(connection, settings: Settings) -> Result:
    data = frame(
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
        f"{money(data.loc[top, 'value_at_risk'], settings.currency)} of "
        f"{money(data['value_at_risk'].sum(), settings.currency)}."
    )
    return Result(
        layout(figure, barmode="group", xaxis_title="lifecycle stage",
               yaxis_title=f"total ({settings.currency})"),
        reading,
    )  # fmt: skip
