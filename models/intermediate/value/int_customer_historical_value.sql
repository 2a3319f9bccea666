{#- Historical CLV: see the docs block historical_clv. -#}
with orders as {{ inline_cte() }} (
    select * from {{ ref('int_orders_as_of') }}
),

margins as (
    select * from {{ ref('int_customer_margins') }}
),

first_purchases as (
    select
        customer_id,
        min(order_date) as first_purchase_date
    from orders
    where not is_refund
    group by customer_id
),

order_margins as (
    select
        orders.customer_id,
        orders.amount,
        orders.is_refund,
        coalesce(orders.cost, orders.amount * (1 - margins.margin_rate)) as cost,
        floor({{ dbt.datediff('first_purchases.first_purchase_date',
            'orders.order_date', 'day') }} / {{ clv_period_days() }}) as period_index
    from orders
    inner join first_purchases
        on orders.customer_id = first_purchases.customer_id
    inner join margins
        on orders.customer_id = margins.customer_id
),

final as (
    select
        customer_id,
        cast(sum(amount) as decimal(38, 2)) as revenue,
        cast(sum(case when is_refund then 0 else amount end) as decimal(38, 2))
            as purchase_revenue,
        {{ exact_sum('amount - cost') }} as margin,
        {#- (1 + d_period)^t = (1 + r_annual)^(t x period_days / 365.25) -#}
        {{ exact_sum("(amount - cost) / power(1 + " ~ var('annual_discount_rate')
            ~ ", greatest(period_index, 0) * " ~ clv_period_days() ~ " / 365.25)") }}
            as historical_clv
    from order_margins
    group by customer_id
)

select * from final
