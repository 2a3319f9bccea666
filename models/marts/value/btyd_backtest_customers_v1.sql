with summary as (
    select * from {{ ref('customer_purchase_summary') }}
),

predictions as (
    select * from {{ ref('btyd_customer_predictions') }}
),

actuals as (
    select * from {{ ref('int_customer_backtest_purchases') }}
),

backtest_window as (
    select * from {{ ref('int_btyd_backtest_window') }}
),

final as (
    select
        summary.customer_id,
        backtest_window.as_of_date,
        backtest_window.backtest_end_date,
        cast(backtest_window.backtest_days as integer) as backtest_days,
        summary.frequency,
        predictions.predicted_backtest_purchases as predicted_purchases,
        cast(coalesce(actuals.actual_purchases, 0) as integer) as actual_purchases,
        predictions.predicted_backtest_purchases
            - coalesce(actuals.actual_purchases, 0) as error
    from summary
    cross join backtest_window
    inner join predictions
        on summary.customer_id = predictions.customer_id
    left join actuals
        on summary.customer_id = actuals.customer_id
    where backtest_window.backtest_days > 0
        and predictions.predicted_backtest_purchases is not null
)

select * from final
order by customer_id
