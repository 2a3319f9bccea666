"""Who the customers are: acquisition, latent buyer traits, marketing spend.

Produces the ``customers``, ``customer_truth`` and ``marketing_spend`` tables
and the :class:`Buyers` the event stages (orders, touchpoints, surveys) use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from customer_lifecycle.simulate.columns import ids, labels, str_col, timestamps
from customer_lifecycle.simulate.draws import choice, to_seconds
from customer_lifecycle.simulate.params import (
    AGE_BANDS,
    AGE_SHARES,
    DAYS_PER_YEAR,
    REGION_SHARES,
    REGIONS,
    SECONDS_PER_DAY,
    ModelParams,
    Period,
)


@dataclass(frozen=True)
class Population:
    """Every customer, in sign-up order (customer number = index + 1)."""

    signup_day: np.ndarray  # days since the period start (whole days)
    channel: np.ndarray  # index into ModelParams.channels
    cac: np.ndarray  # acquisition cost ($, cents)
    region: np.ndarray  # index into REGIONS
    age_band: np.ndarray  # index into AGE_BANDS
    is_prospect: np.ndarray  # never buys within the period

    @property
    def size(self) -> int:
        return len(self.signup_day)


@dataclass(frozen=True)
class Buyers:
    """The customers who buy, with their latent Pareto/NBD and spend traits."""

    index: np.ndarray  # customer index of each buyer, ascending
    lam: np.ndarray  # purchase rate per week
    mu: np.ndarray  # dropout rate per year
    mov: np.ndarray  # latent mean order value ($)
    t0: np.ndarray  # first purchase (days since the period start)
    dropout: np.ndarray  # true dropout time (days), may be after the period
    alive: np.ndarray  # dropout at or after the period end
    cutoff: np.ndarray  # end of the observable alive window (days)
    dropout_sec: np.ndarray
    cutoff_sec: np.ndarray  # last observable second of the alive window

    @property
    def size(self) -> int:
        return len(self.index)


def draw_population(
    rng: np.random.Generator, p: ModelParams, n: int, period: Period
) -> Population:
    """Sign-up days (linearly growing density), channel, CAC and descriptors."""
    chans = p.channels
    g = p.signup_growth
    u = rng.random(n)
    y = u if g == 0 else (np.sqrt(1.0 + g * (2.0 + g) * u) - 1.0) / g
    span = period.signup_span
    signup_day = np.sort(np.minimum(np.floor(y * span), span - 1))
    channel = choice(rng, [c.share for c in chans], n)
    cac_mean = np.array([c.cac for c in chans])[channel]
    noise = rng.lognormal(-0.5 * p.cac_sigma**2, p.cac_sigma, n)
    cac = np.round(cac_mean * noise, 2)
    region = choice(rng, REGION_SHARES, n)
    age_band = choice(rng, AGE_SHARES, n)
    is_prospect = rng.random(n) < np.array([c.prospect_share for c in chans])[channel]
    return Population(signup_day, channel, cac, region, age_band, is_prospect)


def draw_buyers(
    rng: np.random.Generator, p: ModelParams, people: Population, period: Period
) -> Buyers:
    """Latent traits, first purchase and dropout of the non-prospects.

    A would-be buyer whose first purchase falls after the period end becomes a
    prospect: ``people.is_prospect`` is updated in place.
    """
    chans = p.channels
    buyers = np.flatnonzero(~people.is_prospect)
    nb = len(buyers)
    ch_b = people.channel[buyers]
    lam = rng.gamma(p.rate_shape, p.rate_mean_per_week / p.rate_shape, nb)
    lam *= np.array([c.rate_factor for c in chans])[ch_b]
    mu = rng.gamma(p.dropout_shape, p.dropout_scale_per_year, nb)
    mu *= np.array([c.dropout_factor for c in chans])[ch_b]
    mov = rng.gamma(p.mov_shape, p.mov_mean / p.mov_shape, nb)
    t0 = people.signup_day[buyers] + p.first_purchase_max_days * rng.random(nb) ** 2
    # Signed up near the end, first purchase due after it: still a prospect when
    # the observation period ends (acquisition goes on to the last day).
    in_window = t0 < period.horizon
    people.is_prospect[buyers[~in_window]] = True
    buyers, lam, mu, mov, t0 = (a[in_window] for a in (buyers, lam, mu, mov, t0))
    dropout = t0 + rng.exponential(1.0, len(buyers)) / mu * DAYS_PER_YEAR
    dropout_sec = to_seconds(dropout)
    return Buyers(
        index=buyers,
        lam=lam,
        mu=mu,
        mov=mov,
        t0=t0,
        dropout=dropout,
        alive=dropout >= period.horizon,
        cutoff=np.minimum(dropout, period.horizon),
        dropout_sec=dropout_sec,
        cutoff_sec=np.minimum(dropout_sec, period.horizon_sec - 1),
    )


def marketing_spend_frame(
    rng: np.random.Generator, p: ModelParams, people: Population, period: Period
) -> pd.DataFrame:
    """Monthly spend per paid channel: that month's acquisition costs x noise."""
    chans = p.channels
    start_month = period.start_day.astype("datetime64[M]")
    end_month = period.end_day.astype("datetime64[M]")
    n_months = int((end_month - start_month).astype(np.int64)) + 1
    signup_date = period.start_day + people.signup_day.astype(np.int64)
    s_month = (signup_date.astype("datetime64[M]") - start_month).astype(np.int64)
    cell = people.channel * n_months + s_month
    size = len(chans) * n_months
    total = np.bincount(cell, weights=people.cac, minlength=size)
    total = total.reshape(len(chans), -1)
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
    return pd.DataFrame(
        {
            "channel": str_col(pa.array([r[0] for r in rows], pa.large_string())),
            "month": pd.array(
                pa.array(months, pa.date32()), dtype=pd.ArrowDtype(pa.date32())
            ),
            "spend": np.array([r[2] for r in rows], dtype=float),
        }
    )


