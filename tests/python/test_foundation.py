"""The warehouse foundation on the hand-made dataset tests/fixtures/tiny.

Every expected value below is worked out by hand from tests/fixtures/tiny/*.csv
(as of 2024-03-31, weeks), not read from the models.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, PROJECT_ROOT, dbt_build


def test_rejected_rows_name_row_column_and_reason(tiny_build):
    rows = tiny_build.query(
        "select source_name, source_row_number, record_key, rejected_column, reason"
        " from audit.rejected_rows order by source_name, source_row_number"
    )
    assert rows == [
        ("orders", 9, "O9", "customer_id", "missing customer_id"),
        ("orders", 10, "O10", "amount", "non-numeric amount"),
        ("orders", 11, "O11", "ordered_at", "unparseable ordered_at"),
        (
            "orders",
            12,
            "O12",
            "amount",
            "negative amount on an order that is not a refund",
        ),
        ("orders", 13, "O3", "order_id", "duplicate row"),
        ("orders", 14, "O14", "order_id", "order_id repeated with different content"),
        ("orders", 15, "O14", "order_id", "order_id repeated with different content"),
        ("survey_responses", 6, "R6", "score", "score outside the survey scale"),
    ]
    raw = tiny_build.query(
        "select raw_values from audit.rejected_rows where record_key = 'O10'"
    )[0][0]
    assert '"amount":"abc"' in raw


def test_row_accounting(tiny_build):
    counts = {
        name: (inp, acc, rej)
        for name, inp, acc, rej in tiny_build.query(
            "select source_name, input_rows, accepted_rows, rejected_rows"
            " from audit.source_row_counts"
        )
    }
    assert counts == {
        "orders": (18, 11, 7),
        "customers": (6, 6, 0),
        "survey_responses": (6, 5, 1),
        "touchpoints": (0, 0, 0),  # optional file absent: empty, no error
        "marketing_spend": (0, 0, 0),
    }
    assert "Quarantined 7 of 18 rows of input orders" in tiny_build.output


def test_customer_attributes_keep_extra_columns(tiny_build):
    rows = tiny_build.query(
        "select attributes from staging.stg_input__customers where customer_id = 'C1'"
    )
    assert rows == [('{"region":"north"}',)]


def test_rfm_by_hand(tiny_build):
    # recency (days to 2024-03-31), orders (purchases), revenue (net):
    # C1 48, 4, 65 | C2 30, 1, 40 | C3 0, 1, 12.50 | C4 59, 1, 50 (04-10 is later)
    # C5 21, 2, 25 (100 - 100 refund + 25). Ranks give r: C4 1, C1 2, C2 3, C5 4,
    # C3 5; f: C2 C3 C4 tie at rank 1 -> 1, C5 rank 4 -> 4, C1 -> 5;
    # m: C3 1, C5 2, C2 3, C4 4, C1 5.
    rows = tiny_build.query(
        "select customer_id, recency_days, orders, revenue::double, rfm_cell,"
        " rfm_segment from marts.customer_rfm order by customer_id"
    )
    assert rows == [
        ("C1", 48, 4, 65.0, "255", "slipping regulars"),
        ("C2", 30, 1, 40.0, "313", "about to sleep"),
        ("C3", 0, 1, 12.5, "511", "first-timers"),
        ("C4", 59, 1, 50.0, "114", "dormant"),
        ("C5", 21, 2, 25.0, "442", "loyal"),
    ]
    # The deprecated v1 keeps the old names for the same customers.
    v1 = tiny_build.query(
        "select customer_id, frequency, monetary::double, rfm_segment"
        " from marts.customer_rfm_v1 order by customer_id"
    )
    assert v1 == [
        ("C1", 4, 65.0, "at risk"),
        ("C2", 1, 40.0, "about to sleep"),
        ("C3", 1, 12.5, "new"),
        ("C4", 1, 50.0, "lost"),
        ("C5", 2, 25.0, "loyal"),
    ]


def test_purchase_summary_by_hand(tiny_build):
    rows = tiny_build.query(
        "select customer_id, frequency, recency, t, monetary_value"
        " from marts.customer_purchase_summary order by customer_id"
    )
    expected = [
        ("C1", 2, 42 / 7, 90 / 7, 25.0),  # days 01-01 (15), 01-15, 02-12
        ("C2", 0, 0.0, 30 / 7, 0.0),
        ("C3", 0, 0.0, 0.0, 0.0),  # first purchase on as_of_date
        ("C4", 0, 0.0, 59 / 7, 0.0),  # the 04-10 order is after as_of_date
        ("C5", 1, 60 / 7, 81 / 7, 25.0),  # 31 + 29 days; the refund is no purchase
    ]
    assert [r[:2] for r in rows] == [e[:2] for e in expected]
    for row, want in zip(rows, expected, strict=True):
        assert row[2:] == pytest.approx(want[2:])


def test_versioned_marts_are_queried_by_plain_name(tiny_build):
    tables = set(
        tiny_build.query(
            "select table_name || ':' || table_type from information_schema.tables"
            " where table_schema = 'marts'"
        )
    )
    assert ("customer_rfm:VIEW",) in tables
    assert ("customer_rfm_v1:BASE TABLE",) in tables


def test_missing_required_file_names_it(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "tiny" / "customers.csv", data)
    result = dbt_build(tmp_path / "build", {"input_dir": str(data)})
    assert result.returncode != 0
    assert f"Required input file missing: {data}/orders.csv" in result.output


def test_missing_required_column_names_file_and_column(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    lines = (FIXTURES / "tiny" / "orders.csv").read_text().splitlines()
    # drop the amount column (4th) from every line
    (data / "orders.csv").write_text(
        "\n".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != 3)
            for line in lines
        )
    )
    result = dbt_build(tmp_path / "build", {"input_dir": str(data)})
    assert result.returncode != 0
    assert (
        f"Input file {data}/orders.csv is missing required column 'amount'"
        in result.output
    )


def test_build_fails_past_rejected_share(tmp_path):
    # 7 of 18 order rows are bad (39%): the default limit of 5% stops the build.
    result = dbt_build(tmp_path / "build", {"input_dir": str(FIXTURES / "tiny")})
    assert result.returncode != 0
    gate = [
        line for line in result.output.splitlines() if "INPUT GATE: orders:" in line
    ]
    assert gate and "limit 5.0%" in gate[0] and "audit.rejected_rows" in gate[0], (
        result.output[-4000:]
    )


def _clean_demo_orders() -> pd.DataFrame:
    """The validation rules re-implemented in pandas, independently of the SQL."""
    raw = pd.read_csv(
        PROJECT_ROOT / "data/demo/orders.csv", dtype=str, keep_default_na=False
    )
    raw = raw.apply(lambda column: column.str.strip()).replace("", None)
    ordered_at = pd.to_datetime(raw["ordered_at"], errors="coerce", format="ISO8601")
    amount = pd.to_numeric(raw["amount"], errors="coerce")
    refund = raw["is_refund"].str.lower().isin(["true", "t", "1"])
    ok = (
        raw["order_id"].notna()
        & raw["customer_id"].notna()
        & ordered_at.notna()
        & amount.notna()
        & ~((amount < 0) & ~refund)
        & ~((amount > 0) & refund)
    )
    rows = raw.assign(ordered_at=ordered_at, amount=amount, is_refund=refund)[ok]
    content = ["customer_id", "ordered_at", "amount", "cost", "is_refund"]
    versions = rows.drop_duplicates(["order_id", *content]).groupby("order_id").size()
    rows = rows[rows["order_id"].map(versions) == 1]
    return rows.drop_duplicates(["order_id", *content])


def test_demo_accounting_and_summary_match_an_independent_pandas_run(demo_build):
    orders = _clean_demo_orders()
    input_rows = (
        len((PROJECT_ROOT / "data/demo/orders.csv").read_text().splitlines()) - 1
    )
    assert demo_build.query(
        "select input_rows, accepted_rows from audit.source_row_counts"
        " where source_name = 'orders'"
    ) == [(input_rows, len(orders))]

    as_of = orders["ordered_at"].dt.normalize().max()  # default as_of_date
    days = (
        orders[~orders["is_refund"]]
        .assign(day=lambda d: d["ordered_at"].dt.normalize())
        .groupby(["customer_id", "day"], as_index=False)["amount"]
        .sum()
        .sort_values(["customer_id", "day"])
    )
    first = days.groupby("customer_id")["day"].transform("min")
    repeat = days[days["day"] > first]
    expected = pd.DataFrame(
        {
            "frequency": days.groupby("customer_id").size() - 1,
            "recency": (
                days.groupby("customer_id")["day"].max()
                - days.groupby("customer_id")["day"].min()
            ).dt.days
            / 7,
            "t": (as_of - days.groupby("customer_id")["day"].min()).dt.days / 7,
            "monetary_value": repeat.groupby("customer_id")["amount"].mean(),
        }
    ).fillna({"monetary_value": 0.0})
    got = (
        demo_build.frame(
            "select customer_id, frequency, recency, t, monetary_value"
            " from marts.customer_purchase_summary"
        )
        .set_index("customer_id")
        .sort_index()
    )
    pd.testing.assert_frame_equal(
        got, expected.sort_index(), check_dtype=False, check_names=False, rtol=1e-9
    )


def test_demo_rfm_scores_match_quintiles_counted_in_numpy(demo_build):
    """Independent of the SQL window ranks: a customer's score counts the buyers
    with a strictly worse value, score = 1 + floor(5 x worse / n)."""
    rfm = demo_build.frame(
        "select customer_id, recency_days, orders, revenue::double as revenue,"
        " r_score, f_score, m_score from marts.customer_rfm"
    )
    n = len(rfm)

    def quintile(values: pd.Series) -> np.ndarray:
        worse = np.searchsorted(np.sort(values.to_numpy()), values.to_numpy(), "left")
        return 1 + (5 * worse) // n

    assert (quintile(-rfm["recency_days"]) == rfm["r_score"]).all()
    assert (quintile(rfm["orders"]) == rfm["f_score"]).all()
    assert (quintile(rfm["revenue"]) == rfm["m_score"]).all()
    assert set(rfm["r_score"]) == {1, 2, 3, 4, 5}
