"""The purchase-forecast backtest: how far off the selected model was, and over
which holdouts (marts.btyd_model_selection, marts.btyd_backtest_by_origin).

A backtest on holdouts shorter than the forecast horizon is the accuracy of a
shorter forecast, and the reading says so; without an evaluable origin it says
that there is no accuracy figure at all, never a number dressed as one.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from customer_lifecycle.report.base import Result, Settings, frame, layout

# Fit statuses whose predictions are used (marts.btyd_model_selection.status).
USABLE_FITS = ("fitted", "degenerate")


def selected_model(connection) -> pd.Series | None:
    """The row of marts.btyd_model_selection that customer_clv uses."""
    selection = frame(
        connection,
        """
        select purchase_model, status, purchase_model_var, backtest_kind,
               backtest_origins, pooled_absolute_relative_error,
               relative_total_error, shortest_backtest_days, longest_backtest_days,
               horizon_days, backtest_horizon_status
        from marts.btyd_model_selection
        where is_selected
        """,
    )
    return None if selection.empty else selection.iloc[0]


def origin_errors(connection, model: str) -> pd.DataFrame:
    """``model``'s signed relative error at each pooled origin (those where every
    model with a usable fit is evaluable, as in the model selection)."""
    by_origin = frame(
        connection,
        """
        select by_origin.origin_index, by_origin.purchase_model,
               by_origin.is_evaluable, by_origin.evaluation_status,
               by_origin.calibration_end_date, by_origin.relative_total_error,
               selection.status
        from marts.btyd_backtest_by_origin as by_origin
        inner join marts.btyd_model_selection as selection
            on by_origin.purchase_model = selection.purchase_model
        """,
    )
    usable = by_origin[by_origin["status"].isin(USABLE_FITS)]
    pooled = usable.groupby("origin_index")["is_evaluable"].all()
    pooled_origins = set(pooled[pooled].index)
    return by_origin[
        (by_origin["purchase_model"] == model)
        & by_origin["origin_index"].isin(pooled_origins)
    ]


def not_evaluable_reading(connection, model: pd.Series) -> str:
    """Why there is no accuracy figure, and how the model was chosen instead."""
    statuses = set(
        frame(
            connection,
            "select evaluation_status from marts.btyd_backtest_by_origin"
            " where not is_evaluable",
        )["evaluation_status"]
    )
    if model["backtest_kind"] == "none" or statuses <= {"holdout_too_short"}:
        why = "The history is too short to backtest the purchase forecasts"
    else:
        reasons = ", ".join(sorted(s.replace("_", " ") for s in statuses))
        why = f"The purchase forecasts could not be backtested ({reasons})"
    if model["status"] not in USABLE_FITS:
        return f"{why}, and no purchase model could be fitted: no forecast."
    if model["purchase_model_var"] == "auto":
        return f"{why}; the model was chosen by calibration fit."
    return f"{why}; {model['purchase_model']} was set by var purchase_model."


def evaluable_reading(model: pd.Series, errors: pd.DataFrame) -> str:
    """The pooled error over the origins, their spread and the holdout lengths."""
    name, pooled = model["purchase_model"], model["pooled_absolute_relative_error"]
    shortest = int(model["shortest_backtest_days"])
    longest = int(model["longest_backtest_days"])
    if model["backtest_kind"] == "external":
        signed = float(model["relative_total_error"])
        reading = (
            f"Backtested on one holdout, the {longest} days of orders after "
            f"as_of_date: {name} was off by {pooled:.0%} in total (it predicted "
            f"{'more' if signed > 0 else 'fewer'} purchases than customers made)."
        )
        too_short = "The orders after as_of_date cover too few days"
    else:
        low = float(errors["relative_total_error"].min())
        high = float(errors["relative_total_error"].max())
        reading = (
            f"Backtested at {int(model['backtest_origins'])} origins, each refitted "
            f"on at least as much history as it predicts: {name} was off by "
            f"{pooled:.0%} in total (from {low:+.0%} to {high:+.0%} by origin) over "
            f"holdouts of {shortest}–{longest} days."
        )
        too_short = "The history is too short"
    if model["backtest_horizon_status"] == "shortened":
        reading += (
            f" {too_short} to test the full {int(model['horizon_days'])}-day "
            "horizon; this is the accuracy of shorter forecasts."
        )
    return reading


def backtest_reading(connection) -> str:
    """What the backtest says about the selected purchase model, in words."""
    model = selected_model(connection)
    if model is None:
        return "No purchase model: the BTYD fit did not run."
    if model["backtest_horizon_status"] == "not_evaluable":
        return not_evaluable_reading(connection, model)
    return evaluable_reading(model, origin_errors(connection, model["purchase_model"]))


def btyd_calibration_holdout(connection, settings: Settings) -> Result:
    """Predicted against actual purchases per customer at the latest origin, by
    repeat purchases before it, with the backtest reading."""
    data = frame(
        connection,
        """
        select group_value, group_order, mean_predicted_purchases,
               mean_actual_purchases, calibration_end_date, backtest_kind
        from marts.btyd_backtest
        where grain = 'frequency_bucket'
        order by group_order
        """,
    )
    reading = backtest_reading(connection)
    if data.empty:
        return Result(empty_reason=reading)
    figure = go.Figure(
        [
            go.Scatter(x=data["group_value"], y=data["mean_actual_purchases"],
                       name="actual", mode="lines+markers"),
            go.Scatter(x=data["group_value"], y=data["mean_predicted_purchases"],
                       name="predicted", mode="lines+markers"),
        ]
    )  # fmt: skip
    if data["backtest_kind"].iloc[0] == "internal":
        cutoff = pd.Timestamp(data["calibration_end_date"].iloc[0]).date()
        reading += f" The chart: the latest origin, refitted on orders up to {cutoff}."
    return Result(
        layout(figure, xaxis_title="repeat purchases before the cutoff",
               yaxis_title="purchases per customer after the cutoff"),
        reading,
    )  # fmt: skip
