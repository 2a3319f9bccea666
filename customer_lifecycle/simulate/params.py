"""Parameters of the simulator's generative model and its observation period.

The model itself is described in the :mod:`customer_lifecycle.simulate`
docstring; :class:`ModelParams` holds its numbers, :data:`CHANNELS` the
acquisition channels and :class:`Period` the observed date range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TABLES: tuple[str, ...] = (
    "orders",
    "customers",
    "touchpoints",
    "survey_responses",
    "marketing_spend",
    "customer_truth",
)
BAD_TIMESTAMP = "not-a-date"

SECONDS_PER_DAY = 86_400
DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.25
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)

REGIONS: tuple[str, ...] = ("north", "south", "east", "west", "central")
REGION_SHARES: tuple[float, ...] = (0.22, 0.24, 0.18, 0.21, 0.15)
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARES: tuple[float, ...] = (0.14, 0.27, 0.23, 0.17, 0.12, 0.07)

TOUCH_CHANNELS: tuple[str, ...] = (
    "ad_click",
    "web_visit",
    "email_open",
    "support_contact",
)
TOUCH_PRE: tuple[float, ...] = (0.45, 0.40, 0.15, 0.00)  # before a first purchase
TOUCH_POST: tuple[float, ...] = (0.10, 0.30, 0.55, 0.05)  # relationship contacts
TOUCH_UNKNOWN: tuple[float, ...] = (0.30, 0.70, 0.00, 0.00)  # anonymous people


@dataclass(frozen=True)
class Channel:
    """An acquisition channel and how its customers differ."""

    name: str
    share: float  # share of sign-ups
    cac: float  # mean acquisition cost per customer ($)
    prospect_share: float  # share of its customers who never buy
    rate_factor: float  # multiplies the purchase rate lambda
    dropout_factor: float  # multiplies the dropout rate mu


CHANNELS: tuple[Channel, ...] = (
    Channel("paid_search", 0.25, 40.0, 0.22, 1.00, 1.00),
    Channel("paid_social", 0.22, 30.0, 0.32, 0.85, 1.25),
    Channel("email", 0.13, 10.0, 0.25, 1.10, 0.90),
    Channel("referral", 0.12, 15.0, 0.18, 1.15, 0.80),
    Channel("organic", 0.28, 0.0, 0.25, 1.05, 0.95),
)


@dataclass(frozen=True)
class ModelParams:
    """Parameters of the generative model (see the package docstring)."""

    channels: tuple[Channel, ...] = CHANNELS
    cac_sigma: float = 0.35  # log-normal noise of a customer's CAC
    spend_sigma: float = 0.08  # log-normal noise of monthly spend
    signup_tail_days: int = 0  # no sign-ups in the last days of the period
    signup_growth: float = 1.0  # sign-up density grows linearly by this factor
    first_purchase_max_days: float = 30.0
    rate_shape: float = 1.5  # Gamma shape of lambda
    rate_mean_per_week: float = 1.0 / 6.5  # mean lambda (before channel factor)
    dropout_shape: float = 3.0  # Gamma shape of mu
    dropout_scale_per_year: float = 0.5  # E[1/mu] = 1 / (0.5 * (3 - 1)) = 1 year
    mov_shape: float = 5.0  # Gamma shape of the latent mean order value
    mov_mean: float = 60.0
    order_shape: float = 6.0  # Gamma shape of an order amount around its mean
    min_amount: float = 1.0
    margin_low: float = 0.35
    margin_high: float = 0.45
    season: tuple[float, ...] = (
        0.95,
        0.90,
        1.00,
        1.00,
        0.95,
        0.80,
        0.75,
        0.80,
        1.00,
        1.05,
        1.55,
        1.70,
    )  # relative purchase intensity Jan..Dec, normalised by season_multipliers()
    sibling_share: float = 0.015  # purchases that get a same-day sibling
    refund_share: float = 0.02
    full_refund_share: float = 0.7
    refund_delay_days: tuple[float, float] = (1.0, 10.0)
    survey_share: float = 0.3  # buyers who answer surveys
    surveys_per_responder: tuple[float, ...] = (0.5, 0.3, 0.2)  # P(1), P(2), P(3)
    nps_share: float = 0.6
    survey_signal: float = 0.7  # corr(satisfaction, -log mu)
    touch_pre_mean: float = 2.0
    touch_base_per_week: float = 0.15
    touch_per_purchase: float = 0.5
    touch_after_dropout_days: float = 60.0
    prospect_touch_mean: float = 3.0
    prospect_touch_per_week: float = 0.05
    unknown_people_share: float = 0.005
    dirty_rate: float = 0.0005  # per kind, relative to the clean rows
    dirty_min: int = 3  # per kind

    def season_multipliers(self) -> np.ndarray:
        """Monthly multipliers scaled to a day-weighted yearly mean of exactly 1."""
        raw = np.asarray(self.season, dtype=float)
        return raw / (np.sum(raw * DAYS_IN_MONTH) / DAYS_IN_MONTH.sum())


PARAMS = ModelParams()


@dataclass(frozen=True)
class Period:
    """The observation period ``[start_day, end_day]``, both days inclusive.

    Times inside the simulator are days (float) or seconds (int) since
    ``start_day`` 00:00; ``base_sec`` turns the latter into epoch seconds.
    """

    start_day: np.datetime64
    end_day: np.datetime64
    horizon: int  # days, end inclusive
    signup_span: int  # days in which sign-ups happen
    base_sec: int  # epoch seconds of start_day 00:00
    horizon_sec: int

    @classmethod
    def of(cls, start: str, end: str, p: ModelParams) -> Period:
        """The period from ISO dates; at least ``signup_tail_days + 30`` days."""
        start_day = np.datetime64(start, "D")
        end_day = np.datetime64(end, "D")
        horizon = int((end_day - start_day).astype(np.int64)) + 1
        signup_span = horizon - p.signup_tail_days
        if signup_span < 30:
            raise ValueError("the period must be at least signup_tail_days + 30 days")
        return cls(
            start_day=start_day,
            end_day=end_day,
            horizon=horizon,
            signup_span=signup_span,
            base_sec=int(start_day.astype("datetime64[s]").astype(np.int64)),
            horizon_sec=horizon * SECONDS_PER_DAY,
        )


def customer_id_width(n_customers: int, p: ModelParams) -> int:
    """Digits of customer ids: room for the customers and the unknown people."""
    return max(7, len(str(n_customers + unknown_people(n_customers, p))))


def unknown_people(n_customers: int, p: ModelParams) -> int:
    """How many people are known only through touchpoints."""
    return max(p.dirty_min, round(p.unknown_people_share * n_customers))


def n_dirty(n_clean: int, p: ModelParams) -> int:
    """Dirty rows per kind for ``n_clean`` clean rows (none if there are none)."""
    if n_clean == 0:
        return 0
    return max(p.dirty_min, round(p.dirty_rate * n_clean))
