"""Stage spells against an independent brute-force oracle, on random customers.

The warehouse computes the lifecycle stages as spells, evaluating the rules only at
a few candidate periods per purchase period (int_customer_lifecycle_spells). Here
a plain Python oracle evaluates the rules of the docs block
``lifecycle_stage_rules`` in EVERY period of every customer, straight from the
generated CSV files (no SQL, no candidate periods), and the test checks:

- the per-period stages (customer_lifecycle_stages v1, the spells expanded) equal
  the oracle's, customer by customer and period by period;
- the spells (v2) are exactly the runs of equal stages of the oracle;
- the transition counts equal the oracle's consecutive-period pairs.

The customers are random (fixed seed): bursts of purchases, long silences, late
first contacts, prospects, so every stage and every threshold crossing occurs. The
thresholds are chosen so that rhythm x multiplier is rarely a whole number.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest
from conftest import dbt_build

AS_OF = date(2024, 6, 30)
RULES = {
    "lifecycle_churn_days": 75,
    "lifecycle_default_rhythm_days": 21,
    "lifecycle_min_rhythm_days": 4,
    "lifecycle_at_risk_multiplier": 1.7,
    "lifecycle_growth_periods": 2,
    "lifecycle_growth_factor": 1.1,
}
SELECT = "+path:models/marts/lifecycle"


def random_customers(rng: np.random.Generator, customers: int) -> dict:
    """Sign-ups, touchpoints and purchase days (with revenue) per customer."""
    start = date(2023, 1, 1)
    people = {}
    for number in range(customers):
        contact = start + timedelta(days=int(rng.integers(0, 500)))
        days: dict[date, float] = {}
        if rng.random() < 0.85:
            day = contact + timedelta(days=int(rng.integers(0, 60)))
            while day <= AS_OF + timedelta(days=30):
                days[day] = days.get(day, 0.0) + float(rng.integers(1, 200))
                # bursts (a few days), usual rhythms and long silences
                gap = rng.choice(
                    [1, 3, 9, 20, 40, 70, 120], p=[0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.1]
                )
                day += timedelta(days=int(gap) + int(rng.integers(0, 5)))
        people[f"c{number:04d}"] = {
            "signed_up": contact if rng.random() < 0.7 else None,
            "touchpoint": contact if rng.random() < 0.5 else None,
            "purchases": days,
        }
    return people


def write_inputs(folder, people: dict) -> None:
    """The CSV inputs of the warehouse (refund orders are no purchase)."""
    customers = ["customer_id,signed_up_at,acquisition_channel,acquisition_cost"]
    orders = ["order_id,customer_id,ordered_at,amount,cost,is_refund"]
    touchpoints = ["customer_id,occurred_at,channel"]
    for customer_id, person in people.items():
        signed_up = person["signed_up"] or ""
        customers.append(f"{customer_id},{signed_up},email,1.00")
        if person["touchpoint"]:
            touchpoints.append(
                f"{customer_id},{person['touchpoint']} 09:00:00,email_open"
            )
        for index, (day, revenue) in enumerate(sorted(person["purchases"].items())):
            orders.append(
                f"{customer_id}-{index},{customer_id},{day},{revenue:.2f},,false"
            )
    for name, lines in [
        ("customers", customers),
        ("orders", orders),
        ("touchpoints", touchpoints),
    ]:
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def next_period(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def oracle_stage(person: dict, periods: list, t: int, period: str) -> str:
    """The stage at the end of period t by the rules, from the raw purchase days."""
    rules = RULES
    start, end = periods[t]
    days = sorted(d for d in person["purchases"] if d <= end)
    if not days:
        return "prospect"
    first, last = days[0], days[-1]
    if start <= first <= end:
        return "new"
    gaps = [(b - a).days for a, b in pairwise(days) if start <= b]
    if gaps and max(gaps) > rules["lifecycle_churn_days"]:
        return "reactivated"
    silence = (end - last).days
    if silence > rules["lifecycle_churn_days"]:
        return "churned"
    rhythm = (
        rules["lifecycle_default_rhythm_days"]
        if len(days) == 1
        else max(
            rules["lifecycle_min_rhythm_days"], (last - first).days / (len(days) - 1)
        )
    )
    if silence > rhythm * rules["lifecycle_at_risk_multiplier"]:
        return "at_risk"
    n = rules["lifecycle_growth_periods"]

    def revenue(first_period: int, last_period: int) -> float:
        low = periods[max(first_period, 0)][0]
        high = periods[last_period][1]
        return (
            sum(v for d, v in person["purchases"].items() if low <= d <= high)
            if (last_period >= 0)
            else 0.0
        )

    first_period = next(i for i, (s, e) in enumerate(periods) if s <= first <= e)
    trailing, previous = revenue(t - n + 1, t), revenue(t - 2 * n + 1, t - n)
    if (
        last >= start
        and previous > 0
        and trailing > rules["lifecycle_growth_factor"] * previous
        and first_period <= t - (2 * n - 1)
    ):
        return "growing"
    return "active"


def oracle(people: dict, period: str) -> dict:
    """{customer: [(period_start, stage), ...]} over every period, brute force."""
    contacts = {}
    for customer_id, person in people.items():
        known = [d for d in (person["signed_up"], person["touchpoint"]) if d]
        known += [d for d in person["purchases"] if d <= AS_OF]
        known = [d for d in known if d <= AS_OF]
        if known:
            contacts[customer_id] = min(known)
    start = period_start(min(contacts.values()), period)
    periods = []
    while start <= AS_OF:
        end = min(next_period(start, period) - timedelta(days=1), AS_OF)
        periods.append((start, end))
        start = next_period(start, period)
    stages = {}
    for customer_id, contact in contacts.items():
        first = period_start(contact, period)
        stages[customer_id] = [
            (periods[t][0], oracle_stage(people[customer_id], periods, t, period))
            for t in range(len(periods))
            if periods[t][0] >= first
        ]
    return stages


@pytest.fixture(scope="module", params=["week", "month", "quarter"])
def built(request, tmp_path_factory):
    period = request.param
    people = random_customers(np.random.default_rng(20240630), 250)
    data = tmp_path_factory.mktemp(f"spells_input_{period}")
    write_inputs(data, people)
    variables = dict(
        RULES, input_dir=str(data), as_of_date=str(AS_OF), lifecycle_period=period
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_INDIRECT_SELECTION", "cautious")
        result = dbt_build(
            tmp_path_factory.mktemp(f"spells_{period}"), variables, select=SELECT
        )
    assert result.returncode == 0, result.output[-4000:]
    return result, oracle(people, period)


def test_per_period_stages_equal_the_oracle(built):
    result, expected = built
    rows = result.query(
        "select customer_id, period_start, stage"
        " from marts.customer_lifecycle_stages_v1 order by customer_id, period_start"
    )
    got: dict = {}
    for customer_id, start, stage in rows:
        got.setdefault(customer_id, []).append((start, stage))
    assert Counter(s for runs in expected.values() for _, s in runs).keys() >= {
        "prospect",
        "new",
        "active",
        "at_risk",
        "churned",
        "reactivated",
        "growing",
    }, "the random customers must exercise every stage"
    assert got == expected


def test_spells_are_the_runs_of_the_oracle(built):
    result, expected = built
    runs = []
    for customer_id, stages in expected.items():
        for index, (start, stage) in enumerate(stages):
            if index == 0 or stages[index - 1][1] != stage:
                runs.append([customer_id, stage, start, 1])
            else:
                runs[-1][3] += 1
    rows = result.query(
        "select customer_id, lifecycle_stage, valid_from, periods_in_spell"
        " from marts.customer_lifecycle_stages_v2 order by customer_id, spell_number"
    )
    assert [list(r) for r in rows] == runs


def test_transitions_equal_the_oracle_pairs(built):
    result, expected = built
    pairs = Counter(
        (a[0], a[1], b[1]) for stages in expected.values() for a, b in pairwise(stages)
    )
    rows = result.query(
        "select period_start, from_stage, to_stage, customers"
        " from marts.lifecycle_stage_transitions_v1"
    )
    assert {(p, f, t): c for p, f, t, c in rows} == dict(pairs)
