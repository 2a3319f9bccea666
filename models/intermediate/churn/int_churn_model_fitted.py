"""Churn model fitted on the churn sample, evaluated, backtested: one run.

Thin dbt Python model: reads the churn sample of the feature table
(int_customer_features_at_feature_dates, labelled dates only) and calls
``customer_lifecycle.runs.churn_run`` (doc block churn_model), which returns the
run's records stacked by ``record_type``: 'coefficient' (the published model,
scored for every customer in SQL by int_churn_scores), 'evaluation',
'calibration', 'backtest' and 'run' (the run log). Settings come from
int_ml_run_context only. Only ``fit_seconds`` differs between two builds.
"""

import pandas as pd

from customer_lifecycle.runs import churn_run


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    numeric = str(context["churn_numeric_features"]).split(",")
    columns = [
        "customer_id",
        "feature_date_index",
        "feature_date",
        "label_window_end_date",
        "is_holdout",
        "churn_label",
        "lifecycle_stage",
        "bgnbd_p_no_purchase",
        "tenure_days",
        *numeric,
    ]
    frame = (
        dbt.ref("int_customer_features_at_feature_dates")
        .filter("feature_date_index >= 1 and is_in_churn_sample")
        .project(", ".join(dict.fromkeys(columns)))
        .order("feature_date_index, customer_id")
        .df()
    )
    settings = {
        "numeric": numeric,
        "random_state": int(context["random_seed"]),
    }
    return churn_run(frame, pd.Timestamp(context["as_of_date"]), settings)
