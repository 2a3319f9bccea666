{#- One row per purchase model (bg_nbd, pareto_nbd): its scoring fit, its
    backtest pooled over the origins, and whether customer_clv uses it. See
    the docs blocks purchase_model_choice and btyd_backtest_origins.
    Pooled origins: those where every model with a usable scoring fit is
    evaluable (int_btyd_backtest_by_origin), so both models are compared on
    the same holdouts; an origin that is not evaluable is never used. -#}
with fits as (
    select * from {{ ref('int_btyd_fitted') }}
),

by_origin as (
    select * from {{ ref('int_btyd_backtest_by_origin') }}
),

run_context as {{ inline_cte() }} (
    select * from {{ ref('int_run_context') }}
),

scoring_fits as (
    select
        model_name as purchase_model,
        status,
        log_likelihood,
        status in ('fitted', 'degenerate') as is_usable
    from fits
    where
        fit_role = 'scoring'
        and model_name in ('bg_nbd', 'pareto_nbd')
),

pooled_origins as (
    select by_origin.origin_index
    from by_origin
    inner join scoring_fits
        on by_origin.purchase_model = scoring_fits.purchase_model
    where scoring_fits.is_usable
    group by by_origin.origin_index
    having min(case when by_origin.is_evaluable then 1 else 0 end) = 1
),

pooled as (
    select
        by_origin.purchase_model,
        count(*) as backtest_origins,
        sum(by_origin.customers) as backtest_customers,
        sum(by_origin.predicted_purchases) as predicted_purchases,
        sum(by_origin.actual_purchases) as actual_purchases,
        sum(abs(by_origin.predicted_purchases - by_origin.actual_purchases))
            as absolute_total_error,
        sum(by_origin.absolute_error_sum) as absolute_error_sum,
        min(by_origin.backtest_days) as shortest_backtest_days,
        max(by_origin.backtest_days) as longest_backtest_days
    from by_origin
    inner join pooled_origins
        on by_origin.origin_index = pooled_origins.origin_index
    group by by_origin.purchase_model
),

window_facts as (
    select
        min(backtest_kind) as backtest_kind,
        min(horizon_days) as horizon_days,
        min(history_days) as history_days
    from {{ ref('int_btyd_backtest_window') }}
),

candidates as (
    select
        scoring_fits.*,
        cast(coalesce(pooled.backtest_origins, 0) as integer) as backtest_origins,
        pooled.backtest_customers,
        pooled.predicted_purchases,
        pooled.actual_purchases,
        (pooled.predicted_purchases - pooled.actual_purchases)
        / pooled.actual_purchases as relative_total_error,
        pooled.absolute_total_error / pooled.actual_purchases
            as pooled_absolute_relative_error,
        pooled.absolute_error_sum / pooled.backtest_customers as mae,
        pooled.shortest_backtest_days,
        pooled.longest_backtest_days
    from scoring_fits
    left join pooled
        on scoring_fits.purchase_model = pooled.purchase_model
),

criterion as (
    {#- auto compares the pooled absolute total error when every usable model
        has pooled origins, else the calibration log-likelihood; a
        non-degenerate fit goes first. -#}
    select
        case
            when sum(case when is_usable then 1 else 0 end) = 0 then 'none'
            when
                sum(case when is_usable and backtest_origins = 0 then 1 else 0 end)
                = 0
                then 'backtest'
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
                    when criterion.criterion = 'backtest'
                        then candidates.pooled_absolute_relative_error
                    else -candidates.log_likelihood
                end asc nulls last,
                candidates.mae asc nulls last,
                candidates.purchase_model asc
        ) as selection_rank
    from candidates
    cross join criterion
    cross join run_context
),

comparison as (
    select
        {{ dbt.listagg(
            "purchase_model || ' ' || coalesce(case when criterion = 'backtest'"
            ~ " then cast(round(100 * pooled_absolute_relative_error, 1) as string)"
            ~ " || '%' else cast(round(log_likelihood, 4) as string) end, status)",
            "', '",
            "order by purchase_model") }} as compared
    from ranked
),

statused as (
    select
        ranked.*,
        case
            when ranked.backtest_origins = 0 then 'not_evaluable'
            when ranked.shortest_backtest_days < window_facts.horizon_days
                then 'shortened'
            else 'full'
        end as backtest_horizon_status,
        window_facts.backtest_kind,
        window_facts.horizon_days,
        window_facts.history_days
    from ranked
    cross join window_facts
),

final as (
    select
        statused.purchase_model,
        statused.status,
        statused.log_likelihood,
        statused.backtest_kind,
        cast(statused.backtest_customers as integer) as backtest_customers,
        statused.predicted_purchases,
        statused.actual_purchases,
        statused.relative_total_error,
        statused.mae,
        statused.is_selected,
        statused.purchase_model_var,
        statused.selection_reason,
        statused.backtest_origins,
        statused.pooled_absolute_relative_error,
        cast(statused.shortest_backtest_days as integer) as shortest_backtest_days,
        cast(statused.longest_backtest_days as integer) as longest_backtest_days,
        cast(statused.horizon_days as integer) as horizon_days,
        statused.backtest_horizon_status
    from (
        select
            statused.*,
            run_context.purchase_model as purchase_model_var,
            statused.selection_rank = 1 as is_selected,
            case
                when run_context.purchase_model != 'auto'
                    then 'var purchase_model = ' || run_context.purchase_model
                when statused.criterion = 'none'
                    then 'auto: no usable fit (' || comparison.compared
                        || '); the predictions are null'
                when statused.criterion = 'backtest'
                    then
                        'auto: lower pooled absolute total error over '
                        || cast(statused.backtest_origins as string) || ' '
                        || statused.backtest_kind || ' backtest origin(s) ('
                        || comparison.compared || '), usable fits first'
                else
                    'auto: higher calibration log-likelihood ('
                    || comparison.compared || '), usable fits first; no evaluable'
                    || ' backtest origin'
            end
            || case statused.backtest_horizon_status
                when 'shortened'
                    then '. Holdouts of ' || cast(
                            statused.shortest_backtest_days
                            as string
                        ) || ' to '
                        || cast(statused.longest_backtest_days as string)
                        || ' days: shorter than the ' || cast(
                            statused.horizon_days
                            as string
                        )
                        || '-day horizon, so the accuracy over the horizon is'
                        || ' not measured'
                when 'not_evaluable'
                    then '. The ' || cast(statused.history_days as string)
                        || '-day history is too short to backtest the '
                        || cast(statused.horizon_days as string)
                        || '-day horizon: no accuracy figure'
                else ''
            end as selection_reason
        from statused
        cross join run_context
        cross join comparison
    ) as statused
)

select * from final
