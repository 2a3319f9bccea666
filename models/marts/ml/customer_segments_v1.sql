{#- Publishes int_customer_segments (the building block; docs on the model). -#}
with customer_segments as (
    select * from {{ ref('int_customer_segments') }}
),

final as (
    select * from customer_segments
)

select * from final
order by customer_id
