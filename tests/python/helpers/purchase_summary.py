"""Test oracle: the BTYD purchase summary computed in pandas from raw orders.

The warehouse computes it in SQL (``int_customer_purchase_summary``); the tests
of the fitters use this independent pandas version to turn order lists (CDNOW,
hand-made examples) into (frequency, recency, t, monetary_value).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from customer_lifecycle.btyd import TIME_UNIT_DAYS


def unit_days(time_unit: str | float) -> float:
    """Days in ``time_unit`` (a name of TIME_UNIT_DAYS or a positive number)."""
    if isinstance(time_unit, str):
        try:
            return TIME_UNIT_DAYS[time_unit]
        except KeyError:
            raise ValueError(
                f"unknown time_unit {time_unit!r}; use one of {sorted(TIME_UNIT_DAYS)}"
            ) from None
    days = float(time_unit)
    if not days > 0:
        raise ValueError("time_unit in days must be positive")
    return days


def summarize_purchases(
    orders: pd.DataFrame,
    as_of: str | date | pd.Timestamp,
    time_unit: str = "week",
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Per-customer BTYD summary (frequency, recency, T, monetary value) as of a date.

    Purchases are counted per calendar day: rows of one customer on the same
    day are one transaction whose amount is the day's total. Rows dated after
    ``as_of`` (compared by calendar day, time of day ignored) are dropped, and
    only customers with at least one purchase on or before ``as_of`` appear.

    With ``d_1 < ... < d_n`` the distinct purchase days of a customer, ``u`` the
    length of ``time_unit`` in days (:data:`TIME_UNIT_DAYS`):

    * ``frequency = n - 1`` (repeat purchase days; the first day is not counted);
    * ``recency = (d_n - d_1) / u`` (0 for one-time buyers);
    * ``t = (as_of - d_1) / u`` (the customer's age, "T" in the literature);
    * ``monetary_value`` = mean over the repeat days ``d_2..d_n`` of the day's
      total amount, 0 when ``frequency == 0`` (missing amounts count as 0).

    Returns a DataFrame with columns ``customer_id, frequency, recency, t,
    monetary_value``, one row per customer, sorted by ``customer_id``.
    """
    unit = unit_days(time_unit)
    missing = [c for c in (customer_col, date_col, amount_col) if c not in orders]
    if missing:
        raise KeyError(f"orders is missing column(s) {missing}")
    cutoff = pd.Timestamp(as_of)
    if cutoff.tzinfo is not None:
        cutoff = cutoff.tz_localize(None)
    cutoff_day = cutoff.normalize().to_datetime64().astype("datetime64[D]")

    dates = pd.to_datetime(orders[date_col])
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    keep = (
        ~np.isnat(days) & (days <= cutoff_day) & orders[customer_col].notna().to_numpy()
    )
    day_num = days[keep].astype(np.int64)
    cutoff_num = int(cutoff_day.astype(np.int64))

    tx = pd.DataFrame(
        {
            "customer_id": orders[customer_col].to_numpy()[keep],
            "day": day_num,
            "amount": pd.to_numeric(orders[amount_col], errors="coerce")
            .fillna(0.0)
            .to_numpy(dtype=float)[keep],
        }
    )
    cols = ["customer_id", "frequency", "recency", "t", "monetary_value"]
    if tx.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}).astype(
            {"customer_id": orders[customer_col].dtype, "frequency": np.int64}
        )

    daily = tx.groupby(["customer_id", "day"], sort=True, as_index=False)[
        "amount"
    ].sum()
    grp = daily.groupby("customer_id", sort=True)["day"]
    first = grp.min()
    last = grp.max()
    n_days = grp.size()
    first_of_row = daily["customer_id"].map(first).to_numpy()
    repeat = daily.loc[daily["day"].to_numpy() != first_of_row]
    repeat_mean = repeat.groupby("customer_id", sort=True)["amount"].mean()

    out = pd.DataFrame(
        {
            "customer_id": first.index.to_numpy(),
            "frequency": (n_days.to_numpy() - 1).astype(np.int64),
            "recency": (last.to_numpy() - first.to_numpy()) / unit,
            "t": (cutoff_num - first.to_numpy()) / unit,
            "monetary_value": repeat_mean.reindex(first.index).fillna(0.0).to_numpy(),
        }
    )
    return out[cols]
