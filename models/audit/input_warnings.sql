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

orders_before_signup as (
    select
        orders.order_id,
        orders.customer_id,
        row_number() over (order by orders.order_id) as rank_by_key,
        count(*) over () as affected_rows
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    where orders.ordered_at < customers.signed_up_at
),

order_before_signup as (
    {#- An order dated before its customer signed up: kept (a guest order
        before the account), but days from sign-up to first order, tenure and
        the acquisition cohort read from it are wrong if a date is. -#}
    select
        'order_before_signup' as warning_name,
        'orders' as source_name,
        cast(count(*) as double) as figure,
        count(*) as affected_rows,
        max(order_id || ' (customer ' || customer_id || ')')
        filter (where rank_by_key = 1) as example_key,
        count(*) > 0 as is_raised
    from orders_before_signup
),

ids as (
    {#- Only ids with a non-ASCII character can change under NFC: the few
        others are never hashed or joined. -#}
    select
        'customer_id' as id_name,
        customer_id as id_value
    from customers
    where {{ regex_contains('customer_id', '[^\\x00-\\x7f]') }}
    union
    select
        'customer_id' as id_name,
        customer_id as id_value
    from events
    where {{ regex_contains('customer_id', '[^\\x00-\\x7f]') }}
    union
    select
        'order_id' as id_name,
        order_id as id_value
    from orders
    where {{ regex_contains('order_id', '[^\\x00-\\x7f]') }}
),

normalised_ids as (
    select
        id_name,
        id_value,
        {{ nfc_text('id_value') }} as normal_form
    from ids
),

lookalike_pairs as (
    select
        first_id.id_name,
        first_id.id_value as first_value,
        second_id.id_value as second_value,
        row_number() over (
            partition by first_id.id_name
            order by first_id.id_value, second_id.id_value
        ) as rank_by_key,
        count(*) over (partition by first_id.id_name) as pairs
    from normalised_ids as first_id
    inner join normalised_ids as second_id
        on
        first_id.id_name = second_id.id_name
        and first_id.normal_form = second_id.normal_form
        and first_id.id_value < second_id.id_value
),

id_names as (
    select
        'customer_id' as id_name,
        'customers' as source_name
    union all
    select
        'order_id' as id_name,
        'orders' as source_name
),

lookalike_ids as (
    {#- Two ids that are one text in Unicode normal form NFC (an accent
        composed in one, a letter plus a combining accent in the other): they
        look identical but count as two customers (or orders). Kept as
        written; the message names both. -#}
    select
        'ids_equal_after_unicode_normalisation' as warning_name,
        id_names.source_name,
        cast(count(lookalike_pairs.first_value) as double) as figure,
        2 * count(lookalike_pairs.first_value) as affected_rows,
        max(
            {{ sql_text("'") }} || lookalike_pairs.first_value
            || {{ sql_text("' and '") }}
            || lookalike_pairs.second_value || {{ sql_text("'") }}
        ) filter (where lookalike_pairs.rank_by_key = 1) as example_key,
        count(lookalike_pairs.first_value) > 0 as is_raised
    from id_names
    left join lookalike_pairs
        on id_names.id_name = lookalike_pairs.id_name
    group by id_names.source_name
),

checks as (
    select * from without_customer
    union all
    select * from largest_order
    union all
    select * from order_before_signup
    union all
    select * from lookalike_ids
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
            when 'order_before_signup'
                then
                    'orders: ' || affected_rows || ' orders dated before their'
                    || ' customer signed up (e.g. order ' || example_key
                    || '): kept; check ordered_at and signed_up_at'
            when 'ids_equal_after_unicode_normalisation'
                then
                    source_name || ': ' || cast(figure as bigint) || ' pairs of '
                    || case source_name
                        when 'orders' then 'order_id'
                        else 'customer_id'
                    end
                    || ' values that are one text in Unicode NFC form (e.g. '
                    || example_key || '): kept as two; write each id one way'
        end as message
    from checks
)

select * from final
order by warning_name, source_name
