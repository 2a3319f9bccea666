{#- One row per customer who bought on or before as_of_date: the KMeans segment.
    Doc block customer_segmentation. -#}
with segments as (
    select * from {{ ref('int_customer_segments_fitted') }}
),

final as (
    select
        cast(customer_id as varchar) as customer_id,
        as_of_date,
        cast(segment_id as integer) as segment_id,
        cast(segment_label as varchar) as segment_label,
        cast(distance_to_centroid as double) as distance_to_centroid
    from segments
    where record_type = 'assignment'
)

select * from final
