"""Customer value: CLV formulas by hand, fit failures, time-unit consistency, and
the warehouse on CDNOW against the published fits and the real holdout."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from conftest import CDNOW_SOURCE
from helpers.purchase_summary import summarize_purchases

from customer_lifecycle.btyd import pareto_nbd
from customer_lifecycle.cdnow import read_cdnow
from customer_lifecycle.clv import (
    fit_btyd,
    fit_pareto_nbd_sampled,
    predict_customer_value,
)

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
    assert [r[:2] for r in rows] == [
        ("bg_nbd", "failed"),
        ("gamma_gamma", "failed"),
        ("pareto_nbd", "failed"),
    ]
    assert "fewer than btyd_min_customers = 10" in rows[0][2]
    assert tiny_build.query(
        "select count(predicted_clv), count(p_alive), count(*),"
        " count(*) filter (where purchase_model_status = 'failed')"
        " from marts.customer_clv"
    ) == [(0, 0, 5, 5)]
    reasons = tiny_build.query(
        "select distinct selection_reason from marts.btyd_model_selection"
    )
    assert reasons == [
        (
            "auto: no usable fit (bg_nbd failed, pareto_nbd failed); "
            "the predictions are null. The 90-day history is too short to backtest"
            " the 365-day horizon: no accuracy figure",
        )
    ]
    runs = tiny_build.query("select model_run_id, status from marts.model_runs")
    assert len(runs) == 5 and {status for _, status in runs} == {"failed"}
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
    # By hand: tiny's orders start in January 2024, so by 2024-03-31 nobody has
    # been silent for lifecycle_churn_days (180): no channel has a churn event,
    # LTV = ARPU x margin / churn is undefined everywhere, and each says why.
    assert {channel: ltv for channel, (_, _, ltv, _) in rows.items()} == dict.fromkeys(
        rows, None
    )
    assert len(rows) == 4
    assert all(
        "no churn observed" in note or "no live customer-periods" in note
        for _, _, _, note in rows.values()
    )


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
    assert list(runs["status"]) == ["failed", "failed", "failed"]
    assert list(runs["model_name"]) == ["bg_nbd", "pareto_nbd", "gamma_gamma"]
    predictions = predict_customer_value(
        summary, runs, np.array([0.3, 0.3]), 7.0, MONTH_DAYS, 12, 0.1
    )
    assert len(predictions) == 4  # 2 customers x 2 purchase models
    assert predictions[["p_alive", "predicted_clv"]].isna().all().all()


def test_boundary_fit_is_degenerate_and_still_predicts():
    """Every customer bought again and last bought at T (t_x = T): nothing says
    anyone dropped out, so both purchase models' optima lie on the boundary
    (no dropout). Status degenerate with the reason; predictions kept."""
    rng = np.random.default_rng(3)
    t = rng.uniform(30.0, 52.0, 600)
    x = 1 + rng.poisson(rng.gamma(2.0, 1.0 / 8.0, t.size) * t)
    summary = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(t.size)],
            "frequency": x,
            "recency": t,
            "t": t,
            "monetary_value": rng.gamma(5.0, 6.0, t.size),
        }
    )
    runs = fit_btyd(summary, "2024-01-01", "week")
    status = dict(zip(runs["model_name"], runs["status"], strict=True))
    assert status == {
        "bg_nbd": "degenerate",
        "pareto_nbd": "degenerate",
        "gamma_gamma": "fitted",
    }
    for message in runs.loc[runs["status"] == "degenerate", "message"]:
        assert message.startswith("degenerate fit: parameter(s) at a boundary")
    predictions = predict_customer_value(
        summary, runs, np.full(t.size, 0.3), 7.0, MONTH_DAYS, 12, 0.1
    )
    # the limit model: nobody drops out, t_x = T, so everyone is alive
    np.testing.assert_allclose(predictions["p_alive"], 1.0, atol=1e-6)
    assert predictions["predicted_clv"].notna().all()


def test_cdnow_random_subsets_flag_every_degenerate_fit(cdnow_summary):
    """Issue 10: small random CDNOW subsets (30-300 customers) give boundary fits.
    Each is flagged: a fit is 'fitted' only with every parameter in [1e-4, 1e4]
    and finite standard errors, and some subsets are degenerate."""
    rng = np.random.default_rng(10)
    counts = {"fitted": 0, "degenerate": 0, "failed": 0}
    for _ in range(20):
        size = int(rng.integers(30, 301))
        subset = cdnow_summary.sample(size, random_state=rng.integers(1 << 31))
        runs = fit_btyd(subset, "1997-09-30", "day", models=("bg_nbd", "pareto_nbd"))
        for _, row in runs.iterrows():
            counts[row["status"]] += 1
            if row["status"] == "failed":
                continue
            params = json.loads(row["parameters"]).values()
            errors = json.loads(row["standard_errors"]).values()
            on_boundary = any(not 1e-4 <= v <= 1e4 for v in params)
            no_errors = any(not (np.isfinite(v) and v > 0) for v in errors)
            assert (row["status"] == "degenerate") == (on_boundary or no_errors)
    print(f"CDNOW subsets, purchase-model fits by status: {counts}")
    assert counts["degenerate"] > 0 and counts["fitted"] > counts["degenerate"]


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    orders = read_cdnow(CDNOW_SOURCE).assign(amount=lambda d: d["amount"].astype(float))
    return summarize_purchases(orders, "1997-09-30", time_unit="day")


def test_large_pareto_fit_on_a_sample_agrees_with_the_full_fit(cdnow_summary):
    """Above the cap, Pareto/NBD is fitted on a fixed-seed sample; its
    parameters must lie within sampling error of the full-data fit, and the
    reported log-likelihood is the full data's at the sample optimum."""
    c = cdnow_summary
    args = (c["frequency"], c["recency"], c["t"])
    full = pareto_nbd.fit_pareto_nbd(*args)
    sampled = fit_pareto_nbd_sampled(*args, max_customers=6000)
    assert sampled.n_customers == len(c) and "sample of 6000" in sampled.message
    for name, value in full.params.items():
        se_sample = sampled.standard_errors[name] * math.sqrt(len(c) / 6000)
        assert abs(sampled.params[name] - value) < 3 * se_sample, name
    at_optimum = pareto_nbd.pareto_nbd_log_likelihood(sampled.params, *args).sum()
    assert sampled.log_likelihood == pytest.approx(at_optimum, rel=1e-10)
    assert sampled.log_likelihood <= full.log_likelihood
    again = fit_pareto_nbd_sampled(*args, max_customers=6000)
    assert again.params == sampled.params  # fixed seed


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
            predict_customer_value(frame, runs, margin, unit_days, MONTH_DAYS, 12, 0.1)
        )
    assert list(results[0]["purchase_model"].unique()) == ["bg_nbd", "pareto_nbd"]
    for column in (
        "p_alive",
        "probability_of_purchase_in_horizon",
        "expected_purchases",
        "predicted_clv",
    ):
        np.testing.assert_allclose(results[0][column], results[1][column], rtol=2e-3)


