{{ config(post_hook=["{{ warn_on_input_warnings(this) }}"]) }}
{#- Input that is valid but worth a look (doc block input_warnings): one row per
    check, raised or not; the build prints the raised ones and goes on. -#}
with customers as {{ inline_cte() }} (
    select * from {{ ref('stg_input__customers') }}
),

orders as {{ inline_cte() }} (
    select * from {{ ref('stg_input__orders') }}
),

survey_responses as (
    select * from {{ ref('stg_input__survey_responses') }}
),

touchpoints as (
    select * from {{ ref('stg_input__touchpoints') }}
),

events as (
    select
        'orders' as source_name,
        order_id as record_key,
        customer_id
    from orders
    union all
    select
        'survey_responses' as source_name,
        response_id as record_key,
        customer_id
    from survey_responses
    union all
    select
        'touchpoints' as source_name,
        touchpoint_id as record_key,
        customer_id
    from touchpoints
),

known_customers as (
    select count(*) as customer_count from customers
),

sources as (
    select 'orders' as source_name
    union all
    select 'survey_responses' as source_name
    union all
    select 'touchpoints' as source_name
),

unknown_people as (
    {#- Rows whose person is not in `customers`: kept (a person may buy before
        the CRM knows them), counted here. Only when customers has rows. -#}
    select
        events.source_name,
        count(*) as affected_rows,
        min(events.record_key) as example_key,
        count(distinct events.customer_id) as customer_count
    from events
    cross join known_customers
    left join customers
        on events.customer_id = customers.customer_id
    where
        customers.customer_id is null
        and known_customers.customer_count > 0
    group by events.source_name
),

without_customer as (
    select
        'customer_not_in_customers' as warning_name,
        sources.source_name,
        cast(coalesce(unknown_people.customer_count, 0) as double) as figure,
        coalesce(unknown_people.affected_rows, 0) as affected_rows,
        unknown_people.example_key,
        unknown_people.affected_rows is not null as is_raised
    from sources
    left join unknown_people
        on sources.source_name = unknown_people.source_name
),

purchases as (
    select
        order_id,
        amount,
        row_number() over (order by amount desc, order_id asc) as rank_by_amount
    from orders
    where not is_refund
),

largest_order as (
    {#- One order worth more than all the other orders together: valid (it
        passed every rule) but it will dominate revenue, CLV and segments. -#}
    select
        'order_larger_than_all_others' as warning_name,
        'orders' as source_name,
        cast(max(amount) filter (where rank_by_amount = 1) as double) as figure,
        count(*) filter (where rank_by_amount = 1) as affected_rows,
        max(order_id) filter (where rank_by_amount = 1) as example_key,
        count(*) >= 2
        and max(amount) filter (where rank_by_amount = 1)
        > coalesce(sum(amount) filter (where rank_by_amount > 1), 0)
            as is_raised
    from purchases
),

checks as (
    select * from without_customer
    union all
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
                then
                    source_name || ': ' || affected_rows || ' rows of '
                    || cast(figure as bigint) || ' customers not in customers'
                    || ' (e.g. ' || source_name || ' ' || example_key
                    || '): kept; add them to customers.csv if they are customers'
            when 'order_larger_than_all_others'
                then
                    'orders: order ' || example_key || ' (amount '
                    || cast(figure as decimal(18, 2)) || ') is worth more than all'
                    || ' other orders together: kept; check it is not a typo'
        end as message
    from checks
)

select * from final
order by warning_name, source_name
