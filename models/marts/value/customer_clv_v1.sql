{#- Deprecated (see deprecation_date): customer_clv with the cohort-method CLV
    and expected_value on every row. Use customer_clv (v2). Publishes
    int_customer_clv (the building block; docs on the model). -#}
with customer_clv as (
    select * from {{ ref('int_customer_clv') }}
),

final as (
    select * from customer_clv
)

select * from final
order by customer_id
