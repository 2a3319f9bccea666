{#- Deprecated (see deprecation_date; use v3, the plain name): segment_profiles
    with the means of the latest NPS and CSAT answers named centroid_latest_nps
    and centroid_latest_csat (v3: centroid_latest_nps_score,
    centroid_latest_csat_score). The same rows as v3. -#}
with profiles as (
    select * from {{ ref('segment_profiles', v=3) }}
),

final as (
    select
        segment_id,
        segment_label,
        as_of_date,
        model_version,
        customers,
        share,
        silhouette,
        segment_silhouette,
        centroid_recency_days,
        centroid_purchase_days,
        centroid_revenue,
        centroid_tenure_days,
        centroid_avg_order_value,
        centroid_mean_interpurchase_days,
        centroid_latest_nps_score as centroid_latest_nps,
        centroid_latest_csat_score as centroid_latest_csat
    from profiles
)

select * from final
order by segment_id
