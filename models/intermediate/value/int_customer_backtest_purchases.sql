{#- Actual purchases (distinct purchase days, as the BTYD models count them) of
    each customer in each backtest origin's holdout
    (calibration_end_date, backtest_end_date]. -#}
with orders as (
    select * from {{ ref('stg_input__orders') }}
),

backtest_window as (
    select * from {{ ref('int_btyd_backtest_window') }}
),

final as (
    select
        backtest_window.origin_index,
        orders.customer_id,
        count(distinct orders.order_date) as actual_purchases
    from orders
    inner join backtest_window
        on orders.order_date > backtest_window.calibration_end_date
        and orders.order_date <= backtest_window.backtest_end_date
    where not orders.is_refund
    group by backtest_window.origin_index, orders.customer_id
)

select * from final
