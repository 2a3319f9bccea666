{#- Per backtest origin and customer: predicted (per purchase model, and of the
    model that customer_clv uses) and actual purchase days in the origin's
    holdout. -#}
with backtest_customers as (
    select * from {{ ref('int_btyd_backtest_summary') }}
),

predictions as (
    select * from {{ ref('int_btyd_backtest_predictions') }}
),

selection as (
    select * from {{ ref('int_btyd_model_selection') }}
),

backtest_window as (
    select * from {{ ref('int_btyd_backtest_window') }}
),

by_model as (
    select
        backtest_customers.origin_index,
        backtest_customers.customer_id,
        max(case
            when predictions.purchase_model = 'bg_nbd'
                then predictions.predicted_purchases
        end) as bg_nbd_predicted_purchases,
        max(case
            when predictions.purchase_model = 'pareto_nbd'
                then predictions.predicted_purchases
        end) as pareto_nbd_predicted_purchases
    from backtest_customers
    inner join predictions
        on backtest_customers.origin_index = predictions.origin_index
        and backtest_customers.frequency = predictions.frequency
        and backtest_customers.recency = predictions.recency
        and backtest_customers.t = predictions.t
    group by backtest_customers.origin_index, backtest_customers.customer_id
),

selected as (
    select purchase_model from selection
    where is_selected
),

scored as (
    select
        backtest_customers.origin_index,
        backtest_customers.customer_id,
        backtest_window.as_of_date,
        backtest_window.backtest_kind,
        backtest_window.calibration_end_date,
        backtest_window.backtest_end_date,
        cast(backtest_window.backtest_days as integer) as backtest_days,
        backtest_customers.frequency,
        selected.purchase_model,
        by_model.bg_nbd_predicted_purchases,
        by_model.pareto_nbd_predicted_purchases,
        backtest_customers.actual_purchases,
        case selected.purchase_model
            when 'pareto_nbd' then by_model.pareto_nbd_predicted_purchases
            else by_model.bg_nbd_predicted_purchases
        end as predicted_purchases,
        case selected.purchase_model
            when 'pareto_nbd' then by_model.pareto_nbd_predicted_purchases
            else by_model.bg_nbd_predicted_purchases
        end - backtest_customers.actual_purchases as error
    from backtest_customers
    inner join backtest_window
        on backtest_customers.origin_index = backtest_window.origin_index
    cross join selected
    inner join by_model
        on backtest_customers.origin_index = by_model.origin_index
        and backtest_customers.customer_id = by_model.customer_id
),

final as (
    select * from scored
    where predicted_purchases is not null
)

select * from final
