{#- The latest backtest origin (origin_index 1; the only one of an external
    backtest), the model customer_clv uses: the customers of
    btyd_backtest_customers summed by grain. Every origin and model:
    btyd_backtest_by_origin. -#}
with customers as (
    -- The published per-customer backtest (the latest origin), summed here.
    select * from {{ ref('btyd_backtest_customers', v=1) }}
),

bucketed as (
    select
        *,
        case when frequency >= 7 then '7+' else cast(frequency as string) end
            as frequency_bucket
    from customers
),

grouped as (
    select
        'total' as grain,
        'all' as group_value,
        -1 as group_order,
        *
    from bucketed
    union all
    select
        'frequency_bucket' as grain,
        frequency_bucket as group_value,
        least(frequency, 7) as group_order,
        *
    from bucketed
),

final as (
    select
        grain,
        group_value,
        cast(min(group_order) as integer) as group_order,
        min(as_of_date) as as_of_date,
        min(backtest_kind) as backtest_kind,
        min(purchase_model) as purchase_model,
        min(calibration_end_date) as calibration_end_date,
        min(backtest_end_date) as backtest_end_date,
        cast(min(backtest_days) as integer) as backtest_days,
        cast(count(*) as integer) as customers,
        {{ exact_sum('predicted_purchases') }} as predicted_purchases,
        cast(sum(actual_purchases) as double) as actual_purchases,
        {{ exact_sum('predicted_purchases') }} - sum(actual_purchases) as total_error,
        ({{ exact_sum('predicted_purchases') }} - sum(actual_purchases))
        / nullif(sum(actual_purchases), 0) as relative_total_error,
        {{ exact_avg('predicted_purchases') }} as mean_predicted_purchases,
        avg(actual_purchases) as mean_actual_purchases,
        {{ exact_avg('abs(error)') }} as mae,
        sqrt({{ exact_avg('error * error') }}) as rmse
    from grouped
    group by grain, group_value
)

select * from final
order by grain desc, group_order asc
