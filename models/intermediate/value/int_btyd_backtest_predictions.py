"""Expected purchases in each backtest origin's holdout, per purchase model and
distinct (frequency, recency, t) pattern, from the fits of the origin's
calibration date; the customers get them back in SQL.

Thin: the maths is in customer_lifecycle.clv.predict_backtest_purchases.
"""

from customer_lifecycle.clv import predict_backtest_purchases


def model(dbt, session):
    patterns = (
        dbt.ref("int_btyd_backtest_patterns")
        .order("origin_index, frequency, recency, t")
        .df()
    )
    runs = dbt.ref("int_btyd_fitted").df()
    window = dbt.ref("int_btyd_backtest_window").df()
    context = dbt.ref("int_run_context").df().iloc[0]
    return predict_backtest_purchases(
        patterns, runs, window, time_unit_days=float(context["time_unit_days"])
    )
