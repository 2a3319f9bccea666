{#- Deprecated (see deprecation_date): customer_rfm as published before the one
    vocabulary of v2. Same customers and scores; the old column names
    (first_order_date, last_order_date, frequency = purchases, monetary = net
    revenue) and the old segment names ('at risk', 'new', 'lost', which v2 calls
    'slipping regulars', 'first-timers', 'dormant'). Use customer_rfm (v2). -#}
with rfm as (
    select * from {{ ref('int_customer_rfm') }}
),

final as (
    select
        customer_id,
        as_of_date,
        first_purchase_date as first_order_date,
        last_purchase_date as last_order_date,
        recency_days,
        orders as frequency,
        revenue as monetary,
        r_score,
        f_score,
        m_score,
        rfm_cell,
        case rfm_segment
            when 'slipping regulars' then 'at risk'
            when 'first-timers' then 'new'
            when 'dormant' then 'lost'
            when 'potential loyalists' then 'potential loyalist'
            else rfm_segment
        end as rfm_segment
    from rfm
)

select * from final
order by customer_id
