with summary as (
    select * from {{ ref('int_customer_purchase_summary') }}
),

all_predictions as (
    select * from {{ ref('int_btyd_customer_predictions') }}
),

selection as (
    select * from {{ ref('int_btyd_model_selection') }}
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

selected_model as (
    select
        purchase_model,
        status as purchase_model_status
    from selection
    where is_selected
),

predictions as (
    {#- the selected model's predictions, and both models' p_alive and
        expected purchases side by side -#}
    select
        all_predictions.customer_id,
        selected_model.purchase_model,
        selected_model.purchase_model_status,
        max(case
            when all_predictions.purchase_model = selected_model.purchase_model
                then all_predictions.p_alive
        end) as p_alive,
        max(case
            when all_predictions.purchase_model = selected_model.purchase_model
                then all_predictions.probability_of_purchase_in_horizon
        end)
            as probability_of_purchase_in_horizon,
        max(case
            when all_predictions.purchase_model = selected_model.purchase_model
                then all_predictions.expected_purchases
        end) as expected_purchases,
        max(case
            when all_predictions.purchase_model = selected_model.purchase_model
                then all_predictions.expected_order_value
        end) as expected_order_value,
        max(case
            when all_predictions.purchase_model = selected_model.purchase_model
                then all_predictions.predicted_clv
        end) as predicted_clv,
        max(case
            when all_predictions.purchase_model = 'bg_nbd'
                then all_predictions.p_alive
        end) as bg_nbd_p_alive,
        max(case
            when all_predictions.purchase_model = 'bg_nbd'
                then all_predictions.expected_purchases
        end) as bg_nbd_expected_purchases,
        max(case
            when all_predictions.purchase_model = 'pareto_nbd'
                then all_predictions.p_alive
        end) as pareto_nbd_p_alive,
        max(case
            when all_predictions.purchase_model = 'pareto_nbd'
                then all_predictions.expected_purchases
        end)
            as pareto_nbd_expected_purchases
    from all_predictions
    cross join selected_model
    group by
        all_predictions.customer_id, selected_model.purchase_model,
        selected_model.purchase_model_status
),

cohort_factor as (
    {#- sum_{t=1..H} q^t with q = retention / (1 + d) = q (1 - q^H) / (1 - q) -#}
    select
        *,
        retention_rate / (1 + period_discount_rate) as q,
        case
            when retention_rate / (1 + period_discount_rate) = 1
                then {{ var('clv_horizon_periods') }}
            else
                (retention_rate / (1 + period_discount_rate))
                * (1 - power(
                    retention_rate / (1 + period_discount_rate),
                    {{ var('clv_horizon_periods') }}
                ))
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
        cast(
            cohort_factor.arpu * margins.margin_rate
            * cohort_factor.discounted_retention_sum as double
        ) as cohort_method_clv,
        cast(
            predictions.p_alive * historical.revenue
            / (floor({{ dbt.datediff(
                'summary.first_purchase_date', 'summary.as_of_date',
                'day') }} / {{ clv_period_days() }}) + 1)
            * {{ var('clv_horizon_periods') }} as double
        ) as expected_value,
        predictions.purchase_model,
        predictions.purchase_model_status,
        predictions.bg_nbd_p_alive,
        predictions.bg_nbd_expected_purchases,
        predictions.pareto_nbd_p_alive,
        predictions.pareto_nbd_expected_purchases
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
