{#- Deprecated (see deprecation_date; use v2, the spells): one row per customer
    (prospects included) and period, from the period of first contact to the
    period holding as_of_date: the stage spells (int_customer_lifecycle_spells)
    expanded to their periods, with the facts that decided each period's stage
    (macro lifecycle_stage_facts over the sparse purchase periods). No model
    reads it (the transitions, stage mix forecast, ltv_cac and customer_360 come
    from the spells), so the customer x period cost is paid for this published
    view only; the semantic model customer_periods and the report's stage chart
    read it for the stage mix period by period. -#}
with periods as {{ inline_cte() }} (
    select * from {{ ref('int_lifecycle_periods') }}
),

spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
),

contacts as (
    select * from {{ ref('int_contacts_aggregated_to_customers') }}
),

purchase_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

purchase_periods as (
    {{ lifecycle_purchase_periods('periods', 'purchase_days') }}
),

customer_periods as (
    select
        spells.customer_id,
        spells.lifecycle_stage,
        contacts.first_contact_date,
        contacts.first_purchase_date,
        periods.period_number,
        periods.period_start,
        periods.period_end,
        periods.is_complete
    from spells
    inner join periods
        on periods.period_number between spells.first_period_number
        and spells.last_period_number
    inner join contacts
        on spells.customer_id = contacts.customer_id
),

measured as (
    {{ lifecycle_stage_facts('customer_periods', 'purchase_periods') }}
),

final as (
    select
        customer_id,
        period_start,
        period_end,
        cast(period_number as integer) as period_number,
        is_complete as is_complete_period,
        lifecycle_stage as stage,
        first_contact_date,
        first_purchase_date_to_date as first_purchase_date,
        last_purchase_date,
        cast(days_since_last_purchase as integer) as days_since_last_purchase,
        cast(purchase_days_to_date as integer) as purchase_days_to_date,
        cast(purchase_days_in_period as integer) as purchase_days_in_period,
        cast(orders_in_period as integer) as orders_in_period,
        cast(revenue_in_period as decimal(18, 2)) as revenue_in_period,
        cast(usual_rhythm_days as double) as usual_rhythm_days,
        cast(
            usual_rhythm_days * {{ var('lifecycle_at_risk_multiplier') | float }}
            as double
        ) as at_risk_after_days,
        cast(longest_silence_ended_days as integer) as longest_silence_ended_days,
        cast(trailing_window_revenue as decimal(18, 2)) as trailing_window_revenue,
        cast(previous_window_revenue as decimal(18, 2)) as previous_window_revenue,
        is_previous_window_complete as has_full_previous_window
    from measured
)

select * from final
order by customer_id, period_start
