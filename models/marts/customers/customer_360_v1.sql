{#- One row per person the warehouse knows (buyers and prospects) with every
    measure: publishes int_customer_360 (doc block customer_360). -#}
with customer_360 as (
    select * from {{ ref('int_customer_360') }}
),

final as (
    select * from customer_360
)

select * from final
order by customer_id
