{#- One row per KMeans segment: its label and silhouettes from the fit
    (int_customer_segments_fitted), and its size, share and centroid in original
    units from every assigned customer (int_customer_segments): the means of the
    members' scoring features, inter-purchase days over repeat buyers only and
    survey scores over respondents only (exact means: order-free). -#}
with segments_run as (
    select * from {{ ref('int_customer_segments_fitted') }}
),

segments as (
    select * from {{ ref('int_customer_segments') }}
),

features as (
    select * from {{ ref('int_customer_features_at_feature_dates') }}
),

fitted_profiles as (
    select
        segment_id,
        segment_label,
        as_of_date,
        model_version,
        silhouette,
        segment_silhouette
    from segments_run
    where record_type = 'profile'
),

members as (
    select
        segments.segment_id,
        count(*) as customers,
        {{ exact_avg('features.recency_days') }} as centroid_recency_days,
        {{ exact_avg('features.purchase_days') }} as centroid_purchase_days,
        {{ exact_avg('features.revenue') }} as centroid_revenue,
        {{ exact_avg('features.tenure_days') }} as centroid_tenure_days,
        {{ exact_avg('features.avg_order_value') }} as centroid_avg_order_value,
        {{ exact_avg('features.mean_interpurchase_days') }}
            as centroid_mean_interpurchase_days,
        {{ exact_avg('features.latest_nps') }} as centroid_latest_nps,
        {{ exact_avg('features.latest_csat') }} as centroid_latest_csat
    from segments
    inner join features
        on segments.customer_id = features.customer_id
        and features.feature_date_index = 0
    group by segments.segment_id
),

final as (
    select
        cast(fitted_profiles.segment_id as integer) as segment_id,
        cast(fitted_profiles.segment_label as string) as segment_label,
        fitted_profiles.as_of_date,
        cast(fitted_profiles.model_version as string) as model_version,
        cast(coalesce(members.customers, 0) as integer) as customers,
        cast(fitted_profiles.silhouette as double) as silhouette,
        cast(fitted_profiles.segment_silhouette as double) as segment_silhouette,
        members.centroid_recency_days,
        members.centroid_purchase_days,
        members.centroid_revenue,
        members.centroid_tenure_days,
        members.centroid_avg_order_value,
        members.centroid_mean_interpurchase_days,
        members.centroid_latest_nps,
        members.centroid_latest_csat,
        cast(coalesce(members.customers, 0) as double)
        / sum(coalesce(members.customers, 0)) over () as share
    from fitted_profiles
    left join members
        on fitted_profiles.segment_id = members.segment_id
)

select * from final
