{#- Acquisition cohorts (month of the first purchase) x months since the first
    purchase, every month up to the one holding as_of_date (zero rows kept). -#}
with orders as (
    select * from {{ ref('int_orders_as_of') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

customer_months as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as activity_month,
        count(*) filter (where not is_refund) > 0 as has_purchase,
        sum(amount) as net_revenue
    from orders
    group by customer_id, activity_month
),

customer_cohorts as (
    select
        customer_id,
        min(activity_month) filter (where has_purchase) as cohort_month
    from customer_months
    group by customer_id
    having count(*) filter (where has_purchase) > 0
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_size
    from customer_cohorts
    group by cohort_month
),

cohort_spine as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        {{ integer_series(
            0,
            dbt.datediff('cohort_sizes.cohort_month', 'run_context.as_of_date', 'month')
        ) }} as months_since_first_order,
        run_context.as_of_date
    from cohort_sizes
    cross join run_context
),

cohort_activity as (
    select
        customer_cohorts.cohort_month,
        cast({{ dbt.datediff('customer_cohorts.cohort_month',
            'customer_months.activity_month', 'month') }} as integer)
            as months_since_first_order,
        count(*) filter (where customer_months.has_purchase) as active_customers,
        sum(customer_months.net_revenue) as revenue
    from customer_months
    inner join customer_cohorts
        on customer_months.customer_id = customer_cohorts.customer_id
    where customer_months.activity_month >= customer_cohorts.cohort_month
    group by customer_cohorts.cohort_month, months_since_first_order
),

filled as (
    select
        cohort_spine.cohort_month,
        cohort_spine.months_since_first_order,
        cast({{ dbt.dateadd('month', 'cohort_spine.months_since_first_order',
            'cohort_spine.cohort_month') }} as date) as activity_month,
        cohort_spine.as_of_date,
        cohort_spine.cohort_size,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.revenue, 0) as revenue
    from cohort_spine
    left join cohort_activity
        on cohort_spine.cohort_month = cohort_activity.cohort_month
        and (
            cohort_spine.months_since_first_order
            = cohort_activity.months_since_first_order
        )
),

final as (
    select
        cohort_month,
        months_since_first_order,
        activity_month,
        (
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'activity_month')) }}
            <= as_of_date
        ) as is_complete_month,
        cast(cohort_size as integer) as cohort_size,
        cast(active_customers as integer) as active_customers,
        cast(active_customers as double) / cohort_size as retention_rate,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(sum(revenue) over (
            partition by cohort_month
            order by months_since_first_order
            rows between unbounded preceding and current row
        ) / cohort_size as decimal(18, 2)) as cumulative_revenue_per_customer
    from filled
)

select * from final
