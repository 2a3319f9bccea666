"""What every chart of the report shares: its result, settings and formatting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go

STAGE_ORDER = [
    "prospect",
    "new",
    "active",
    "growing",
    "at_risk",
    "churned",
    "reactivated",
]
STAGE_COLOURS = {
    "prospect": "#9e9e9e",
    "new": "#4dabf7",
    "active": "#2f9e44",
    "growing": "#82c91e",
    "at_risk": "#f59f00",
    "churned": "#e03131",
    "reactivated": "#ae3ec9",
}
# A point or bar on fewer answers than Settings.min_survey_answers is drawn thus.
SMALL_SAMPLE_SYMBOL = "circle-open"
SMALL_SAMPLE_PATTERN = "/"


@dataclass(frozen=True)
class Settings:
    """What the report needs beyond the marts (dbt_project.yml vars or flags).

    currency: ISO 4217 code of every amount in the warehouse (var currency);
    min_survey_answers: an NPS or CSAT score on fewer answers is marked as
    unreliable and left out of the readings (var report_min_survey_answers);
    top_actions: rows of the to-do list at the top of the report.
    """

    currency: str
    min_survey_answers: int
    top_actions: int = 10


@dataclass
class Result:
    """A chart's outcome: a figure and its reading, or why it is empty."""

    figure: go.Figure | None = None
    reading: str = ""
    empty_reason: str = ""


@dataclass
class Chart:
    key: str
    title: str
    build: Callable[[duckdb.DuckDBPyConnection, Settings], Result]


def frame(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return connection.sql(sql).df()


def pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def money(value: float, currency: str) -> str:
    """An amount with its ISO 4217 code, one format everywhere: 'USD 1,234'.

    Whole units from 1,000 up (a total), cents below (a per-customer amount).
    """
    amount = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"
    return f"{currency} {amount}"


def layout(figure: go.Figure, **kwargs) -> go.Figure:
    defaults = {
        "margin": {"l": 70, "r": 20, "t": 30, "b": 60},
        "height": 400,
        "template": "plotly_white",
    }
    figure.update_layout(**{**defaults, **kwargs})
    return figure


def colour_bar(title: str) -> dict:
    """A heatmap's colour bar with its title."""
    return {"title": {"text": title, "side": "right"}}


def is_small(answers: Sequence[float] | pd.Series, settings: Settings) -> pd.Series:
    """True where a score rests on fewer answers than the report trusts."""
    return pd.Series(answers).fillna(0).to_numpy() < settings.min_survey_answers


def answers_label(answers: float, settings: Settings) -> str:
    """'n = 3 (too few)' or 'n = 89': the answers behind a score."""
    count = int(answers or 0)
    return f"n = {count}" + (
        " (too few)" if count < settings.min_survey_answers else ""
    )
