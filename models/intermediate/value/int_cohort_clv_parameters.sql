{#- One row: the inputs of the simple cohort-method CLV. See the docs block
    cohort_method_clv. -#}
with orders as (
    select * from {{ ref('int_orders_as_of') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

margins as (
    select * from {{ ref('int_customer_margins') }}
),

customer_periods as (
    select
        orders.customer_id,
        {{ dbt.date_trunc(var('clv_period'), 'orders.order_date') }} as period_start,
        sum(orders.amount) as revenue,
        bool_or(not orders.is_refund) as has_purchase
    from orders
    group by 1, 2
),

complete_periods as (
    {#- Periods that end on or before as_of_date, the most recent 12. -#}
    select distinct customer_periods.period_start
    from customer_periods
    cross join run_context
    where {{ dbt.dateadd(var('clv_period'), 1, 'customer_periods.period_start') }}
        <= run_context.as_of_date + 1
    order by customer_periods.period_start desc
    limit 12
),

active as (
    select customer_periods.*
    from customer_periods
    inner join complete_periods
        on customer_periods.period_start = complete_periods.period_start
    where customer_periods.has_purchase
),

next_period_active as (
    select
        active.customer_id,
        active.period_start,
        next_active.customer_id is not null as is_retained
    from active
    left join customer_periods as next_active
        on active.customer_id = next_active.customer_id
        and next_active.period_start
        = {{ dbt.dateadd(var('clv_period'), 1, 'active.period_start') }}
        and next_active.has_purchase
    where {{ dbt.dateadd(var('clv_period'), 1, 'active.period_start') }}
        in (select complete_periods.period_start from complete_periods)
),

final as (
    select
        (select count(*) from complete_periods) as periods_observed,
        (
            select {{ decimal_avg('case when is_retained then 1.0 else 0.0 end') }}
            from next_period_active
        ) as retention_rate,
        (select {{ decimal_avg('revenue') }} from active) as arpu,
        (select {{ exact_avg('margin_rate') }} from margins) as average_margin_rate,
        power(
            1 + {{ var('annual_discount_rate') }},
            {{ clv_period_days() }} / 365.25
        ) - 1 as period_discount_rate
)

select * from final
