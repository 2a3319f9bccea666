{#- Publishes int_customer_lifecycle_stages (the building block; docs on the model). -#}
with customer_lifecycle_stages as (
    select * from {{ ref('int_customer_lifecycle_stages') }}
),

final as (
    select * from customer_lifecycle_stages
)

select * from final