def test_cdnow_warehouse_fit_matches_the_literature(cdnow_build):
    params = dict(
        cdnow_build.query(
            "select parameter_name, parameter_value from marts.btyd_model_parameters"
            " where model_name in ('bg_nbd', 'gamma_gamma')"
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
    # Pareto/NBD (FHL's MATLAB note, same sample): r 0.553, alpha 10.58,
    # s 0.606, beta 11.67
    pareto = dict(
        cdnow_build.query(
            "select parameter_name, parameter_value from marts.btyd_model_parameters"
            " where model_name = 'pareto_nbd' and status = 'fitted'"
        )
    )
    published = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
    for name, value in published.items():
        assert pareto[name] == pytest.approx(value, rel=0.25), name


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
        " from marts.btyd_backtest where grain = 'frequency_bucket'"
        " order by group_order"
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
    assert (one_time["bg_nbd_p_alive"] == 1).all()
    # Pareto/NBD lets one-time buyers die: the longer silent, the less alive
    assert (one_time["pareto_nbd_p_alive"] < 1).all()
    assert one_time[["t", "pareto_nbd_p_alive"]].corr().iloc[0, 1] < -0.5
    assert (
        one_time[["t", "probability_of_purchase_in_horizon"]].corr().iloc[0, 1] < -0.5
    )
    assert (clv["probability_of_purchase_in_horizon"] < 1).all()
    # no cost in CDNOW: margin from var gross_margin
    assert set(clv["margin_source"]) == {"var_gross_margin"}
    assert (clv["margin_rate"] == 0.30).all()
    runs = cdnow_build.frame("select * from intermediate.int_btyd_fitted")
    correlation = runs.loc[
        runs.model_name == "gamma_gamma", "frequency_spend_correlation"
    ]
    assert 0 < float(correlation.iloc[0]) < 0.2  # literature: about 0.11
    assert json.loads(runs["package_versions"].iloc[0])["scipy"]


def test_cdnow_both_models_backtested_and_the_choice_is_explained(cdnow_build):
    """External holdout (orders after 1997-09-30): both purchase models are
    scored on it, auto picks the lower MAE, and customer_clv says which."""
    raw = pd.read_csv(CDNOW_SOURCE, sep=r"\s+", dtype={"customer_id": str, "date": str})
    holdout = raw[raw["date"] > "19970930"].drop_duplicates(["customer_id", "date"])
    selection = cdnow_build.frame("select * from marts.btyd_model_selection")
    assert set(selection["purchase_model"]) == {"bg_nbd", "pareto_nbd"}
    assert (selection["backtest_kind"] == "external").all()
    assert (selection["actual_purchases"] == len(holdout)).all()
    best = selection.loc[
        selection["pooled_absolute_relative_error"].idxmin(), "purchase_model"
    ]
    chosen = selection.loc[selection["is_selected"], "purchase_model"].tolist()
    assert chosen == [best]
    assert (
        selection["selection_reason"]
        .iloc[0]
        .startswith(
            "auto: lower pooled absolute total error over 1 external backtest origin"
        )
    )
    assert cdnow_build.query(
        "select distinct purchase_model, purchase_model_status from marts.customer_clv"
    ) == [(best, "fitted")]
    # per-customer sums of the backtest table match the per-model totals
    sums = cdnow_build.query(
        "select sum(bg_nbd_predicted_purchases), sum(pareto_nbd_predicted_purchases)"
        " from marts.btyd_backtest_customers"
    )[0]
    totals = selection.set_index("purchase_model")["predicted_purchases"]
    assert sums == pytest.approx((totals["bg_nbd"], totals["pareto_nbd"]), rel=1e-9)


def test_demo_has_an_internal_backtest(demo_build):
    """Issue 24: the demo (orders 2023-01-05 .. 2024-12-31, no later orders) is
    backtested at 3 rolling origins, each calibrated on at least as long as it
    predicts and on at least a year; the selected model's total error is within
    30% at each. Actuals counted here from staging."""
    origins = demo_build.frame(
        "select * from marts.btyd_backtest_by_origin order by origin_index"
    )
    assert set(origins["backtest_kind"]) == {"internal"}
    assert origins["origin_index"].nunique() == 3
    assert (origins["calibration_days"] >= origins["backtest_days"]).all()
    assert (origins["calibration_days"] >= 365).all()
    as_of = pd.Timestamp(origins["as_of_date"].iloc[0])
    assert (pd.to_datetime(origins["backtest_end_date"]) == as_of).all()
    orders = demo_build.frame(
        "select customer_id, order_date, is_refund from staging.stg_input__orders"
    )
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    bought = orders.loc[~orders["is_refund"]].drop_duplicates(
        ["customer_id", "order_date"]
    )
    first = bought.groupby("customer_id")["order_date"].min()
    for origin in origins.itertuples():
        end = pd.Timestamp(origin.calibration_end_date)
        known = first.index[first <= end]
        in_window = bought.loc[
            bought["customer_id"].isin(known)
            & (bought["order_date"] > end)
            & (bought["order_date"] <= as_of)
        ]
        assert origin.customers == len(known)
        assert origin.actual_purchases == len(in_window)
    selection = demo_build.frame("select * from marts.btyd_model_selection")
    assert selection["is_selected"].sum() == 1
    chosen = selection.loc[selection["is_selected"], "purchase_model"].iloc[0]
    errors = origins.loc[origins["purchase_model"] == chosen, "relative_total_error"]
    assert (errors.abs() < 0.30).all(), errors.tolist()
    assert set(selection["backtest_horizon_status"]) == {"shortened"}
    assert "shorter than the 365-day horizon" in selection["selection_reason"].iloc[0]
    # the refits are in the run log, one per model and origin, as of its origin
    runs = demo_build.frame("select * from marts.model_runs")
    refits = runs.loc[runs["model_name"].str.contains("_backtest_")]
    assert len(refits) == 6
    assert set(pd.to_datetime(refits["as_of_date"])) == set(
        pd.to_datetime(origins["calibration_end_date"])
    )


def _run_log(bg_nbd: dict, gamma_gamma: dict) -> pd.DataFrame:
    """A run log with usable BG/NBD and Gamma-Gamma fits, Pareto/NBD failed."""
    return pd.DataFrame(
        {
            "model_name": ["bg_nbd", "gamma_gamma", "pareto_nbd"],
            "status": ["fitted", "fitted", "failed"],
            "parameters": [json.dumps(bg_nbd), json.dumps(gamma_gamma), None],
        }
    )


def _bg_nbd_clv(summary, runs, margin, annual_rate=0.12, periods=24):
    """predicted_clv of the BG/NBD rows; weeks, four-week periods."""
    out = predict_customer_value(summary, runs, margin, 7.0, 28.0, periods, annual_rate)
    return out.loc[out["purchase_model"] == "bg_nbd", "predicted_clv"].to_numpy()


def test_clv_discounting_matches_the_annuity_formula():
    # a -> 0 with b -> inf: nobody ever drops out, so BG/NBD reduces to the NBD
    # whose conditional expectation is linear, (r + x) / (alpha + T) per week;
    # Gamma-Gamma's E[M] = p (gamma + x mbar) / (p x + q - 1). The CLV is then an
    # annuity: per period P * M * margin, discounted at d per four-week period.
    runs = _run_log(
        {"r": 2.0, "alpha": 10.0, "a": 1e-6, "b": 1e6},
        {"p": 6.0, "q": 4.0, "gamma": 20.0},
    )
    x, tx, T, mbar, margin, n = 4, 20.0, 26.0, 30.0, 0.3, 24
    summary = pd.DataFrame(
        {
            "customer_id": ["A"],
            "frequency": [x],
            "recency": [tx],
            "t": [T],
            "monetary_value": [mbar],
        }
    )
    per_period = (2.0 + x) / (10.0 + T) * 4.0
    spend = 6.0 * (20.0 + x * mbar) / (6.0 * x + 4.0 - 1.0)
    d = 1.12 ** (28.0 / 365.25) - 1.0
    annuity = per_period * spend * margin * (1 - (1 + d) ** -n) / d
    got = _bg_nbd_clv(summary, runs, np.array([margin]), 0.12, n)
    assert got[0] == pytest.approx(annuity, rel=1e-7)


def test_clv_margin_zero_negative_and_per_customer():
    runs = _run_log(
        {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        {"p": 6.25, "q": 3.74, "gamma": 15.44},
    )
    summary = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "frequency": [0, 2, 7],
            "recency": [0.0, 20.0, 35.0],
            "t": [30.0, 38.0, 38.0],
            "monetary_value": [0.0, 30.0, 45.0],
        }
    )
    zero = _bg_nbd_clv(summary, runs, np.zeros(3))
    np.testing.assert_array_equal(zero, np.zeros(3))
    pos = _bg_nbd_clv(summary, runs, np.full(3, 0.25))
    neg = _bg_nbd_clv(summary, runs, np.full(3, -0.25))
    assert np.all(pos > 0)
    np.testing.assert_allclose(neg, -pos)
    mixed = _bg_nbd_clv(summary, runs, np.array([0.25, 0.0, -0.5]))
    np.testing.assert_allclose(mixed, [pos[0], 0.0, -2 * pos[2]])


def test_clv_of_a_customer_first_seen_on_as_of_is_finite():
    runs = _run_log(
        {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        {"p": 6.25, "q": 3.74, "gamma": 15.44},
    )
    summary = pd.DataFrame(
        {
            "customer_id": ["N"],
            "frequency": [0],
            "recency": [0.0],
            "t": [0.0],
            "monetary_value": [0.0],
        }
    )
    got = _bg_nbd_clv(summary, runs, np.array([0.3]))
    assert np.isfinite(got[0]) and got[0] > 0


def test_fit_stopped_at_its_iteration_limit_is_failed_in_the_run_log(
    cdnow_summary,
):
    # One L-BFGS-B iteration and one Newton step cannot reach the optimum of
    # CDNOW from the built-in starts: each fit must say it did not converge.
    log = fit_btyd(cdnow_summary, "1997-09-30", "day", max_iterations=1)
    assert list(log["status"]) == ["failed"] * 3
    for message in log["message"]:
        assert "did not converge" in message and "iteration limit" in message
    # the same data with the default limit converge
    assert set(fit_btyd(cdnow_summary, "1997-09-30", "day")["status"]) <= {
        "fitted",
        "degenerate",
    }
