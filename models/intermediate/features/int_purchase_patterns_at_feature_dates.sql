{#- One row per feature date and distinct BG/NBD purchase pattern (repeat purchase
    days x, purchase span t_x and age T, in days): the compact input of the BG/NBD
    fits of the churn features. customers counts every customer of the pattern,
    sampled_customers those of the churn sample (the fit's weights). -#}
with activity as (
    select * from {{ ref('int_customer_activity_at_feature_dates') }}
),

final as (
    select
        activity.feature_date,
        activity.purchase_span_days,
        activity.tenure_days,
        activity.purchase_days - 1 as repeat_purchase_days,
        count(*) as customers,
        sum(case when activity.is_in_churn_sample then 1 else 0 end)
            as sampled_customers
    from activity
    group by
        activity.feature_date,
        activity.purchase_days,
        activity.purchase_span_days,
        activity.tenure_days
)

select * from final
