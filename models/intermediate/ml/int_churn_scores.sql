{#- One row per customer who bought on or before as_of_date: the probability of no
    purchase in the next churn_window_days days, from the selected churn model.
    Doc block churn_model. -#}
with churn_run as (
    select * from {{ ref('int_churn_model_fitted') }}
),

final as (
    select
        cast(customer_id as varchar) as customer_id,
        cast(churn_probability as double) as churn_probability,
        cast(risk_decile as integer) as risk_decile,
        as_of_date as scored_as_of,
        cast(model_version as varchar) as model_version
    from churn_run
    where record_type = 'score'
)

select * from final
