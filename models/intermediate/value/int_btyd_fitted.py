"""Fit BG/NBD, Pareto/NBD and Gamma-Gamma by maximum likelihood.

Thin: the maths is in customer_lifecycle.btyd and customer_lifecycle.pareto_nbd,
the run bookkeeping in customer_lifecycle.clv.fit_btyd_runs. One row per fit
(the scoring fits as of as_of_date, and the purchase models refitted on the
calibration period of each internal backtest origin, on its patterns); this
table is a run log (it holds fit durations), published through
marts.btyd_model_parameters (without
durations) and marts.model_runs. Vars come from int_run_context only.
"""

from customer_lifecycle.clv import fit_btyd_runs


def model(dbt, session):
    # Only the numbers the fits read, in customer order (the Pareto/NBD sample
    # is drawn by row position): sorted in DuckDB, no customer ids in pandas.
    summary = (
        dbt.ref("int_customer_purchase_summary")
        .order("customer_id")
        .project("frequency, recency, t, monetary_value")
        .df()
    )
    backtest_patterns = (
        dbt.ref("int_btyd_backtest_patterns")
        .order("origin_index, frequency, recency, t")
        .df()
    )
    window = dbt.ref("int_btyd_backtest_window").df()
    context = dbt.ref("int_run_context").df().iloc[0]
    return fit_btyd_runs(
        summary,
        backtest_patterns,
        window,
        as_of_date=context["as_of_date"],
        time_unit=str(context["time_unit"]),
        min_customers=int(context["btyd_min_customers"]),
    )
