{#- Per backtest origin and customer: the BTYD summary (frequency, recency, t)
    as of the origin's calibration_end_date, and the actual purchase days in its
    holdout. Customers whose first purchase is after calibration_end_date are
    not in that origin (the models predict repeat purchases of known
    customers); an origin without a holdout (backtest_days 0) has no rows. -#}
with purchase_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

backtest_window as {{ inline_cte() }} (
    select * from {{ ref('int_btyd_backtest_window') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

actuals as (
    select * from {{ ref('int_customer_backtest_purchases') }}
),

calibration_days as (
    select
        backtest_window.origin_index,
        purchase_days.customer_id,
        min(purchase_days.purchase_date) as first_purchase_date,
        max(purchase_days.purchase_date) as last_purchase_date,
        count(*) as purchase_days
    from purchase_days
    inner join backtest_window
        on purchase_days.purchase_date <= backtest_window.calibration_end_date
    where backtest_window.backtest_days > 0
    group by backtest_window.origin_index, purchase_days.customer_id
),

final as (
    select
        calibration_days.origin_index,
        calibration_days.customer_id,
        backtest_window.backtest_kind,
        backtest_window.calibration_end_date,
        cast(calibration_days.purchase_days - 1 as integer) as frequency,
        cast(
            {{ dbt.datediff(
                'calibration_days.first_purchase_date',
                'calibration_days.last_purchase_date',
                'day'
            ) }}
            / run_context.time_unit_days as double
        ) as recency,
        cast(
            {{ dbt.datediff(
                'calibration_days.first_purchase_date',
                'backtest_window.calibration_end_date',
                'day'
            ) }}
            / run_context.time_unit_days as double
        ) as t,
        cast(coalesce(actuals.actual_purchases, 0) as integer) as actual_purchases
    from calibration_days
    inner join backtest_window
        on calibration_days.origin_index = backtest_window.origin_index
    cross join run_context
    left join actuals
        on calibration_days.origin_index = actuals.origin_index
        and calibration_days.customer_id = actuals.customer_id
)

select * from final
