{#- One row per backtest origin and purchase model: the holdout's predicted
    and actual purchase days, relative total error and MAE, and whether the
    origin is evaluable. An origin that is not evaluable (holdout shorter than
    btyd_backtest_min_days or empty, fewer customers than btyd_min_customers,
    no purchase in the holdout, or a failed refit) has null errors and says
    why in evaluation_status: it is never used to select a model. -#}
with backtest_summary as (
    select * from {{ ref('int_btyd_backtest_summary') }}
),

predictions as (
    select * from {{ ref('int_btyd_backtest_predictions') }}
),

backtest_window as (
    select * from {{ ref('int_btyd_backtest_window') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

purchase_models as (
    select listed.purchase_model
    from (values ('bg_nbd'), ('pareto_nbd')) as listed (purchase_model)
),

customer_predictions as (
    select
        backtest_summary.origin_index,
        predictions.purchase_model,
        predictions.predicted_purchases,
        backtest_summary.actual_purchases
    from backtest_summary
    inner join predictions
        on backtest_summary.origin_index = predictions.origin_index
        and backtest_summary.frequency = predictions.frequency
        and backtest_summary.recency = predictions.recency
        and backtest_summary.t = predictions.t
),

per_model as (
    select
        origin_index,
        purchase_model,
        count(*) as customers,
        count(predicted_purchases) as predicted_customers,
        {{ exact_sum('predicted_purchases') }} as predicted_purchases,
        cast(sum(actual_purchases) as double) as actual_purchases,
        {{ exact_sum('abs(predicted_purchases - actual_purchases)') }}
            as absolute_error_sum,
        {{ exact_avg('abs(predicted_purchases - actual_purchases)') }} as mae
    from customer_predictions
    group by origin_index, purchase_model
),

rated as (
    select
        backtest_window.*,
        purchase_models.purchase_model,
        cast(coalesce(per_model.customers, 0) as integer) as customers,
        per_model.predicted_purchases,
        per_model.actual_purchases,
        per_model.absolute_error_sum,
        per_model.mae,
        case
            when backtest_window.backtest_horizon_status = 'too_short'
                then 'holdout_too_short'
            when coalesce(per_model.customers, 0) < run_context.btyd_min_customers
                then 'too_few_customers'
            when coalesce(per_model.actual_purchases, 0) = 0
                then 'no_holdout_purchases'
            when per_model.predicted_customers < per_model.customers
                then 'fit_failed'
            else 'evaluable'
        end as evaluation_status
    from backtest_window
    cross join purchase_models
    cross join run_context
    left join per_model
        on backtest_window.origin_index = per_model.origin_index
        and purchase_models.purchase_model = per_model.purchase_model
),

final as (
    select
        origin_index,
        purchase_model,
        as_of_date,
        backtest_kind,
        first_order_date,
        calibration_end_date,
        backtest_end_date,
        calibration_days,
        backtest_days,
        horizon_days,
        history_days,
        backtest_horizon_status,
        evaluation_status,
        evaluation_status = 'evaluable' as is_evaluable,
        customers,
        predicted_purchases,
        actual_purchases,
        case when evaluation_status = 'evaluable'
                then (predicted_purchases - actual_purchases) / actual_purchases
        end as relative_total_error,
        case when evaluation_status = 'evaluable' then absolute_error_sum
        end as absolute_error_sum,
        case when evaluation_status = 'evaluable' then mae end as mae
    from rated
)

select * from final
