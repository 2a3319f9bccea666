{#- The churn model's feature table, built once and read by training, scoring,
    the backtest and the segmentation: int_customer_activity_at_feature_dates
    with the BG/NBD columns of the customer's purchase pattern at that date
    (BG/NBD fitted on the purchases up to feature_date only). Doc block
    churn_features. -#}
with activity as (
    select * from {{ ref('int_customer_activity_at_feature_dates') }}
),

bgnbd as (
    select * from {{ ref('int_bgnbd_fitted_at_feature_dates') }}
),

final as (
    select
        activity.*,
        cast(bgnbd.bgnbd_p_alive as double) as bgnbd_p_alive,
        cast(bgnbd.bgnbd_expected_purchases as double) as bgnbd_expected_purchases,
        cast(bgnbd.bgnbd_p_no_purchase as double) as bgnbd_p_no_purchase
    from activity
    left join bgnbd
        on activity.feature_date = bgnbd.feature_date
        and activity.purchase_days - 1 = bgnbd.repeat_purchase_days
        and activity.purchase_span_days = bgnbd.purchase_span_days
        and activity.tenure_days = bgnbd.tenure_days
)

select * from final
