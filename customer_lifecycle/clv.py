"""Customer value from the BTYD models: the logic behind the dbt models in
``models/intermediate/value``, kept here so that it is tested by pytest.

Three steps:

1. :func:`fit_btyd` fits the two purchase models, BG/NBD and Pareto/NBD, on the
   purchase summary (frequency, recency, t), and Gamma-Gamma on the repeat buyers
   (frequency, monetary_value); one run-log row per model in the shape of
   :data:`customer_lifecycle.run_log.RUN_SCHEMA` (plus the BTYD columns of
   :data:`FIT_COLUMNS`), with its ``model_run_id``. Status: ``fitted``;
   ``degenerate`` when the optimum lies on a boundary of the parameter space or
   has no finite standard errors (:func:`customer_lifecycle.btyd.degeneracy`;
   the predictions are those of the limit model and are kept, flagged); or
   ``failed`` with the reason (tiny data, no repeat buyers, no convergence),
   never an exception: the build goes on and the value columns are null.
   :func:`fit_btyd_runs` adds the backtest fits on the calibration summary when
   the backtest is internal (no orders after as_of_date).
2. :func:`predict_patterns` turns the fitted parameters (read from the run-log
   table, not from a Python object) into per purchase model ``p_alive``,
   probability of a purchase in the horizon, expected purchases and order value
   and discounted value per unit of margin, for each distinct (frequency,
   recency, t, monetary_value) pattern; the warehouse joins them to the
   customers in SQL. :func:`predict_customer_value` does that join in pandas
   (for tests and notebooks).
3. :func:`predict_backtest_purchases` scores the backtest customers with the
   fits of the backtest's calibration date.

Time units: the summary is in the BTYD unit (``time_unit_days`` days); the CLV
horizon is ``horizon_periods`` periods of ``period_days`` days. Each period is
``period_days / time_unit_days`` BTYD units long, and the annual discount rate
``d`` becomes ``(1 + d)^(period_days / 365.25) - 1`` per period.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from customer_lifecycle import btyd, run_log
from customer_lifecycle.btyd import pareto_nbd
from customer_lifecycle.threads import single_threaded

DAYS_PER_YEAR = 365.25

#: The purchase (count) models, in the order they are reported.
PURCHASE_MODELS = ("bg_nbd", "pareto_nbd")

#: BTYD run-log columns beyond customer_lifecycle.run_log.RUN_SCHEMA.
FIT_COLUMNS = {
    "fit_role": "string",
    "time_unit": "string",
    "standard_errors": "string",
    "log_likelihood": "Float64",
    "frequency_spend_correlation": "Float64",
}

#: Pareto/NBD evaluates an integral per distinct pattern, so above this many
#: customers it is fitted on a fixed-seed sample (BG/NBD needs no sample).
PARETO_FIT_MAX_CUSTOMERS = 100_000

_FEATURES = {
    "bg_nbd": "frequency, recency, t",
    "pareto_nbd": "frequency, recency, t",
    "gamma_gamma": "frequency, monetary_value (repeat buyers)",
}

PREDICTION_COLUMNS = [
    "customer_id",
    "purchase_model",
    "p_alive",
    "probability_of_purchase_in_horizon",
    "expected_purchases",
    "expected_order_value",
    "predicted_clv",
]


def _json(values: dict[str, float]) -> str:
    return json.dumps({k: float(v) for k, v in values.items()}, sort_keys=True)


def fit_pareto_nbd_sampled(
    x,
    tx,
    t,
    max_customers: int = PARETO_FIT_MAX_CUSTOMERS,
    seed: int = 0,
    max_iterations: int = btyd.MAX_ITERATIONS,
    weights=None,
) -> btyd.FitResult:
    """Pareto/NBD fit; on a fixed-seed sample of ``max_customers`` rows when larger.

    ``weights``: customers per row (distinct patterns with counts); the sample
    is then a multivariate hypergeometric draw of the counts, the same as
    drawing ``max_customers`` customers without replacement.
    The log-likelihood is then recomputed on all rows at the sample's optimum
    and the standard errors are scaled to all rows (``se * sqrt(m / n)``, the
    information grows with the number of customers), so the figures compare
    with BG/NBD's on the full data; the message says so.
    """
    x, tx, t = (np.asarray(v, dtype=float) for v in (x, tx, t))
    if weights is not None:
        return _fit_pareto_nbd_weighted(
            x,
            tx,
            t,
            np.asarray(weights, dtype=np.int64),
            max_customers,
            seed,
            max_iterations,
        )
    n = x.size
    if n <= max_customers:
        return pareto_nbd.fit_pareto_nbd(x, tx, t, max_iterations=max_iterations)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(n, size=max_customers, replace=False))
    result = pareto_nbd.fit_pareto_nbd(
        x[pick], tx[pick], t[pick], max_iterations=max_iterations
    )
    return _scaled_to_all(result, x, tx, t, np.ones(n), max_customers)


def _scaled_to_all(result, x, tx, t, w, max_customers) -> btyd.FitResult:
    """A sample's fit with the log-likelihood of all rows (weights ``w``) and
    standard errors scaled to all of them."""
    n = int(w.sum())
    theta = np.array([result.params[k] for k in pareto_nbd.PARAMETER_NAMES])
    problem = pareto_nbd.ParetoNbdProblem(x, tx, t, w)
    result.log_likelihood = -problem.nll_grad(theta)[0]
    scale = math.sqrt(max_customers / n)
    result.standard_errors = {k: v * scale for k, v in result.standard_errors.items()}
    result.n_customers = n
    result.message += (
        f"; fitted on a fixed-seed sample of {max_customers} of {n} customers "
        f"(log-likelihood on all, standard errors scaled to all)"
    )
    return result


def _fit_pareto_nbd_weighted(x, tx, t, w, max_customers, seed, max_iterations):
    """:func:`fit_pareto_nbd_sampled` on patterns with counts ``w``."""
    n = int(w.sum())
    if n <= max_customers:
        return pareto_nbd.fit_pareto_nbd(
            x, tx, t, weights=w, max_iterations=max_iterations
        )
    drawn = np.random.default_rng(seed).multivariate_hypergeometric(w, max_customers)
    keep = drawn > 0
    result = pareto_nbd.fit_pareto_nbd(
        x[keep], tx[keep], t[keep], weights=drawn[keep], max_iterations=max_iterations
    )
    return _scaled_to_all(result, x, tx, t, w.astype(float), max_customers)


def _fitters(
    x, tx, t, m, max_iterations, weights=None
) -> dict[str, Callable[[], btyd.FitResult]]:
    limit = {"max_iterations": max_iterations}
    if weights is not None:
        return {
            "bg_nbd": lambda: btyd.fit_bgnbd(x, tx, t, weights=weights, **limit),
            "pareto_nbd": lambda: fit_pareto_nbd_sampled(
                x, tx, t, weights=weights, **limit
            ),
        }
    return {
        "bg_nbd": lambda: btyd.fit_bgnbd(x, tx, t, **limit),
        "pareto_nbd": lambda: fit_pareto_nbd_sampled(x, tx, t, **limit),
        "gamma_gamma": lambda: btyd.fit_gamma_gamma(x, m, **limit),
    }


def _fit_row(name, fit, n_rows, min_customers) -> dict:
    """One model's fit: status, message, parameters, errors, LL and duration."""
    started = time.perf_counter()
    row: dict = {"parameters": None}
    try:
        if n_rows < min_customers:
            raise btyd.FitError(
                f"{name} not fitted: {n_rows} customers, fewer than "
                f"btyd_min_customers = {min_customers}"
            )
        result = fit()
        if not result.converged:
            raise btyd.FitError(f"{name} fit failed: {result.message}")
        problem = btyd.degeneracy(result)
        row.update(
            status="fitted" if problem is None else "degenerate",
            message=result.message
            if problem is None
            else f"degenerate fit: {problem}; {result.message}",
            parameters=_json(result.params),
            standard_errors=_json(result.standard_errors),
            log_likelihood=float(result.log_likelihood),
        )
    except btyd.FitError as error:
        row.update(status="failed", message=str(error))
    row["fit_seconds"] = time.perf_counter() - started
    return row


