{#- One row per customer (prospects included) and period, from the period of first
    contact to the period holding as_of_date, with the stage and the facts that
    decided it. Rules: doc block lifecycle_stage_rules; precedence: seed
    lifecycle_stage_rules; thresholds: the lifecycle_* vars (checked by
    check_vars). Causal: a period's facts only use purchases on or before its end
    (the last period ends on as_of_date). Set-based: running totals over the
    sparse purchase periods, looked up by every period of the customer x
    period spine with range joins (no window over the spine). -#}
{%- set period = var('lifecycle_period') | string | lower -%}
{%- set churn_days = var('lifecycle_churn_days') | int -%}
{%- set default_rhythm_days = var('lifecycle_default_rhythm_days') | float -%}
{%- set min_rhythm_days = var('lifecycle_min_rhythm_days') | float -%}
{%- set at_risk_multiplier = var('lifecycle_at_risk_multiplier') | float -%}
{%- set growth_periods = var('lifecycle_growth_periods') | int -%}
{%- set growth_factor = var('lifecycle_growth_factor') | float -%}
{#- Stages of the seed lifecycle_stage_rules; each has a flag is_<stage> below. -#}
{%- set stages = [
    'prospect', 'new', 'reactivated', 'churned', 'at_risk', 'growing', 'active'
] -%}

with periods as {{ inline_cte() }} (
    select * from {{ ref('int_lifecycle_periods') }}
),

contacts as (
    select * from {{ ref('int_contacts_aggregated_to_customers') }}
),

purchase_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

stage_rules as {{ inline_cte() }} (
    select * from {{ ref('lifecycle_stage_rules') }}
),

purchase_days_gapped as (
    select
        customer_id,
        purchase_date,
        orders,
        revenue,
        cast({{ dbt.date_trunc(period, 'purchase_date') }} as date) as period_start,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by customer_id order by purchase_date)',
            'purchase_date', 'day') }} as days_since_previous_purchase
    from purchase_days
),

period_purchases as (
    select
        customer_id,
        period_start,
        count(*) as purchase_days_in_period,
        sum(orders) as orders_in_period,
        sum(revenue) as revenue_in_period,
        max(purchase_date) as last_purchase_date_in_period,
        max(days_since_previous_purchase) as longest_silence_ended_days
    from purchase_days_gapped
    group by customer_id, period_start
),

