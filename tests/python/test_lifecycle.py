"""Lifecycle stages, transitions, Markov marts, cohorts and surveys, end to end.

Two dbt builds on the hand-made dataset tests/fixtures/lifecycle (as of 2024-06-30):
monthly with every input, and quarterly with orders only (optional inputs
missing). Every expected value is worked out by hand from the CSV files with the
rules of the docs block `lifecycle_stage_rules`, or (for the Markov marts)
recomputed here with numpy from the hand-counted transition matrix.

Vars (the project defaults, passed explicitly so the tests do not move with them):
churn 180 days, default rhythm 60, rhythm floor 30, at-risk multiplier 1.5,
growth over N = 3 periods by 1.25; the matrix pools 7 steps (not 6) so that the
at_risk -> churned moves of November are in it.

Days since the last purchase at each month end, by hand:
- A: touchpoint 2023-12-20, buys 2024-02-10 (one purchase day, rhythm 60, at risk
  after 90): Mar 50, Apr 80 -> active; May 111, Jun 141 -> at_risk.
- B: buys 2023-06-05 and 06-25 (rhythm max(30, 20) = 30, at risk after 45):
  Jul 36 active; Aug 67 .. Nov 158 at_risk; Dec 189, Jan 220 churned; 2024-02-20
  ends 240 days of silence -> reactivated (the refund of 02-22 is no purchase);
  rhythm 260 / 2 = 130, at risk after 195: Mar 40 .. Jun 131 active.
- G: 10 a month Oct..Jan, 20 a month Feb..May, 15 + 5 in June. Growth compares
  3 months with the 3 before, once the first purchase (Oct) is in the earlier
  window: Jan, Feb not comparable -> active; Mar 50 > 1.25 x 30, Apr 60 > 37.5,
  May 60 > 50 -> growing; Jun 60 <= 1.25 x 50 -> active.
- C: one purchase 2023-07-01: Aug 61 active, Sep 91 > 90 at_risk, Dec 183 > 180
  churned. Its order and answer of July 2024 are after as_of_date.
- P: a touchpoint 2024-05-03 only. L: touchpoint 2024-06-01, sign-up after
  as_of_date: known from June.
"""

from __future__ import annotations

import shutil
from datetime import date

import numpy as np
import pytest
from conftest import FIXTURES, dbt_build

LIFECYCLE = FIXTURES / "lifecycle"
STAGES = ["prospect", "new", "reactivated", "churned", "at_risk", "growing", "active"]
VARS = {
    "input_dir": str(LIFECYCLE),
    "as_of_date": "2024-06-30",
    "lifecycle_period": "month",
    "lifecycle_churn_days": 180,
    "lifecycle_default_rhythm_days": 60,
    "lifecycle_min_rhythm_days": 30,
    "lifecycle_at_risk_multiplier": 1.5,
    "lifecycle_growth_periods": 3,
    "lifecycle_growth_factor": 1.25,
    "lifecycle_matrix_periods": 7,
    "lifecycle_forecast_periods": 4,
}
# The lifecycle models, everything upstream and the tests whose parents are all
# among them (indirect selection "cautious"), not the other areas of the project.
SELECT = "+path:models/marts/lifecycle"
MONTHS = [date(2023, m, 1) for m in range(6, 13)] + [
    date(2024, m, 1) for m in range(1, 7)
]
EXPECTED_STAGES = {  # from the first contact's month to June 2024
    "A": "prospect prospect new active active at_risk at_risk".split(),
    "B": (
        "new active at_risk at_risk at_risk at_risk churned churned reactivated"
        " active active active active"
    ).split(),
    "G": "new active active active active growing growing growing active".split(),
    "C": (
        "new active at_risk at_risk at_risk churned churned churned churned churned"
        " churned churned"
    ).split(),
    "P": "prospect prospect".split(),
    "L": "prospect".split(),
}
# Pooled moves of the 7 steps Nov 2023 -> Dec ... May 2024 -> Jun, counted by hand.
EXPECTED_MOVES = {
    ("prospect", "prospect"): 2,
    ("prospect", "new"): 1,
    ("new", "active"): 1,
    ("reactivated", "active"): 1,
    ("churned", "churned"): 7,
    ("churned", "reactivated"): 1,
    ("at_risk", "at_risk"): 1,
    ("at_risk", "churned"): 2,
    ("growing", "growing"): 2,
    ("growing", "active"): 1,
    ("active", "active"): 7,
    ("active", "growing"): 1,
    ("active", "at_risk"): 1,
}


