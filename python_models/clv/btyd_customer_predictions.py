"""Per-customer BTYD predictions: p_alive, expected purchases and order value,
predicted CLV over the horizon, expected purchases over the backtest window.

Thin: the maths is in customer_lifecycle.clv.predict_customer_value.
"""

from customer_lifecycle.btyd import TIME_UNIT_DAYS
from customer_lifecycle.clv import predict_customer_value


def model(dbt, session):
    summary = dbt.ref("customer_purchase_summary").df().sort_values("customer_id")
    runs = dbt.ref("btyd_fit").df()
    margins = dbt.ref("int_customer_margins").df().set_index("customer_id")
    context = dbt.ref("int_run_context").df()
    window = dbt.ref("int_btyd_backtest_window").df()
    clv_period = dbt.config.get("clv_period")
    margin_rate = margins["margin_rate"].reindex(summary["customer_id"]).to_numpy()
    predictions = predict_customer_value(
        summary.reset_index(drop=True),
        runs,
        margin_rate=margin_rate,
        time_unit_days=float(context["time_unit_days"].iloc[0]),
        period_days=TIME_UNIT_DAYS[str(clv_period).lower()],
        horizon_periods=int(dbt.config.get("clv_horizon_periods")),
        annual_discount_rate=float(dbt.config.get("annual_discount_rate")),
        backtest_days=float(window["backtest_days"].iloc[0] or 0),
    )
    return predictions.sort_values("customer_id").reset_index(drop=True)
