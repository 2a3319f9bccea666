{#- LTV, CAC and LTV:CAC by acquisition channel and by acquisition cohort.
    See the docs block ltv_cac. The live customer-periods, churn events and live
    revenue come from the stage spells (a spell counts its overlap with the
    window), not from a customer x period table. -#}
{%- set live_stages = "('new', 'active', 'growing', 'at_risk', 'reactivated')" -%}
{%- set window_periods = var('ltv_window_periods') | int -%}
{%- set churn_days = var('lifecycle_churn_days') | int -%}
{#- The day a cohort (group_value 'YYYY-MM') has shown all its churn: the end of
    its month plus lifecycle_churn_days. -#}
{%- set cohort_end = dbt.dateadd('day', churn_days, dbt.dateadd(
    'month', 1, "try_cast(measured.group_value || '-01' as date)")) -%}
{#- Spark's dateadd stops on a null date: the case keeps channels out of it. -#}
{%- set is_too_young = "case when measured.group_type = 'acquisition_cohort' then "
    ~ cohort_end ~ " > run_context.as_of_date else false end" -%}
{#- The CLV horizon and the discount rate on the lifecycle period grid. -#}
{%- set period_days = unit_days(var('lifecycle_period'), 'lifecycle_period') -%}
{%- set horizon = var('clv_horizon_periods') * clv_period_days() / period_days -%}
{%- set discount = '(power(1 + ' ~ var('annual_discount_rate') ~ ', '
    ~ period_days ~ ' / 365.25) - 1)' -%}

with spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
),

periods as {{ inline_cte() }} (
    select * from {{ ref('int_lifecycle_periods') }}
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

customers as (
    select * from {{ ref('stg_input__customers') }}
),

spend as {{ inline_cte() }} (
    select * from {{ ref('stg_input__marketing_spend') }}
),

historical as (
    select * from {{ ref('int_customer_historical_value') }}
),

run_context as {{ inline_cte() }} (
    select * from {{ ref('int_run_context') }}
),

first_purchases as (
    select
        customer_id,
        first_purchase_date
    from contacts
    where first_purchase_date is not null
),

buyers as (
    {#- Each buyer's groups: acquisition channel and first-purchase month. -#}
    select
        historical.customer_id,
        historical.revenue,
        historical.purchase_revenue,
        historical.margin,
        customers.acquisition_cost,
        coalesce(customers.acquisition_channel, 'unknown') as acquisition_channel,
        cast(date_trunc('month', first_purchases.first_purchase_date) as date)
            as cohort_month
    from historical
    inner join first_purchases
        on historical.customer_id = first_purchases.customer_id
    left join customers
        on historical.customer_id = customers.customer_id
),

buyer_groups as (
    select
        'acquisition_channel' as group_type,
        acquisition_channel as group_value,
        *
    from buyers
    union all
    select
        'acquisition_cohort' as group_type,
        left(cast(cohort_month as string), 7) as group_value,
        *
    from buyers
),

window_bounds as (
    {#- The steps of the window: the var ltv_window_periods most recent complete
        periods that have a complete next period (the window holds one more). -#}
    select
        max(period_number) - {{ window_periods }} as first_step_period_number,
        max(period_number) - 1 as last_step_period_number
    from periods
    where is_complete
),

live_spells as (
    {#- Each spell in a live stage that overlaps the steps: its overlap gives
        that many live customer-periods; it is a churn event when it exits to
        churned from a step (the churned spell starts inside the window). -#}
    select
        spells.customer_id,
        spells.spell_number,
        greatest(spells.first_period_number, window_bounds.first_step_period_number)
            as first_step_period_number,
        least(spells.last_period_number, window_bounds.last_step_period_number)
            as last_step_period_number,
        coalesce(
            spells.next_lifecycle_stage = 'churned'
            and spells.last_period_number <= window_bounds.last_step_period_number,
            false
        ) as is_churn_exit
    from spells
    cross join window_bounds
    where spells.lifecycle_stage in {{ live_stages }}
        and spells.last_period_number >= window_bounds.first_step_period_number
        and spells.first_period_number <= window_bounds.last_step_period_number
),

live_spell_revenue as (
    {#- The purchase revenue of the periods a live spell has in the steps (the
        sparse purchase periods, by a range join per customer). -#}
    select
        live_spells.customer_id,
        live_spells.spell_number,
        live_spells.last_step_period_number - live_spells.first_step_period_number + 1
            as live_customer_periods,
        live_spells.is_churn_exit,
        coalesce(sum(purchase_periods.revenue_in_period), 0) as live_revenue
    from live_spells
    left join purchase_periods
        on live_spells.customer_id = purchase_periods.customer_id
        and live_spells.first_step_period_number <= purchase_periods.period_number
        and live_spells.last_step_period_number >= purchase_periods.period_number
    group by 1, 2, 3, 4
),

group_measures as (
    select
        buyer_groups.group_type,
        buyer_groups.group_value,
        sum(live_spell_revenue.live_customer_periods) as live_customer_periods,
        count(*) filter (where live_spell_revenue.is_churn_exit) as churn_events,
        sum(live_spell_revenue.live_revenue) as live_revenue
    from live_spell_revenue
    inner join buyer_groups
        on live_spell_revenue.customer_id = buyer_groups.customer_id
    group by 1, 2
),

group_buyers as (
    select
        group_type,
        group_value,
        count(*) as new_customers,
        sum(revenue) as revenue,
        sum(purchase_revenue) as purchase_revenue,
        {{ exact_sum('margin') }} as margin,
        sum(acquisition_cost) as acquisition_cost,
        count(acquisition_cost) as customers_with_acquisition_cost
    from buyer_groups
    group by 1, 2
),

group_spend as (
    select
        'acquisition_channel' as group_type,
        spend.channel as group_value,
        sum(spend.spend) as marketing_spend
    from spend
    cross join run_context
    where spend.month_start <= run_context.as_of_date
    group by 1, 2
    union all
    select
        'acquisition_cohort' as group_type,
        left(cast(spend.month_start as string), 7) as group_value,
        sum(spend.spend) as marketing_spend
    from spend
    cross join run_context
    where spend.month_start <= run_context.as_of_date
    group by 1, 2
),

measured as (
    select
        group_buyers.group_type,
        group_buyers.group_value,
        group_buyers.new_customers,
        coalesce(group_measures.live_customer_periods, 0) as live_customer_periods,
        coalesce(group_measures.churn_events, 0) as churn_events,
        {#- Net ARPU: the live periods' purchase revenue, net of the group's
            refunds (net / purchase revenue), so that ARPU and the margin rate
            share one base: revenue net of refunds. -#}
        
        group_measures.live_revenue
        * (
            cast(group_buyers.revenue as double)
            / nullif(group_buyers.purchase_revenue, 0)
        )
        / nullif(group_measures.live_customer_periods, 0) as arpu,
        group_measures.churn_events
        / nullif(group_measures.live_customer_periods, 0) as churn_rate,
        group_buyers.margin / nullif(group_buyers.revenue, 0) as gross_margin,
        group_spend.marketing_spend,
        case
            when group_spend.marketing_spend is not null
                then cast(group_spend.marketing_spend as double)
                    / group_buyers.new_customers
            when group_buyers.customers_with_acquisition_cost > 0
                then cast(group_buyers.acquisition_cost as double)
                    / group_buyers.customers_with_acquisition_cost
        end as cac,
        case
            when group_spend.marketing_spend is not null then 'marketing_spend'
            when group_buyers.customers_with_acquisition_cost > 0
                then 'customers.acquisition_cost'
        end as cac_source
    from group_buyers
    left join group_measures
        on group_buyers.group_type = group_measures.group_type
        and group_buyers.group_value = group_measures.group_value
    left join group_spend
        on group_buyers.group_type = group_spend.group_type
        and group_buyers.group_value = group_spend.group_value
),

judged as (
    {#- A cohort whose last member joined less than lifecycle_churn_days ago
        cannot show all its churn yet: its
        churn rate is biased to 0 and its LTV to infinity, so none is given. -#}
    select
        measured.*,
        {{ is_too_young }} as is_too_young,
        case
            when {{ is_too_young }} then null
            else measured.arpu * measured.gross_margin
                / nullif(measured.churn_rate, 0)
        end as ltv,
        (1 - measured.churn_rate) / (1 + {{ discount }}) as retention_factor
    from measured
    cross join run_context
),

discounted as (
    {#- The cohort method over the CLV horizon: sum_{t=1..H} ARPU m q^t
        = ARPU m q (1 - q^H) / (1 - q), q = (1 - churn) / (1 + d). -#}
    select
        judged.*,
        case
            when judged.is_too_young then null
            when judged.retention_factor = 1
                then judged.arpu * judged.gross_margin * {{ horizon }}
            else judged.arpu * judged.gross_margin * judged.retention_factor
                * (1 - power(judged.retention_factor, {{ horizon }}))
                / (1 - judged.retention_factor)
        end as discounted_ltv
    from judged
),

final as (
    select
        measured.group_type,
        measured.group_value,
        run_context.as_of_date,
        '{{ var("lifecycle_period") }}' as period,
        cast(measured.new_customers as integer) as new_customers,
        cast(measured.live_customer_periods as integer) as live_customer_periods,
        cast(measured.churn_events as integer) as churn_events,
        cast(measured.arpu as double) as arpu,
        cast(measured.churn_rate as double) as churn_rate,
        cast(measured.gross_margin as double) as gross_margin,
        cast(1 / nullif(measured.churn_rate, 0) as double) as expected_lifetime_periods,
        cast(measured.ltv as double) as ltv,
        cast(measured.discounted_ltv as double) as discounted_ltv,
        cast(measured.marketing_spend as double) as marketing_spend,
        cast(measured.cac as double) as cac,
        measured.cac_source,
        cast(measured.ltv / nullif(measured.cac, 0) as double) as ltv_to_cac,
        cast(
            measured.cac / nullif(measured.arpu * measured.gross_margin, 0)
            as double
        ) as payback_periods,
        concat_ws(
            '; ',
            case when measured.live_customer_periods = 0
                    then 'no live customer-periods in the window: no ARPU or churn'
            end,
            case when measured.is_too_young
                    then 'cohort younger than lifecycle_churn_days: churn not'
                        || ' observable yet, no LTV'
            end,
            case when not measured.is_too_young
                    and measured.live_customer_periods > 0 and measured.churn_events = 0
                    then 'no churn observed in the window: LTV undefined'
            end,
            case when measured.cac is null and measured.group_value = 'unknown'
                    then 'no acquisition channel for these customers: no CAC'
            end,
            case when measured.cac is null and measured.group_value <> 'unknown'
                    then 'no marketing spend or acquisition cost for this group: no CAC'
            end,
            case when measured.cac = 0
                    then 'zero acquisition cost: LTV:CAC undefined'
            end
        ) as note
    from discounted as measured
    cross join run_context
)

select * from final
order by group_type, group_value
