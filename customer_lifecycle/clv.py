"""Customer value from the BTYD models: the logic behind the dbt models in
``python_models/clv``, kept here so that it is tested by pytest.

Two steps:

1. :func:`fit_btyd` fits BG/NBD on the purchase summary (frequency, recency, t) and
   Gamma-Gamma on the repeat buyers (frequency, monetary_value), and returns one
   run-log row per model: status, parameters, standard errors, log-likelihood,
   the frequency-spend correlation Gamma-Gamma assumes away, and the fit time.
   A fit that cannot be made (tiny data, no repeat buyers, no convergence) gives
   ``status = 'failed'`` and the reason, never an exception: the build goes on and
   the value columns are null.
2. :func:`predict_customer_value` turns the fitted parameters into per-customer
   ``p_alive``, expected purchases and order value, predicted (discounted) CLV
   over the horizon, and expected purchases over the backtest window.

Time units: the summary is in the BTYD unit (``time_unit_days`` days); the CLV
horizon is ``horizon_periods`` periods of ``period_days`` days. Each period is
``period_days / time_unit_days`` BTYD units long, and the annual discount rate
``d`` becomes ``(1 + d)^(period_days / 365.25) - 1`` per period.
"""

from __future__ import annotations

import json
import time
from importlib import metadata

import numpy as np
import pandas as pd
import pyarrow as pa

from customer_lifecycle import btyd

DAYS_PER_YEAR = 365.25

RUN_COLUMNS = [
    "model_name",
    "model_version",
    "status",
    "message",
    "as_of_date",
    "time_unit",
    "training_rows",
    "parameters",
    "standard_errors",
    "features",
    "package_versions",
    "fit_seconds",
    "log_likelihood",
    "frequency_spend_correlation",
]

_FEATURES = {
    "bg_nbd": "frequency, recency, t",
    "gamma_gamma": "frequency, monetary_value (repeat buyers)",
}


def package_versions() -> str:
    """JSON text of the versions of the packages a fit depends on."""
    names = ["numpy", "scipy", "pandas", "scikit-learn", "duckdb"]
    return json.dumps({name: metadata.version(name) for name in names}, sort_keys=True)


def _json(values: dict[str, float]) -> str:
    return json.dumps({k: float(v) for k, v in values.items()}, sort_keys=True)


