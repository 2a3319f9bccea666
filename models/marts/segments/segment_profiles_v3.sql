{#- One row per KMeans segment: size, share, silhouettes and the centroid in
    original units. v2: centroid_frequency -> centroid_purchase_days,
    centroid_monetary -> centroid_revenue (issue 12 vocabulary). v3: the means of
    the latest answers are centroid_latest_nps_score and centroid_latest_csat_score,
    the names of the answers in customer_satisfaction and customer_360 (v2:
    centroid_latest_nps, which read like an NPS of -100..100). -#}
with segments as (
    select * from {{ ref('int_segment_profiles') }}
),

final as (
    select
        cast(segment_id as integer) as segment_id,
        cast(segment_label as string) as segment_label,
        as_of_date,
        cast(model_version as string) as model_version,
        cast(customers as integer) as customers,
        cast(share as double) as share,
        cast(silhouette as double) as silhouette,
        cast(segment_silhouette as double) as segment_silhouette,
        cast(centroid_recency_days as double) as centroid_recency_days,
        cast(centroid_purchase_days as double) as centroid_purchase_days,
        cast(centroid_revenue as double) as centroid_revenue,
        cast(centroid_tenure_days as double) as centroid_tenure_days,
        cast(centroid_avg_order_value as double) as centroid_avg_order_value,
        cast(centroid_mean_interpurchase_days as double)
            as centroid_mean_interpurchase_days,
        cast(centroid_latest_nps as double) as centroid_latest_nps_score,
        cast(centroid_latest_csat as double) as centroid_latest_csat_score
    from segments
)

select * from final
order by segment_id
