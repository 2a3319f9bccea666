{#- Stage-to-stage moves between consecutive periods, counted per from-period.
    C_ij = customers in stage i in the period and in stage j in the next period,
    C_i = sum over j of C_ij, C = sum over i, j. Only observed pairs are rows.
    Counted from the stage spells: a spell of k periods gives k − 1 stays and,
    unless it is the current one, one exit to the next spell's stage. -#}
with spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
),

periods as {{ inline_cte() }} (
    select * from {{ ref('int_lifecycle_periods') }}
),

stay_deltas as (
    {#- A spell of k periods stays in its stage from its first period to its
        last but one (k − 1 stays): +1 at the first period, −1 at the last, per
        stage (a difference array over the spells, not a customer x period
        spine). -#}
    select
        lifecycle_stage,
        period_number,
        sum(delta) as delta
    from (
        select
            lifecycle_stage,
            first_period_number as period_number,
            1 as delta
        from spells
        where periods_in_spell > 1
        union all
        select
            lifecycle_stage,
            last_period_number as period_number,
            -1 as delta
        from spells
        where periods_in_spell > 1
    ) as deltas
    group by lifecycle_stage, period_number
),

stay_levels as (
    {#- Customers staying from period t to t + 1, from each change point until
        the next one. -#}
    select
        lifecycle_stage,
        period_number,
        coalesce(lead(period_number) over (
            partition by lifecycle_stage order by period_number
        ), 2147483647) as next_change_period_number,
        sum(delta) over (
            partition by lifecycle_stage
            order by period_number
            rows between unbounded preceding and current row
        ) as customers
    from stay_deltas
),

steps as (
    select
        periods.period_number,
        stay_levels.lifecycle_stage as from_stage,
        stay_levels.lifecycle_stage as to_stage,
        stay_levels.customers
    from stay_levels
    inner join periods
        on stay_levels.period_number <= periods.period_number
        and stay_levels.next_change_period_number > periods.period_number
    where stay_levels.customers > 0

    union all

    -- Each closed spell exits once, from its last period to the next spell.
    select
        last_period_number as period_number,
        lifecycle_stage as from_stage,
        next_lifecycle_stage as to_stage,
        count(*) as customers
    from spells
    where not is_current_spell
    group by last_period_number, lifecycle_stage, next_lifecycle_stage
),

counted as (
    select
        periods.period_start,
        next_periods.period_start as to_period_start,
        next_periods.is_complete as is_to_period_complete,
        steps.from_stage,
        steps.to_stage,
        sum(steps.customers) as customers
    from steps
    inner join periods
        on steps.period_number = periods.period_number
    inner join periods as next_periods
        on steps.period_number + 1 = next_periods.period_number
    group by 1, 2, 3, 4, 5
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
