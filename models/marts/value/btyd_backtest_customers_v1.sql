{#- Publishes int_btyd_backtest_customers at the latest origin (origin_index 1;
    the only one of an external backtest); docs on the mart. -#}
with backtest_customers as (
    select * from {{ ref('int_btyd_backtest_customers') }}
),

final as (
    select
        customer_id,
        as_of_date,
        backtest_kind,
        calibration_end_date,
        backtest_end_date,
        backtest_days,
        frequency,
        purchase_model,
        bg_nbd_predicted_purchases,
        pareto_nbd_predicted_purchases,
        actual_purchases,
        predicted_purchases,
        error
    from backtest_customers
    where origin_index = 1
)

select * from final
order by customer_id
