"""Deterministic demo-data simulator for the customer lifecycle warehouse.

Usage::

    python -m customer_lifecycle.simulate --customers 3000 --out data/raw \\
        [--seed 42] [--format csv|parquet] [--start 2023-01-01] [--end 2024-12-31]

or from Python: ``tables = simulate(3000, seed=42)`` then ``write(tables, out, "csv")``.

Everything is vectorised numpy driven by one ``numpy.random.default_rng(seed)``;
there is no wall-clock input and every sort is stable, so the same arguments give
byte-identical files.

Generative model
----------------
The observation period is ``[start, end]`` (both dates inclusive, times in naive
local time). Parameters live in :class:`ModelParams` / :data:`CHANNELS`.

* **Acquisition.** Sign-up days follow a linearly growing density over
  the whole period ``[start, end]`` (the last sign-up day is twice as busy as the
  first), so acquisition goes on to the last day; a would-be buyer whose first
  purchase would fall after ``end`` is still a prospect when the period ends;
  customer ids ``C0000001, ...`` are handed out in sign-up order. Each customer
  gets an acquisition channel (paid_search, paid_social, email, referral,
  organic) with a channel mix and a channel CAC (about $40, $30, $10, $15, $0)
  times mean-one log-normal noise, plus descriptive ``region`` and ``age_band``.
* **Prospects.** About 25 % of customers (the share depends a little on the
  channel) never buy; they only appear in ``customers`` and ``touchpoints``.
* **Buyers: Pareto/NBD.** A buyer has a latent purchase rate
  ``lambda ~ Gamma(1.5, mean 1/6.5 per week) x channel factor`` and a latent
  dropout rate ``mu ~ Gamma(3, scale 0.5 per year) x channel factor`` (so the
  expected lifetime ``E[1/mu]`` is about one year). The first purchase happens
  ``30 * U**2`` days after sign-up; the true dropout time is the first purchase
  plus ``Exponential(mu)``. While alive, repeat purchases are a Poisson process
  with rate ``lambda * season(month)`` (November/December ~1.5-1.65x, June-August
  ~0.73-0.77x, normalised to a day-weighted yearly mean of 1), drawn by thinning
  a homogeneous process of rate ``lambda * max(season)``. About 1.5 % of
  purchases get an extra same-day sibling purchase (~3 % of orders are in such a
  pair; with natural Poisson coincidences of busy buyers ~6-7 % of purchases
  share a day with another purchase of the same customer).
* **Spend: Gamma-Gamma.** Each buyer has a latent mean order value
  ``m ~ Gamma(5, mean $60)``; an order's net amount is ``Gamma(6, mean m)``
  (at least $1). Cost is ``amount * (1 - margin)``, ``margin ~ U(0.35, 0.45)``
  per order. Money is rounded to cents.
* **Refunds.** 2 % of purchases are refunded 1-10 days later (dropped if that
  falls after ``end``): a separate order row with its own ``order_id``,
  ``is_refund = true`` and minus all (70 %) or part (20-90 %) of the original
  amount and cost. Refunds may fall after the customer's dropout.
* **Touchpoints.** Buyers get ~2 contacts in the 30 days before the first
  purchase and ``0.15 + 0.5 * lambda`` contacts per week from the first purchase
  until 60 days after dropout; prospects get ~3 contacts around sign-up and a
  trickle afterwards; about 0.5 % extra people, known only through touchpoints,
  have customer ids that are not in ``customers``.
* **Surveys.** 30 % of buyers answer 1-3 surveys (60 % NPS 0..10, 40 % CSAT
  1..5) at uniform times while alive. Scores are driven by a satisfaction score
  correlated (0.7) with ``-log(mu)``, i.e. with the true expected lifetime, plus
  per-answer noise, rounded and clipped to the scale.
* **Marketing spend.** For every channel except organic and every month with
  sign-ups, spend equals the sum of that month's acquisition costs of the
  channel's customers times log-normal noise (sigma 0.08). ``organic`` has no
  spend rows at all.

Dirty rows
----------
About 0.05 % of the clean rows per kind (at least 3 per kind) are appended and
then sorted in with the clean rows (ground truth stays clean):

``orders``
    * ``duplicate_row``: an exact copy of an order row;
    * ``missing_customer_id``: a copied order with a new order_id and a null
      customer_id;
    * ``unparseable_ordered_at``: a copied order with a new order_id and
      ``ordered_at = 'not-a-date'``;
    * ``negative_amount``: a non-refund order (new order_id) with negative
      amount and cost;
    * ``conflicting_order_id``: an existing order_id repeated with a different
      amount.
``survey_responses``
    * ``score_out_of_scale``: NPS 11, CSAT 0 or CSAT 6 (new response_id);
    * ``missing_customer_id``: a copied response with a null customer_id.

No non-numeric amounts are generated: ``amount``/``cost`` stay numeric in both
formats (DOUBLE in parquet, plain decimals in CSV); unparseable values are
exercised through the timestamp columns instead.

Files and types
---------------
``write`` produces ``<out>/<table>.<csv|parquet>`` and
``<out>/truth/customer_truth.<ext>``. All event timestamps (``ordered_at``,
``occurred_at``, ``responded_at``) are ``YYYY-MM-DD HH:MM:SS`` strings and
``signed_up_at`` is a ``YYYY-MM-DD`` string in both formats, so that a bad value
such as ``not-a-date`` can be stored in parquet too; the warehouse parses them.
Money columns are float64 rounded to cents (CSV writes exactly two decimals),
``is_refund``/booleans are ``true``/``false`` in CSV, ``score`` is int64,
``marketing_spend.month`` is a date and ``customer_truth.dropout_at`` a
timestamp. Nulls are empty fields in CSV. CSV has a header and no quoting (no
value contains a comma or quote).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

TABLES: tuple[str, ...] = (
    "orders",
    "customers",
    "touchpoints",
    "survey_responses",
    "marketing_spend",
    "customer_truth",
)
TRUTH_TABLES: frozenset[str] = frozenset({"customer_truth"})
MONEY_COLUMNS: frozenset[str] = frozenset(
    {"amount", "cost", "acquisition_cost", "spend"}
)
BAD_TIMESTAMP = "not-a-date"
FORMATS: tuple[str, ...] = ("csv", "parquet")

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
    """Parameters of the generative model (see the module docstring)."""

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


# --------------------------------------------------------------------------- #
# fast string building (fixed-width ASCII matrices -> Arrow string arrays)
# --------------------------------------------------------------------------- #
def _ascii_array(chars: np.ndarray) -> pa.Array:
    """An (n, w) uint8 matrix of ASCII codes as an Arrow large_string array."""
    n, w = chars.shape
    offsets = np.arange(n + 1, dtype=np.int64) * w
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _put_digits(chars: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    for k in range(width):
        chars[:, col + width - 1 - k] = 48 + (values // 10**k) % 10


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` followed by zero-padded ``numbers``, e.g. ``C0000042``."""
    numbers = np.asarray(numbers, dtype=np.int64)
    chars = np.empty((len(numbers), len(prefix) + width), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    _put_digits(chars, len(prefix), numbers, width)
    return _ascii_array(chars)


def _date_parts(epoch_seconds: np.ndarray) -> tuple[np.ndarray, ...]:
    days = epoch_seconds // SECONDS_PER_DAY
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    year = m.astype("datetime64[Y]").astype(np.int64) + 1970
    month = m.astype(np.int64) % 12 + 1
    day = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day, epoch_seconds - days * SECONDS_PER_DAY


def _timestamps(epoch_seconds: np.ndarray, with_time: bool = True) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS`` (or ``YYYY-MM-DD``) strings for epoch seconds."""
    secs = np.asarray(epoch_seconds, dtype=np.int64)
    year, month, day, sod = _date_parts(secs)
    chars = np.empty((len(secs), 19 if with_time else 10), dtype=np.uint8)
    _put_digits(chars, 0, year, 4)
    chars[:, 4] = chars[:, 7] = ord("-")
    _put_digits(chars, 5, month, 2)
    _put_digits(chars, 8, day, 2)
    if with_time:
        chars[:, 10] = ord(" ")
        chars[:, 13] = chars[:, 16] = ord(":")
        _put_digits(chars, 11, sod // 3600, 2)
        _put_digits(chars, 14, sod // 60 % 60, 2)
        _put_digits(chars, 17, sod % 60, 2)
    return _ascii_array(chars)


def _labels(labels: Sequence[str], codes: np.ndarray) -> pa.Array:
    return pa.array(list(labels), pa.large_string()).take(pa.array(codes))


def _with_nulls(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def _str_col(arr: pa.Array) -> pd.arrays.ArrowStringArray:
    return pd.arrays.ArrowStringArray(arr)


# --------------------------------------------------------------------------- #
# random helpers
# --------------------------------------------------------------------------- #
def _events(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``counts[i]`` uniform times in ``[lo[i], hi[i])``: (owner index, time)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    t = lo[owner] + rng.random(len(owner)) * (hi - lo)[owner]
    return owner, t


def _choice(rng: np.random.Generator, probs: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _to_seconds(t_days: np.ndarray) -> np.ndarray:
    return np.floor(t_days * SECONDS_PER_DAY).astype(np.int64)


def _n_dirty(n_clean: int, p: ModelParams) -> int:
    if n_clean == 0:
        return 0
    return max(p.dirty_min, round(p.dirty_rate * n_clean))


# --------------------------------------------------------------------------- #
# the simulator
# --------------------------------------------------------------------------- #
def simulate(
    n_customers: int,
    seed: int = 42,
    start: str = "2023-01-01",
    end: str = "2024-12-31",
    params: ModelParams | None = None,
) -> dict[str, pd.DataFrame]:
    """Simulate the warehouse input tables plus ``customer_truth``.

    Returns a dict with the keys of :data:`TABLES`. Timestamp columns are
    strings (see the module docstring); the ground truth is clean.
    """
    p = params or PARAMS
    if n_customers < 1:
        raise ValueError("n_customers must be at least 1")
    start_day = np.datetime64(start, "D")
    end_day = np.datetime64(end, "D")
    horizon = int((end_day - start_day).astype(np.int64)) + 1  # days, end inclusive
    signup_span = horizon - p.signup_tail_days
    if signup_span < 30:
        raise ValueError("the period must be at least signup_tail_days + 30 days")
    base_sec = int(start_day.astype("datetime64[s]").astype(np.int64))
    horizon_sec = horizon * SECONDS_PER_DAY
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    chans = p.channels

    # ---- acquisition -------------------------------------------------------
    g = p.signup_growth
    u = rng.random(n)
    y = u if g == 0 else (np.sqrt(1.0 + g * (2.0 + g) * u) - 1.0) / g
    signup_day = np.sort(np.minimum(np.floor(y * signup_span), signup_span - 1))
    channel = _choice(rng, [c.share for c in chans], n)
    cac_mean = np.array([c.cac for c in chans])[channel]
    noise = rng.lognormal(-0.5 * p.cac_sigma**2, p.cac_sigma, n)
    cac = np.round(cac_mean * noise, 2)
    region = _choice(rng, REGION_SHARES, n)
    age_band = _choice(rng, AGE_SHARES, n)
    is_prospect = rng.random(n) < np.array([c.prospect_share for c in chans])[channel]

    # ---- buyers: latent traits, first purchase, dropout ----------------------
    buyers = np.flatnonzero(~is_prospect)
    nb = len(buyers)
    ch_b = channel[buyers]
    lam = rng.gamma(p.rate_shape, p.rate_mean_per_week / p.rate_shape, nb)
    lam *= np.array([c.rate_factor for c in chans])[ch_b]
    mu = rng.gamma(p.dropout_shape, p.dropout_scale_per_year, nb)
    mu *= np.array([c.dropout_factor for c in chans])[ch_b]
    mov = rng.gamma(p.mov_shape, p.mov_mean / p.mov_shape, nb)
    t0 = signup_day[buyers] + p.first_purchase_max_days * rng.random(nb) ** 2
    # Signed up near the end, first purchase due after it: still a prospect when
    # the observation period ends (acquisition goes on to the last day).
    in_window = t0 < horizon
    is_prospect[buyers[~in_window]] = True
    buyers, ch_b, lam, mu, mov, t0 = (
        a[in_window] for a in (buyers, ch_b, lam, mu, mov, t0)
    )
    nb = len(buyers)
    dropout = t0 + rng.exponential(1.0, nb) / mu * DAYS_PER_YEAR
    alive = dropout >= horizon
    cutoff = np.minimum(dropout, horizon)  # end of the observable alive window
    dropout_sec = _to_seconds(dropout)
    cutoff_sec = np.minimum(dropout_sec, horizon_sec - 1)

    # ---- repeat purchases: thinned Poisson process ---------------------------
    season = p.season_multipliers()
    s_max = float(season.max())
    k = rng.poisson(lam * s_max * (cutoff - t0) / DAYS_PER_WEEK)
    owner, tc = _events(rng, t0, cutoff, k)
    month = (start_day + np.floor(tc).astype(np.int64)).astype("datetime64[M]")
    keep = rng.random(len(tc)) * s_max < season[month.astype(np.int64) % 12]
    p_owner = np.concatenate([np.arange(nb), owner[keep]])
    p_sec = np.minimum(_to_seconds(np.concatenate([t0, tc[keep]])), cutoff_sec[p_owner])

    # same-day siblings, strictly inside the same day and the alive window
    sib = np.flatnonzero(rng.random(len(p_sec)) < p.sibling_share)
    day_last = (p_sec[sib] // SECONDS_PER_DAY + 1) * SECONDS_PER_DAY - 1
    lim = np.minimum(day_last, cutoff_sec[p_owner[sib]])
    sib_sec = p_sec[sib] + np.floor(rng.random(len(sib)) * (lim - p_sec[sib] + 1))
    p_owner = np.concatenate([p_owner, p_owner[sib]])
    p_sec = np.concatenate([p_sec, sib_sec.astype(np.int64)])

    # ---- order values and margins (Gamma-Gamma) ------------------------------
    n_p = len(p_sec)
    amount = rng.gamma(p.order_shape, mov[p_owner] / p.order_shape, n_p)
    amount = np.maximum(np.round(amount, 2), p.min_amount)
    margin = rng.uniform(p.margin_low, p.margin_high, n_p)
    cost = np.round(amount * (1.0 - margin), 2)

    # ---- refunds ------------------------------------------------------------
    ref = np.flatnonzero(rng.random(n_p) < p.refund_share)
    frac = np.where(
        rng.random(len(ref)) < p.full_refund_share,
        1.0,
        rng.uniform(0.2, 0.9, len(ref)),
    )
    delay = rng.uniform(*p.refund_delay_days, len(ref))
    r_sec = p_sec[ref] + _to_seconds(delay)
    ok = r_sec < horizon_sec
    ref, frac, r_sec = ref[ok], frac[ok], r_sec[ok]
    r_amount = np.where(frac == 1.0, -amount[ref], -np.round(amount[ref] * frac, 2))
    r_cost = np.where(frac == 1.0, -cost[ref], -np.round(cost[ref] * frac, 2))

    o_cust = buyers[np.concatenate([p_owner, p_owner[ref]])]
    o_sec = np.concatenate([p_sec, r_sec])
    o_amount = np.concatenate([amount, r_amount])
    o_cost = np.concatenate([cost, r_cost])
    o_refund = np.concatenate([np.zeros(n_p, bool), np.ones(len(ref), bool)])
    order = np.lexsort((o_cust, o_sec))
    o_cust, o_sec = o_cust[order], o_sec[order]
    o_amount, o_cost, o_refund = o_amount[order], o_cost[order], o_refund[order]
    o_no = np.arange(1, len(o_sec) + 1, dtype=np.int64)

    orders = _dirty_orders(rng, p, o_no, o_cust, o_sec, o_amount, o_cost, o_refund)

    # ---- touchpoints ----------------------------------------------------------
    pros = np.flatnonzero(is_prospect)
    n_unknown = max(p.dirty_min, round(p.unknown_people_share * n))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        people: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        counts: np.ndarray,
        probs: Sequence[float],
    ) -> None:
        own, t = _events(rng, lo, hi, counts)
        parts.append((people[own], t, _choice(rng, probs, len(own))))

    pre_lo = np.maximum(t0 - 30.0, 0.0)
    add(buyers, pre_lo, t0, rng.poisson(p.touch_pre_mean, nb), TOUCH_PRE)
    post_hi = np.minimum(dropout + p.touch_after_dropout_days, horizon)
    rate = p.touch_base_per_week + p.touch_per_purchase * lam
    add(
        buyers,
        t0,
        post_hi,
        rng.poisson(rate * (post_hi - t0) / DAYS_PER_WEEK),
        TOUCH_POST,
    )
    s_day = signup_day[pros]
    lo, mid = np.maximum(s_day - 30.0, 0.0), np.minimum(s_day + 30.0, horizon)
    add(pros, lo, mid, rng.poisson(p.prospect_touch_mean, len(pros)), TOUCH_PRE)
    late = p.prospect_touch_per_week * (horizon - mid) / DAYS_PER_WEEK
    add(pros, mid, np.full(len(pros), float(horizon)), rng.poisson(late), TOUCH_POST)
    unknown = np.arange(n, n + n_unknown)
    add(
        unknown,
        np.zeros(n_unknown),
        np.full(n_unknown, float(horizon)),
        1 + rng.poisson(1.0, n_unknown),
        TOUCH_UNKNOWN,
    )
    t_person = np.concatenate([x[0] for x in parts])
    t_sec = np.minimum(
        _to_seconds(np.concatenate([x[1] for x in parts])), horizon_sec - 1
    )
    t_chan = np.concatenate([x[2] for x in parts])
    order = np.lexsort((t_person, t_sec))
    id_width = max(7, len(str(n + n_unknown)))
    touchpoints = pd.DataFrame(
        {
            "customer_id": _str_col(_ids("C", t_person[order] + 1, id_width)),
            "occurred_at": _str_col(_timestamps(base_sec + t_sec[order])),
            "channel": _str_col(_labels(TOUCH_CHANNELS, t_chan[order])),
        }
    )

    # ---- surveys ----------------------------------------------------------------
    responders = np.flatnonzero(rng.random(nb) < p.survey_share)
    n_answers = 1 + _choice(rng, p.surveys_per_responder, len(responders))
    s_owner, s_t = _events(rng, t0[responders], cutoff[responders], n_answers)
    s_owner = responders[s_owner]
    s_sec = np.minimum(_to_seconds(s_t), cutoff_sec[s_owner])
    log_mu = np.log(mu)
    centre = float(np.median(log_mu)) if nb else 0.0
    spread = float(log_mu.std()) if nb > 1 else 0.0
    z = -(log_mu - centre) / (spread if spread > 0 else 1.0)
    rho = p.survey_signal
    satisfaction = rho * z + np.sqrt(1.0 - rho**2) * rng.standard_normal(nb)
    latent = satisfaction[s_owner] + 0.5 * rng.standard_normal(len(s_owner))
    is_nps = rng.random(len(s_owner)) < p.nps_share
    score = np.where(
        is_nps,
        np.clip(np.rint(7.0 + 2.0 * latent), 0, 10),
        np.clip(np.rint(3.8 + 0.9 * latent), 1, 5),
    ).astype(np.int64)
    order = np.lexsort((buyers[s_owner], s_sec))
    surveys = _dirty_surveys(
        rng,
        p,
        buyers[s_owner][order],
        s_sec[order],
        is_nps[order],
        score[order],
    )

    # ---- marketing spend ----------------------------------------------------------
    start_month = start_day.astype("datetime64[M]")
    n_months = int((end_day.astype("datetime64[M]") - start_month).astype(np.int64)) + 1
    s_month = (
        (start_day + signup_day.astype(np.int64)).astype("datetime64[M]") - start_month
    ).astype(np.int64)
    cell = channel * n_months + s_month
    size = len(chans) * n_months
    total = np.bincount(cell, weights=cac, minlength=size).reshape(len(chans), -1)
    count = np.bincount(cell, minlength=size).reshape(len(chans), -1)
    spend = total * rng.lognormal(-0.5 * p.spend_sigma**2, p.spend_sigma, total.shape)
    rows = [
        (c.name, m, round(float(spend[i, m]), 2))
        for i, c in sorted(enumerate(chans), key=lambda ic: ic[1].name)
        if c.cac > 0
        for m in range(n_months)
        if count[i, m] > 0
    ]
    months = (start_month + np.array([r[1] for r in rows], dtype=np.int64)).astype(
        "datetime64[D]"
    )
    marketing_spend = pd.DataFrame(
        {
            "channel": _str_col(pa.array([r[0] for r in rows], pa.large_string())),
            "month": pd.array(
                pa.array(months, pa.date32()), dtype=pd.ArrowDtype(pa.date32())
            ),
            "spend": np.array([r[2] for r in rows], dtype=float),
        }
    )

    # ---- customers and ground truth ---------------------------------------------
    cust_ids = _ids("C", np.arange(1, n + 1), id_width)
    channel_names = [c.name for c in chans]
    customers = pd.DataFrame(
        {
            "customer_id": _str_col(cust_ids),
            "signed_up_at": _str_col(
                _timestamps(
                    base_sec + signup_day.astype(np.int64) * SECONDS_PER_DAY,
                    with_time=False,
                )
            ),
            "acquisition_channel": _str_col(_labels(channel_names, channel)),
            "acquisition_cost": cac,
            "region": _str_col(_labels(REGIONS, region)),
            "age_band": _str_col(_labels(AGE_BANDS, age_band)),
        }
    )
    rate_all = np.zeros(n)
    rate_all[buyers] = lam
    mu_all = np.full(n, np.nan)
    mu_all[buyers] = mu
    mov_all = np.full(n, np.nan)
    mov_all[buyers] = mov
    alive_all = np.zeros(n, bool)
    alive_all[buyers] = alive
    drop_all = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    drop_all[buyers[~alive]] = (base_sec + dropout_sec[~alive]).astype("datetime64[s]")
    customer_truth = pd.DataFrame(
        {
            "customer_id": _str_col(cust_ids),
            "is_prospect": is_prospect,
            "acquisition_channel": _str_col(_labels(channel_names, channel)),
            "purchase_rate_per_week": rate_all,
            "dropout_rate_per_year": mu_all,
            "mean_order_value": mov_all,
            "dropout_at": drop_all,
            "is_alive_at_end": alive_all,
        }
    )

    # ---- string columns for the event tables ---------------------------------------
    order_width = max(8, len(str(int(orders["no"].max(initial=0)))))
    orders_df = pd.DataFrame(
        {
            "order_id": _str_col(_ids("O", orders["no"], order_width)),
            "customer_id": _str_col(
                _with_nulls(_ids("C", orders["cust"] + 1, id_width), orders["cust"] < 0)
            ),
            "ordered_at": _str_col(
                pc.if_else(
                    pa.array(orders["bad_ts"]),
                    pa.scalar(BAD_TIMESTAMP, pa.large_string()),
                    _timestamps(
                        base_sec + np.where(orders["bad_ts"], 0, orders["sec"])
                    ),
                )
            ),
            "amount": orders["amount"],
            "cost": orders["cost"],
            "is_refund": orders["refund"],
        }
    )
    resp_width = max(8, len(str(int(surveys["no"].max(initial=0)))))
    surveys_df = pd.DataFrame(
        {
            "response_id": _str_col(_ids("R", surveys["no"], resp_width)),
            "customer_id": _str_col(
                _with_nulls(
                    _ids("C", surveys["cust"] + 1, id_width), surveys["cust"] < 0
                )
            ),
            "responded_at": _str_col(_timestamps(base_sec + surveys["sec"])),
            "survey_type": _str_col(
                _labels(("csat", "nps"), surveys["nps"].astype(int))
            ),
            "score": surveys["score"],
        }
    )
    return {
        "orders": orders_df,
        "customers": customers,
        "touchpoints": touchpoints,
        "survey_responses": surveys_df,
        "marketing_spend": marketing_spend,
        "customer_truth": customer_truth,
    }


def _dirty_orders(
    rng: np.random.Generator,
    p: ModelParams,
    no: np.ndarray,
    cust: np.ndarray,
    sec: np.ndarray,
    amount: np.ndarray,
    cost: np.ndarray,
    refund: np.ndarray,
) -> dict[str, np.ndarray]:
    """Append the dirty order kinds and sort by (ordered_at, order_id)."""
    cols = {
        "no": no,
        "cust": cust,
        "sec": sec,
        "amount": amount,
        "cost": cost,
        "refund": refund,
        "bad_ts": np.zeros(len(no), bool),
    }
    candidates = np.flatnonzero(~refund)
    k = _n_dirty(len(candidates), p)
    next_no = len(no) + 1
    extra: list[dict[str, np.ndarray]] = []
    for kind in (
        "duplicate_row",
        "missing_customer_id",
        "unparseable_ordered_at",
        "negative_amount",
        "conflicting_order_id",
    ):
        if k == 0:
            break
        pick = candidates[rng.integers(0, len(candidates), k)]
        row = {name: col[pick].copy() for name, col in cols.items()}
        if kind not in ("duplicate_row", "conflicting_order_id"):
            row["no"] = np.arange(next_no, next_no + k, dtype=np.int64)
            next_no += k
        if kind == "missing_customer_id":
            row["cust"][:] = -1
        elif kind == "unparseable_ordered_at":
            row["bad_ts"][:] = True
        elif kind == "negative_amount":
            row["amount"], row["cost"] = -row["amount"], -row["cost"]
        elif kind == "conflicting_order_id":
            row["amount"] = np.round(row["amount"] * rng.uniform(1.2, 2.0, k), 2)
        extra.append(row)
    out = {
        name: np.concatenate([col] + [e[name] for e in extra])
        for name, col in cols.items()
    }
    sort_sec = np.where(out["bad_ts"], np.iinfo(np.int64).max, out["sec"])
    order = np.lexsort((out["no"], sort_sec))
    return {name: col[order] for name, col in out.items()}


def _dirty_surveys(
    rng: np.random.Generator,
    p: ModelParams,
    cust: np.ndarray,
    sec: np.ndarray,
    nps: np.ndarray,
    score: np.ndarray,
) -> dict[str, np.ndarray]:
    """Number responses, append the dirty kinds, sort by (responded_at, id)."""
    n = len(cust)
    cols = {
        "no": np.arange(1, n + 1, dtype=np.int64),
        "cust": cust,
        "sec": sec,
        "nps": nps,
        "score": score,
    }
    k = _n_dirty(n, p)
    extra: list[dict[str, np.ndarray]] = []
    next_no = n + 1
    for kind in ("score_out_of_scale", "missing_customer_id"):
        if k == 0:
            break
        pick = rng.integers(0, n, k)
        row = {name: col[pick].copy() for name, col in cols.items()}
        row["no"] = np.arange(next_no, next_no + k, dtype=np.int64)
        next_no += k
        if kind == "score_out_of_scale":
            variant = np.arange(k) % 3  # nps 11, csat 0, csat 6
            row["nps"] = variant == 0
            row["score"] = np.array([11, 0, 6], dtype=np.int64)[variant]
        else:
            row["cust"][:] = -1
        extra.append(row)
    out = {
        name: np.concatenate([col] + [e[name] for e in extra])
        for name, col in cols.items()
    }
    order = np.lexsort((out["no"], out["sec"]))
    return {name: col[order] for name, col in out.items()}


# --------------------------------------------------------------------------- #
# writing and CLI
# --------------------------------------------------------------------------- #
def _arrow_table(df: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def write(
    tables: dict[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write each table to ``out_dir/<table>.<fmt>`` (truth under ``truth/``)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    out = Path(out_dir)
    paths: list[Path] = []
    for name, df in tables.items():
        folder = out / "truth" if name in TRUTH_TABLES else out
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.{fmt}"
        table = _arrow_table(df)
        if fmt == "parquet":
            pq.write_table(table, path)
        else:
            for i, f in enumerate(table.schema):
                if f.name in MONEY_COLUMNS:
                    table = table.set_column(
                        i, f.name, pc.cast(table[f.name], pa.decimal128(18, 2))
                    )
            with path.open("wb") as fh:
                fh.write((",".join(table.column_names) + "\n").encode("ascii"))
                pa_csv.write_csv(
                    table,
                    fh,
                    pa_csv.WriteOptions(include_header=False, quoting_style="none"),
                )
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m customer_lifecycle.simulate",
        description="Write deterministic demo input files for the warehouse.",
    )
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2024-12-31")
    args = parser.parse_args(argv)
    tables = simulate(args.customers, seed=args.seed, start=args.start, end=args.end)
    write(tables, args.out, args.format)
    counts = ", ".join(f"{name}={len(df)}" for name, df in tables.items())
    print(f"wrote {args.format} to {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
