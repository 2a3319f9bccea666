"""Per customer and purchase model (BG/NBD, Pareto/NBD): p_alive, probability of
a purchase in the horizon, expected purchases and order value, predicted CLV.

Thin: the maths is in customer_lifecycle.clv.predict_customer_value, which reads
the fitted parameters from the int_btyd_fitted table. Vars come from int_run_context.
"""

from customer_lifecycle.clv import predict_customer_value


def model(dbt, session):
    summary = dbt.ref("int_customer_purchase_summary").df()
    summary = summary.sort_values("customer_id").reset_index(drop=True)
    runs = dbt.ref("int_btyd_fitted").df()
    margins = dbt.ref("int_customer_margins").df().set_index("customer_id")
    context = dbt.ref("int_run_context").df().iloc[0]
    predictions = predict_customer_value(
        summary,
        runs,
        margin_rate=margins["margin_rate"].reindex(summary["customer_id"]).to_numpy(),
        time_unit_days=float(context["time_unit_days"]),
        period_days=float(context["clv_period_days"]),
        horizon_periods=int(context["clv_horizon_periods"]),
        annual_discount_rate=float(context["annual_discount_rate"]),
    )
    return predictions.sort_values(["customer_id", "purchase_model"]).reset_index(
        drop=True
    )
