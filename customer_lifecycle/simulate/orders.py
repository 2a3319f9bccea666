"""Orders: Pareto/NBD purchases, Gamma-Gamma amounts, refunds, dirty rows.

Produces the ``orders`` table; see the package docstring for the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_lifecycle.simulate.columns import ids, str_col, timestamps, with_nulls
from customer_lifecycle.simulate.draws import events, to_seconds
from customer_lifecycle.simulate.params import (
    BAD_TIMESTAMP,
    DAYS_PER_WEEK,
    SECONDS_PER_DAY,
    ModelParams,
    Period,
    n_dirty,
)
from customer_lifecycle.simulate.population import Buyers

DIRTY_ORDER_KINDS: tuple[str, ...] = (
    "duplicate_row",
    "missing_customer_id",
    "unparseable_ordered_at",
    "negative_amount",
    "conflicting_order_id",
)


def draw_orders(
    rng: np.random.Generator, p: ModelParams, buyers: Buyers, period: Period
) -> dict[str, np.ndarray]:
    """Order columns (``no``, ``cust``, ``sec``, ``amount``, ``cost``,
    ``refund``, ``bad_ts``) sorted by (ordered_at, order number), dirty rows
    included."""
    p_owner, p_sec = _draw_purchases(rng, p, buyers, period)
    n_p = len(p_sec)
    amount = rng.gamma(p.order_shape, buyers.mov[p_owner] / p.order_shape, n_p)
    amount = np.maximum(np.round(amount, 2), p.min_amount)
    margin = rng.uniform(p.margin_low, p.margin_high, n_p)
    cost = np.round(amount * (1.0 - margin), 2)
    ref, r_sec, r_amount, r_cost = _draw_refunds(rng, p, p_sec, amount, cost, period)

    o_cust = buyers.index[np.concatenate([p_owner, p_owner[ref]])]
    o_sec = np.concatenate([p_sec, r_sec])
    o_amount = np.concatenate([amount, r_amount])
    o_cost = np.concatenate([cost, r_cost])
    o_refund = np.concatenate([np.zeros(n_p, bool), np.ones(len(ref), bool)])
    order = np.lexsort((o_cust, o_sec))
    cols = {
        "no": np.arange(1, len(o_sec) + 1, dtype=np.int64),
        "cust": o_cust[order],
        "sec": o_sec[order],
        "amount": o_amount[order],
        "cost": o_cost[order],
        "refund": o_refund[order],
        "bad_ts": np.zeros(len(o_sec), bool),
    }
    return _add_dirty_orders(rng, p, cols)


def _draw_purchases(
    rng: np.random.Generator, p: ModelParams, buyers: Buyers, period: Period
) -> tuple[np.ndarray, np.ndarray]:
    """(buyer position, second) of every purchase: first, repeats, siblings.

    Repeats are a seasonal Poisson process drawn by thinning a homogeneous one of
    rate ``lambda * max(season)``; siblings fall strictly inside the same day and
    the alive window.
    """
    season = p.season_multipliers()
    s_max = float(season.max())
    t0, cutoff, cutoff_sec = buyers.t0, buyers.cutoff, buyers.cutoff_sec
    k = rng.poisson(buyers.lam * s_max * (cutoff - t0) / DAYS_PER_WEEK)
    owner, tc = events(rng, t0, cutoff, k)
    month = (period.start_day + np.floor(tc).astype(np.int64)).astype("datetime64[M]")
    keep = rng.random(len(tc)) * s_max < season[month.astype(np.int64) % 12]
    p_owner = np.concatenate([np.arange(buyers.size), owner[keep]])
    p_sec = np.minimum(to_seconds(np.concatenate([t0, tc[keep]])), cutoff_sec[p_owner])

    sib = np.flatnonzero(rng.random(len(p_sec)) < p.sibling_share)
    day_last = (p_sec[sib] // SECONDS_PER_DAY + 1) * SECONDS_PER_DAY - 1
    lim = np.minimum(day_last, cutoff_sec[p_owner[sib]])
    sib_sec = p_sec[sib] + np.floor(rng.random(len(sib)) * (lim - p_sec[sib] + 1))
    p_owner = np.concatenate([p_owner, p_owner[sib]])
    p_sec = np.concatenate([p_sec, sib_sec.astype(np.int64)])
    return p_owner, p_sec


def _draw_refunds(
    rng: np.random.Generator,
    p: ModelParams,
    p_sec: np.ndarray,
    amount: np.ndarray,
    cost: np.ndarray,
    period: Period,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(refunded purchase, second, amount, cost) of the refunds in the period."""
    ref = np.flatnonzero(rng.random(len(p_sec)) < p.refund_share)
    frac = np.where(
        rng.random(len(ref)) < p.full_refund_share,
        1.0,
        rng.uniform(0.2, 0.9, len(ref)),
    )
    delay = rng.uniform(*p.refund_delay_days, len(ref))
    r_sec = p_sec[ref] + to_seconds(delay)
    ok = r_sec < period.horizon_sec
    ref, frac, r_sec = ref[ok], frac[ok], r_sec[ok]
    r_amount = np.where(frac == 1.0, -amount[ref], -np.round(amount[ref] * frac, 2))
    r_cost = np.where(frac == 1.0, -cost[ref], -np.round(cost[ref] * frac, 2))
    return ref, r_sec, r_amount, r_cost


def _add_dirty_orders(
    rng: np.random.Generator, p: ModelParams, cols: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Append the dirty order kinds and sort by (ordered_at, order_id)."""
    candidates = np.flatnonzero(~cols["refund"])
    k = n_dirty(len(candidates), p)
    next_no = len(cols["no"]) + 1
    extra: list[dict[str, np.ndarray]] = []
    for kind in DIRTY_ORDER_KINDS:
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


def orders_frame(
    orders: dict[str, np.ndarray], period: Period, id_width: int
) -> pd.DataFrame:
    """The ``orders`` table from the columns of :func:`draw_orders`."""
    order_width = max(8, len(str(int(orders["no"].max(initial=0)))))
    bad_ts = orders["bad_ts"]
    return pd.DataFrame(
        {
            "order_id": str_col(ids("O", orders["no"], order_width)),
            "customer_id": str_col(
                with_nulls(ids("C", orders["cust"] + 1, id_width), orders["cust"] < 0)
            ),
            "ordered_at": str_col(
                pc.if_else(
                    pa.array(bad_ts),
                    pa.scalar(BAD_TIMESTAMP, pa.large_string()),
                    timestamps(period.base_sec + np.where(bad_ts, 0, orders["sec"])),
                )
            ),
            "amount": orders["amount"],
            "cost": orders["cost"],
            "is_refund": orders["refund"],
        }
    )