def customers_frame(
    p: ModelParams, people: Population, period: Period, id_width: int
) -> pd.DataFrame:
    """The ``customers`` table (``signed_up_at`` as ``YYYY-MM-DD`` strings)."""
    signup_sec = period.base_sec + people.signup_day.astype(np.int64) * SECONDS_PER_DAY
    return pd.DataFrame(
        {
            "customer_id": str_col(_customer_ids(people, id_width)),
            "signed_up_at": str_col(timestamps(signup_sec, with_time=False)),
            "acquisition_channel": str_col(_channel_labels(p, people)),
            "acquisition_cost": people.cac,
            "region": str_col(labels(REGIONS, people.region)),
            "age_band": str_col(labels(AGE_BANDS, people.age_band)),
        }
    )


def truth_frame(
    p: ModelParams,
    people: Population,
    buyers: Buyers,
    period: Period,
    id_width: int,
) -> pd.DataFrame:
    """The ``customer_truth`` table: latent traits (zero/NaN for prospects)."""
    n, at = people.size, buyers.index
    rate_all = np.zeros(n)
    rate_all[at] = buyers.lam
    mu_all = np.full(n, np.nan)
    mu_all[at] = buyers.mu
    mov_all = np.full(n, np.nan)
    mov_all[at] = buyers.mov
    alive_all = np.zeros(n, bool)
    alive_all[at] = buyers.alive
    dead = ~buyers.alive
    drop_all = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    drop_all[at[dead]] = (period.base_sec + buyers.dropout_sec[dead]).astype(
        "datetime64[s]"
    )
    return pd.DataFrame(
        {
            "customer_id": str_col(_customer_ids(people, id_width)),
            "is_prospect": people.is_prospect,
            "acquisition_channel": str_col(_channel_labels(p, people)),
            "purchase_rate_per_week": rate_all,
            "dropout_rate_per_year": mu_all,
            "mean_order_value": mov_all,
            "dropout_at": drop_all,
            "is_alive_at_end": alive_all,
        }
    )


def _customer_ids(people: Population, id_width: int) -> pa.Array:
    return ids("C", np.arange(1, people.size + 1), id_width)


def _channel_labels(p: ModelParams, people: Population) -> pa.Array:
    return labels([c.name for c in p.channels], people.channel)