def build_lifecycle(workdir, variables: dict):
    """Build SELECT only; tests run when all their parents are selected."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_INDIRECT_SELECTION", "cautious")
        result = dbt_build(workdir, variables, select=SELECT)
    assert result.returncode == 0, result.output[-4000:]
    return result


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    return build_lifecycle(tmp_path_factory.mktemp("lifecycle_monthly"), VARS)


@pytest.fixture(scope="module")
def quarterly_orders_only(tmp_path_factory):
    data = tmp_path_factory.mktemp("orders_only")
    shutil.copy(LIFECYCLE / "orders.csv", data)
    variables = dict(VARS, input_dir=str(data), lifecycle_period="quarter")
    return build_lifecycle(tmp_path_factory.mktemp("lifecycle_quarterly"), variables)


def hand_matrix() -> np.ndarray:
    counts = np.zeros((len(STAGES), len(STAGES)))
    for (source, target), customers in EXPECTED_MOVES.items():
        counts[STAGES.index(source), STAGES.index(target)] = customers
    return counts / counts.sum(axis=1, keepdims=True)


def test_stages_by_hand(monthly):
    rows = monthly.query(
        "select customer_id, period_start, stage"
        " from marts.customer_lifecycle_stages_v1 order by customer_id, period_start"
    )
    found: dict[str, list] = {}
    for customer_id, period_start, stage in rows:
        found.setdefault(customer_id, []).append((period_start, stage))
    expected = {
        customer_id: list(zip(MONTHS[-len(stages) :], stages, strict=True))
        for customer_id, stages in EXPECTED_STAGES.items()
    }
    assert found == expected


def test_stage_facts_by_hand(monthly):
    rows = monthly.query(
        "select customer_id, period_start, period_end, days_since_last_purchase,"
        " usual_rhythm_days, longest_silence_ended_days, revenue_in_period::double,"
        " trailing_window_revenue::double, previous_window_revenue::double,"
        " has_full_previous_window, is_complete_period"
        " from marts.customer_lifecycle_stages_v1"
        " where (customer_id = 'B' and period_start = '2024-02-01')"
        " or (customer_id = 'G' and period_start in ('2024-02-01', '2024-06-01'))"
        " order by customer_id, period_start"
    )
    assert rows == [
        # one purchase day of 30 (the refund is not deducted), after 240 days
        (
            "B",
            date(2024, 2, 1),
            date(2024, 2, 29),
            9,
            130.0,
            240,
            30.0,
            30.0,
            0.0,
            True,
            True,
        ),
        # Dec..Feb 40 vs Sep..Nov 20, but Sep is before the first purchase
        # rhythm (02-10 - 10-10) / 4 = 123 / 4 days
        (
            "G",
            date(2024, 2, 1),
            date(2024, 2, 29),
            19,
            30.75,
            31,
            20.0,
            40.0,
            20.0,
            False,
            True,
        ),
        # rhythm (06-20 - 10-10) / 9 = 254 / 9 < 30: the floor; 60 vs 1.25 x 50
        (
            "G",
            date(2024, 6, 1),
            date(2024, 6, 30),
            10,
            30.0,
            31,
            20.0,
            60.0,
            50.0,
            True,
            True,
        ),
    ]


def test_transitions_account_for_every_consecutive_pair(monthly):
    (pairs,) = monthly.query(
        "select count(*) - count(distinct customer_id)"
        " from marts.customer_lifecycle_stages_v1"
    )[0]
    assert pairs == (7 - 1) + (13 - 1) + (9 - 1) + (12 - 1) + (2 - 1) + (1 - 1)
    (total,) = monthly.query(
        "select sum(customers) from marts.lifecycle_stage_transitions"
    )[0]
    assert total == pairs
    # January -> February: A prospect -> new, B churned -> reactivated,
    # G active -> active, C churned -> churned.
    rows = monthly.query(
        "select from_stage, to_stage, customers, transition_probability,"
        " share_of_customers from marts.lifecycle_stage_transitions"
        " where period_start = '2024-01-01' order by from_stage, to_stage"
    )
    assert rows == [
        ("active", "active", 1, 1.0, 0.25),
        ("churned", "churned", 1, 0.5, 0.25),
        ("churned", "reactivated", 1, 0.5, 0.25),
        ("prospect", "new", 1, 1.0, 0.25),
    ]


def test_transition_matrix_by_hand(monthly):
    assert monthly.query(
        "select distinct window_steps, window_first_period_start,"
        " window_last_period_start from marts.lifecycle_transition_matrix"
    ) == [(7, date(2023, 11, 1), date(2024, 6, 1))]
    frame = monthly.frame(
        "select from_stage, to_stage, customers, transition_probability,"
        " is_from_stage_observed from marts.lifecycle_transition_matrix"
    )
    assert len(frame) == 49
    found = {
        (row.from_stage, row.to_stage): row.customers
        for row in frame.itertuples()
        if row.customers
    }
    assert found == EXPECTED_MOVES
    matrix = np.zeros((7, 7))
    for row in frame.itertuples():
        matrix[STAGES.index(row.from_stage), STAGES.index(row.to_stage)] = (
            row.transition_probability
        )
    np.testing.assert_allclose(matrix, hand_matrix(), atol=1e-12)
    assert frame["is_from_stage_observed"].all()


def test_durations_match_numpy(monthly):
    matrix = hand_matrix()
    churned = STAGES.index("churned")
    transient = [i for i in range(7) if i != churned]
    q = matrix[np.ix_(transient, transient)]
    until_churn = np.linalg.inv(np.eye(6) - q) @ np.ones(6)
    rows = monthly.query(
        "select stage, probability_of_staying, expected_periods_in_stage,"
        " expected_periods_until_churn, is_churn_certain"
        " from marts.lifecycle_stage_durations order by stage_precedence"
    )
    assert [row[0] for row in rows] == STAGES
    for row in rows:
        i = STAGES.index(row[0])
        assert row[1] == pytest.approx(matrix[i, i])
        assert row[2] == pytest.approx(1 / (1 - matrix[i, i]))
        expected = 0.0 if i == churned else until_churn[transient.index(i)]
        assert row[3] == pytest.approx(expected)
        assert row[4] is True
    # by hand: staying churned 7/8 of the time -> 8 months per stay;
    # from at_risk: t = 1 + t/3 -> 1.5 months until churn.
    durations = {row[0]: row for row in rows}
    assert durations["churned"][2] == pytest.approx(8.0)
    assert durations["at_risk"][3] == pytest.approx(1.5)


def test_forecast_matches_matrix_powers(monthly):
    # June mix: A at_risk, B and G active, C churned, P and L prospects.
    counts = np.zeros(7)
    for stage, customers in {
        "prospect": 2,
        "active": 2,
        "at_risk": 1,
        "churned": 1,
    }.items():
        counts[STAGES.index(stage)] = customers
    assert monthly.query(
        "select distinct periods_ahead, period_start"
        " from marts.lifecycle_stage_forecast order by periods_ahead"
    ) == [(k, date(2024, 6 + k, 1)) for k in range(5)]
    frame = monthly.frame(
        "select periods_ahead, stage, expected_customers, share_of_customers"
        " from marts.lifecycle_stage_forecast"
    )
    matrix = hand_matrix()
    for k in range(5):
        step = frame[frame["periods_ahead"] == k]
        found = step.set_index("stage")["expected_customers"].reindex(STAGES).to_numpy()
        np.testing.assert_allclose(found, counts @ np.linalg.matrix_power(matrix, k))
        assert found.sum() == pytest.approx(6.0)
        assert step["share_of_customers"].sum() == pytest.approx(1.0)


def test_cohort_retention_by_hand(monthly):
    assert monthly.query(
        "select cohort_month, count(*), max(months_since_first_order), max(cohort_size)"
        " from marts.cohort_retention group by cohort_month order by cohort_month"
    ) == [
        (date(2023, 6, 1), 13, 12, 1),  # B, June 2023 .. June 2024
        (date(2023, 7, 1), 12, 11, 1),  # C
        (date(2023, 10, 1), 9, 8, 1),  # G
        (date(2024, 2, 1), 5, 4, 1),  # A
    ]
    frame = monthly.frame(
        "select strftime(cohort_month, '%Y-%m') as cohort, months_since_first_order,"
        " active_customers, retention_rate, revenue::double as revenue,"
        " cumulative_revenue_per_customer::double as cumulative"
        " from marts.cohort_retention order by cohort_month, months_since_first_order"
    )
    b = frame[frame["cohort"] == "2023-06"]
    assert b["active_customers"].tolist() == [1] + [0] * 7 + [1] + [0] * 4
    # month 8 (Feb 2024): bought 30 and got 30 back: net 0
    assert b["revenue"].tolist() == [60.0] + [0.0] * 12
    assert b["cumulative"].tolist() == [60.0] * 13
    g = frame[frame["cohort"] == "2023-10"]
    assert g["retention_rate"].tolist() == [1.0] * 9
    assert g["cumulative"].iloc[-1] == 140.0


def test_survey_scores_by_hand(monthly):
    rows = monthly.query(
        "select period_start, nps_responses, promoters, passives, detractors, nps,"
        " csat_responses, satisfied, neutral, dissatisfied, csat, csat_satisfied_ratio"
        " from marts.survey_scores order by period_start"
    )
    assert rows == [
        (date(2024, 2, 1), 0, 0, 0, 0, None, 1, 1, 0, 0, 100.0, 1.0),
        (date(2024, 3, 1), 1, 1, 0, 0, 100.0, 0, 0, 0, 0, None, None),
        (date(2024, 4, 1), 1, 0, 1, 0, 0.0, 2, 0, 1, 1, 0.0, 0.0),
        (date(2024, 5, 1), 1, 0, 0, 1, -100.0, 0, 0, 0, 0, None, None),
        (date(2024, 6, 1), 1, 0, 0, 1, -100.0, 0, 0, 0, 0, None, None),
    ]


def test_survey_scores_by_group_by_hand(monthly):
    rows = monthly.query(
        "select group_type, group_value, nps_responses, nps, csat_responses, csat"
        " from marts.survey_scores_by_group order by group_type, group_value"
    )
    assert rows == [
        ("acquisition_channel", "email", 2, 0.0, 0, None),  # A: 9 and 6
        ("acquisition_channel", "organic", 1, 0.0, 1, 0.0),  # G: 8 and CSAT 3
        ("acquisition_channel", "referral", 0, None, 2, 50.0),  # B: 5 and 2
        ("acquisition_channel", "unknown", 1, -100.0, 0, None),  # P, no customer row
        ("lifecycle_stage", "active", 1, 100.0, 1, 0.0),  # A in Mar, B in Apr
        ("lifecycle_stage", "at_risk", 1, -100.0, 0, None),  # A in May
        ("lifecycle_stage", "growing", 1, 0.0, 1, 0.0),  # G in Apr
        ("lifecycle_stage", "prospect", 1, -100.0, 0, None),  # P in Jun
        ("lifecycle_stage", "reactivated", 0, None, 1, 100.0),  # B in Feb
        # Current RFM of the 4 buyers (recency days, orders, net): A 141, 1, 50;
        # B 131, 3, 60; C 365, 1, 40; G 10, 10, 160 -> cells A 212, B 333, C 111,
        # G 444 (see test_rfm_by_hand for the scoring) -> seed segments:
        ("rfm_segment", "champions", 1, 0.0, 1, 0.0),  # G
        ("rfm_segment", "hibernating", 2, 0.0, 0, None),  # A
        ("rfm_segment", "need attention", 0, None, 2, 50.0),  # B
        ("rfm_segment", "unknown", 1, -100.0, 0, None),  # P never bought
    ]


def test_customer_satisfaction_by_hand(monthly):
    rows = monthly.query(
        "select customer_id, latest_nps_score, latest_nps_category, latest_csat_score,"
        " nps_responses, csat_responses from marts.customer_satisfaction"
        " order by customer_id"
    )
    # C answered only after as_of_date: no row.
    assert rows == [
        ("A", 6, "detractor", None, 2, 0),
        ("B", None, None, 2, 0, 2),
        ("G", 8, "passive", 3, 1, 1),
        ("P", 0, "detractor", None, 1, 0),
    ]


def test_quarterly_with_orders_only(quarterly_orders_only):
    rows = quarterly_orders_only.query(
        "select customer_id, period_start, stage"
        " from marts.customer_lifecycle_stages_v1"
        " order by customer_id, period_start"
    )
    q = [
        date(2023, 4, 1),
        date(2023, 7, 1),
        date(2023, 10, 1),
        date(2024, 1, 1),
        date(2024, 4, 1),
    ]
    assert rows == [
        # A: first contact is the purchase (no touchpoints); Jun 30 is 141 days on
        ("A", q[3], "new"),
        ("A", q[4], "at_risk"),
        ("B", q[0], "new"),
        ("B", q[1], "at_risk"),
        ("B", q[2], "churned"),
        ("B", q[3], "reactivated"),
        ("B", q[4], "active"),
        # C: 91 days since at 09-30 (> 90) but new wins; 183 at 12-31
        ("C", q[1], "new"),
        ("C", q[2], "churned"),
        ("C", q[3], "churned"),
        ("C", q[4], "churned"),
        ("G", q[2], "new"),
        ("G", q[3], "active"),
        ("G", q[4], "active"),
    ]


def test_missing_optional_inputs_give_empty_typed_tables(quarterly_orders_only):
    for table in ("survey_scores", "survey_scores_by_group", "customer_satisfaction"):
        assert quarterly_orders_only.query(f"select count(*) from marts.{table}") == [
            (0,)
        ]
    types = dict(
        quarterly_orders_only.query(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'survey_scores_v1'"
        )
    )
    assert types["nps"] == "DOUBLE" and types["promoters"] == "INTEGER"
    (forecast_total,) = quarterly_orders_only.query(
        "select sum(expected_customers) from marts.lifecycle_stage_forecast"
        " where periods_ahead = 4"
    )[0]
    assert forecast_total == pytest.approx(4.0)
