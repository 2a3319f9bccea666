"""BG/NBD fitted once per feature date of the churn model, on distinct patterns.

Thin dbt Python model: per feature date, BG/NBD is fitted by maximum likelihood
(customer_lifecycle.btyd.fit_bgnbd) on the distinct (x, t_x, T) patterns of the
churn sample, weighted by their customer counts, and p_alive, the expected
purchases and the probability of no purchase in the churn window are computed
for every pattern (customer_lifecycle.churn.bgnbd_pattern_features). Joined to the
customers by int_customer_features_at_feature_dates.
"""

from customer_lifecycle.churn import bgnbd_pattern_features


def model(dbt, session):
    context = dbt.ref("int_ml_run_context").df().iloc[0]
    patterns = (
        dbt.ref("int_purchase_patterns_at_feature_dates")
        .order("feature_date, repeat_purchase_days, purchase_span_days, tenure_days")
        .df()
    )
    return bgnbd_pattern_features(
        patterns,
        window_days=int(context["churn_window_days"]),
        time_unit_days=float(context["time_unit_days"]),
    )
