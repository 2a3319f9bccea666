{#- Projected stage mix for the var lifecycle_forecast_periods periods after the
    last period (counts(k) = counts(0) P^k), projected in the Python model
    int_lifecycle_stage_mix_projected. periods_ahead = 0 is the observed mix. -#}
{%- set period = var('lifecycle_period') | string | lower -%}

with projected as (
    select * from {{ ref('int_lifecycle_stage_mix_projected') }}
),

stage_rules as (
    select * from {{ ref('lifecycle_stage_rules') }}
),

dated as (
    select
        projected.*,
        cast(projected.from_period_start as date) as last_observed_period_start,
        cast({{ dbt.dateadd(period, 'projected.periods_ahead',
            'cast(projected.from_period_start as date)') }} as date) as period_start,
        sum(projected.expected_customers)
            over (partition by projected.periods_ahead) as total_customers
    from projected
),

final as (
    select
        cast(dated.periods_ahead as integer) as periods_ahead,
        dated.period_start,
        cast(dated.stage as string) as stage,
        cast(stage_rules.precedence as integer) as stage_precedence,
        cast(dated.expected_customers as double) as expected_customers,
        cast(case
            when dated.total_customers > 0
                then dated.expected_customers / dated.total_customers
        end as double) as share_of_customers,
        dated.last_observed_period_start
    from dated
    inner join stage_rules
        on dated.stage = stage_rules.stage
)

select * from final
