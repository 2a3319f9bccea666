with summary as (
    select * from {{ ref('customer_purchase_summary') }}
),

predictions as (
    select * from {{ ref('btyd_customer_predictions') }}
),

historical as (
    select * from {{ ref('int_customer_historical_value') }}
),

margins as (
    select * from {{ ref('int_customer_margins') }}
),

cohort_parameters as (
    select * from {{ ref('int_cohort_clv_parameters') }}
),

cohort_factor as (
    {#- sum_{t=1..H} q^t with q = retention / (1 + d) = q (1 - q^H) / (1 - q) -#}
    select
        *,
        retention_rate / (1 + period_discount_rate) as q,
        case
            when retention_rate / (1 + period_discount_rate) = 1
                then {{ var('clv_horizon_periods') }}
            else (retention_rate / (1 + period_discount_rate))
                * (1 - power(retention_rate / (1 + period_discount_rate),
                    {{ var('clv_horizon_periods') }}))
                / (1 - retention_rate / (1 + period_discount_rate))
        end as discounted_retention_sum
    from cohort_parameters
),

final as (
    select
        summary.customer_id,
        summary.as_of_date,
        summary.time_unit,
        '{{ var("clv_period") }}' as clv_period,
        cast({{ var('clv_horizon_periods') }} as integer) as horizon_periods,
        cast(historical.revenue as decimal(18, 2)) as historical_revenue,
        cast(historical.margin as double) as historical_margin,
        cast(historical.historical_clv as double) as historical_clv,
        margins.margin_rate,
        margins.margin_source,
        predictions.p_alive,
        predictions.probability_of_purchase_in_horizon,
        predictions.expected_purchases,
        predictions.expected_order_value,
        predictions.predicted_clv,
        cast(cohort_factor.arpu * margins.margin_rate
            * cohort_factor.discounted_retention_sum as double) as cohort_method_clv,
        cast(predictions.p_alive * historical.revenue
            / (floor({{ dbt.datediff(
                'summary.first_purchase_date', 'summary.as_of_date',
                'day') }} / {{ clv_period_days() }}) + 1)
            * {{ var('clv_horizon_periods') }} as double) as expected_value
    from summary
    inner join historical
        on summary.customer_id = historical.customer_id
    inner join margins
        on summary.customer_id = margins.customer_id
    left join predictions
        on summary.customer_id = predictions.customer_id
    cross join cohort_factor
)

select * from final
