{#- One row per customer and purchase day (non-refund orders up to as_of_date).
    Same-day orders are one purchase day, as in the BTYD literature. -#}
with orders as (
    select * from {{ ref('int_orders_as_of') }}
),

final as (
    select
        customer_id,
        order_date as purchase_date,
        count(*) as orders,
        cast(sum(amount) as decimal(38, 2)) as revenue
    from orders
    where not is_refund
    group by customer_id, order_date
)

select * from final
