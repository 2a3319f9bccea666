{#- Per feature date of the churn model (training: churn_cutoff_date; scoring:
    as_of_date) and customer, the latest COMPLETE lifecycle stage period whose last
    day is on or before that date: all that customer_lifecycle.features needs for
    the stage feature, at most two rows per customer instead of the whole history.
    Only complete periods, so a stage is always read at the same point of its
    period at training and at scoring time (the period cut at as_of_date is
    provisional). period_end_exclusive = last day + 1, the package's convention. -#}
with stages as (
    -- TODO(merge): int_customer_lifecycle_stages
    select * from {{ ref('customer_lifecycle_stages') }}
),

ml_run_context as (
    select * from {{ ref('int_ml_run_context') }}
),

feature_dates as (
    select
        'training' as feature_role,
        churn_cutoff_date as feature_date
    from ml_run_context
    union all
    select
        'scoring' as feature_role,
        as_of_date as feature_date
    from ml_run_context
),

ranked as (
    select
        feature_dates.feature_role,
        feature_dates.feature_date,
        stages.customer_id,
        stages.period_start,
        stages.period_end,
        stages.stage,
        row_number() over (
            partition by feature_dates.feature_role, stages.customer_id
            order by stages.period_end desc
        ) as recency_rank
    from stages
    inner join feature_dates
        on stages.period_end <= feature_dates.feature_date
    where stages.is_complete_period
),

final as (
    select
        feature_role,
        feature_date,
        customer_id,
        period_start,
        period_end as period_last_date,
        cast({{ dbt.dateadd('day', 1, 'period_end') }} as date) as period_end_exclusive,
        stage
    from ranked
    where recency_rank = 1
)

select * from final
