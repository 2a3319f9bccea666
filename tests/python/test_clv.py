"""Customer value: CLV formulas by hand, fit failures, time-unit consistency, and
the warehouse on CDNOW against the published fits and the real holdout."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import CDNOW_SOURCE

from customer_lifecycle import btyd
from customer_lifecycle.cdnow import read_cdnow
from customer_lifecycle.clv import fit_btyd, predict_customer_value

MONTH_DAYS = 30.4375


def test_historical_clv_by_hand(tiny_build):
    # tests/fixtures/tiny, months of 30.4375 days, r = 10% a year:
    # one month of discount = 1.1 ** (30.4375 / 365.25).
    month = 1.1 ** (MONTH_DAYS / 365.25)
    # C1: margins 4 + 2 + 8 in month 0 (01-01, 01-01, 01-15), 12 in month 1 (02-12).
    # C3: 12.50 without cost; C3 has no cost data, so the company rate applies:
    #     orders with cost: revenue 280, cost 168 -> margin 0.4 -> 5.00.
    # C5: 100 - 60 and the refund -100 - (-60) in month 0, 25 - 15 in month 1
    #     (03-10 is 60 days after 01-10).
    expected = {"C1": 14 + 12 / month, "C3": 5.0, "C5": 40 - 40 + 10 / month}
    got = dict(
        tiny_build.query(
            "select customer_id, historical_clv from marts.customer_clv"
            " where customer_id in ('C1', 'C3', 'C5')"
        )
    )
    assert got == pytest.approx(expected, rel=1e-9)
    sources = dict(
        tiny_build.query("select customer_id, margin_source from marts.customer_clv")
    )
    assert sources["C3"] == "company_cost" and sources["C1"] == "customer_cost"


def test_tiny_data_fit_fails_cleanly(tiny_build):
    # 5 buyers < btyd_min_customers = 10: no fit, a clear message, null values,
    # and the build still passed (the fixture asserts it).
    rows = tiny_build.query(
        "select distinct model_name, status, message from marts.btyd_model_parameters"
        " order by model_name"
    )
    assert [r[:2] for r in rows] == [("bg_nbd", "failed"), ("gamma_gamma", "failed")]
    assert "fewer than btyd_min_customers = 10" in rows[0][2]
    assert tiny_build.query(
        "select count(predicted_clv), count(p_alive), count(*) from marts.customer_clv"
    ) == [(0, 0, 5)]
    runs = tiny_build.query("select model_run_id, status from marts.model_runs")
    assert len(runs) == 4 and {status for _, status in runs} == {"failed"}
    for run_id, _ in runs:
        assert re.fullmatch(r"[a-z_]+-2024-03-31-[0-9a-f]{8}", run_id), run_id


def test_ltv_cac_falls_back_to_acquisition_cost_and_says_why(tiny_build):
    rows = {
        r[0]: r[1:]
        for r in tiny_build.query(
            "select group_value, cac, cac_source, ltv, note from marts.ltv_cac"
            " where group_type = 'acquisition_channel'"
        )
    }
    # no marketing_spend file: CAC is the mean acquisition_cost of the buyers
    # (C1 40.00 and C4 35.00 for paid_search).
    assert rows["paid_search"][0] == pytest.approx(37.5)
    assert rows["paid_search"][1] == "customers.acquisition_cost"
    for _cac, _source, ltv, note in rows.values():
        if ltv is None:
            assert note  # a null LTV always says why


def test_fit_failure_is_a_status_not_an_exception():
    summary = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "frequency": [0, 1],
            "recency": [0.0, 2.0],
            "t": [5.0, 6.0],
            "monetary_value": [0.0, 10.0],
        }
    )
    runs = fit_btyd(summary, "2024-01-01", "week", min_customers=10)
    assert list(runs["status"]) == ["failed", "failed"]
    predictions = predict_customer_value(
        summary, runs, np.array([0.3, 0.3]), 7.0, MONTH_DAYS, 12, 0.1, 0.0
    )
    assert predictions[["p_alive", "predicted_clv"]].isna().all().all()


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    orders = read_cdnow(CDNOW_SOURCE).assign(amount=lambda d: d["amount"].astype(float))
    return btyd.summarize_purchases(orders, "1997-09-30", time_unit="day")


def test_clv_does_not_depend_on_the_time_unit(cdnow_summary):
    """BG/NBD is scale-free: fitted in days or in weeks, the predictions over the
    same calendar horizon must agree. Catches any hard-coded unit conversion."""
    in_days = cdnow_summary.sample(4000, random_state=1).reset_index(drop=True)
    in_weeks = in_days.assign(recency=in_days["recency"] / 7, t=in_days["t"] / 7)
    margin = np.full(len(in_days), 0.3)
    results = []
    for frame, unit_days in ((in_days, 1.0), (in_weeks, 7.0)):
        runs = fit_btyd(frame, "1997-09-30", "x")
        results.append(
            predict_customer_value(
                frame, runs, margin, unit_days, MONTH_DAYS, 12, 0.1, 91
            )
        )
    for column in (
        "p_alive",
        "expected_purchases",
        "predicted_clv",
        "predicted_backtest_purchases",
    ):
        np.testing.assert_allclose(results[0][column], results[1][column], rtol=2e-3)


def test_cdnow_warehouse_fit_matches_the_literature(cdnow_build):
    params = dict(
        cdnow_build.query(
            "select parameter_name, parameter_value from marts.btyd_model_parameters"
        )
    )
    # Fader, Hardie & Lee (2005) on the 1/10 sample (2,357 customers):
    # r 0.243, alpha 4.414, a 0.793, b 2.426; Gamma-Gamma p 6.25, q 3.74, gamma 15.44.
    # The full data (23,570) must land within sampling error of them (25%).
    published = {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.44,
    }
    for name, value in published.items():
        assert params[name] == pytest.approx(value, rel=0.25), name


def test_cdnow_backtest_against_the_real_holdout(cdnow_build):
    # Independent count: distinct purchase days per customer after 1997-09-30.
    raw = pd.read_csv(CDNOW_SOURCE, sep=r"\s+", dtype={"customer_id": str, "date": str})
    holdout = raw[raw["date"] > "19970930"].drop_duplicates(["customer_id", "date"])
    total = cdnow_build.query(
        "select customers, actual_purchases, predicted_purchases, backtest_days"
        " from marts.btyd_backtest where grain = 'total'"
    )[0]
    assert total[0] == 23570
    assert total[1] == len(holdout)  # 39 weeks: 1997-10-01 .. 1998-06-30
    assert total[3] == 273
    # BG/NBD under-forecasts this holdout by ~14% (low-frequency buyers come
    # back more than the model expects; see the issue note): bound it at 20%.
    assert total[2] == pytest.approx(total[1], rel=0.20)
    buckets = cdnow_build.frame(
        "select group_value, mean_predicted_purchases, mean_actual_purchases"
        " from marts.btyd_backtest where grain = 'frequency_bucket' order by group_order"
    )
    assert buckets["mean_predicted_purchases"].is_monotonic_increasing
    assert (
        np.corrcoef(
            buckets["mean_predicted_purchases"], buckets["mean_actual_purchases"]
        )[0, 1]
        > 0.99
    )


def test_cdnow_clv_columns_are_coherent(cdnow_build):
    clv = cdnow_build.frame("select * from marts.customer_clv")
    assert len(clv) == 23570
    # one-time buyers: BG/NBD says p_alive = 1, but a purchase in the horizon
    # gets less likely the longer they have been silent.
    one_time = clv.merge(
        cdnow_build.frame(
            "select customer_id, frequency, t from marts.customer_purchase_summary"
        ),
        on="customer_id",
    ).query("frequency == 0")
    assert (one_time["p_alive"] == 1).all()
    assert (
        one_time[["t", "probability_of_purchase_in_horizon"]].corr().iloc[0, 1] < -0.5
    )
    assert (clv["probability_of_purchase_in_horizon"] < 1).all()
    # no cost in CDNOW: margin from var gross_margin
    assert set(clv["margin_source"]) == {"var_gross_margin"}
    assert (clv["margin_rate"] == 0.30).all()
    runs = cdnow_build.frame("select * from intermediate.btyd_fit")
    correlation = runs.loc[
        runs.model_name == "gamma_gamma", "frequency_spend_correlation"
    ]
    assert 0 < float(correlation.iloc[0]) < 0.2  # literature: about 0.11
    assert json.loads(runs["package_versions"].iloc[0])["scipy"]
