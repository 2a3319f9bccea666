{{ config(post_hook=["{{ stop_on_failed_input_gates(this) }}"]) }}
{#- The input gates, one row per check (doc block input_gates). A failed gate
    stops the build with one line per failure (post-hook), so the published
    warehouse is never replaced with it. -#}
{%- set limit = var('max_rejected_share') | float -%}
{%- set max_gap = var('as_of_max_gap_days') | int -%}
with row_counts as {{ inline_cte() }} (
    select * from {{ ref('source_row_counts') }}
),

orders as (
    select * from {{ ref('stg_input__orders') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

orders_from_latest as (
    select
        order_date,
        row_number() over (order by order_date desc) as rank_from_latest,
        count(*) over () as order_count
    from orders
),

order_dates as (
    {#- order_date_p999: the latest order date once the latest 0.1% of orders
        (at least one) are set aside. -#}
    select
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        coalesce(
            max(order_date) filter (
                where rank_from_latest = 2 + floor(0.001 * order_count)
            ),
            max(order_date)
        ) as order_date_p999
    from orders_from_latest
),

rejected_share as (
    select
        'rejected_share' as gate_name,
        source_name,
        cast(coalesce(rejected_share, 0) as double) as figure,
        cast({{ limit }} as double) as gate_limit,
        coalesce(rejected_share, 0) <= {{ limit }} as is_passed,
        source_name || ': ' || rejected_rows || ' of ' || input_rows
        || ' rows rejected (' || round(100 * coalesce(rejected_share, 0), 1)
        || '%, limit {{ 100 * limit }}%): see audit.rejected_rows, or raise var'
        || ' max_rejected_share' as message
    from row_counts
),

empty_orders as (
    select
        'orders_present' as gate_name,
        'orders' as source_name,
        cast(accepted_rows as double) as figure,
        cast(1 as double) as gate_limit,
        accepted_rows >= 1 as is_passed,
        'orders: no accepted order in ' || input_rows || ' input rows: the'
        || ' warehouse would be empty; see audit.rejected_rows' as message
    from row_counts
    where source_name = 'orders'
),

as_of_inside_data as (
    select
        'as_of_inside_data' as gate_name,
        'orders' as source_name,
        cast({{ dbt.datediff('order_dates.first_order_date',
            'run_context.as_of_date', 'day') }} as double) as figure,
        cast(0 as double) as gate_limit,
        order_dates.first_order_date is null
        or run_context.as_of_date >= order_dates.first_order_date as is_passed,
        'as_of_date ' || run_context.as_of_date || ' is before the first order ('
        || order_dates.first_order_date || '): set as_of_date within the data'
            as message
    from run_context
    cross join order_dates
),

default_as_of_isolated as (
    {#- Only when as_of_date defaults to the last order date: that date must not
        stand alone far after the rest (a typo such as 2099). -#}
    select
        'default_as_of_not_isolated' as gate_name,
        'orders' as source_name,
        cast({{ dbt.datediff('order_dates.order_date_p999',
            'order_dates.last_order_date', 'day') }} as double) as figure,
        cast({{ max_gap }} as double) as gate_limit,
        {% if as_of_date_var() is none -%}
            order_dates.last_order_date is null
            or {{ dbt.datediff('order_dates.order_date_p999',
            'order_dates.last_order_date', 'day') }} <= {{ max_gap }}
        {%- else -%}
        true
        {%- endif %} as is_passed,
        'orders: the last order date ' || order_dates.last_order_date
        || ' lies ' || {{ dbt.datediff('order_dates.order_date_p999',
            'order_dates.last_order_date', 'day') }}
        || ' days after 99.9% of orders (and all but one; limit {{ max_gap }}, var'
        || ' as_of_max_gap_days), so it cannot be the default as_of_date: set'
        || ' as_of_date, or fix that order' as message
    from order_dates
),

final as (
    select * from rejected_share
    union all
    select * from empty_orders
    union all
    select * from as_of_inside_data
    union all
    select * from default_as_of_isolated
)

select * from final
order by gate_name, source_name
