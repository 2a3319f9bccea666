{#- One row per customer who bought on or before as_of_date: the KMeans segment,
    the nearest centroid of the model fitted on the sample
    (int_customer_segments_fitted), computed in SQL for everyone. Each model column
    is t = (g(coalesce(v, impute)) - mean) / scale (g = ln(1 + max(v, 0)) for the
    behaviour columns, identity for survey scores; the inter-purchase gap of a
    one-time buyer is its tenure), and the segment is the centroid with the
    smallest squared distance sum (t - center)^2 (ties: lower segment_id). Doc
    block customer_segmentation. -#}
{%- set columns = ['recency_days', 'purchase_days', 'revenue', 'tenure_days',
    'avg_order_value', 'mean_interpurchase_days', 'latest_nps', 'latest_csat'] -%}

with segments_run as {{ inline_cte() }} (
    select * from {{ ref('int_customer_segments_fitted') }}
),

features as (
    select * from {{ ref('int_customer_features_at_feature_dates') }}
),

scoring_rows as (
    select
        customer_id,
        feature_date,
        recency_days,
        purchase_days,
        revenue,
        tenure_days,
        avg_order_value,
        coalesce(mean_interpurchase_days, tenure_days) as mean_interpurchase_days,
        latest_nps,
        latest_csat
    from features
    where feature_date_index = 0
),

scaling as (
    select
        {% for column in columns %}
            max(case when feature = '{{ column }}' then impute_value end)
                as {{ column }}__impute_value,
            max(case when feature = '{{ column }}' then mean end)
                as {{ column }}__mean,
            max(case when feature = '{{ column }}' then scale end)
                as {{ column }}__scale,
            max(case when feature = '{{ column }}' and is_log1p then 1 else 0 end)
                as {{ column }}__is_log1p{% if not loop.last %},{% endif %}
        {% endfor %}
    from segments_run
    where record_type = 'scaling'
),

centroids as (
    select
        segment_id,
        {% for column in columns %}
            max(case when feature = '{{ column }}' then center end)
                as {{ column }}__center{% if not loop.last %},{% endif %}
        {% endfor %}
    from segments_run
    where record_type = 'centroid'
    group by segment_id
),

labels as (
    select
        segment_id,
        segment_label,
        model_version
    from segments_run
    where record_type = 'profile'
),

standardised as (
    select
        scoring_rows.customer_id,
        scoring_rows.feature_date,
        {% for column in columns %}
            {% set value = 'coalesce(scoring_rows.' ~ column ~ ', scaling.'
                ~ column ~ '__impute_value)' %}
            (
                case
                    when scaling.{{ column }}__is_log1p = 1
                        then ln(1 + greatest({{ value }}, 0))
                    else {{ value }}
                end
                - scaling.{{ column }}__mean
            )
            / scaling.{{ column }}__scale
                as {{ column }}__standardised{% if not loop.last %},{% endif %}
        {% endfor %}
    from scoring_rows
    cross join scaling
),

distances as (
    select
        standardised.customer_id,
        standardised.feature_date,
        centroids.segment_id,
        {% for column in columns %}
            coalesce(
                (
                    standardised.{{ column }}__standardised
                    - centroids.{{ column }}__center
                )
                * (
                    standardised.{{ column }}__standardised
                    - centroids.{{ column }}__center
                ),
                0
            ){% if not loop.last %} +{% endif %}
        {% endfor %}
            as squared_distance
    from standardised
    cross join centroids
),

nearest as (
    select
        distances.*,
        row_number() over (
            partition by distances.customer_id
            order by distances.squared_distance, distances.segment_id
        ) as distance_rank
    from distances
),

final as (
    select
        cast(nearest.customer_id as string) as customer_id,
        nearest.feature_date as as_of_date,
        cast(nearest.segment_id as integer) as segment_id,
        cast(labels.segment_label as string) as segment_label,
        cast(sqrt(nearest.squared_distance) as double) as distance_to_centroid,
        cast(labels.model_version as string) as model_version
    from nearest
    inner join labels
        on nearest.segment_id = labels.segment_id
    where nearest.distance_rank = 1
)

select * from final
