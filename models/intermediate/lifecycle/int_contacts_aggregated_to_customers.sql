{#- One row per person known on or before as_of_date (customers and prospects),
    with the first date of each kind of contact. First contact = the earliest of
    sign-up, touchpoint and first purchase. A customer row without a sign-up date
    and without any touchpoint or purchase has no first contact and is left out. -#}
with run_context as (
    select * from {{ ref('int_run_context') }}
),

customers as {{ inline_cte() }} (
    select * from {{ ref('stg_input__customers') }}
),

touchpoints as (
    select * from {{ ref('stg_input__touchpoints') }}
),

purchase_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

contact_events as (
    select
        customer_id,
        signed_up_date as contact_date,
        'sign_up' as contact_type
    from customers
    where signed_up_date is not null

    union all

    select
        customer_id,
        occurred_date as contact_date,
        'touchpoint' as contact_type
    from touchpoints

    union all

    select
        customer_id,
        purchase_date as contact_date,
        'purchase' as contact_type
    from purchase_days
),

contact_events_as_of as (
    select contact_events.*
    from contact_events
    inner join run_context
        on contact_events.contact_date <= run_context.as_of_date
),

first_contacts as (
    select
        customer_id,
        min(contact_date) as first_contact_date,
        min(contact_date) filter (where contact_type = 'sign_up') as signed_up_date,
        min(contact_date) filter (where contact_type = 'touchpoint')
            as first_touchpoint_date,
        min(contact_date) filter (where contact_type = 'purchase')
            as first_purchase_date
    from contact_events_as_of
    group by customer_id
),

final as (
    select
        first_contacts.customer_id,
        first_contacts.first_contact_date,
        first_contacts.signed_up_date,
        first_contacts.first_touchpoint_date,
        first_contacts.first_purchase_date,
        customers.acquisition_channel
    from first_contacts
    left join customers
        on first_contacts.customer_id = customers.customer_id
)

select * from final
