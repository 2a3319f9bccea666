{#- Markov durations per stage, solved in the Python model
    int_lifecycle_stage_durations_solved from the pooled transition matrix. -#}
with durations as (
    select * from {{ ref('int_lifecycle_stage_durations_solved') }}
),

final as (
    select
        cast(stage as string) as stage,
        cast(stage_precedence as integer) as stage_precedence,
        cast(lifecycle_period as string) as lifecycle_period,
        cast(probability_of_staying as double) as probability_of_staying,
        cast(expected_periods_in_stage as double) as expected_periods_in_stage,
        cast(expected_periods_until_churn as double) as expected_periods_until_churn,
        cast(is_churn_certain as boolean) as is_churn_certain
    from durations
)

select * from final
