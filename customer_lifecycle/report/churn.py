"""The churn chart: which model's score is published, and how it compares.

The published model is the row of marts.model_evaluations with ``is_selected``
(the model behind marts.churn_scores): a candidate when it beats every baseline
clearly at every backtest origin, else the best baseline. The reading names it,
never the best-looking unpublished candidate.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from customer_lifecycle.report.base import Result, Settings, frame, layout

MODEL_LABELS = {
    "logistic_regression": "logistic regression",
    "hist_gradient_boosting": "gradient boosting (reference only)",
    "recency": "days since last purchase",
    "bgnbd_expected_purchases": "BG/NBD expected purchases",
}
PUBLISHED_COLOUR = "#1c7ed6"
OTHER_COLOUR = "#adb5bd"


def model_label(name: str) -> str:
    return MODEL_LABELS.get(name, name.replace("_", " "))


def published_model(auc: pd.DataFrame) -> pd.Series | None:
    """The row of the model whose score is published (is_selected), if any."""
    selected = auc[auc["is_selected"]]
    return selected.iloc[0] if not selected.empty else None


def churn_reading(auc: pd.DataFrame) -> str:
    """Names the published model, then why a better-looking one is not published."""
    published = published_model(auc)
    if published is None:
        return "No churn model is published: churn_scores is empty."
    kind = "the simple baseline" if published["is_baseline"] else "the model"
    reading = (
        f"Churn scores come from {kind} {model_label(published['model_name'])} "
        f"({published['model_name']}): it ranks holdout customers with ROC AUC "
        f"{published['roc_auc']:.3f}."
    )
    higher = auc[(auc["roc_auc"] > published["roc_auc"]) & ~auc["is_selected"]]
    if published["is_baseline"] and not higher.empty:
        best = higher.sort_values("roc_auc").iloc[-1]
        reading += (
            f" {model_label(best['model_name']).capitalize()} scores "
            f"{best['roc_auc']:.3f} here but is not published: its edge is within "
            "the noise (it does not beat every baseline clearly at every backtest "
            "date)."
        )
    elif not published["is_baseline"]:
        baseline = auc[auc["is_baseline"]]["roc_auc"].max()
        reading += f" The best simple baseline reaches {baseline:.3f}."
    return reading


def churn_models(connection, settings: Settings) -> Result:
    calibration = frame(
        connection,
        """
        select calibration.mean_predicted_probability, calibration.observed_churn_rate
        from marts.model_calibration as calibration
        inner join marts.model_evaluations as evaluations
            on calibration.model_run_id = evaluations.model_run_id
            and calibration.model_name = evaluations.model_name
        where evaluations.is_selected and evaluations.metric = 'roc_auc'
        order by calibration.calibration_bin
        """,
    )
    auc = frame(
        connection,
        """
        select model_name, is_baseline, is_selected, value as roc_auc,
               ci_lower, ci_upper
        from marts.model_evaluations
        where metric = 'roc_auc' and evaluated_on = 'holdout'
        order by value desc
        """,
    )
    if auc.empty:
        return Result(empty_reason="The churn model did not run (too few customers).")
    figure = make_subplots(
        cols=2,
        subplot_titles=("published model: predicted vs observed", "ROC AUC on holdout"),
    )
    figure.add_trace(
        go.Scatter(x=calibration["mean_predicted_probability"],
                   y=calibration["observed_churn_rate"], mode="lines+markers",
                   name="published model"), 1, 1,
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"},
                   name="perfectly calibrated"), 1, 1,
    )  # fmt: skip
    figure.add_trace(
        go.Bar(x=[model_label(name) + ("<br>(baseline)" if baseline else "")
                  for name, baseline in zip(auc["model_name"], auc["is_baseline"],
                                            strict=True)],
               y=auc["roc_auc"], insidetextanchor="start",
               error_y={"type": "data", "symmetric": False,
                        "array": auc["ci_upper"] - auc["roc_auc"],
                        "arrayminus": auc["roc_auc"] - auc["ci_lower"]},
               marker_color=[PUBLISHED_COLOUR if s else OTHER_COLOUR
                             for s in auc["is_selected"]],
               text=["published" if s else "" for s in auc["is_selected"]],
               name="ROC AUC (95% interval)"), 1, 2,
    )  # fmt: skip
    figure.update_xaxes(title_text="predicted churn probability", row=1, col=1)
    figure.update_yaxes(title_text="share who did not buy again", row=1, col=1)
    figure.update_xaxes(title_text="model (blue = published)", row=1, col=2)
    figure.update_yaxes(
        title_text="ROC AUC (0.5 = chance, 1 = perfect)", row=1, col=2,
        range=[0.5, 1],
    )  # fmt: skip
    return Result(layout(figure, showlegend=False, height=460), churn_reading(auc))
