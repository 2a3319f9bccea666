{#- One row per day, the time spine MetricFlow joins metrics to: from 1 January of
    the year of the first lifecycle period to 31 December of the year holding
    as_of_date (no clock: the same input gives the same days). -#}
with run_context as (
    select * from {{ ref('int_run_context') }}
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

bounds as (
    select
        cast({{ dbt.date_trunc('year', 'min(periods.period_start)') }} as date)
            as first_day,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1,
            dbt.date_trunc('year', 'run_context.as_of_date'))) }} as date)
            as last_day
    from run_context
    left join periods
        on true
    group by run_context.as_of_date
),

final as (
    select
        {{ date_series('bounds.first_day', 'bounds.last_day', 'day') }} as date_day
    from bounds
    where bounds.first_day is not null
)

select * from final
