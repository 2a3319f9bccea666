"""Point-in-time customer features at the two dates of the churn model.

Thin dbt Python model. The frames are exactly those that
``customer_lifecycle.churn.train_and_score`` builds from the same inputs (same
public functions, same arguments):

* ``build_customer_features`` (recency, frequency, money, 90-day activity,
  latest NPS / CSAT, lifecycle stage), which filters every input to the feature
  date before computing anything;
* BG/NBD columns of ``churn.bgnbd_features`` (BG/NBD fitted on the purchases up to
  the feature date); kept only when the fit succeeds at both dates, as in the
  package.

'training' rows: features at churn_cutoff_date, the churn label of the window
(churn_cutoff_date, as_of_date] and the holdout flag of ``churn.holdout_mask``.
'scoring' rows: features at as_of_date. Read by the segmentation, and by the
no-leakage test (training features here = scoring features of a build on data
truncated at the cutoff).
"""

import pandas as pd
import pyarrow as pa

from customer_lifecycle import btyd, churn
from customer_lifecycle.features import FEATURE_COLUMNS, build_customer_features

BGNBD_COLUMNS = ["bgnbd_p_alive", "bgnbd_expected_purchases", "bgnbd_p_no_purchase"]


def _load_inputs(dbt):
    """Orders and surveys up to as_of_date, stage periods, in a canonical order."""
    orders = (
        dbt.ref("int_orders_as_of")
        .project("order_id, customer_id, ordered_at, amount, is_refund")
        .order("customer_id, ordered_at, order_id")
        .df()
    )
    surveys = (
        dbt.ref("int_survey_responses_as_of").order("customer_id, response_id").df()
    )
    stages = (
        dbt.ref("int_lifecycle_stages_at_churn_dates")
        .project("customer_id, period_start, period_end_exclusive as period_end, stage")
        .distinct()
        .order("customer_id, period_start")
        .df()
    )
    return orders, surveys, stages


def _features(orders, date, surveys, stages, window_days, time_unit, with_bgnbd):
    features = build_customer_features(orders, date, surveys=surveys, stages=stages)
    if with_bgnbd:
        bgnbd, _ = churn.bgnbd_features(orders, date, window_days, time_unit)
        features = features.merge(bgnbd, on="customer_id", how="left")
    else:
        features = features.assign(**dict.fromkeys(BGNBD_COLUMNS, float("nan")))
    return features.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    orders, surveys, stages = _load_inputs(dbt)
    as_of = pd.Timestamp(context["as_of_date"])
    cutoff = pd.Timestamp(context["churn_cutoff_date"])
    window_days = int(context["churn_window_days"])
    time_unit = str(context["time_unit"])

    frames = {}
    for with_bgnbd in (True, False):
        try:
            for role, date in (("training", cutoff), ("scoring", as_of)):
                frames[role] = _features(
                    orders, date, surveys, stages, window_days, time_unit, with_bgnbd
                )
            break
        except btyd.FitError:
            continue  # as train_and_score: no BG/NBD columns unless both fits work

    training = frames["training"]
    training["churn_label"] = pd.array(
        churn.churn_labels(orders, training["customer_id"], cutoff, as_of).to_numpy(),
        dtype="Int64",
    )
    training["is_holdout"] = pd.array(
        churn.holdout_mask(
            training["customer_id"],
            float(context["churn_holdout_share"]),
            int(context["random_seed"]),
        ),
        dtype="boolean",
    )
    scoring = frames["scoring"]
    scoring["churn_label"] = pd.Series(None, index=scoring.index, dtype="Int64")
    scoring["is_holdout"] = pd.Series(None, index=scoring.index, dtype="boolean")

    parts = []
    for role, date, frame in (
        ("training", cutoff, training),
        ("scoring", as_of, scoring),
    ):
        frame.insert(0, "feature_role", role)
        frame.insert(
            1,
            "feature_date",
            pd.Series(date.date(), index=frame.index, dtype=pd.ArrowDtype(pa.date32())),
        )
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    columns = [
        "feature_role",
        "feature_date",
        *FEATURE_COLUMNS,  # ends with stage_at_cutoff, the stage at feature_date
        *BGNBD_COLUMNS,
        "churn_label",
        "is_holdout",
    ]
    return out[columns].rename(columns={"stage_at_cutoff": "lifecycle_stage"})
