"""Convert the CDNOW transaction log to the warehouse's input contract.

CDNOW (Fader, Hardie & Lee 2005) is the purchase history of the 23,570 customers
who first bought at the online retailer CDNOW in the first quarter of 1997, through
30 June 1998. The file is whitespace-separated: ``customer_id date number_of_cds
dollar_value`` with dates as ``YYYYMMDD``. It has no order id, cost, customers,
surveys or spend, so only ``orders.csv`` is written (the other inputs are
optional); each row becomes one order with the id ``<customer_id>-<row number>``.

Usage::

    python -m customer_lifecycle.cdnow --out data/cdnow
    dbt build --vars '{input_dir: data/cdnow, as_of_date: 1997-09-30}'

The literature calibrates on the first 39 weeks (as of 1997-09-30) and holds out
the next 39: orders after ``as_of_date`` stay in the input as the holdout.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

# The log ships with the project: data/cdnow_raw/ (source and terms in its README).
DEFAULT_SOURCE = Path(__file__).resolve().parents[1] / "data/cdnow_raw/CDNOW_master.txt"


def read_cdnow(source: str | Path) -> pd.DataFrame:
    """Read CDNOW_master.txt into the ``orders`` contract (one row per log row)."""
    raw = pd.read_csv(
        source,
        sep=r"\s+",
        dtype={"customer_id": str, "date": str, "number_of_cds": "int64"},
    )
    expected = ["customer_id", "date", "number_of_cds", "dollar_value"]
    if list(raw.columns) != expected:
        raise ValueError(
            f"{source}: expected columns {expected}, got {list(raw.columns)}"
        )
    row_number = pd.RangeIndex(1, len(raw) + 1).astype(str)
    return pd.DataFrame(
        {
            "order_id": raw["customer_id"] + "-" + row_number,
            "customer_id": raw["customer_id"],
            "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime(
                "%Y-%m-%d"
            ),
            "amount": raw["dollar_value"].map("{:.2f}".format),
        }
    )


def convert(source: str | Path, out_dir: str | Path) -> Path:
    """Write ``orders.csv`` for the warehouse into ``out_dir`` and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "orders.csv"
    read_cdnow(source).to_csv(path, index=False)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(DEFAULT_SOURCE))
    parser.add_argument("--out", default="data/cdnow")
    args = parser.parse_args(argv)
    path = convert(args.source, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
