{#- Calibration of every probabilistic churn model on the holdout: equal-count bins
    of predicted probability, mean prediction against the observed churn rate. -#}
with churn_run as (
    select * from {{ ref('int_churn_model_fitted') }}
),

final as (
    select
        cast(model_run_id as string) as model_run_id,
        cast(model_name as string) as model_name,
        cast(calibration_bin as integer) as calibration_bin,
        cast(bin_customers as integer) as customers,
        cast(mean_predicted_probability as double) as mean_predicted_probability,
        cast(observed_churn_rate as double) as observed_churn_rate,
        cast(evaluated_on as string) as evaluated_on
    from churn_run
    where record_type = 'calibration'
)

select * from final
order by model_run_id, model_name, calibration_bin
