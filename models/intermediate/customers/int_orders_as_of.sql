{#- Accepted orders and refunds on or before as_of_date. Later rows are not bad
    data: they are left out of this snapshot (and serve as a holdout). -#}
with orders as (
    select * from {{ ref('stg_input__orders') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

final as (
    select orders.*
    from orders
    inner join run_context
        on orders.order_date <= run_context.as_of_date
)

select * from final
