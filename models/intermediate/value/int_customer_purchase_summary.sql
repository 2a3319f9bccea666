{#- BTYD purchase summary per customer as of as_of_date: see the docs block
    customer_purchase_summary. Read by the BTYD fits and published by the mart
    customer_purchase_summary. -#}
with purchase_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

customer_days as (
    select
        customer_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as purchase_days,
        sum(revenue) as total_revenue,
        min_by(revenue, purchase_date) as first_day_revenue
    from purchase_days
    group by customer_id
),

final as (
    select
        customer_days.customer_id,
        run_context.as_of_date,
        run_context.time_unit,
        customer_days.first_purchase_date,
        customer_days.last_purchase_date,
        cast(customer_days.purchase_days - 1 as integer) as frequency,
        cast(
            {{ dbt.datediff(
                'customer_days.first_purchase_date',
                'customer_days.last_purchase_date',
                'day'
            ) }}
            / run_context.time_unit_days as double
        ) as recency,
        cast(
            {{ dbt.datediff(
                'customer_days.first_purchase_date',
                'run_context.as_of_date',
                'day'
            ) }}
            / run_context.time_unit_days as double
        ) as t,
        cast(case
            when customer_days.purchase_days > 1
                then cast(
                        customer_days.total_revenue - customer_days.first_day_revenue
                        as double
                    ) / (customer_days.purchase_days - 1)
            else 0
        end as double) as monetary_value
    from customer_days
    cross join run_context
)

select * from final
order by customer_id
