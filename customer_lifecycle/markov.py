"""Markov-chain algebra of the lifecycle stage transitions.

A row-stochastic matrix ``P`` (``P[i, j]`` = probability that a customer in stage
``i`` this period is in stage ``j`` next period, each row summing to 1) gives:

- the expected number of consecutive periods spent in stage ``i`` per visit: the
  stay is geometric with "leave" probability ``1 - P[i, i]``, so its mean is
  ``1 / (1 - P[i, i])`` (infinite when ``P[i, i] = 1``);
- the expected number of periods until a target stage (``churned``) is first
  reached: make the target absorbing, let ``Q`` be ``P`` restricted to the other
  stages; then ``t = (I - Q)^{-1} 1`` (fundamental matrix ``N = (I - Q)^{-1}``,
  ``t_i = sum_j N[i, j]``). This is finite only for stages from which the target is
  reached with probability 1; for the others (a stage that cannot reach the
  target, or that may fall into a closed set of stages without it) the expectation
  is infinite and returned as ``inf``;
- the projected stage mix ``k`` periods ahead: ``counts(k) = counts(0) P^k``
  (customers are neither created nor lost: ``sum counts(k) = sum counts(0)``).

The functions are pure (numpy arrays in, arrays out) and vectorised; the dbt
Python models in ``models/intermediate/lifecycle`` only load the matrix and call them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from customer_lifecycle.threads import single_threaded

ROW_SUM_TOLERANCE = 1e-9


def stages_in_precedence_order(
    matrix: pd.DataFrame,
    stage_column: str = "from_stage",
    precedence_column: str = "from_stage_precedence",
) -> list[str]:
    """The state list of a long transition matrix: its stages by precedence (1 first).

    Raises ``ValueError`` when a stage carries two precedences or two stages share one.
    """
    pairs = matrix[[stage_column, precedence_column]].drop_duplicates()
    if (
        pairs[stage_column].duplicated().any()
        or pairs[precedence_column].duplicated().any()
    ):
        raise ValueError(
            "each stage needs exactly one precedence, each precedence one stage"
        )
    return pairs.sort_values(precedence_column)[stage_column].tolist()


def matrix_from_long(
    frame: pd.DataFrame,
    states: Sequence[str],
    from_column: str = "from_stage",
    to_column: str = "to_stage",
    value_column: str = "transition_probability",
) -> np.ndarray:
    """Square matrix ``M[i, j]`` from long rows (from, to, value) in ``states`` order.

    Pairs absent from ``frame`` are 0. Raises ``ValueError`` on a stage not in
    ``states`` or on a repeated (from, to) pair.
    """
    index = {state: position for position, state in enumerate(states)}
    unknown = (set(frame[from_column]) | set(frame[to_column])) - set(index)
    if unknown:
        raise ValueError(f"stages not in the state list: {sorted(unknown)}")
    if frame.duplicated([from_column, to_column]).any():
        raise ValueError("repeated (from, to) pair in the transition rows")
    matrix = np.zeros((len(states), len(states)))
    rows = frame[from_column].map(index).to_numpy(dtype=int)
    cols = frame[to_column].map(index).to_numpy(dtype=int)
    matrix[rows, cols] = frame[value_column].to_numpy(dtype=float)
    return matrix


def validate_stochastic(
    matrix: np.ndarray, tolerance: float = ROW_SUM_TOLERANCE
) -> None:
    """Raise ``ValueError`` unless ``matrix`` is square, in [0, 1], rows sum to 1."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"transition matrix must be square, got shape {matrix.shape}")
    if np.any(matrix < -tolerance) or np.any(matrix > 1 + tolerance):
        raise ValueError("transition probabilities must lie in [0, 1]")
    row_sums = matrix.sum(axis=1)
    bad = np.flatnonzero(np.abs(row_sums - 1.0) > tolerance)
    if bad.size:
        raise ValueError(
            f"rows {bad.tolist()} do not sum to 1: {row_sums[bad].tolist()}"
        )


def expected_periods_in_stage(matrix: np.ndarray) -> np.ndarray:
    """Mean length of one stay in each stage: ``1 / (1 - P[i, i])``, ``inf`` if 1."""
    matrix = np.asarray(matrix, dtype=float)
    validate_stochastic(matrix)
    leave = 1.0 - np.diag(matrix)
    with np.errstate(divide="ignore"):
        return np.where(
            leave > ROW_SUM_TOLERANCE, 1.0 / np.maximum(leave, 1e-300), np.inf
        )


