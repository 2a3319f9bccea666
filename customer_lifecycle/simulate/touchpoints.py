"""Touchpoints: marketing and service contacts of buyers, prospects and people
known only through touchpoints. Produces the ``touchpoints`` table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from customer_lifecycle.simulate.columns import ids, labels, str_col, timestamps
from customer_lifecycle.simulate.draws import choice, events, to_seconds
from customer_lifecycle.simulate.params import (
    DAYS_PER_WEEK,
    TOUCH_CHANNELS,
    TOUCH_POST,
    TOUCH_PRE,
    TOUCH_UNKNOWN,
    ModelParams,
    Period,
    unknown_people,
)
from customer_lifecycle.simulate.population import Buyers, Population

Contacts = tuple[np.ndarray, np.ndarray, np.ndarray]  # (person, day, channel code)


def _contacts(
    rng: np.random.Generator,
    people: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    counts: np.ndarray,
    probs: Sequence[float],
) -> Contacts:
    """``counts[i]`` contacts of ``people[i]`` uniform in ``[lo[i], hi[i])``."""
    own, t = events(rng, lo, hi, counts)
    return people[own], t, choice(rng, probs, len(own))


def touchpoints_frame(
    rng: np.random.Generator,
    p: ModelParams,
    people: Population,
    buyers: Buyers,
    period: Period,
    id_width: int,
) -> pd.DataFrame:
    """The ``touchpoints`` table, sorted by (occurred_at, customer number)."""
    n, horizon = people.size, period.horizon
    t0, lam = buyers.t0, buyers.lam
    pros = np.flatnonzero(people.is_prospect)
    n_unknown = unknown_people(n, p)
    pre_lo = np.maximum(t0 - 30.0, 0.0)
    post_hi = np.minimum(buyers.dropout + p.touch_after_dropout_days, horizon)
    rate = p.touch_base_per_week + p.touch_per_purchase * lam
    s_day = people.signup_day[pros]
    lo, mid = np.maximum(s_day - 30.0, 0.0), np.minimum(s_day + 30.0, horizon)
    late = p.prospect_touch_per_week * (horizon - mid) / DAYS_PER_WEEK
    unknown = np.arange(n, n + n_unknown)
    b = buyers.index
    # the order of these draws is part of the seed's meaning: keep it
    parts = [
        _contacts(rng, b, pre_lo, t0, rng.poisson(p.touch_pre_mean, len(b)), TOUCH_PRE),
        _contacts(
            rng,
            b,
            t0,
            post_hi,
            rng.poisson(rate * (post_hi - t0) / DAYS_PER_WEEK),
            TOUCH_POST,
        ),
        _contacts(
            rng,
            pros,
            lo,
            mid,
            rng.poisson(p.prospect_touch_mean, len(pros)),
            TOUCH_PRE,
        ),
        _contacts(
            rng,
            pros,
            mid,
            np.full(len(pros), float(horizon)),
            rng.poisson(late),
            TOUCH_POST,
        ),
        _contacts(
            rng,
            unknown,
            np.zeros(n_unknown),
            np.full(n_unknown, float(horizon)),
            1 + rng.poisson(1.0, n_unknown),
            TOUCH_UNKNOWN,
        ),
    ]
    t_person = np.concatenate([x[0] for x in parts])
    t_sec = np.minimum(
        to_seconds(np.concatenate([x[1] for x in parts])), period.horizon_sec - 1
    )
    t_chan = np.concatenate([x[2] for x in parts])
    order = np.lexsort((t_person, t_sec))
    return pd.DataFrame(
        {
            "customer_id": str_col(ids("C", t_person[order] + 1, id_width)),
            "occurred_at": str_col(timestamps(period.base_sec + t_sec[order])),
            "channel": str_col(labels(TOUCH_CHANNELS, t_chan[order])),
        }
    )
