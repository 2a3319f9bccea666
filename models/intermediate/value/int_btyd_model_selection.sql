{#- One row per purchase model (bg_nbd, pareto_nbd): its scoring fit, its
    backtest and whether customer_clv uses it. See the docs block
    purchase_model_choice. -#}
with fits as (
    select * from {{ ref('int_btyd_fitted') }}
),

predictions as (
    select * from {{ ref('int_btyd_backtest_predictions') }}
),

backtest_customers as (
    select * from {{ ref('int_btyd_backtest_summary') }}
),

backtest_window as (
    select * from {{ ref('int_btyd_backtest_window') }}
),

run_context as {{ inline_cte() }} (
    select * from {{ ref('int_run_context') }}
),

scoring_fits as (
    select
        model_name as purchase_model,
        status,
        log_likelihood
    from fits
    where
        fit_role = 'scoring'
        and model_name in ('bg_nbd', 'pareto_nbd')
),

backtests as (
    select
        predictions.purchase_model,
        count(*) as backtest_customers,
        {{ exact_sum('predictions.predicted_purchases') }} as predicted_purchases,
        cast(sum(backtest_customers.actual_purchases) as double) as actual_purchases,
        {{ exact_avg('abs(predictions.predicted_purchases'
            ~ ' - backtest_customers.actual_purchases)') }} as mae
    from predictions
    inner join backtest_customers
        on predictions.customer_id = backtest_customers.customer_id
    where predictions.predicted_purchases is not null
    group by predictions.purchase_model
),

evaluable_backtests as (
    {#- A backtest window with no purchase in it (or an error that is not a
        number) cannot rank the models: it is not evaluable, and the choice
        falls back on the calibration log-likelihood, never on NaN. -#}
    select *
    from backtests
    where
        actual_purchases > 0
        and isfinite(cast(mae as double))
),

candidates as (
    select
        scoring_fits.*,
        backtests.backtest_customers,
        backtests.predicted_purchases,
        backtests.actual_purchases,
        backtests.mae,
        (backtests.predicted_purchases - backtests.actual_purchases)
        / nullif(backtests.actual_purchases, 0) as relative_total_error,
        scoring_fits.status in ('fitted', 'degenerate') as is_usable
    from scoring_fits
    left join evaluable_backtests as backtests
        on scoring_fits.purchase_model = backtests.purchase_model
),

criterion as (
    {#- auto compares backtest MAE when every usable model has a backtest,
        else calibration log-likelihood; a non-degenerate fit goes first. -#}
    select
        case
            when sum(case when is_usable then 1 else 0 end) = 0 then 'none'
            when
                sum(case when is_usable and mae is null then 1 else 0 end) = 0
                then 'backtest_mae'
            else 'calibration_log_likelihood'
        end as criterion
    from candidates
),

ranked as (
    select
        candidates.*,
        criterion.criterion,
        row_number() over (
            order by
                candidates.purchase_model = run_context.purchase_model desc,
                candidates.is_usable desc,
                candidates.status = 'fitted' desc,
                case
                    when criterion.criterion = 'backtest_mae' then candidates.mae
                    else -candidates.log_likelihood
                end asc nulls last,
                candidates.purchase_model
        ) as selection_rank
    from candidates
    cross join criterion
    cross join run_context
),

comparison as (
    select
        {{ dbt.listagg(
            "purchase_model || ' ' || coalesce(cast(round(case when criterion"
            ~ " = 'backtest_mae' then mae else log_likelihood end, 4) as varchar),"
            ~ " status)",
            "', '",
            "order by purchase_model") }} as compared
    from ranked
),

final as (
    select
        ranked.purchase_model,
        ranked.status,
        ranked.log_likelihood,
        backtest_window.backtest_kind,
        cast(ranked.backtest_customers as integer) as backtest_customers,
        ranked.predicted_purchases,
        ranked.actual_purchases,
        ranked.relative_total_error,
        ranked.mae,
        run_context.purchase_model as purchase_model_var,
        ranked.selection_rank = 1 as is_selected,
        case
            when run_context.purchase_model != 'auto'
                then 'var purchase_model = ' || run_context.purchase_model
            when ranked.criterion = 'none'
                then 'auto: no usable fit (' || comparison.compared
                    || '); the predictions are null'
            when ranked.criterion = 'backtest_mae'
                then
                    'auto: lower mean absolute error per customer in the '
                    || backtest_window.backtest_kind || ' backtest ('
                    || comparison.compared || '), usable fits first'
            else
                'auto: higher calibration log-likelihood ('
                || comparison.compared || '), usable fits first; no backtest'
                || case
                    when backtest_window.backtest_kind != 'none'
                        then ' (the ' || backtest_window.backtest_kind
                            || ' backtest window is not evaluable: no purchase'
                            || ' in it)'
                    else ''
                end
        end as selection_reason
    from ranked
    cross join backtest_window
    cross join run_context
    cross join comparison
)

select * from final
