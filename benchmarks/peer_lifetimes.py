"""Peer baseline: the lifetimes pipeline on the benchmark's orders (own virtualenv).

Runs in benchmarks/.venv-peer (lifetimes is not a project dependency):
summary_data_from_transaction_data -> BetaGeoFitter -> GammaGammaFitter ->
customer_lifetime_value, weekly like the project's default time_unit. Prints one
JSON line: the seconds of each step and their sum (reading the file excluded).

    python peer_lifetimes.py orders.parquet [as_of_date]
"""

import json
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data


def main() -> None:
    path = sys.argv[1]
    as_of = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    wanted = ["customer_id", "ordered_at", "amount", "is_refund"]
    if path.endswith(".parquet"):
        orders = pd.read_parquet(path, columns=wanted)
    else:
        orders = pd.read_csv(path, usecols=wanted)
    orders = orders[~orders["is_refund"].fillna(False).astype(bool)]
    orders["date"] = pd.to_datetime(
        orders["ordered_at"], errors="coerce"
    ).dt.normalize()
    orders = orders.dropna(subset=["date", "customer_id", "amount"])
    end = pd.Timestamp(as_of) if as_of else orders["date"].max()
    seconds = {}
    started = time.perf_counter()
    summary = summary_data_from_transaction_data(
        orders,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=end,
        freq="W",
    )
    seconds["summary"] = time.perf_counter() - started
    started = time.perf_counter()
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    seconds["bg_nbd_fit"] = time.perf_counter() - started
    started = time.perf_counter()
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    seconds["gamma_gamma_fit"] = time.perf_counter() - started
    started = time.perf_counter()
    clv = ggf.customer_lifetime_value(
        bgf,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    seconds["customer_lifetime_value"] = time.perf_counter() - started
    print(
        json.dumps(
            {
                "peer_seconds": round(sum(seconds.values()), 2),
                "steps": {k: round(v, 2) for k, v in seconds.items()},
                "customers": len(summary),
                "mean_clv": float(clv.mean()),
                "bg_nbd_params": {k: float(v) for k, v in bgf.params_.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
