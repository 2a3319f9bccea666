{#- Publishes int_customer_segments: one row per customer who bought on or before
    as_of_date. Doc block customer_segmentation. -#}
with customer_segments as (
    select * from {{ ref('int_customer_segments') }}
),

final as (
    select
        customer_id,
        as_of_date,
        segment_id,
        segment_label,
        distance_to_centroid
    from customer_segments
)

select * from final
order by customer_id
