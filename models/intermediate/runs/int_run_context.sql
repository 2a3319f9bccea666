{#- One row: the snapshot date, the time unit and the vars the Python models
    read: the one way vars reach them (never dbt.config); every var is checked
    by check_vars. -#}
{%- set backtest_days = btyd_backtest_days_var() -%}
with orders as (
    select * from {{ ref('stg_input__orders') }}
),

final as (
    select
        {% if as_of_date_var() is not none -%}
        cast('{{ as_of_date_var() }}' as date) as as_of_date,
        {%- else -%}
            (select max(orders.order_date) from orders) as as_of_date,
        {%- endif %}
        '{{ var("time_unit") | lower }}' as time_unit,
        cast({{ time_unit_days() }} as double) as time_unit_days,
        '{{ var("lifecycle_period") | lower }}' as lifecycle_period,
        cast({{ var('lifecycle_forecast_periods') }} as integer)
            as lifecycle_forecast_periods,
        '{{ var("clv_period") | lower }}' as clv_period,
        cast({{ clv_period_days() }} as double) as clv_period_days,
        cast({{ clv_horizon_periods_var() }} as integer) as clv_horizon_periods,
        cast({{ annual_discount_rate_var() }} as double) as annual_discount_rate,
        cast({{ btyd_min_customers_var() }} as integer) as btyd_min_customers,
        '{{ purchase_model_var() }}' as purchase_model,
        cast(
            {{ backtest_days if backtest_days is not none else 'null' }} as integer
        ) as btyd_backtest_days
)

select * from final
