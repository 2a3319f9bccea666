{#- Publishes int_btyd_backtest_customers (docs on the mart). -#}
with backtest_customers as (
    select * from {{ ref('int_btyd_backtest_customers') }}
),

final as (
    select * from backtest_customers
)

select * from final
order by customer_id
