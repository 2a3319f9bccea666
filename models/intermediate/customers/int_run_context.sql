{#- One row: the snapshot date, the time unit and the vars the Python models
    read (they read vars from here, never from dbt.config). -#}
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
            as lifecycle_forecast_periods
)

select * from final
