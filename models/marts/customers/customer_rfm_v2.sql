{#- RFM scores and named segment, one row per buying customer (doc block
    customer_rfm). v2: purchases are `orders`, net revenue is `revenue`, first and
    last purchase dates as in customer_purchase_summary, and segment names that
    share no word with the lifecycle stages. -#}
with rfm as (
    select * from {{ ref('int_customer_rfm') }}
),

final as (
    select
        customer_id,
        as_of_date,
        first_purchase_date,
        last_purchase_date,
        recency_days,
        orders,
        revenue,
        r_score,
        f_score,
        m_score,
        rfm_cell,
        rfm_segment
    from rfm
)

select * from final
order by customer_id
