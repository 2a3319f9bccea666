"""NPS and CSAT charts, each score shown with the number of answers behind it.

A score on fewer answers than ``Settings.min_survey_answers`` (var
report_min_survey_answers) is drawn but marked (a hollow point, a hatched bar,
'(too few)' in its label) and never used in a reading.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from customer_lifecycle.report.base import (
    SMALL_SAMPLE_PATTERN,
    SMALL_SAMPLE_SYMBOL,
    STAGE_ORDER,
    Result,
    Settings,
    answers_label,
    frame,
    is_small,
    layout,
)

SCORES = {"nps": "NPS (-100..100)", "csat": "CSAT (% satisfied)"}


def _score_line(data: pd.DataFrame, score: str, settings: Settings) -> go.Scatter:
    answers = data[f"{score}_responses"]
    return go.Scatter(
        x=data["period_start"], y=data[score], name=SCORES[score],
        mode="lines+markers",
        marker={"size": 8, "symbol": [SMALL_SAMPLE_SYMBOL if small else "circle"
                                      for small in is_small(answers, settings)]},
        customdata=[answers_label(n, settings) for n in answers],
        hovertemplate="%{x|%Y-%m}: %{y:.0f}, %{customdata}<extra>"
        + SCORES[score] + "</extra>",
    )  # fmt: skip


def _answer_bars(data: pd.DataFrame, score: str) -> go.Bar:
    return go.Bar(
        x=data["period_start"], y=data[f"{score}_responses"],
        name=f"{score.upper()} answers", yaxis="y2", opacity=0.25,
    )  # fmt: skip


def satisfaction_over_time(connection, settings: Settings) -> Result:
    data = frame(
        connection,
        "select period_start, nps, nps_responses, csat, csat_responses"
        " from marts.survey_scores order by period_start",
    )
    if data.empty or data[["nps", "csat"]].isna().all().all():
        return Result(empty_reason="No survey answers in the input.")
    figure = go.Figure(
        [_answer_bars(data, "nps"), _answer_bars(data, "csat"),
         _score_line(data, "nps", settings), _score_line(data, "csat", settings)]
    )  # fmt: skip
    figure.add_annotation(
        text=f"hollow points: fewer than {settings.min_survey_answers} answers, "
        "not reliable",
        xref="paper",
        yref="paper",
        x=0,
        y=1.07,
        showarrow=False,
    )
    figure.add_hline(
        y=settings.min_survey_answers, yref="y2", line_dash="dot", line_color="#868e96",
        annotation_text=f"{settings.min_survey_answers} answers",
    )  # fmt: skip
    trusted = data[data["nps"].notna() & ~is_small(data["nps_responses"], settings)]
    if trusted.empty:
        reading = (
            f"No period has {settings.min_survey_answers} NPS answers yet: every "
            "score is marked as unreliable."
        )
    else:
        last = trusted.iloc[-1]
        reading = (
            f"Latest reliable NPS {last['nps']:+.0f} "
            f"({str(last['period_start'])[:7]}, {int(last['nps_responses'])} answers)."
        )
    return Result(
        layout(figure, barmode="group", xaxis_title="period",
               yaxis_title="score (NPS -100..100, CSAT %)",
               yaxis2={"title": {"text": "answers in the period"},
                       "overlaying": "y", "side": "right", "showgrid": False,
                       "tickmode": "auto", "rangemode": "tozero"},
               legend={"orientation": "h", "y": -0.2}),
        reading,
    )  # fmt: skip


def _stage_bars(data: pd.DataFrame, score: str, settings: Settings) -> go.Bar:
    answers = data[f"{score}_responses"]
    small = is_small(answers, settings)
    return go.Bar(
        x=data.index, y=data[score], name=SCORES[score],
        text=[answers_label(n, settings) for n in answers],
        textposition="outside", textangle=0, textfont={"size": 10},
        marker={"pattern": {"shape": [SMALL_SAMPLE_PATTERN if s else ""
                                      for s in small]},
                "opacity": [0.45 if s else 1.0 for s in small]},
    )  # fmt: skip


def satisfaction_by_stage(connection, settings: Settings) -> Result:
    data = frame(
        connection,
        """
        select group_value as stage, nps, nps_responses, csat, csat_responses
        from marts.survey_scores_by_group
        where group_type = 'lifecycle_stage'
        """,
    )
    if data.empty:
        return Result(empty_reason="No survey answers in the input.")
    data = data.set_index("stage").reindex(
        [s for s in STAGE_ORDER if s in set(data["stage"])]
    )
    figure = go.Figure(
        [_stage_bars(data, "nps", settings), _stage_bars(data, "csat", settings)]
    )
    figure.add_annotation(
        text=f"hatched: fewer than {settings.min_survey_answers} answers, not reliable",
        xref="paper",
        yref="paper",
        x=0,
        y=1.07,
        showarrow=False,
    )
    trusted = data[~is_small(data["nps_responses"], settings)]["nps"].dropna()
    reading = (
        f"Among stages with at least {settings.min_survey_answers} answers, NPS is "
        f"highest among {trusted.idxmax()} customers ({trusted.max():+.0f}) and "
        f"lowest among {trusted.idxmin()} ({trusted.min():+.0f})."
        if len(trusted) >= 2
        else f"Fewer than two stages have {settings.min_survey_answers} NPS answers: "
        "no comparison is reliable yet."
    )
    return Result(
        layout(figure, barmode="group", xaxis_title="lifecycle stage at the answer",
               yaxis_title="score (NPS -100..100, CSAT %)"),
        reading,
    )  # fmt: skip
