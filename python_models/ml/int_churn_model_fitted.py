"""Churn models trained, selected, evaluated on a holdout and scored: one run.

Thin dbt Python model: loads the inputs up to as_of_date (the same frames as
int_customer_features_at_churn_dates) and calls
``customer_lifecycle.runs.churn_run`` (doc block churn_model), which returns the
run's records stacked by ``record_type``: 'score', 'evaluation', 'calibration'
and 'run' (the run log). The marts churn_scores, model_evaluations,
model_calibration and model_runs publish them. Only ``fit_seconds`` differs
between two builds on the same input.
"""

import pandas as pd

from customer_lifecycle.runs import canonical_inputs, churn_run


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    orders = dbt.ref("int_orders_as_of")
    surveys = dbt.ref("int_survey_responses_as_of")
    stages = dbt.ref("int_lifecycle_stages_at_churn_dates")
    settings = {
        "window_days": int(context["churn_window_days"]),
        "holdout_share": float(context["churn_holdout_share"]),
        "random_state": int(context["random_seed"]),
        "time_unit": str(context["time_unit"]),
    }
    return churn_run(
        *canonical_inputs(orders, surveys, stages),
        pd.Timestamp(context["as_of_date"]),
        settings,
    )
