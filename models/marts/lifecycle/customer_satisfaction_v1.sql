{#- Each respondent's latest NPS and CSAT answer: publishes
    int_customer_satisfaction (doc block customer_satisfaction). -#}
with satisfaction as (
    select * from {{ ref('int_customer_satisfaction') }}
),

final as (
    select * from satisfaction
)

select * from final
order by customer_id
