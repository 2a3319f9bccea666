{#- Stage-to-stage moves between consecutive periods, counted per from-period.
    C_ij = customers in stage i in the period and in stage j in the next period,
    C_i = sum over j of C_ij, C = sum over i, j. Only observed pairs are rows. -#}
with stages as (
    select * from {{ ref('int_customer_lifecycle_stages') }}
),

pairs as (
    select
        customer_id,
        period_start,
        stage as from_stage,
        lead(period_start) over customer_periods as to_period_start,
        lead(stage) over customer_periods as to_stage,
        lead(is_complete_period) over customer_periods as is_to_period_complete
    from stages
    window customer_periods as (partition by customer_id order by period_start)
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
