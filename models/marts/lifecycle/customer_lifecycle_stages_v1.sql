{#- Deprecated (see deprecation_date; use v2, the spells): publishes
    int_customer_lifecycle_stages, the stage spells expanded to one row per
    customer and period with the facts (docs on the model). -#}
with customer_lifecycle_stages as (
    select * from {{ ref('int_customer_lifecycle_stages') }}
),

final as (
    select * from customer_lifecycle_stages
)

select * from final
order by customer_id, period_start
