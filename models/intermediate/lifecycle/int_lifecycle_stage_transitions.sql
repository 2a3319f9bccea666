{#- Stage-to-stage moves between consecutive periods, counted per from-period.
    C_ij = customers in stage i in the period and in stage j in the next period,
    C_i = sum over j of C_ij, C = sum over i, j. Only observed pairs are rows. -#}
with stages as {{ inline_cte() }} (
    select * from {{ ref('int_customer_lifecycle_stages') }}
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

pairs as (
    {#- A self-join on the next period number, not lead() over the customer x
        period spine: a join spills to disk where a window over the whole
        spine must hold it (memory cap, 10M customers). -#}
    select
        stages.customer_id,
        stages.period_start,
        stages.stage as from_stage,
        next_periods.period_start as to_period_start,
        next_stages.stage as to_stage,
        next_periods.is_complete as is_to_period_complete
    from stages
    inner join stages as next_stages
        on stages.customer_id = next_stages.customer_id
        and stages.period_number + 1 = next_stages.period_number
    inner join periods as next_periods
        on next_stages.period_number = next_periods.period_number
),

counted as (
    select
        period_start,
        to_period_start,
        is_to_period_complete,
        from_stage,
        to_stage,
        count(*) as customers
    from pairs
    where to_stage is not null
    group by period_start, to_period_start, is_to_period_complete, from_stage, to_stage
),

normalised as (
    select
        *,
        sum(customers) over (partition by period_start, from_stage)
            as from_stage_customers,
        sum(customers) over (partition by period_start) as period_customers
    from counted
),

final as (
    select
        period_start,
        to_period_start,
        is_to_period_complete,
        from_stage,
        to_stage,
        cast(customers as integer) as customers,
        cast(from_stage_customers as integer) as from_stage_customers,
        cast(period_customers as integer) as period_customers,
        cast(customers as double) / from_stage_customers as transition_probability,
        cast(customers as double) / period_customers as share_of_customers
    from normalised
)

select * from final
