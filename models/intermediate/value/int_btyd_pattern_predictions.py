"""Per purchase model (BG/NBD, Pareto/NBD) and distinct purchase pattern: p_alive,
probability of a purchase in the horizon, expected purchases and order value,
and the discounted value per unit of margin.

Python fits, SQL scores: the patterns are the distinct (frequency, recency, t,
monetary_value) rows of int_customer_purchase_summary (no customer ids travel
to Python), the maths is customer_lifecycle.clv.predict_patterns reading the
parameters from the int_btyd_fitted table, and int_btyd_customer_predictions
joins the patterns back to every customer in SQL. Vars come from int_run_context.
"""

from customer_lifecycle.clv import predict_patterns


def model(dbt, session):
    summary = dbt.ref("int_customer_purchase_summary")
    patterns = (
        summary.project("frequency, recency, t, monetary_value")
        .distinct()
        .order("frequency, recency, t, monetary_value")
        .df()
    )
    runs = dbt.ref("int_btyd_fitted").df()
    context = dbt.ref("int_run_context").df().iloc[0]
    return predict_patterns(
        patterns,
        runs,
        time_unit_days=float(context["time_unit_days"]),
        period_days=float(context["clv_period_days"]),
        horizon_periods=int(context["clv_horizon_periods"]),
        annual_discount_rate=float(context["annual_discount_rate"]),
    )
