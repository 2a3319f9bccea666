"""Expected purchases of each backtest customer in the backtest window, per
purchase model, from the fits of the window's calibration date.

Thin: the maths is in customer_lifecycle.clv.predict_backtest_purchases.
"""

from customer_lifecycle.clv import predict_backtest_purchases


def model(dbt, session):
    summary = dbt.ref("int_btyd_backtest_summary").df()
    summary = summary.sort_values("customer_id").reset_index(drop=True)
    runs = dbt.ref("int_btyd_fitted").df()
    window = dbt.ref("int_btyd_backtest_window").df()
    context = dbt.ref("int_run_context").df().iloc[0]
    predictions = predict_backtest_purchases(
        summary, runs, window, time_unit_days=float(context["time_unit_days"])
    )
    return predictions.sort_values(["customer_id", "purchase_model"]).reset_index(
        drop=True
    )