customer_periods as (
    {#- The spine: every period from the first contact's to the last one. -#}
    select
        contacts.customer_id,
        contacts.first_contact_date,
        contacts.first_purchase_date,
        periods.period_number,
        periods.period_start,
        periods.period_end,
        periods.is_complete
    from contacts
    inner join periods
        on periods.period_start >= cast(
            {{ dbt.date_trunc(period, 'contacts.first_contact_date') }} as date
        )
),

purchase_periods as (
    {#- Only the periods with purchases (sparse: a few per customer), with the
        running totals to date and the customer's next purchase period. -#}
    select
        period_purchases.customer_id,
        periods.period_number,
        period_purchases.purchase_days_in_period,
        period_purchases.orders_in_period,
        period_purchases.revenue_in_period,
        period_purchases.last_purchase_date_in_period,
        period_purchases.longest_silence_ended_days,
        sum(period_purchases.purchase_days_in_period) over (
            partition by period_purchases.customer_id
            order by periods.period_number
            rows between unbounded preceding and current row
        ) as purchase_days_to_date,
        sum(period_purchases.revenue_in_period) over (
            partition by period_purchases.customer_id
            order by periods.period_number
            rows between unbounded preceding and current row
        ) as revenue_to_date,
        coalesce(lead(periods.period_number) over (
            partition by period_purchases.customer_id
            order by periods.period_number
        ), 2147483647) as next_period_number
    from period_purchases
    inner join periods
        on period_purchases.period_start = periods.period_start
),

accumulated as (
    {#- Each spine period looks up the purchase period in force at it (the
        latest at or before it), and those in force one and two growth windows
        earlier: revenue over a window is a difference of running totals. Joins
        over the sparse purchase periods, not window functions over the whole
        customer x period spine, whose memory grows with it (issue 9: the
        windows over 35M spine rows did not fit 3 GB at 3M customers). -#}
    select
        customer_periods.*,
        case
            when latest.period_number = customer_periods.period_number
                then latest.purchase_days_in_period
            else 0
        end as purchase_days_in_period,
        case
            when latest.period_number = customer_periods.period_number
                then latest.orders_in_period
            else 0
        end as orders_in_period,
        case
            when latest.period_number = customer_periods.period_number
                then latest.revenue_in_period
            else 0
        end as revenue_in_period,
        case
            when latest.period_number = customer_periods.period_number
                then latest.longest_silence_ended_days
        end as longest_silence_ended_days,
        latest.last_purchase_date_in_period as last_purchase_date,
        coalesce(latest.purchase_days_to_date, 0) as purchase_days_to_date,
        coalesce(latest.revenue_to_date, 0)
        - coalesce(one_window_back.revenue_to_date, 0) as trailing_window_revenue,
        coalesce(one_window_back.revenue_to_date, 0)
        - coalesce(two_windows_back.revenue_to_date, 0) as previous_window_revenue
    from customer_periods
    left join purchase_periods as latest
        on customer_periods.customer_id = latest.customer_id
        and customer_periods.period_number >= latest.period_number
        and customer_periods.period_number < latest.next_period_number
    left join purchase_periods as one_window_back
        on customer_periods.customer_id = one_window_back.customer_id
        and customer_periods.period_number - {{ growth_periods }}
        >= one_window_back.period_number
        and customer_periods.period_number - {{ growth_periods }}
        < one_window_back.next_period_number
    left join purchase_periods as two_windows_back
        on customer_periods.customer_id = two_windows_back.customer_id
        and customer_periods.period_number - {{ 2 * growth_periods }}
        >= two_windows_back.period_number
        and customer_periods.period_number - {{ 2 * growth_periods }}
        < two_windows_back.next_period_number
),

measured as (
    select
        *,
        case
            when first_purchase_date <= period_end then first_purchase_date
        end as first_purchase_date_to_date,
        {{ dbt.datediff('last_purchase_date', 'period_end', 'day') }}
            as days_since_last_purchase,
        case
            when purchase_days_to_date >= 2
                then
                    greatest(
                        {{ min_rhythm_days }},
                        {{ dbt.datediff(
                            'first_purchase_date', 'last_purchase_date', 'day') }}
                        / (purchase_days_to_date - 1)
                    )
            when purchase_days_to_date = 1 then {{ default_rhythm_days }}
        end as usual_rhythm_days,
        {#- The earlier level is only known when the customer was already a buyer
            in the first period of the previous window. #}
        coalesce(
            cast({{ dbt.date_trunc(period, 'first_purchase_date') }} as date)
            <= {{ dbt.dateadd(period, -(2 * growth_periods - 1), 'period_start') }},
            false
        ) as is_previous_window_complete
    from accumulated
),

flagged as (
    select
        *,
        usual_rhythm_days * {{ at_risk_multiplier }} as at_risk_after_days,
        purchase_days_to_date = 0 as is_prospect,
        first_purchase_date between period_start and period_end as is_new,
        coalesce(longest_silence_ended_days > {{ churn_days }}, false)
            as is_reactivated,
        coalesce(days_since_last_purchase > {{ churn_days }}, false) as is_churned,
        coalesce(
            days_since_last_purchase > usual_rhythm_days * {{ at_risk_multiplier }}
            and days_since_last_purchase <= {{ churn_days }},
            false
        ) as is_at_risk,
        (
            purchase_days_in_period > 0
            and previous_window_revenue > 0
            and trailing_window_revenue > {{ growth_factor }} * previous_window_revenue
            and is_previous_window_complete
        ) as is_growing,
        purchase_days_to_date > 0 as is_active
    from measured
),

precedences as (
    {#- One row: the precedence of each stage, from the seed (1 = wins). -#}
    select
        {% for stage in stages %}
            max(precedence) filter (where stage = '{{ stage }}')
                as {{ stage }}_precedence{% if not loop.last %},{% endif %}
        {% endfor %}
    from stage_rules
),

staged as (
    select
        flagged.*,
        least(
            {% for stage in stages %}
                case
                    when flagged.is_{{ stage }} then precedences.{{ stage }}_precedence
                end{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as stage_precedence
    from flagged
    cross join precedences
),

final as (
    select
        staged.customer_id,
        staged.period_start,
        staged.period_end,
        cast(staged.period_number as integer) as period_number,
        staged.is_complete as is_complete_period,
        stage_rules.stage,
        staged.first_contact_date,
        staged.first_purchase_date_to_date as first_purchase_date,
        staged.last_purchase_date,
        cast(staged.days_since_last_purchase as integer) as days_since_last_purchase,
        cast(staged.purchase_days_to_date as integer) as purchase_days_to_date,
        cast(staged.purchase_days_in_period as integer) as purchase_days_in_period,
        cast(staged.orders_in_period as integer) as orders_in_period,
        cast(staged.revenue_in_period as decimal(18, 2)) as revenue_in_period,
        cast(staged.usual_rhythm_days as double) as usual_rhythm_days,
        cast(staged.at_risk_after_days as double) as at_risk_after_days,
        cast(staged.longest_silence_ended_days as integer)
            as longest_silence_ended_days,
        cast(staged.trailing_window_revenue as decimal(18, 2))
            as trailing_window_revenue,
        cast(staged.previous_window_revenue as decimal(18, 2))
            as previous_window_revenue,
        staged.is_previous_window_complete as has_full_previous_window
    from staged
    inner join stage_rules
        on staged.stage_precedence = stage_rules.precedence
)

select * from final
