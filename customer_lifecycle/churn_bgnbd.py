"""BG/NBD fitted per feature date on distinct purchase patterns (churn inputs).

:func:`bgnbd_pattern_features` gives, for every (feature date, purchase
pattern), the BG/NBD probability of being alive, the expected purchases in the
churn window and the probability of no purchase in it; the feature table
``int_customer_features_at_feature_dates`` joins them to every customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_lifecycle import btyd
from customer_lifecycle.threads import single_threaded

__all__ = ["bgnbd_pattern_features"]


@single_threaded
def bgnbd_pattern_features(
    patterns: pd.DataFrame, window_days: int, time_unit_days: float
) -> pd.DataFrame:
    """BG/NBD fitted per feature date on patterns; predictions for every pattern.

    ``patterns``: feature_date, repeat_purchase_days (x), purchase_span_days,
    tenure_days, customers, sampled_customers. Times are converted to the time
    unit (``t_x = span / u``, ``T = tenure / u``); the fit at a date uses the
    patterns weighted by ``sampled_customers`` (:func:`btyd.fit_bgnbd`), and
    p_alive, the expected purchases in ``h = window_days / u`` and the
    probability of no purchase ``P0`` are computed for every pattern. A date
    whose fit fails (:class:`btyd.FitError`, or not converged) gets null
    predictions and ``bgnbd_status = 'failed'`` with the reason.
    """
    parts = []
    horizon = float(window_days) / float(time_unit_days)
    for _, group in patterns.groupby("feature_date", sort=True):
        g = group.reset_index(drop=True)
        x = g["repeat_purchase_days"].to_numpy(dtype=float)
        tx = g["purchase_span_days"].to_numpy(dtype=float) / time_unit_days
        T = g["tenure_days"].to_numpy(dtype=float) / time_unit_days
        w = g["sampled_customers"].to_numpy(dtype=float)
        out = g[
            [
                "feature_date",
                "repeat_purchase_days",
                "purchase_span_days",
                "tenure_days",
            ]
        ].copy()
        try:
            fit = btyd.fit_bgnbd(x, tx, T, weights=w)
            if not fit.converged:
                raise btyd.FitError(f"BG/NBD fit did not converge: {fit.message}")
        except btyd.FitError as exc:
            for column in ("p_alive", "expected_purchases", "p_no_purchase"):
                out[f"bgnbd_{column}"] = np.nan
            for name in ("r", "alpha", "a", "b", "log_likelihood"):
                out[f"bgnbd_{name}"] = np.nan
            out["bgnbd_status"] = "failed"
            out["bgnbd_message"] = str(exc)
        else:
            params = btyd.BgNbdParams(**fit.params)
            out["bgnbd_p_alive"] = btyd.bgnbd_p_alive(params, x, tx, T)
            out["bgnbd_expected_purchases"] = btyd.bgnbd_expected_purchases(
                params, horizon, x, tx, T
            )
            out["bgnbd_p_no_purchase"] = btyd.bgnbd_probability_no_purchase(
                params, horizon, x, tx, T
            )
            for name, value in fit.params.items():
                out[f"bgnbd_{name}"] = float(value)
            out["bgnbd_log_likelihood"] = float(fit.log_likelihood)
            out["bgnbd_status"] = "fitted"
            out["bgnbd_message"] = (
                f"fitted on {int(w.sum())} sampled customers "
                f"({len(g)} distinct patterns)"
            )
        parts.append(out)
    columns = [
        "feature_date",
        "repeat_purchase_days",
        "purchase_span_days",
        "tenure_days",
        "bgnbd_p_alive",
        "bgnbd_expected_purchases",
        "bgnbd_p_no_purchase",
        "bgnbd_r",
        "bgnbd_alpha",
        "bgnbd_a",
        "bgnbd_b",
        "bgnbd_log_likelihood",
        "bgnbd_status",
        "bgnbd_message",
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]
