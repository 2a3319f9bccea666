{#- Publishes int_churn_scores: one row per customer who bought on or before
    as_of_date. Doc block churn_model. -#}
with churn_scores as (
    select * from {{ ref('int_churn_scores') }}
),

final as (
    select
        customer_id,
        churn_probability,
        risk_decile,
        scored_as_of,
        model_version
    from churn_scores
)

select * from final
order by customer_id
