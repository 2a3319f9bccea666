"""Fit BG/NBD and Gamma-Gamma by maximum likelihood on the purchase summary.

Thin: the maths is in customer_lifecycle.btyd, the run bookkeeping in
customer_lifecycle.clv.fit_btyd. One row per model; this table is a run log
(it holds fit durations), published through marts.btyd_model_parameters (without
durations) and marts.model_runs.
"""

from customer_lifecycle.clv import fit_btyd


def model(dbt, session):
    summary = dbt.ref("customer_purchase_summary").df()
    context = dbt.ref("int_run_context").df()
    return fit_btyd(
        summary,
        as_of_date=context["as_of_date"].iloc[0],
        time_unit=str(context["time_unit"].iloc[0]),
        min_customers=int(dbt.config.get("btyd_min_customers")),
    )
