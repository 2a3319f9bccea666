"""KMeans customer segments as of as_of_date: one run.

Thin dbt Python model: reads the 'scoring' features (as of as_of_date) of
int_customer_features_at_churn_dates and calls
``customer_lifecycle.runs.segmentation_run`` (doc block customer_segmentation),
which returns the run's records stacked by ``record_type``: 'assignment',
'profile', 'silhouette' (one per k tried) and 'run' (the run log). Published by
customer_segments, segment_profiles, model_evaluations and model_runs. Only
``fit_seconds`` differs between two builds on the same input.
"""

import pandas as pd

from customer_lifecycle.runs import segmentation_run
from customer_lifecycle.segmentation import PROFILE_COLUMNS


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    features = (
        dbt.ref("int_customer_features_at_churn_dates")
        .filter("feature_role = 'scoring'")
        .project(", ".join(["customer_id", *PROFILE_COLUMNS]))
        .order("customer_id")
        .df()
    )
    fixed_k = context["segment_k"]
    settings = {
        "k": None if pd.isna(fixed_k) else int(fixed_k),
        "k_range": (int(context["segment_k_min"]), int(context["segment_k_max"])),
        "silhouette_sample": int(context["segment_silhouette_sample"]),
        "random_state": int(context["random_seed"]),
    }
    return segmentation_run(features, pd.Timestamp(context["as_of_date"]), settings)
