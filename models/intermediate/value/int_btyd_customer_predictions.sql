{#- Per customer and purchase model: the predictions of the customer's purchase
    pattern (int_btyd_pattern_predictions, scored in Python once per distinct
    frequency/recency/t/monetary_value) joined back to every customer, and the
    predicted CLV = discounted value per unit of margin x the customer's margin
    rate (exactly 0 at zero margin, null when a fit failed). -#}
with summary as (
    select * from {{ ref('int_customer_purchase_summary') }}
),

patterns as (
    select * from {{ ref('int_btyd_pattern_predictions') }}
),

margins as (
    select * from {{ ref('int_customer_margins') }}
),

final as (
    select
        summary.customer_id,
        patterns.purchase_model,
        patterns.p_alive,
        patterns.probability_of_purchase_in_horizon,
        patterns.expected_purchases,
        patterns.expected_order_value,
        case
            when
                patterns.expected_order_value is null
                or patterns.expected_purchases is null
                then null
            when margins.margin_rate = 0 then 0.0
            else patterns.discounted_value * margins.margin_rate
        end as predicted_clv
    from summary
    inner join patterns
        on summary.frequency = patterns.frequency
        and summary.recency = patterns.recency
        and summary.t = patterns.t
        and summary.monetary_value = patterns.monetary_value
    left join margins
        on summary.customer_id = margins.customer_id
)

select * from final
