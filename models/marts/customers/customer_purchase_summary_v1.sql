{#- Publishes int_customer_purchase_summary (the building block the BTYD fits
    read; docs on the mart). -#}
with purchase_summary as (
    select * from {{ ref('int_customer_purchase_summary') }}
),

final as (
    select * from purchase_summary
)

select * from final
order by customer_id
