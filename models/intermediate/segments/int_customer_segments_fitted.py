"""KMeans segments fitted on a fixed-seed sample as of as_of_date: one run.

Thin dbt Python model: reads the scoring features (as of as_of_date) of the
KMeans fit sample from int_customer_features_at_feature_dates and calls
``customer_lifecycle.runs.segmentation_run`` (doc block customer_segmentation),
which returns the run's records stacked by ``record_type``: 'profile', 'centroid'
and 'scaling' (the fitted model as tables: int_customer_segments assigns every
customer to the nearest centroid in SQL), 'silhouette' (one per k tried) and
'run'. Settings come from int_ml_run_context only.
"""

import pandas as pd

from customer_lifecycle.runs import segmentation_run
from customer_lifecycle.segmentation import PROFILE_COLUMNS


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    features = (
        dbt.ref("int_customer_features_at_feature_dates")
        .filter("feature_date_index = 0 and is_in_segment_sample")
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