def _run_name(model_name: str, fit_role: str, origin_index: int | None = None) -> str:
    """Run-log name of a fit: the model, with '_backtest' for a backtest refit
    and '_<origin_index>' for one of several origins."""
    if fit_role == "scoring":
        return model_name
    suffix = "" if origin_index is None else f"_{int(origin_index)}"
    return f"{model_name}_backtest{suffix}"


def fit_btyd(
    summary: pd.DataFrame,
    as_of_date,
    time_unit: str,
    min_customers: int = btyd.MIN_CUSTOMERS,
    fit_role: str = "scoring",
    models: tuple[str, ...] = (*PURCHASE_MODELS, "gamma_gamma"),
    max_iterations: int = btyd.MAX_ITERATIONS,
    origin_index: int | None = None,
) -> pd.DataFrame:
    """Fit the BTYD models; one run-log row per model (``run_log.RUN_SCHEMA`` +
    :data:`FIT_COLUMNS`).

    ``summary`` has the columns of ``int_customer_purchase_summary``
    (frequency, recency, t, monetary_value) as of ``as_of_date``. Gamma-Gamma
    uses only customers with frequency > 0 and monetary_value > 0.
    ``fit_role``: 'scoring' (the fits behind the predictions) or 'backtest'
    (the fits of an internal backtest origin's calibration period, named
    ``<model>_backtest_<origin_index>`` in the run log). With a ``customers``
    column the rows are distinct patterns and it holds their counts (the fit
    weights).
    ``model_run_id`` is ``run_log.model_run_id(model, as_of_date, parameters)``;
    a failed fit's parameters are its settings. A fit that did not converge
    (``max_iterations`` bounds each optimiser run) is 'failed', with the reason.
    """
    x = summary["frequency"].to_numpy(dtype=float)
    tx = summary["recency"].to_numpy(dtype=float)
    t = summary["t"].to_numpy(dtype=float)
    m = (
        summary["monetary_value"].to_numpy(dtype=float)
        if "monetary_value" in summary
        else np.zeros(x.size)  # the backtest refits need no spend
    )
    repeat = (x > 0) & (m > 0)
    as_of = pd.Timestamp(as_of_date)
    weights = (
        summary["customers"].to_numpy(dtype=np.int64)
        if "customers" in summary
        else None
    )
    fitters = _fitters(x, tx, t, m, max_iterations, weights)
    customers = len(x) if weights is None else int(weights.sum())
    rows = []
    for name in models:
        n_rows = int(repeat.sum()) if name == "gamma_gamma" else customers
        row = _fit_row(name, fitters[name], n_rows, min_customers)
        settings = run_log.to_json(
            {"time_unit": time_unit, "btyd_min_customers": min_customers}
        )
        row.update(
            record_type="run",
            model_name=_run_name(name, fit_role, origin_index),
            model_version=f"{name}-v1",
            as_of_date=as_of.date(),
            training_rows=n_rows,
            features=_FEATURES[name],
            package_versions=run_log.package_versions(),
            fit_role=fit_role,
            time_unit=time_unit,
            model_run_id=run_log.model_run_id(
                name, as_of, row["parameters"] or settings
            ),
        )
        if name == "gamma_gamma" and repeat.sum() >= 2:
            row["frequency_spend_correlation"] = btyd.frequency_spend_correlation(
                x[repeat], m[repeat]
            )
        rows.append(row)
    schema = {**run_log.RUN_SCHEMA, **FIT_COLUMNS}
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    return frame.astype(schema)


