"""Tests of customer_lifecycle.features.build_customer_features.

Expected values of the tiny example are worked out by hand (see the comments);
the no-leakage test compares the full history against the history truncated
at the cutoff on simulated data.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from customer_lifecycle.features import FEATURE_COLUMNS, build_customer_features

CUTOFF = "2024-03-31"


def _orders() -> pd.DataFrame:
    rows = [
        # customer A: two orders on 2024-01-01 (one purchase day), a refund,
        # an order in the very last second of the cutoff day and one just after.
        ("A", "a1", "2024-01-01 10:00:00", 100.0, False),
        ("A", "a2", "2024-01-01 15:00:00", 50.0, False),
        ("A", "a3", "2024-02-15 09:00:00", 30.0, False),
        ("A", "a4", "2024-02-20 12:00:00", -20.0, True),
        ("A", "a5", "2024-03-31 23:59:59", 40.0, False),
        ("A", "a6", "2024-04-01 00:00:00", 999.0, False),  # after cutoff
        # customer B: 2023-10-01 is 182 days before the cutoff, 2023-10-04 is
        # 179 days (last day of the "previous 90 days"), 2023-12-15 is 107.
        ("B", "b1", "2023-10-01 08:00:00", 200.0, False),
        ("B", "b2", "2023-10-04 08:00:00", 10.0, False),
        ("B", "b3", "2023-12-15 18:30:00", 60.0, False),
        # customer C: one purchase 30 days before the cutoff, one after it.
        ("C", "c1", "2024-03-01 12:00:00", 25.0, False),
        ("C", "c2", "2024-04-10 12:00:00", 70.0, False),  # after cutoff
        # customer D: buys only after the cutoff -> not in the output.
        ("D", "d1", "2024-04-05 12:00:00", 80.0, False),
        # customer E: only a refund row before the cutoff -> not in the output.
        ("E", "e1", "2024-02-01 12:00:00", -15.0, True),
    ]
    df = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "ordered_at", "amount", "is_refund"]
    )
    df["ordered_at"] = pd.to_datetime(df["ordered_at"])
    df["cost"] = np.nan
    # shuffle so that nothing relies on the input order
    return df.sample(frac=1.0, random_state=3).reset_index(drop=True)


def _surveys() -> pd.DataFrame:
    rows = [
        ("r1", "A", "2024-02-01 10:00:00", "nps", 8),
        ("r2", "A", "2024-03-31 12:00:00", "nps", 3),  # latest nps at cutoff
        ("r3", "A", "2024-04-02 10:00:00", "nps", 10),  # after cutoff
        ("r4", "A", "2024-01-10 10:00:00", "csat", 4),
        ("r5", "B", "2024-05-01 10:00:00", "csat", 5),  # after cutoff
        ("r6", "D", "2024-01-01 10:00:00", "nps", 9),  # D has no purchase
    ]
    df = pd.DataFrame(
        rows,
        columns=["response_id", "customer_id", "responded_at", "survey_type", "score"],
    )
    df["responded_at"] = pd.to_datetime(df["responded_at"])
    return df


def _stages() -> pd.DataFrame:
    rows = [
        ("A", "2024-01-01", "2024-03-01", "new"),
        ("A", "2024-03-01", "2024-04-01", "active"),  # ends at cutoff + 1 day
        ("A", "2024-04-01", "2024-05-01", "growing"),  # not complete
        ("B", "2023-10-01", "2024-01-01", "active"),
        ("B", "2024-01-01", "2024-04-15", "at_risk"),  # not complete
        ("C", "2024-03-01", "2024-04-15", "new"),  # not complete -> unknown
    ]
    df = pd.DataFrame(
        rows, columns=["customer_id", "period_start", "period_end_exclusive", "stage"]
    )
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["period_end_exclusive"] = pd.to_datetime(df["period_end_exclusive"])
    return df


def _expected() -> pd.DataFrame:
    nan = np.nan
    # A: purchase days 01-01, 02-15, 03-31 -> frequency 3, recency 0,
    #    tenure 01-01..03-31 = 31 + 29 + 30 = 90 days, gaps (45 + 45) / 2 = 45,
    #    monetary 100 + 50 + 30 - 20 + 40 = 200, AOV (100+50+30+40)/4 = 55,
    #    last 90 days (0..89 days before): 02-15 (45) and 03-31 (0) -> 2 orders,
    #    revenue 30 - 20 + 40 = 50; 01-01 is 90 days before -> prev window (2
    #    orders); trend 0; 1 refund; nps 3 (03-31 12:00), csat 4; stage active.
    # B: days 10-01, 10-04, 12-15 -> frequency 3, recency 107, tenure 182,
    #    gaps (3 + 72) / 2 = 37.5, monetary 270, AOV 90, last90 0, prev90 2
    #    (10-04 at 179 days and 12-15 at 107; 10-01 at 182 is outside),
    #    trend -2; csat answered after the cutoff -> NaN; stage active.
    # C: single purchase 30 days ago: recency = tenure = 30, gap NaN.
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "recency_days": [0, 107, 30],
            "frequency": [3, 3, 1],
            "monetary": [200.0, 270.0, 25.0],
            "tenure_days": [90, 182, 30],
            "avg_order_value": [55.0, 90.0, 25.0],
            "mean_interpurchase_days": [45.0, 37.5, nan],
            "orders_last_90d": [2, 0, 1],
            "revenue_last_90d": [50.0, 0.0, 25.0],
            "orders_prev_90d": [2, 2, 0],
            "trend_orders": [0, -2, 1],
            "refund_count": [1, 0, 0],
            "latest_nps": [3.0, nan, nan],
            "latest_csat": [4.0, nan, nan],
            "stage_at_cutoff": ["active", "active", "unknown"],
        }
    )


def test_hand_worked_example():
    got = build_customer_features(
        _orders(), CUTOFF, surveys=_surveys(), stages=_stages()
    )
    assert list(got.columns) == FEATURE_COLUMNS
    pdt.assert_frame_equal(got, _expected(), check_dtype=False)
    int_cols = [
        "recency_days",
        "frequency",
        "tenure_days",
        "orders_last_90d",
        "orders_prev_90d",
        "trend_orders",
        "refund_count",
    ]
    for col in int_cols:
        assert pd.api.types.is_integer_dtype(got[col]), col


def test_without_surveys_and_stages():
    got = build_customer_features(_orders(), CUTOFF)
    exp = _expected()
    exp["latest_nps"] = np.nan
    exp["latest_csat"] = np.nan
    exp["stage_at_cutoff"] = "unknown"
    pdt.assert_frame_equal(got, exp, check_dtype=False)


@pytest.mark.parametrize(
    "cutoff",
    ["2024-03-31", dt.date(2024, 3, 31), pd.Timestamp("2024-03-31 17:45:00")],
)
def test_cutoff_is_a_calendar_date(cutoff):
    got = build_customer_features(
        _orders(), cutoff, surveys=_surveys(), stages=_stages()
    )
    pdt.assert_frame_equal(got, _expected(), check_dtype=False)


def test_one_day_earlier_changes_the_boundaries():
    # At 2024-03-30, A's order of 03-31 23:59:59 and nps of 03-31 are in the future.
    got = build_customer_features(_orders(), "2024-03-30", surveys=_surveys())
    a = got.set_index("customer_id").loc["A"]
    assert a["frequency"] == 2
    assert a["recency_days"] == 44  # 02-15 -> 03-30
    assert a["monetary"] == pytest.approx(160.0)  # 100 + 50 + 30 - 20
    assert a["orders_last_90d"] == 3  # 01-01 is now 89 days before
    assert a["orders_prev_90d"] == 0
    assert a["latest_nps"] == 8.0


def test_no_customer_before_cutoff_gives_empty_frame():
    got = build_customer_features(_orders(), "2020-01-01")
    assert got.empty
    assert list(got.columns) == FEATURE_COLUMNS


# --------------------------------------------------------------------------- #
# no leakage, on simulated data
# --------------------------------------------------------------------------- #
def _simulated(n_customers: int = 1500, seed: int = 11):
    from customer_lifecycle.simulate import simulate

    tables = simulate(n_customers, seed=seed)
    o = tables["orders"].copy()
    o = o[o["customer_id"].notna()]
    o["ordered_at"] = pd.to_datetime(
        o["ordered_at"], errors="coerce", format="%Y-%m-%d %H:%M:%S"
    )
    o["amount"] = pd.to_numeric(o["amount"], errors="coerce")
    o = o.dropna(subset=["ordered_at", "amount"]).drop_duplicates()
    o = o[o["is_refund"] | (o["amount"] >= 0)]
    o = o.drop_duplicates("order_id", keep="first")
    o = o.astype({"customer_id": object, "order_id": object}).reset_index(drop=True)

    s = tables["survey_responses"].copy()
    s = s[s["customer_id"].notna()]
    s["responded_at"] = pd.to_datetime(s["responded_at"], errors="coerce")
    s = s.dropna(subset=["responded_at"]).astype(
        {"customer_id": object, "response_id": object, "survey_type": object}
    )

    # Synthetic monthly stage periods for every buyer (contents are arbitrary).
    rng = np.random.default_rng(seed)
    ids = np.sort(o["customer_id"].unique())
    months = pd.date_range("2023-01-01", "2025-01-01", freq="MS")
    stage_names = np.array(["new", "active", "growing", "at_risk", "churned"])
    st = pd.DataFrame(
        {
            "customer_id": np.repeat(ids, len(months) - 1),
            "period_start": np.tile(months[:-1], len(ids)),
            "period_end_exclusive": np.tile(months[1:], len(ids)),
        }
    )
    st["stage"] = stage_names[rng.integers(0, len(stage_names), len(st))]
    return o, s.reset_index(drop=True), st


@pytest.mark.parametrize("cutoff", ["2023-09-30", "2024-03-31", "2024-06-14"])
def test_no_leakage_full_vs_truncated(cutoff):
    orders, surveys, stages = _simulated()
    end = pd.Timestamp(cutoff) + pd.Timedelta(days=1)
    later_orders = (orders["ordered_at"] >= end).sum()
    assert later_orders > 1000  # plenty of future data that must be ignored

    full = build_customer_features(orders, cutoff, surveys=surveys, stages=stages)
    truncated = build_customer_features(
        orders[orders["ordered_at"] < end],
        cutoff,
        surveys=surveys[surveys["responded_at"] < end],
        stages=stages[stages["period_end_exclusive"] <= end],
    )
    pdt.assert_frame_equal(full, truncated, check_exact=True)
    assert len(full) > 300
    assert full["stage_at_cutoff"].ne("unknown").mean() > 0.9
    assert full["latest_nps"].notna().any()

    # row order does not matter either
    shuffled = build_customer_features(
        orders.sample(frac=1.0, random_state=1),
        cutoff,
        surveys=surveys.sample(frac=1.0, random_state=2),
        stages=stages.sample(frac=1.0, random_state=3),
    )
    pdt.assert_frame_equal(full, shuffled, check_exact=True)


def test_simulated_features_agree_with_a_naive_groupby():
    """Cross-check the vectorised code against a plain pandas formulation."""
    orders, _, _ = _simulated(600, seed=5)
    cutoff = pd.Timestamp("2024-06-30")
    got = build_customer_features(orders, cutoff).set_index("customer_id")

    o = orders[orders["ordered_at"] < cutoff + pd.Timedelta(days=1)].copy()
    o["day"] = o["ordered_at"].dt.normalize()
    p = o[~o["is_refund"]]
    g = p.groupby("customer_id")
    exp = pd.DataFrame(
        {
            "recency_days": (cutoff - g["day"].max()).dt.days,
            "frequency": g["day"].nunique(),
            "tenure_days": (cutoff - g["day"].min()).dt.days,
            "avg_order_value": g["amount"].mean(),
        }
    )
    exp["monetary"] = o.groupby("customer_id")["amount"].sum().reindex(exp.index)
    exp["refund_count"] = (
        o[o["is_refund"]].groupby("customer_id").size().reindex(exp.index).fillna(0)
    )
    days_before = (cutoff - p["day"]).dt.days
    exp["orders_last_90d"] = (
        p[days_before < 90].groupby("customer_id").size().reindex(exp.index).fillna(0)
    )
    exp["orders_prev_90d"] = (
        p[(days_before >= 90) & (days_before < 180)]
        .groupby("customer_id")
        .size()
        .reindex(exp.index)
        .fillna(0)
    )
    distinct_days = p.drop_duplicates(["customer_id", "day"]).sort_values(
        ["customer_id", "day"]
    )
    gaps = distinct_days.groupby("customer_id")["day"].diff().dt.days
    exp["mean_interpurchase_days"] = (
        gaps.groupby(distinct_days["customer_id"]).mean().reindex(exp.index)
    )
    exp.index.name = "customer_id"
    cols = list(exp.columns)
    pdt.assert_frame_equal(
        got[cols].sort_index(), exp[cols].sort_index(), check_dtype=False
    )
