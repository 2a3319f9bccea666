"""Point-in-time customer features at the two dates of the churn model.

Thin dbt Python model: ``customer_lifecycle.runs.point_in_time_features`` builds
exactly the frames ``churn.train_and_score`` builds from the same inputs.
'training' rows: features at churn_cutoff_date, the churn label of the window
(churn_cutoff_date, as_of_date] and the holdout flag; 'scoring' rows: features at
as_of_date. Read by the segmentation, and by the no-leakage test (training
features here = scoring features of a build on data truncated at the cutoff).
"""

import pandas as pd

from customer_lifecycle.runs import canonical_inputs, point_in_time_features


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    orders = dbt.ref("int_orders_as_of")
    surveys = dbt.ref("int_survey_responses_as_of")
    stages = dbt.ref("int_lifecycle_stages_at_churn_dates")
    return point_in_time_features(
        *canonical_inputs(orders, surveys, stages),
        as_of=pd.Timestamp(context["as_of_date"]),
        cutoff=pd.Timestamp(context["churn_cutoff_date"]),
        window_days=int(context["churn_window_days"]),
        time_unit=str(context["time_unit"]),
        holdout_share=float(context["churn_holdout_share"]),
        random_seed=int(context["random_seed"]),
    )
