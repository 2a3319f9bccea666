{{ config(post_hook=["{{ warn_on_input_warnings(this) }}"]) }}
{#- Input that is valid but worth a look (doc block input_warnings): one row per
    check, raised or not; the build prints the raised ones and goes on. -#}
{%- set people_sources = [
    ('orders', 'stg_input__orders', 'order_id'),
    ('survey_responses', 'stg_input__survey_responses', 'response_id'),
    ('touchpoints', 'stg_input__touchpoints', 'touchpoint_id'),
] -%}
with customers as (
    select * from {{ ref('stg_input__customers') }}
),

orders as (
    select * from {{ ref('stg_input__orders') }}
),

{% for source_name, model, key in people_sources %}
{{ source_name }}_without_customer as (
    {#- Rows whose person is not in `customers`: kept (a person may buy before
        the CRM knows them), counted here. Only when customers has rows. -#}
    select
        'customer_not_in_customers' as warning_name,
        '{{ source_name }}' as source_name,
        count(*) as affected_rows,
        min(events.{{ key }}) as example_key,
        cast(count(distinct events.customer_id) as double) as figure,
        (select count(*) from customers) > 0 and count(*) > 0 as is_raised
    from {{ ref(model) }} as events
    left join customers
        on events.customer_id = customers.customer_id
    where customers.customer_id is null
        and (select count(*) from customers) > 0
),

{% endfor %}
purchases as (
    select
        order_id,
        amount,
        row_number() over (order by amount desc, order_id) as rank_by_amount
    from orders
    where not is_refund
),

largest_order as (
    {#- One order worth more than all the other orders together: valid (it
        passed every rule) but it will dominate revenue, CLV and segments. -#}
    select
        'order_larger_than_all_others' as warning_name,
        'orders' as source_name,
        cast(count(*) filter (where rank_by_amount = 1) as bigint) as affected_rows,
        max(order_id) filter (where rank_by_amount = 1) as example_key,
        cast(max(amount) filter (where rank_by_amount = 1) as double) as figure,
        count(*) >= 2
        and max(amount) filter (where rank_by_amount = 1)
        > coalesce(sum(amount) filter (where rank_by_amount > 1), 0) as is_raised
    from purchases
),

checks as (
    {% for source_name, model, key in people_sources %}
    select * from {{ source_name }}_without_customer
    union all
    {% endfor %}
    select * from largest_order
),

final as (
    select
        warning_name,
        source_name,
        figure,
        affected_rows,
        example_key,
        coalesce(is_raised, false) as is_raised,
        case warning_name
            when 'customer_not_in_customers'
                then source_name || ': ' || affected_rows || ' rows of '
                || cast(figure as bigint) || ' customers not in customers (e.g. '
                || source_name || ' ' || example_key
                || '): kept; add them to customers.csv if they are customers'
            when 'order_larger_than_all_others'
                then 'orders: order ' || example_key || ' (amount '
                || cast(figure as decimal(18, 2)) || ') is worth more than all'
                || ' other orders together: kept; check it is not a typo'
        end as message
    from checks
)

select * from final
order by warning_name, source_name