@single_threaded
def fit_btyd_runs(
    summary: pd.DataFrame,
    backtest_patterns: pd.DataFrame,
    backtest_window: pd.DataFrame,
    as_of_date,
    time_unit: str,
    min_customers: int,
) -> pd.DataFrame:
    """The scoring fits, and the purchase models refitted at each origin of an
    internal backtest (no orders after as_of_date), on that origin's patterns
    (``origin_index``, frequency, recency, t, customers), as of its
    calibration_end_date. An external backtest scores its holdout with the
    scoring fits."""
    frames = [fit_btyd(summary, as_of_date, time_unit, min_customers)]
    internal = backtest_window.loc[backtest_window["backtest_kind"] == "internal"]
    for origin in internal.sort_values("origin_index").itertuples():
        patterns = backtest_patterns.loc[
            backtest_patterns["origin_index"] == origin.origin_index
        ]
        frames.append(
            fit_btyd(
                patterns,
                origin.calibration_end_date,
                time_unit,
                min_customers,
                fit_role="backtest",
                models=PURCHASE_MODELS,
                origin_index=origin.origin_index,
            )
        )
    return pd.concat(frames, ignore_index=True)


def fitted_parameters(
    runs: pd.DataFrame,
    model_name: str,
    fit_role: str = "scoring",
    origin_index: int | None = None,
) -> dict[str, float] | None:
    """Parameters of a usable fit (fitted or degenerate) from the run log, else
    None; ``origin_index`` picks one backtest origin's refit."""
    row = runs.loc[runs["model_name"] == _run_name(model_name, fit_role, origin_index)]
    if row.empty or row["status"].iloc[0] not in ("fitted", "degenerate"):
        return None
    return json.loads(row["parameters"].iloc[0])


