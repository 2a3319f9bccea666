{#- Publishes int_customer_clv (the building block; docs on the model) without the
    two columns v1 repeated on every row: the cohort-method CLV (per channel and
    cohort in ltv_cac, discounted_ltv) and the naive expected_value. -#}
with customer_clv as (
    select * from {{ ref('int_customer_clv') }}
),

final as (
    select * exclude (cohort_method_clv, expected_value) from customer_clv
)

select * from final
order by customer_id
