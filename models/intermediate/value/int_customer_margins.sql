{#- Gross margin rate per customer: see the docs block margin_rule. -#}
with orders as {{ inline_cte() }} (
    select * from {{ ref('int_orders_as_of') }}
),

customers as (
    select distinct customer_id from orders
),

customer_costs as (
    select
        customer_id,
        sum(amount) as revenue_with_cost,
        sum(cost) as cost
    from orders
    where not is_refund
        and cost is not null
    group by customer_id
),

company_costs as (
    select
        sum(revenue_with_cost) as revenue_with_cost,
        sum(cost) as cost
    from customer_costs
),

final as (
    select
        customers.customer_id,
        cast(case
            when customer_costs.revenue_with_cost > 0
                then cast(
                        customer_costs.revenue_with_cost - customer_costs.cost as double
                    ) / customer_costs.revenue_with_cost
            when company_costs.revenue_with_cost > 0
                then cast(
                        company_costs.revenue_with_cost - company_costs.cost as double
                    ) / company_costs.revenue_with_cost
            else {{ var('gross_margin') }}
        end as double) as margin_rate,
        case
            when customer_costs.revenue_with_cost > 0 then 'customer_cost'
            when company_costs.revenue_with_cost > 0 then 'company_cost'
            else 'var_gross_margin'
        end as margin_source
    from customers
    left join customer_costs
        on customers.customer_id = customer_costs.customer_id
    cross join company_costs
)

select * from final