def _patterns(frame: pd.DataFrame, columns: list[str]):
    """Distinct rows of ``columns`` and, per input row, the index of its pattern."""
    codes, uniques = pd.MultiIndex.from_frame(frame[columns]).factorize()
    distinct = pd.DataFrame(list(uniques), columns=columns) if len(uniques) else None
    if distinct is None:
        distinct = frame[columns].iloc[:0]
    return distinct.astype(float), codes


def _purchase_predictions(name, params, h_units, x, tx, t):
    """p_alive, P(purchase in horizon), E[purchases in horizon] for one model."""
    if name == "bg_nbd":
        p = btyd.BgNbdParams(**params)
        return (
            btyd.bgnbd_p_alive(p, x, tx, t),
            1.0 - btyd.bgnbd_probability_no_purchase(p, h_units, x, tx, t),
            btyd.bgnbd_expected_purchases(p, h_units, x, tx, t),
        )
    p = pareto_nbd.ParetoNbdParams(**params)
    return (
        pareto_nbd.pareto_nbd_p_alive(p, x, tx, t),
        pareto_nbd.pareto_nbd_probability_of_purchase(p, h_units, x, tx, t),
        pareto_nbd.pareto_nbd_expected_purchases(p, h_units, x, tx, t),
    )


def _expected(name, params, horizon, x, tx, t) -> np.ndarray:
    if name == "bg_nbd":
        return btyd.bgnbd_expected_purchases(
            btyd.BgNbdParams(**params), horizon, x, tx, t
        )
    return pareto_nbd.pareto_nbd_expected_purchases(
        pareto_nbd.ParetoNbdParams(**params), horizon, x, tx, t
    )


def _discounted_purchases(name, params, x, tx, t, n_periods, period_units, d_period):
    """Sum over periods k = 1..H of E[purchases in period k] / (1 + d)^k."""
    edges = np.arange(n_periods + 1, dtype=float) * period_units
    cum = _expected(name, params, edges[None, :], x[:, None], tx[:, None], t[:, None])
    discount = (1.0 + d_period) ** -np.arange(1, n_periods + 1, dtype=float)
    return np.diff(cum, axis=1) @ discount


#: Columns of :func:`predict_patterns`: one row per purchase model and distinct
#: (frequency, recency, t, monetary_value) pattern.
PATTERN_COLUMNS = [
    "purchase_model",
    "frequency",
    "recency",
    "t",
    "monetary_value",
    "p_alive",
    "probability_of_purchase_in_horizon",
    "expected_purchases",
    "expected_order_value",
    "discounted_value",
]
#: The pattern key: the purchase summary's columns the predictions depend on.
PATTERN_KEYS = PATTERN_COLUMNS[1:5]


@single_threaded
def predict_patterns(
    patterns: pd.DataFrame,
    runs: pd.DataFrame,
    time_unit_days: float,
    period_days: float,
    horizon_periods: int,
    annual_discount_rate: float,
) -> pd.DataFrame:
    """Per purchase model and distinct pattern: predictions (:data:`PATTERN_COLUMNS`).

    ``patterns``: distinct (frequency, recency, t, monetary_value) rows. Scoring
    patterns rather than customers is what keeps this small: a customer's
    predictions depend on nothing else, so the warehouse joins them back to the
    customers in SQL (``int_btyd_customer_predictions``). ``discounted_value``
    is the predicted CLV per unit of margin::

        sum_{k=1..H} E[purchases in period k] x E[M | x, mbar] / (1 + d)^k

    (null when a fit failed). ``predicted_clv`` = ``discounted_value`` x margin,
    exactly 0 at zero margin (also where the spend is infinite).
    """
    period_units = period_days / time_unit_days
    horizon_units = horizon_periods * period_units
    d_period = (1.0 + annual_discount_rate) ** (period_days / DAYS_PER_YEAR) - 1.0
    x, tx, t, m = (patterns[c].to_numpy(dtype=float) for c in PATTERN_KEYS)
    gg = fitted_parameters(runs, "gamma_gamma")
    spend = (
        btyd.gamma_gamma_expected_spend(btyd.GammaGammaParams(**gg), x, m)
        if gg is not None
        else np.full(x.size, np.nan)
    )
    frames = []
    for name in PURCHASE_MODELS:
        out = pd.DataFrame({"purchase_model": name}, index=range(x.size))
        for column, values in zip(PATTERN_KEYS, (x, tx, t, m), strict=True):
            out[column] = values
        params = fitted_parameters(runs, name)
        if params is None:
            for column in PATTERN_COLUMNS[5:]:
                out[column] = np.nan
            frames.append(out)
            continue
        alive, any_purchase, expected = _purchase_predictions(
            name, params, horizon_units, x, tx, t
        )
        discounted = _discounted_purchases(
            name, params, x, tx, t, horizon_periods, period_units, d_period
        )
        out["p_alive"] = alive
        out["probability_of_purchase_in_horizon"] = any_purchase
        out["expected_purchases"] = expected
        out["expected_order_value"] = spend
        with np.errstate(invalid="ignore"):
            out["discounted_value"] = discounted * spend
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[PATTERN_COLUMNS]


