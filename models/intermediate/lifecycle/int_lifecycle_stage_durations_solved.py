"""Expected periods in each stage and until churn, from the pooled matrix.

Thin dbt Python model: loads the transition matrix and calls
``customer_lifecycle.markov.stage_durations`` (1 / (1 - P_ii), and
t = (I - Q)^-1 1 with ``churned`` made absorbing). Vars come from int_run_context.
"""

from customer_lifecycle.markov import stage_durations, stages_in_precedence_order


def model(dbt, session):
    context = dbt.ref("int_run_context").df().iloc[0]
    matrix = dbt.ref("int_lifecycle_transition_matrix").df()
    states = stages_in_precedence_order(matrix)
    durations = stage_durations(matrix, states, target="churned")
    durations["stage_precedence"] = range(1, len(states) + 1)
    durations["lifecycle_period"] = str(context["lifecycle_period"])
    return durations
