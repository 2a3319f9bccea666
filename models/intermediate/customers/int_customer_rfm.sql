{#- RFM scores and named segment per buying customer as of as_of_date: the
    building block that customer_rfm and customer_360 publish. Doc blocks
    customer_rfm, rfm_scoring, rfm_segments. -#}
with orders as (
    select * from {{ ref('int_orders_as_of') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

customer_totals as (
    select
        customer_id,
        min(order_date) filter (where not is_refund) as first_purchase_date,
        max(order_date) filter (where not is_refund) as last_purchase_date,
        count(*) filter (where not is_refund) as orders,
        sum(amount) as revenue
    from orders
    group by customer_id
    having count(*) filter (where not is_refund) > 0
),

measured as (
    select
        customer_totals.*,
        run_context.as_of_date,
        {{ dbt.datediff(
            'customer_totals.last_purchase_date', 'run_context.as_of_date', 'day'
        ) }}
            as recency_days
    from customer_totals
    cross join run_context
),

scored as (
    {#- Quintiles over buying customers by rank: score = 1 + floor(5 (rank - 1) / n).
        Equal values share a rank, hence a score; 5 is best. -#}
    select
        *,
        cast(1 + floor(
            5.0 * (rank() over (order by recency_days desc) - 1)
            / count(*) over ()
        ) as integer) as r_score,
        cast(1 + floor(
            5.0 * (rank() over (order by orders asc) - 1)
            / count(*) over ()
        ) as integer) as f_score,
        cast(1 + floor(
            5.0 * (rank() over (order by revenue asc) - 1)
            / count(*) over ()
        ) as integer) as m_score
    from measured
),

final as (
    select
        scored.customer_id,
        scored.as_of_date,
        scored.first_purchase_date,
        scored.last_purchase_date,
        cast(scored.recency_days as integer) as recency_days,
        cast(scored.orders as integer) as orders,
        cast(scored.revenue as decimal(18, 2)) as revenue,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        (
            cast(scored.r_score as string)
            || cast(scored.f_score as string)
            || cast(scored.m_score as string)
        ) as rfm_cell,
        segment_map.rfm_segment
    from scored
    left join segment_map
        on scored.r_score = segment_map.r_score
        and scored.f_score = segment_map.f_score
        and scored.m_score = segment_map.m_score
)

select * from final
order by customer_id
