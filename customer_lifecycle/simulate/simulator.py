"""The simulator: one seeded generator driven through the stages in a fixed
order (population, buyers, orders, touchpoints, surveys, marketing spend)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_lifecycle.simulate.orders import draw_orders, orders_frame
from customer_lifecycle.simulate.params import (
    PARAMS,
    ModelParams,
    Period,
    customer_id_width,
)
from customer_lifecycle.simulate.population import (
    customers_frame,
    draw_buyers,
    draw_population,
    marketing_spend_frame,
    truth_frame,
)
from customer_lifecycle.simulate.surveys import draw_surveys, surveys_frame
from customer_lifecycle.simulate.touchpoints import touchpoints_frame


def simulate(
    n_customers: int,
    seed: int = 42,
    start: str = "2023-01-01",
    end: str = "2024-12-31",
    params: ModelParams | None = None,
) -> dict[str, pd.DataFrame]:
    """Simulate the warehouse input tables plus ``customer_truth``.

    Returns a dict with the keys of :data:`TABLES`. Timestamp columns are
    strings (see the package docstring); the ground truth is clean. The stages
    draw from one ``numpy.random.default_rng(seed)`` in a fixed order, so
    reordering them changes every table of a seed.
    """
    p = params or PARAMS
    if n_customers < 1:
        raise ValueError("n_customers must be at least 1")
    period = Period.of(start, end, p)
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    id_width = customer_id_width(n, p)

    people = draw_population(rng, p, n, period)
    buyers = draw_buyers(rng, p, people, period)
    orders = draw_orders(rng, p, buyers, period)
    touchpoints = touchpoints_frame(rng, p, people, buyers, period, id_width)
    surveys = draw_surveys(rng, p, buyers)
    marketing_spend = marketing_spend_frame(rng, p, people, period)
    return {
        "orders": orders_frame(orders, period, id_width),
        "customers": customers_frame(p, people, period, id_width),
        "touchpoints": touchpoints,
        "survey_responses": surveys_frame(surveys, period, id_width),
        "marketing_spend": marketing_spend,
        "customer_truth": truth_frame(p, people, buyers, period, id_width),
    }