def reachable(matrix: np.ndarray) -> np.ndarray:
    """Boolean ``R[i, j]``: stage ``j`` can be reached from ``i`` in 0 or more steps."""
    adjacency = np.asarray(matrix, dtype=float) > 0
    reach = adjacency | np.eye(len(adjacency), dtype=bool)
    for _ in range(len(adjacency)):
        widened = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
        if np.array_equal(widened, reach):
            break
        reach = widened
    return reach


def expected_periods_until_absorption(matrix: np.ndarray, target: int) -> np.ndarray:
    """Expected number of periods until stage ``target`` is first reached.

    ``target`` is made absorbing (its own row is ignored). With ``F`` the stages
    from which the target is reached with probability 1 (they cannot reach any
    stage that cannot reach the target), ``t_F = (I - Q_FF)^{-1} 1`` where ``Q_FF``
    is ``P`` restricted to ``F``; ``t[target] = 0`` and every other stage gets
    ``inf``. ``I - Q_FF`` is invertible because from ``F`` the chain leaves ``F``
    only into the target.
    """
    matrix = np.asarray(matrix, dtype=float)
    validate_stochastic(matrix)
    size = len(matrix)
    absorbing = matrix.copy()
    absorbing[target] = 0.0
    absorbing[target, target] = 1.0
    reach = reachable(absorbing)
    cannot_reach_target = ~reach[:, target]
    certain = ~(reach & cannot_reach_target[np.newaxis, :]).any(axis=1)
    transient = certain.copy()
    transient[target] = False
    times = np.full(size, np.inf)
    times[target] = 0.0
    if transient.any():
        q = absorbing[np.ix_(transient, transient)]
        times[transient] = np.linalg.solve(
            np.eye(int(transient.sum())) - q, np.ones(len(q))
        )
    return times


def project_counts(counts: np.ndarray, matrix: np.ndarray, periods: int) -> np.ndarray:
    """Stage mix ahead: row ``k`` is ``counts P^k`` for k = 0..periods."""
    matrix = np.asarray(matrix, dtype=float)
    validate_stochastic(matrix)
    counts = np.asarray(counts, dtype=float)
    if counts.shape != (len(matrix),):
        raise ValueError(f"counts must have shape ({len(matrix)},), got {counts.shape}")
    if periods < 0:
        raise ValueError("periods must be >= 0")
    projected = np.empty((periods + 1, len(matrix)))
    projected[0] = counts
    for step in range(1, periods + 1):
        projected[step] = projected[step - 1] @ matrix
    return projected


@single_threaded
def stage_durations(
    matrix_rows: pd.DataFrame, states: Sequence[str], target: str = "churned"
) -> pd.DataFrame:
    """One row per stage: staying probability and the two expected durations.

    ``matrix_rows`` holds (from_stage, to_stage, transition_probability). Infinite
    expectations become missing values (NaN) with ``is_<...>_finite`` flags.
    """
    matrix = matrix_from_long(matrix_rows, states)
    in_stage = expected_periods_in_stage(matrix)
    until_target = expected_periods_until_absorption(matrix, list(states).index(target))
    return pd.DataFrame(
        {
            "stage": list(states),
            "probability_of_staying": np.diag(matrix),
            "expected_periods_in_stage": np.where(
                np.isfinite(in_stage), in_stage, np.nan
            ),
            "expected_periods_until_churn": np.where(
                np.isfinite(until_target), until_target, np.nan
            ),
            "is_churn_certain": np.isfinite(until_target),
        }
    )


@single_threaded
def stage_forecast(
    matrix_rows: pd.DataFrame,
    current_counts: pd.DataFrame,
    states: Sequence[str],
    periods: int,
) -> pd.DataFrame:
    """Long frame (periods_ahead, stage, expected_customers) for k = 0..periods.

    ``current_counts`` holds (stage, customers) for the last period; stages absent
    from it have 0 customers.
    """
    matrix = matrix_from_long(matrix_rows, states)
    counts = (
        current_counts.set_index("stage")["customers"]
        .reindex(list(states), fill_value=0)
        .to_numpy(dtype=float)
    )
    projected = project_counts(counts, matrix, periods)
    steps, stage_index = np.meshgrid(
        np.arange(periods + 1), np.arange(len(states)), indexing="ij"
    )
    return pd.DataFrame(
        {
            "periods_ahead": steps.ravel(),
            "stage": np.asarray(states, dtype=object)[stage_index.ravel()],
            "expected_customers": projected.ravel(),
        }
    )
