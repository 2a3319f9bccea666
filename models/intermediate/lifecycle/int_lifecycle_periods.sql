{#- The period grid of the lifecycle stages (var lifecycle_period: week starting on
    Monday, month or quarter), from the period of the earliest first contact to the
    period holding as_of_date. The last period is cut at as_of_date. -#}
{%- set period = var('lifecycle_period') | string | lower -%}

with run_context as (
    select * from {{ ref('int_run_context') }}
),

contacts as (
    select * from {{ ref('int_contacts_aggregated_to_customers') }}
),

bounds as (
    select
        cast({{ dbt.date_trunc(period, 'min(contacts.first_contact_date)') }} as date)
            as first_period_start,
        cast({{ dbt.date_trunc(period, 'run_context.as_of_date') }} as date)
            as last_period_start,
        run_context.as_of_date
    from run_context
    left join contacts
        on true
    group by run_context.as_of_date
),

period_starts as (
    select
        {{ date_series(
            'bounds.first_period_start', 'bounds.last_period_start', period
        ) }} as period_start,
        bounds.as_of_date
    from bounds
    where bounds.first_period_start is not null
),

bounded as (
    select
        period_start,
        as_of_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd(period, 1, 'period_start')) }}
            as date
        ) as natural_period_end
    from period_starts
),

final as (
    select
        cast(row_number() over (order by period_start) as integer) as period_number,
        '{{ period }}' as lifecycle_period,
        period_start,
        least(natural_period_end, as_of_date) as period_end,
        natural_period_end <= as_of_date as is_complete
    from bounded
)

select * from final
