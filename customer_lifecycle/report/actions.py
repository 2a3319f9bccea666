"""What to do: the to-do list at the top of the report and the actions chart.

The to-do list is the head of marts.customer_actions in its own order
(``action_rank``, 1 = act first), one row per customer; the chart sums the same
mart by action.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from customer_lifecycle.report.base import Result, Settings, frame, layout, money


def top_actions(connection, settings: Settings) -> pd.DataFrame:
    """The first ``settings.top_actions`` actions that pay, by action_rank."""
    return frame(
        connection,
        f"""
        select action_rank, customer_id, lifecycle_stage, rfm_segment, action,
               contact_channel, value_basis, value_at_stake, response_rate, action_cost,
               expected_net_value
        from marts.customer_actions
        where is_worth_acting
        order by action_rank
        limit {int(settings.top_actions)}
        """,
    )


def why(row: pd.Series, settings: Settings) -> str:
    """Why this action for this customer, in words, with the figures behind it."""
    stake = money(row["value_at_stake"], settings.currency)
    if row["value_basis"] == "value_at_risk":
        stake = f"{stake} of future value at risk"
    else:
        stake = f"a new buyer is worth {stake}"
    return (
        f"{row['lifecycle_stage'].replace('_', ' ')}, {row['rfm_segment']}: {stake}; "
        f"{row['response_rate']:.0%} expected to respond; costs "
        f"{money(row['action_cost'], settings.currency)}"
    )


def to_do_html(connection, settings: Settings) -> str:
    """The 'What to do first' section: a table of the top actions."""
    rows = top_actions(connection, settings)
    totals = connection.sql(
        "select count(*), sum(expected_net_value) from marts.customer_actions"
        " where is_worth_acting"
    ).fetchone()
    heading = "<section id='to-do'><h2>What to do first</h2>"
    if rows.empty:
        return (
            f"{heading}<p class='reading'>No action pays with the playbook's costs "
            "and response rates (seed action_playbook).</p></section>"
        )
    lines = [
        f"<tr data-rank='{int(row['action_rank'])}' "
        f"data-customer='{html.escape(str(row['customer_id']))}'>"
        f"<td>{int(row['action_rank'])}</td>"
        f"<td>{html.escape(str(row['customer_id']))}</td>"
        f"<td>{html.escape(row['action'])} ({html.escape(row['contact_channel'])})</td>"
        f"<td>{html.escape(why(row, settings))}</td>"
        f"<td class='money'>{money(row['expected_net_value'], settings.currency)}</td>"
        "</tr>"
        for _, row in rows.iterrows()
    ]
    count, total = totals
    return (
        f"{heading}<p class='reading'>{count:,} customers have an action that pays, "
        f"together worth {money(total, settings.currency)} net of its cost. The "
        f"first {len(rows)}, most valuable first:</p>"
        "<table class='todo'><thead><tr><th>rank</th><th>customer</th><th>action "
        "(contact channel)</th><th>why</th><th>expected net value</th></tr></thead>"
        "<tbody>"
        f"{''.join(lines)}</tbody></table>"
        "<p class='how'>The whole list, in this order: table marts.customer_actions "
        "(where is_worth_acting, order by action_rank). Expected net value = value "
        "at stake x response rate - cost. Drop the people you may not contact "
        "first: the input has no consent flag.</p></section>"
    )


def actions(connection, settings: Settings) -> Result:
    data = frame(
        connection,
        """
        select action, count(*) as customers,
               sum(expected_net_value) as expected_net_value,
               min(action_rank) as first_rank
        from marts.customer_actions
        where is_worth_acting
        group by action
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
    biggest = data.iloc[0]
    each = biggest["expected_net_value"] / biggest["customers"]
    reading = (
        f"Summed over customers, '{biggest['action']}' is worth the most "
        f"({money(biggest['expected_net_value'], settings.currency)} for "
        f"{biggest['customers']:,} customers), but only "
        f"{money(each, settings.currency)}"
        f" each: its first customer is rank {int(biggest['first_rank']):,} in the "
        "list above, which puts the contacts worth most first."
        if biggest["first_rank"] != data["first_rank"].min()
        else f"'{biggest['action']}' is worth the most, in total and per customer "
        f"({money(biggest['expected_net_value'], settings.currency)} for "
        f"{biggest['customers']:,} customers)."
    )
    return Result(
        layout(figure, yaxis_autorange="reversed", yaxis_title="action",
               xaxis_title=f"expected net value, all customers ({settings.currency})"),
        reading,
    )  # fmt: skip


def data_quality(connection, settings: Settings) -> Result:
    data = frame(
        connection,
        """
        select source_name || ': ' || reason as reason, count(*) as rows
        from audit.rejected_rows
        group by 1
        order by rows desc
        """,
    )
    totals = frame(
        connection, "select sum(input_rows) as input, sum(rejected_rows) as rejected"
        " from audit.source_row_counts"
    )  # fmt: skip
    if data.empty:
        return Result(empty_reason="No input row was rejected: nothing to show.")
    figure = go.Figure(go.Bar(x=data["rows"], y=data["reason"], orientation="h"))
    rejected, total = int(totals["rejected"].iloc[0]), int(totals["input"].iloc[0])
    reading = (
        f"{rejected:,} of {total:,} input rows ({rejected / total:.2%}) were set "
        "aside; "
        f"the most common reason: {data.iloc[0]['reason']}."
    )
    return Result(
        layout(figure, yaxis_autorange="reversed", xaxis_title="rows set aside",
               yaxis_title="input file: reason"),
        reading,
    )  # fmt: skip