def fit_btyd(
    summary: pd.DataFrame,
    as_of_date,
    time_unit: str,
    min_customers: int = btyd.MIN_CUSTOMERS,
) -> pd.DataFrame:
    """Fit BG/NBD and Gamma-Gamma; one run-log row per model (see RUN_COLUMNS).

    ``summary`` has the columns of ``marts.customer_purchase_summary``
    (frequency, recency, t, monetary_value). Gamma-Gamma uses only customers with
    frequency > 0 and monetary_value > 0.
    """
    x = summary["frequency"].to_numpy(dtype=float)
    tx = summary["recency"].to_numpy(dtype=float)
    t = summary["t"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    repeat = (x > 0) & (m > 0)
    rows = []
    for name, n_rows, fit in (
        ("bg_nbd", len(x), lambda: btyd.fit_bgnbd(x, tx, t)),
        ("gamma_gamma", int(repeat.sum()), lambda: btyd.fit_gamma_gamma(x, m)),
    ):
        row = dict.fromkeys(RUN_COLUMNS)
        row.update(
            model_name=name,
            model_version=f"{name}-v1",
            as_of_date=pd.Timestamp(as_of_date).date() if as_of_date else None,
            time_unit=time_unit,
            training_rows=n_rows,
            features=_FEATURES[name],
            package_versions=package_versions(),
        )
        started = time.perf_counter()
        try:
            if n_rows < min_customers:
                raise btyd.FitError(
                    f"{name} not fitted: {n_rows} customers, fewer than "
                    f"btyd_min_customers = {min_customers}"
                )
            result = fit()
            if not result.converged:
                raise btyd.FitError(f"{name} fit did not converge: {result.message}")
            row.update(
                status="fitted",
                message=result.message,
                parameters=_json(result.params),
                standard_errors=_json(result.standard_errors),
                log_likelihood=float(result.log_likelihood),
            )
        except btyd.FitError as error:
            row.update(status="failed", message=str(error))
        row["fit_seconds"] = time.perf_counter() - started
        if name == "gamma_gamma" and repeat.sum() >= 2:
            row["frequency_spend_correlation"] = btyd.frequency_spend_correlation(
                x[repeat], m[repeat]
            )
        rows.append(row)
    # Typed columns, so that DuckDB sees varchar/double even when all are null.
    return pd.DataFrame(rows, columns=RUN_COLUMNS).astype(
        {
            **dict.fromkeys(
                [
                    "model_name",
                    "model_version",
                    "status",
                    "message",
                    "time_unit",
                    "parameters",
                    "standard_errors",
                    "features",
                    "package_versions",
                ],
                "string",
            ),
            "as_of_date": pd.ArrowDtype(pa.date32()),
            "training_rows": "Int64",
            "fit_seconds": "Float64",
            "log_likelihood": "Float64",
            "frequency_spend_correlation": "Float64",
        }
    )


def fitted_parameters(runs: pd.DataFrame, model_name: str) -> dict[str, float] | None:
    """Parameters of a fitted model from the run log, or None when it failed."""
    row = runs.loc[runs["model_name"] == model_name]
    if row.empty or row["status"].iloc[0] != "fitted":
        return None
    return json.loads(row["parameters"].iloc[0])


def predict_customer_value(
    summary: pd.DataFrame,
    runs: pd.DataFrame,
    margin_rate: np.ndarray,
    time_unit_days: float,
    period_days: float,
    horizon_periods: int,
    annual_discount_rate: float,
    backtest_days: float,
) -> pd.DataFrame:
    """Per-customer BTYD predictions; all value columns null when a fit failed.

    Columns: customer_id, p_alive, probability_of_purchase_in_horizon,
    expected_purchases (over the horizon), expected_order_value (Gamma-Gamma
    E[M | x, mbar], the population mean for customers without repeat purchases),
    predicted_clv (sum over periods k = 1..H of the expected purchases in period
    k x expected order value x margin / (1 + d_period)^k), and
    predicted_backtest_purchases (over ``backtest_days``; null when 0).
    """
    n = len(summary)
    x = summary["frequency"].to_numpy(dtype=float)
    tx = summary["recency"].to_numpy(dtype=float)
    t = summary["t"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    period_units = period_days / time_unit_days
    horizon_units = horizon_periods * period_units
    empty = np.full(n, np.nan)
    out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
    bg = fitted_parameters(runs, "bg_nbd")
    gg = fitted_parameters(runs, "gamma_gamma")
    if bg is None:
        for column in (
            "p_alive",
            "probability_of_purchase_in_horizon",
            "expected_purchases",
            "predicted_backtest_purchases",
        ):
            out[column] = empty
    else:
        params = btyd.BgNbdParams(**bg)
        out["p_alive"] = btyd.bgnbd_p_alive(params, x, tx, t)
        out["probability_of_purchase_in_horizon"] = 1.0 - (
            btyd.bgnbd_probability_no_purchase(params, horizon_units, x, tx, t)
        )
        out["expected_purchases"] = btyd.bgnbd_expected_purchases(
            params, horizon_units, x, tx, t
        )
        out["predicted_backtest_purchases"] = (
            btyd.bgnbd_expected_purchases(
                params, backtest_days / time_unit_days, x, tx, t
            )
            if backtest_days > 0
            else empty
        )
    if gg is None:
        out["expected_order_value"] = empty
    else:
        out["expected_order_value"] = btyd.gamma_gamma_expected_spend(
            btyd.GammaGammaParams(**gg), x, m
        )
    if bg is None or gg is None:
        out["predicted_clv"] = empty
    else:
        by_period = btyd.expected_margin_by_period(
            btyd.BgNbdParams(**bg),
            btyd.GammaGammaParams(**gg),
            x,
            tx,
            t,
            m,
            n_periods=horizon_periods,
            period_length=period_units,
            margin=np.asarray(margin_rate, dtype=float),
            annual_discount_rate=annual_discount_rate,
            periods_per_year=DAYS_PER_YEAR / period_days,
        )
        out["predicted_clv"] = by_period.sum(axis=1)
    return out
