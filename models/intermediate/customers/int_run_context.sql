{#- One row: the snapshot date and the time unit every model uses. -#}
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
        cast({{ time_unit_days() }} as double) as time_unit_days
)

select * from final