def predict_customer_value(
    summary: pd.DataFrame,
    runs: pd.DataFrame,
    margin_rate: np.ndarray,
    time_unit_days: float,
    period_days: float,
    horizon_periods: int,
    annual_discount_rate: float,
) -> pd.DataFrame:
    """Per customer and purchase model: predictions; null when a fit failed.

    Columns (:data:`PREDICTION_COLUMNS`): customer_id, purchase_model (bg_nbd or
    pareto_nbd), p_alive, probability_of_purchase_in_horizon, expected_purchases
    (over the horizon), expected_order_value (Gamma-Gamma ``E[M | x, mbar]``, the
    population mean for customers without repeat purchases) and predicted_clv::

        sum_{k=1..H} E[purchases in period k] x E[M | x, mbar] x margin / (1 + d)^k

    (zero margin gives exactly 0, also where the spend is infinite). The
    patterns are scored by :func:`predict_patterns` and joined back here, as the
    warehouse does in SQL.
    """
    distinct, codes = _patterns(summary, PATTERN_KEYS)
    scored = predict_patterns(
        distinct,
        runs,
        time_unit_days,
        period_days,
        horizon_periods,
        annual_discount_rate,
    )
    margin = np.asarray(margin_rate, dtype=float)
    frames = []
    for name in PURCHASE_MODELS:
        model = scored.loc[scored["purchase_model"] == name].reset_index(drop=True)
        out = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
        out["purchase_model"] = name
        for column in PREDICTION_COLUMNS[2:6]:
            out[column] = model[column].to_numpy()[codes]
        value = model["discounted_value"].to_numpy()[codes]
        with np.errstate(invalid="ignore"):
            clv = value * margin
        usable = (
            model["expected_order_value"].notna().to_numpy()[codes]
            & model["expected_purchases"].notna().to_numpy()[codes]
        )
        out["predicted_clv"] = np.where(usable, np.where(margin == 0, 0.0, clv), np.nan)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]


#: Columns of :func:`predict_backtest_purchases`.
BACKTEST_PREDICTION_COLUMNS = [
    "origin_index",
    "purchase_model",
    "frequency",
    "recency",
    "t",
    "predicted_purchases",
]


@single_threaded
def predict_backtest_purchases(
    backtest_patterns: pd.DataFrame,
    runs: pd.DataFrame,
    backtest_window: pd.DataFrame,
    time_unit_days: float,
) -> pd.DataFrame:
    """Expected purchases in each origin's holdout, per pattern and purchase model.

    ``backtest_patterns``: origin_index, frequency, recency, t as of the
    origin's calibration_end_date. The fits are those of that date: the origin's
    'backtest' fits for an internal backtest, the 'scoring' fits for an
    external one. Columns :data:`BACKTEST_PREDICTION_COLUMNS`;
    predicted_purchases is null where the fit failed.
    """
    frames = [
        pd.DataFrame({c: pd.Series(dtype=float) for c in BACKTEST_PREDICTION_COLUMNS})
    ]
    for origin in backtest_window.sort_values("origin_index").itertuples():
        patterns = backtest_patterns.loc[
            backtest_patterns["origin_index"] == origin.origin_index
        ]
        if float(origin.backtest_days or 0) <= 0 or patterns.empty:
            continue
        internal = origin.backtest_kind == "internal"
        x, tx, t = (
            patterns[c].to_numpy(dtype=float) for c in ("frequency", "recency", "t")
        )
        for name in PURCHASE_MODELS:
            params = fitted_parameters(
                runs,
                name,
                "backtest" if internal else "scoring",
                origin.origin_index if internal else None,
            )
            out = patterns[["origin_index", "frequency", "recency", "t"]].copy()
            out["purchase_model"] = name
            out["predicted_purchases"] = (
                _expected(name, params, origin.backtest_days / time_unit_days, x, tx, t)
                if params is not None
                else np.nan
            )
            frames.append(out)
    frame = pd.concat(frames, ignore_index=True)[BACKTEST_PREDICTION_COLUMNS]
    return frame.astype(
        {"origin_index": "int32", "purchase_model": "string", "frequency": "int64"}
    )
