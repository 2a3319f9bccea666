{#- Rolling-origin, out-of-time backtest of the churn model: per origin, model and
    metric, the value with its DeLong 95% interval. At each origin the
    models are fitted on the churn sample's features at training_feature_date
    (labels up to origin_date) and evaluated on the features at origin_date
    (labels up to label_window_end_date). Doc block churn_backtest. -#}
with churn_run as (
    select * from {{ ref('int_churn_model_fitted') }}
),

final as (
    select
        cast(model_run_id as string) as model_run_id,
        cast(origin_date as date) as origin_date,
        cast(training_feature_date as date) as training_feature_date,
        cast(label_window_end_date as date) as label_window_end_date,
        cast(model_name as string) as model_name,
        cast(is_baseline as boolean) as is_baseline,
        cast(metric as string) as metric,
        cast(metric_value as double) as value,
        cast(ci_lower as double) as ci_lower,
        cast(ci_upper as double) as ci_upper,
        cast(standard_error as double) as standard_error
    from churn_run
    where record_type = 'backtest'
)

select * from final
order by origin_date, model_name, metric
