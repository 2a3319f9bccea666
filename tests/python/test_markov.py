"""Markov algebra of customer_lifecycle.markov against independent computations.

The hand-made chain (states a, b, c, churned) is checked three ways: the linear
solve of the module, the truncated series sum_k Q^k 1 and a seeded Monte-Carlo
simulation; the forecast against repeated vector-matrix products.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_lifecycle import markov

STATES = ["a", "b", "c", "churned"]
# a: active-like, b: at-risk-like, c: growing-like; churned leaks back to a.
P = np.array(
    [
        [0.6, 0.3, 0.1, 0.0],
        [0.2, 0.5, 0.0, 0.3],
        [0.5, 0.1, 0.4, 0.0],
        [0.05, 0.0, 0.0, 0.95],
    ]
)


def series_absorption_times(
    matrix: np.ndarray, target: int, terms: int = 5000
) -> np.ndarray:
    """t = sum_{k>=0} Q^k 1 over the non-target states, by summing the series."""
    keep = [i for i in range(len(matrix)) if i != target]
    q = matrix[np.ix_(keep, keep)]
    total = np.zeros(len(keep))
    term = np.ones(len(keep))
    for _ in range(terms):
        total += term
        term = q @ term
    times = np.zeros(len(matrix))
    times[keep] = total
    return times


def monte_carlo_absorption_times(
    matrix: np.ndarray, target: int, walkers: int = 40_000, seed: int = 7
) -> np.ndarray:
    """Mean number of steps to reach ``target`` from each start, simulated."""
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(matrix, axis=1)
    means = np.zeros(len(matrix))
    for start in range(len(matrix)):
        if start == target:
            continue
        state = np.full(walkers, start)
        steps = np.zeros(walkers)
        alive = np.ones(walkers, dtype=bool)
        for _ in range(10_000):
            if not alive.any():
                break
            draws = rng.random(alive.sum())
            moved = (draws[:, None] > cumulative[state[alive]]).sum(axis=1)
            state[alive] = np.minimum(moved, len(matrix) - 1)
            steps[alive] += 1
            alive &= state != target
        means[start] = steps.mean()
    return means


def test_absorption_times_match_series_and_simulation():
    target = STATES.index("churned")
    solved = markov.expected_periods_until_absorption(P, target)
    np.testing.assert_allclose(solved, series_absorption_times(P, target), rtol=1e-10)
    simulated = monte_carlo_absorption_times(P, target)
    np.testing.assert_allclose(solved, simulated, rtol=0.03)
    assert solved[target] == 0.0


def test_absorption_time_of_a_two_state_chain_by_hand():
    # leave with probability 0.25 each period: geometric, mean 4
    matrix = np.array([[0.75, 0.25], [0.0, 1.0]])
    assert markov.expected_periods_until_absorption(matrix, 1).tolist() == [4.0, 0.0]


def test_target_row_is_ignored():
    # churned leaks back (0.05 to a) in P; making it absorbing must not change t
    absorbing = P.copy()
    absorbing[3] = [0, 0, 0, 1]
    np.testing.assert_allclose(
        markov.expected_periods_until_absorption(P, 3),
        markov.expected_periods_until_absorption(absorbing, 3),
    )


def test_states_that_may_never_churn_get_infinity():
    # d is absorbing by data (never left); b may fall into d; a, c cannot reach d.
    matrix = np.array(
        [
            # a    b    c    churned d
            [0.5, 0.0, 0.2, 0.3, 0.0],
            [0.0, 0.5, 0.0, 0.25, 0.25],
            [0.1, 0.0, 0.4, 0.5, 0.0],
            [0.0, 0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1.0],
        ]
    )
    times = markov.expected_periods_until_absorption(matrix, 3)
    assert np.isinf(times[[1, 4]]).all()
    finite = series_absorption_times(matrix[np.ix_([0, 2, 3], [0, 2, 3])], 2)
    np.testing.assert_allclose(times[[0, 2, 3]], finite, rtol=1e-10)


def test_expected_periods_in_stage_is_the_geometric_mean():
    stays = markov.expected_periods_in_stage(P)
    # mean of a geometric stay: sum_k k p^(k-1) (1 - p), summed numerically
    k = np.arange(1, 20_000)
    for i, p_stay in enumerate(np.diag(P)):
        assert stays[i] == pytest.approx(np.sum(k * p_stay ** (k - 1) * (1 - p_stay)))
    assert stays.tolist() == pytest.approx([2.5, 2.0, 1 / 0.6, 20.0])
    assert np.isinf(markov.expected_periods_in_stage(np.eye(2))).all()


def test_forecast_is_repeated_vector_matrix_products_and_conserves_counts():
    counts = np.array([100.0, 40.0, 10.0, 250.0])
    projected = markov.project_counts(counts, P, 12)
    vector = counts.copy()
    for k in range(13):
        np.testing.assert_allclose(projected[k], vector, rtol=1e-12)
        np.testing.assert_allclose(projected[k], counts @ np.linalg.matrix_power(P, k))
        assert projected[k].sum() == pytest.approx(400.0)
        vector = vector @ P


def test_validation_rejects_non_stochastic_matrices():
    with pytest.raises(ValueError, match="do not sum to 1"):
        markov.validate_stochastic(np.array([[0.5, 0.4], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        markov.validate_stochastic(np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        markov.validate_stochastic(np.array([[1.5, -0.5], [0.0, 1.0]]))


def test_long_rows_become_a_matrix_in_state_order():
    rows = pd.DataFrame(
        {
            "from_stage": ["b", "a", "a"],
            "to_stage": ["b", "a", "b"],
            "transition_probability": [1.0, 0.25, 0.75],
        }
    )
    matrix = markov.matrix_from_long(rows, ["a", "b"])
    assert matrix.tolist() == [[0.25, 0.75], [0.0, 1.0]]
    with pytest.raises(ValueError, match="not in the state list"):
        markov.matrix_from_long(rows, ["a"])
    with pytest.raises(ValueError, match="repeated"):
        markov.matrix_from_long(pd.concat([rows, rows]), ["a", "b"])


def test_frames_for_the_dbt_models():
    rows = pd.DataFrame(
        [
            {"from_stage": s, "to_stage": t, "transition_probability": P[i, j]}
            for i, s in enumerate(STATES)
            for j, t in enumerate(STATES)
        ]
    )
    durations = markov.stage_durations(rows, STATES, target="churned")
    assert durations["stage"].tolist() == STATES
    np.testing.assert_allclose(
        durations["expected_periods_until_churn"],
        series_absorption_times(P, 3),
        rtol=1e-10,
    )
    assert durations["is_churn_certain"].all()

    current = pd.DataFrame({"stage": ["a", "churned"], "customers": [10, 5]})
    forecast = markov.stage_forecast(rows, current, STATES, 3)
    assert len(forecast) == 4 * len(STATES)
    step_two = forecast[forecast["periods_ahead"] == 2].set_index("stage")
    expected = np.array([10.0, 0.0, 0.0, 5.0]) @ P @ P
    np.testing.assert_allclose(step_two.loc[STATES, "expected_customers"], expected)


def test_state_list_follows_precedence_not_row_order():
    matrix = pd.DataFrame(
        {
            "from_stage": ["churned", "new", "churned", "prospect"],
            "to_stage": ["churned", "churned", "new", "new"],
            "from_stage_precedence": [4, 2, 4, 1],
        }
    )
    assert markov.stages_in_precedence_order(matrix) == ["prospect", "new", "churned"]
    clash = matrix.assign(from_stage_precedence=[4, 2, 3, 1])
    with pytest.raises(ValueError, match="exactly one precedence"):
        markov.stages_in_precedence_order(clash)
