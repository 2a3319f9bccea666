{#- Long table of model metrics: every churn candidate and baseline on the same
    holdout customers, with DeLong 95% intervals and the AUC differences
    that decide what is published, and the KMeans silhouette of every k tried. Doc block
    model_evaluation_metrics. -#}
with churn_run as (
    select * from {{ ref('int_churn_model_fitted') }}
),

segments_run as (
    select * from {{ ref('int_customer_segments_fitted') }}
),

churn_metrics as (
    select
        model_run_id,
        model_name,
        is_baseline,
        is_selected,
        metric,
        metric_value as value,
        ci_lower,
        ci_upper,
        evaluated_on
    from churn_run
    where record_type = 'evaluation'
),

silhouettes as (
    select
        model_run_id,
        'kmeans_k' || cast(k as string) as model_name,
        false as is_baseline,
        is_selected,
        'silhouette' as metric,
        silhouette as value,
        cast(null as double) as ci_lower,
        cast(null as double) as ci_upper,
        'silhouette_sample' as evaluated_on
    from segments_run
    where record_type = 'silhouette'
),

unioned as (
    select * from churn_metrics
    union all
    select * from silhouettes
),

final as (
    select
        cast(model_run_id as string) as model_run_id,
        cast(model_name as string) as model_name,
        cast(is_baseline as boolean) as is_baseline,
        cast(is_selected as boolean) as is_selected,
        cast(metric as string) as metric,
        cast(value as double) as value,
        cast(ci_lower as double) as ci_lower,
        cast(ci_upper as double) as ci_upper,
        cast(evaluated_on as string) as evaluated_on
    from unioned
)

select * from final
order by model_run_id, model_name, metric
