{#- Publishes int_churn_scores (the building block; docs on the model). -#}
with churn_scores as (
    select * from {{ ref('int_churn_scores') }}
),

final as (
    select * from churn_scores
)

select * from final
order by customer_id
