"""Point-in-time customer features.

:func:`build_customer_features` turns clean order, survey and lifecycle-stage
frames into one row of behavioural features per customer *as of* a cutoff
date.  Every input frame is filtered to the cutoff before anything is
computed, so the features cannot see the future by construction: running the
function on the full history or on the history truncated at the cutoff gives
identical output.

Conventions
-----------
* The cutoff is a calendar date.  "At or before the cutoff" means
  ``timestamp < cutoff + 1 day`` (the whole cutoff day is included); a
  time-of-day on ``cutoff`` is ignored.
* A *purchase* is a non-refund order row (``is_refund == False``).  Refund
  rows only enter ``monetary``, ``revenue_last_90d`` and ``refund_count``.
* A *purchase day* is the calendar date of a purchase; several orders on the
  same day are one purchase day (that is how ``frequency``, recency, tenure
  and inter-purchase gaps are measured).  ``orders_*`` columns count order
  rows, not days.
* "Days before the cutoff" of a timestamp is ``cutoff_date - date(timestamp)``
  in whole days, so an order on the cutoff date is 0 days before it.

The implementation is fully vectorised (factorised customer codes, numpy
sorts and ``bincount`` reductions, no per-customer Python loops).  Money is
summed exactly in micro-units (amounts rounded to 1e-6), so the output is
bit-for-bit identical whatever the input row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "FEATURE_COLUMNS",
    "NUMERIC_FEATURE_COLUMNS",
    "UNKNOWN_STAGE",
    "WINDOW_DAYS",
    "build_customer_features",
    "to_cutoff_date",
]

#: Length of the "last" and "previous" activity windows, in days.
WINDOW_DAYS = 90

#: Value of ``stage_at_cutoff`` when no complete stage period is known.
UNKNOWN_STAGE = "unknown"

NUMERIC_FEATURE_COLUMNS: list[str] = [
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "mean_interpurchase_days",
    "orders_last_90d",
    "revenue_last_90d",
    "orders_prev_90d",
    "trend_orders",
    "refund_count",
    "latest_nps",
    "latest_csat",
]

#: Output columns of :func:`build_customer_features`, in order.
FEATURE_COLUMNS: list[str] = [
    "customer_id",
    *NUMERIC_FEATURE_COLUMNS,
    "stage_at_cutoff",
]

_MICRO = 1e6  # money is summed exactly in micro-units (see below)
_EXACT_LIMIT = 2.0**53


def to_cutoff_date(cutoff) -> pd.Timestamp:
    """Normalise a date-like value to a tz-naive midnight :class:`pandas.Timestamp`."""
    ts = pd.Timestamp(cutoff)
    if ts is pd.NaT:
        raise ValueError("cutoff must be a valid date")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _day_numbers(values) -> np.ndarray:
    """Datetime-like array -> int64 days since 1970-01-01 (floor), NaT -> min int."""
    arr = np.asarray(pd.to_datetime(values), dtype="datetime64[ns]")
    return arr.astype("datetime64[D]").astype(np.int64)


def _before_end_mask(values, end: pd.Timestamp) -> np.ndarray:
    """True where the timestamp is not NaT and strictly before ``end``."""
    arr = np.asarray(pd.to_datetime(values), dtype="datetime64[ns]")
    return ~np.isnat(arr) & (arr < np.datetime64(end.to_datetime64(), "ns"))


def _latest_score(
    surveys: pd.DataFrame,
    survey_type: str,
    end: pd.Timestamp,
    customer_index: pd.Index,
) -> np.ndarray:
    """Latest ``score`` of one survey type responded before ``end``, per customer."""
    out = np.full(len(customer_index), np.nan)
    s = surveys.loc[
        (surveys["survey_type"] == survey_type)
        & _before_end_mask(surveys["responded_at"], end)
        & surveys["score"].notna()
    ]
    if s.empty:
        return out
    codes = customer_index.get_indexer(s["customer_id"].astype(str))
    keep = codes >= 0
    if not keep.any():
        return out
    frame = pd.DataFrame(
        {
            "code": codes[keep],
            "ts": np.asarray(pd.to_datetime(s["responded_at"]), dtype="datetime64[ns]")[
                keep
            ],
            "score": s["score"].to_numpy(dtype=float)[keep],
        }
    )
    # Tie-break identical response timestamps deterministically: response_id if
    # there is one, then the score itself (so row order never matters).
    sort_cols = ["code", "ts"]
    if "response_id" in s.columns:
        frame["rid"] = s["response_id"].astype(str).to_numpy()[keep]
        sort_cols.append("rid")
    sort_cols.append("score")
    frame = frame.sort_values(sort_cols, kind="mergesort")
    last = frame.drop_duplicates("code", keep="last")
    out[last["code"].to_numpy()] = last["score"].to_numpy()
    return out


def _stage_at_cutoff(
    stages: pd.DataFrame, end: pd.Timestamp, customer_index: pd.Index
) -> np.ndarray:
    """Stage of the latest complete period (``period_end_exclusive <= end``)."""
    out = np.full(len(customer_index), UNKNOWN_STAGE, dtype=object)
    pe = np.asarray(
        pd.to_datetime(stages["period_end_exclusive"]), dtype="datetime64[ns]"
    )
    mask = (
        ~np.isnat(pe)
        & (pe <= np.datetime64(end.to_datetime64(), "ns"))
        & stages["stage"].notna().to_numpy()
    )
    s = stages.loc[mask]
    if s.empty:
        return out
    codes = customer_index.get_indexer(s["customer_id"].astype(str))
    keep = codes >= 0
    if not keep.any():
        return out
    frame = pd.DataFrame(
        {
            "code": codes[keep],
            "pe": pe[mask][keep],
            "ps": np.asarray(pd.to_datetime(s["period_start"]), dtype="datetime64[ns]")[
                keep
            ],
            "stage": s["stage"].astype(str).to_numpy()[keep],
        }
    )
    frame = frame.sort_values(["code", "pe", "ps", "stage"], kind="mergesort")
    last = frame.drop_duplicates("code", keep="last")
    out[last["code"].to_numpy()] = last["stage"].to_numpy()
    return out


def _empty_features() -> pd.DataFrame:
    int_cols = {
        "recency_days",
        "frequency",
        "tenure_days",
        "orders_last_90d",
        "orders_prev_90d",
        "trend_orders",
        "refund_count",
    }
    data = {}
    for c in FEATURE_COLUMNS:
        if c in ("customer_id", "stage_at_cutoff"):
            data[c] = pd.Series(dtype=object)
        elif c in int_cols:
            data[c] = pd.Series(dtype=np.int64)
        else:
            data[c] = pd.Series(dtype=float)
    return pd.DataFrame(data)


def build_customer_features(
    orders: pd.DataFrame,
    cutoff,
    surveys: pd.DataFrame | None = None,
    stages: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Point-in-time behavioural features for every customer as of ``cutoff``.

    Parameters
    ----------
    orders
        Clean orders: ``customer_id``, ``ordered_at`` (datetime64), ``amount``
        (net revenue; refunds are separate rows with negative amount) and
        ``is_refund`` (bool).  ``order_id`` and ``cost`` are not needed.
    cutoff
        The "as of" calendar date.  Only rows with
        ``ordered_at < cutoff + 1 day`` are used (likewise ``responded_at`` for
        surveys and ``period_end_exclusive <= cutoff + 1 day`` for stages).
    surveys
        Optional survey responses: ``customer_id``, ``responded_at``,
        ``survey_type`` ('nps' | 'csat'), ``score`` (and optionally
        ``response_id``, used only to break timestamp ties).
    stages
        Optional lifecycle stage periods: ``customer_id``, ``period_start``,
        ``period_end_exclusive`` (the day after the period's last day, the
        ``period_end`` of the SQL models + 1), ``stage``.

    Returns
    -------
    DataFrame
        One row per customer with at least one purchase (non-refund order) at
        or before the cutoff, sorted by ``customer_id``, with columns:

        - ``customer_id`` (str).
        - ``recency_days`` (int): cutoff date minus the last purchase date,
          in days (0 = bought on the cutoff day).
        - ``frequency`` (int): number of distinct purchase days.
        - ``monetary`` (float): sum of ``amount`` over all order rows,
          refunds included (net revenue to date; can be negative).
        - ``tenure_days`` (int): cutoff date minus the first purchase date,
          in days.
        - ``avg_order_value`` (float): mean ``amount`` of the non-refund
          orders (gross order value, refunds excluded).
        - ``mean_interpurchase_days`` (float): mean gap in days between
          consecutive distinct purchase days, i.e.
          ``(last - first purchase date) / (frequency - 1)``; NaN when
          ``frequency == 1``.
        - ``orders_last_90d`` (int): non-refund orders 0-89 days before the
          cutoff (the 90 calendar days ending on the cutoff date).
        - ``revenue_last_90d`` (float): sum of ``amount`` (refunds included)
          over rows 0-89 days before the cutoff.
        - ``orders_prev_90d`` (int): non-refund orders 90-179 days before the
          cutoff (days 91-180 counting the cutoff date as day 1).
        - ``trend_orders`` (int): ``orders_last_90d - orders_prev_90d``.
        - ``refund_count`` (int): refund rows at or before the cutoff.
        - ``latest_nps`` / ``latest_csat`` (float): score of the latest
          response of that type at or before the cutoff (ties on timestamp
          broken by ``response_id`` then score); NaN if none or no surveys.
        - ``stage_at_cutoff`` (str): stage of the latest *complete* stage
          period, i.e. the one with the greatest ``period_end_exclusive``
          among those with ``period_end_exclusive <= cutoff + 1 day``; ``'unknown'`` if there is
          none or ``stages`` is None.
    """
    cutoff_date = to_cutoff_date(cutoff)
    end = cutoff_date + pd.Timedelta(days=1)
    cutoff_day = int(np.datetime64(cutoff_date.to_datetime64(), "D").astype(np.int64))

    # ---- 1. filter first: nothing after the cutoff is ever looked at --------
    in_range = _before_end_mask(orders["ordered_at"], end)
    o_cust = orders["customer_id"][in_range]
    o_day = _day_numbers(orders["ordered_at"].to_numpy()[in_range])
    o_amount = orders["amount"].to_numpy(dtype=float)[in_range]
    o_refund = orders["is_refund"].to_numpy(dtype=bool)[in_range]
    o_purchase = ~o_refund

    # ---- 2. customer universe: anyone with a purchase at or before cutoff ---
    raw_codes, raw_ids = pd.factorize(o_cust, use_na_sentinel=True)
    raw_ids = np.asarray(raw_ids, dtype=object)
    is_buyer = np.zeros(len(raw_ids), dtype=bool)
    is_buyer[raw_codes[o_purchase & (raw_codes >= 0)]] = True
    buyer_ids = raw_ids[is_buyer].astype(str)
    order = np.argsort(buyer_ids, kind="stable")
    customer_index = pd.Index(buyer_ids[order], dtype=object)
    n = len(customer_index)
    if n == 0:
        return _empty_features()
    if customer_index.has_duplicates:  # e.g. 1 and "1" both present
        raise ValueError("customer_id values collide after conversion to str")
    # raw factor code -> position in the sorted customer index (-1: no purchase)
    remap = np.full(len(raw_ids) + 1, -1, dtype=np.int64)
    remap[np.flatnonzero(is_buyer)[order]] = np.arange(n)
    codes = remap[raw_codes]  # raw code -1 (null id) maps to remap[-1] == -1
    known = codes >= 0  # drops refund-only customers and null ids
    codes, o_day, o_amount = codes[known], o_day[known], o_amount[known]
    o_refund, o_purchase = o_refund[known], o_purchase[known]
    days_before = cutoff_day - o_day

    # Money sums must not depend on the input row order (float addition is
    # not associative).  Amounts are summed in micro-units (rounded to 1e-6):
    # integer-valued doubles add exactly while every partial sum stays below
    # 2**53, so the per-customer sums are exact and order-free.  In the
    # (unrealistic) case of a customer above ~9e9 currency units in absolute
    # value, rows are put in a canonical (customer, amount) order instead.
    micro = np.round(o_amount * _MICRO)
    max_abs = np.bincount(codes, weights=np.abs(micro), minlength=n).max()
    if not max_abs < _EXACT_LIMIT:
        canonical = np.lexsort((o_amount, codes))
        codes, o_day, micro = codes[canonical], o_day[canonical], micro[canonical]
        o_refund, o_purchase = o_refund[canonical], o_purchase[canonical]
        days_before = days_before[canonical]
        micro = o_amount[canonical] * _MICRO

    def _count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n).astype(np.int64)

    def _money(mask: np.ndarray | None = None) -> np.ndarray:
        if mask is None:
            return np.bincount(codes, weights=micro, minlength=n) / _MICRO
        return np.bincount(codes[mask], weights=micro[mask], minlength=n) / _MICRO

    # ---- 3. purchase days ----------------------------------------------------
    p_code = codes[o_purchase]
    p_day = o_day[o_purchase]
    day_span = int(p_day.max() - p_day.min()) + 1
    key = p_code.astype(np.int64) * day_span + (p_day - p_day.min())
    key.sort()  # by (customer, day); sort+diff beats np.unique's hash path
    uniq_key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    u_code = uniq_key // day_span
    u_day = uniq_key % day_span + p_day.min()
    frequency = np.bincount(u_code, minlength=n).astype(np.int64)
    # sorted by customer then day => first / last day per customer by position
    starts = np.concatenate(([0], np.cumsum(frequency)[:-1]))
    first_day = u_day[starts]
    last_day = u_day[starts + frequency - 1]

    recency_days = (cutoff_day - last_day).astype(np.int64)
    tenure_days = (cutoff_day - first_day).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_ipt = np.where(
            frequency > 1,
            (last_day - first_day) / np.maximum(frequency - 1, 1),
            np.nan,
        ).astype(float)

    n_purchases = _count(o_purchase)
    avg_order_value = _money(o_purchase) / n_purchases
    monetary = _money()

    last_window = days_before < WINDOW_DAYS
    prev_window = (days_before >= WINDOW_DAYS) & (days_before < 2 * WINDOW_DAYS)
    orders_last = _count(o_purchase & last_window)
    orders_prev = _count(o_purchase & prev_window)
    revenue_last = _money(last_window)
    refund_count = _count(o_refund)

    features = pd.DataFrame(
        {
            "customer_id": customer_index.to_numpy(),
            "recency_days": recency_days,
            "frequency": frequency,
            "monetary": monetary,
            "tenure_days": tenure_days,
            "avg_order_value": avg_order_value,
            "mean_interpurchase_days": mean_ipt,
            "orders_last_90d": orders_last,
            "revenue_last_90d": revenue_last,
            "orders_prev_90d": orders_prev,
            "trend_orders": orders_last - orders_prev,
            "refund_count": refund_count,
        }
    )

    # ---- 4. surveys and stages ----------------------------------------------
    if surveys is not None and len(surveys):
        features["latest_nps"] = _latest_score(surveys, "nps", end, customer_index)
        features["latest_csat"] = _latest_score(surveys, "csat", end, customer_index)
    else:
        features["latest_nps"] = np.nan
        features["latest_csat"] = np.nan

    if stages is not None and len(stages):
        features["stage_at_cutoff"] = _stage_at_cutoff(stages, end, customer_index)
    else:
        features["stage_at_cutoff"] = UNKNOWN_STAGE
    features["stage_at_cutoff"] = features["stage_at_cutoff"].astype(object)

    return features[FEATURE_COLUMNS]
