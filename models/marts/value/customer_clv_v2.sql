{#- Publishes int_customer_clv (the building block; docs on the model) without the
    two columns v1 repeated on every row: the cohort-method CLV (per channel and
    cohort in ltv_cac, discounted_ltv) and the naive expected_value. -#}
with customer_clv as (
    select * from {{ ref('int_customer_clv') }}
),

final as (
    select
        customer_id,
        as_of_date,
        time_unit,
        clv_period,
        horizon_periods,
        historical_revenue,
        historical_margin,
        historical_clv,
        margin_rate,
        margin_source,
        p_alive,
        probability_of_purchase_in_horizon,
        expected_purchases,
        expected_order_value,
        predicted_clv,
        purchase_model,
        purchase_model_status,
        bg_nbd_p_alive,
        bg_nbd_expected_purchases,
        pareto_nbd_p_alive,
        pareto_nbd_expected_purchases
    from customer_clv
)

select * from final
order by customer_id
