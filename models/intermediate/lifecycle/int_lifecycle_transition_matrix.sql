{#- Transition matrix pooled over the var lifecycle_matrix_periods most recent
    complete steps (both periods complete), all 7 x 7 stage pairs. A from-stage
    without any observed move keeps its customers (probability 1 to itself, 0
    elsewhere) and is flagged, so every row is a probability distribution. -#}
{%- set matrix_periods = var('lifecycle_matrix_periods') | int -%}

with transitions as (
    select * from {{ ref('int_lifecycle_stage_transitions') }}
),

stage_rules as {{ inline_cte() }} (
    select * from {{ ref('lifecycle_stage_rules') }}
),

complete_steps as (
    select
        *,
        dense_rank() over (order by period_start desc) as steps_back
    from transitions
    where is_to_period_complete
),

window_transitions as (
    select *
    from complete_steps
    where steps_back <= {{ matrix_periods }}
),

window_bounds as (
    select
        min(period_start) as window_first_period_start,
        max(to_period_start) as window_last_period_start,
        count(distinct period_start) as window_steps
    from window_transitions
),

pooled as (
    select
        from_stage,
        to_stage,
        sum(customers) as customers
    from window_transitions
    group by from_stage, to_stage
),

stage_pairs as (
    select
        from_rules.stage as from_stage,
        from_rules.precedence as from_precedence,
        to_rules.stage as to_stage,
        to_rules.precedence as to_precedence
    from stage_rules as from_rules
    cross join stage_rules as to_rules
),

completed as (
    select
        stage_pairs.from_stage,
        stage_pairs.to_stage,
        stage_pairs.from_precedence,
        stage_pairs.to_precedence,
        coalesce(pooled.customers, 0) as customers,
        coalesce(sum(pooled.customers) over (partition by stage_pairs.from_stage), 0)
            as from_stage_customers
    from stage_pairs
    left join pooled
        on stage_pairs.from_stage = pooled.from_stage
        and stage_pairs.to_stage = pooled.to_stage
),

final as (
    select
        completed.from_stage,
        completed.to_stage,
        cast(completed.customers as integer) as customers,
        cast(completed.from_stage_customers as integer) as from_stage_customers,
        cast(case
            when completed.from_stage_customers > 0
                then completed.customers / completed.from_stage_customers
            when completed.from_stage = completed.to_stage then 1
            else 0
        end as double) as transition_probability,
        completed.from_stage_customers > 0 as is_from_stage_observed,
        cast(window_bounds.window_steps as integer) as window_steps,
        window_bounds.window_first_period_start,
        window_bounds.window_last_period_start,
        cast(completed.from_precedence as integer) as from_stage_precedence,
        cast(completed.to_precedence as integer) as to_stage_precedence
    from completed
    cross join window_bounds
)

select * from final
