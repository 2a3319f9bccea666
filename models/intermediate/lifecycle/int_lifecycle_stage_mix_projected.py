"""Projected stage mix k = 0..K periods after the last period: counts(0) P^k.

Thin dbt Python model: counts the customers per stage in the last period (the
current stage spells, in DuckDB, not in pandas), loads the pooled matrix and calls
``customer_lifecycle.markov.stage_forecast``. Vars come from int_run_context.
"""

import pandas as pd

from customer_lifecycle.markov import stage_forecast, stages_in_precedence_order


def model(dbt, session):
    context = dbt.ref("int_run_context").df().iloc[0]
    periods = int(context["lifecycle_forecast_periods"])
    matrix = dbt.ref("int_lifecycle_transition_matrix").df()
    states = stages_in_precedence_order(matrix)
    mix = (
        dbt.ref("int_customer_lifecycle_spells")
        .filter("is_current_spell")
        .aggregate(
            "last_period_start as period_start, lifecycle_stage as stage,"
            " count(*) as customers",
            "last_period_start, lifecycle_stage",
        )
        .df()
    )
    if mix.empty:
        return pd.DataFrame(
            {
                "from_period_start": pd.Series(dtype="datetime64[ns]"),
                "periods_ahead": pd.Series(dtype="int64"),
                "stage": pd.Series(dtype="string"),
                "expected_customers": pd.Series(dtype="float64"),
            }
        )
    last_period_start = mix["period_start"].max()
    current = mix.loc[mix["period_start"] == last_period_start, ["stage", "customers"]]
    forecast = stage_forecast(matrix, current, states, periods)
    forecast.insert(0, "from_period_start", last_period_start)
    return forecast
