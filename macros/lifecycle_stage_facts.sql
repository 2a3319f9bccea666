{#- lifecycle_stage_facts(points, purchase_periods): the facts that decide a
    customer's lifecycle stage at the end of a period, for each row of `points`
    (columns customer_id, period_number, period_start, period_end,
    first_purchase_date, any others passed through). `purchase_periods` is
    int_lifecycle_purchase_periods. Each point looks up, by range joins over the
    sparse purchase periods, the purchase period in force at it (the latest at or
    before it) and those in force one and two growth windows earlier: revenue over
    a window is a difference of running totals. No window function over the
    points, so the same SQL serves the few candidate periods of the stage spells
    and the full customer x period expansion (doc block lifecycle_stage_spells). -#}
{% macro lifecycle_stage_facts(points, purchase_periods) -%}
{%- set period = var('lifecycle_period') | string | lower -%}
{%- set default_rhythm_days = var('lifecycle_default_rhythm_days') | float -%}
{%- set min_rhythm_days = var('lifecycle_min_rhythm_days') | float -%}
{%- set growth_periods = var('lifecycle_growth_periods') | int -%}
select
    accumulated.*,
    case
        when accumulated.first_purchase_date <= accumulated.period_end
            then accumulated.first_purchase_date
    end as first_purchase_date_to_date,
    {{ dbt.datediff('accumulated.last_purchase_date', 'accumulated.period_end', 'day') }}
        as days_since_last_purchase,
    case
        when accumulated.purchase_days_to_date >= 2
            then
                greatest(
                    {{ min_rhythm_days }},
                    {{ dbt.datediff(
                        'accumulated.first_purchase_date',
                        'accumulated.last_purchase_date', 'day') }}
                    / (accumulated.purchase_days_to_date - 1)
                )
        when accumulated.purchase_days_to_date = 1 then {{ default_rhythm_days }}
    end as usual_rhythm_days,
    {#- The earlier level is only known when the customer was already a buyer in
        the first period of the previous window. -#}
    coalesce(
        cast({{ dbt.date_trunc(period, 'accumulated.first_purchase_date') }} as date)
        <= {{ dbt.dateadd(
            period, -(2 * growth_periods - 1), 'accumulated.period_start') }},
        false
    ) as is_previous_window_complete
from (
    select
        points.*,
        latest.period_number as latest_purchase_period_number,
        latest.next_period_number as next_purchase_period_number,
        case
            when latest.period_number = points.period_number
                then latest.purchase_days_in_period
            else 0
        end as purchase_days_in_period,
        case
            when latest.period_number = points.period_number
                then latest.orders_in_period
            else 0
        end as orders_in_period,
        case
            when latest.period_number = points.period_number
                then latest.revenue_in_period
            else 0
        end as revenue_in_period,
        case
            when latest.period_number = points.period_number
                then latest.longest_silence_ended_days
        end as longest_silence_ended_days,
        latest.last_purchase_date_in_period as last_purchase_date,
        coalesce(latest.purchase_days_to_date, 0) as purchase_days_to_date,
        coalesce(latest.revenue_to_date, 0)
        - coalesce(one_window_back.revenue_to_date, 0) as trailing_window_revenue,
        coalesce(one_window_back.revenue_to_date, 0)
        - coalesce(two_windows_back.revenue_to_date, 0) as previous_window_revenue
    from {{ points }} as points
    left join {{ purchase_periods }} as latest
        on points.customer_id = latest.customer_id
        and points.period_number >= latest.period_number
        and points.period_number < latest.next_period_number
    left join {{ purchase_periods }} as one_window_back
        on points.customer_id = one_window_back.customer_id
        and points.period_number - {{ growth_periods }}
        >= one_window_back.period_number
        and points.period_number - {{ growth_periods }}
        < one_window_back.next_period_number
    left join {{ purchase_periods }} as two_windows_back
        on points.customer_id = two_windows_back.customer_id
        and points.period_number - {{ 2 * growth_periods }}
        >= two_windows_back.period_number
        and points.period_number - {{ 2 * growth_periods }}
        < two_windows_back.next_period_number
) as accumulated
{%- endmacro %}


{#- lifecycle_purchase_periods(periods, purchase_days): one row per customer and
    lifecycle period WITH a purchase (sparse: a few per customer) from the
    purchase days (int_orders_aggregated_to_customer_days), with the running
    totals to date and the customer's next purchase period (2147483647 when none,
    so the range joins of lifecycle_stage_facts stay plain). A subquery, used as
    the body of a CTE. -#}
{% macro lifecycle_purchase_periods(periods, purchase_days) -%}
{%- set period = var('lifecycle_period') | string | lower -%}
with purchase_days_gapped as (
    select
        customer_id,
        purchase_date,
        orders,
        revenue,
        cast({{ dbt.date_trunc(period, 'purchase_date') }} as date) as period_start,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by customer_id order by purchase_date)',
            'purchase_date', 'day') }} as days_since_previous_purchase
    from {{ purchase_days }}
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

final as (
    select
        period_purchases.customer_id,
        periods.period_number,
        period_purchases.period_start,
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
        {#- 2147483647 (no next purchase): the range joins stay plain. -#}
        coalesce(lead(periods.period_number) over (
            partition by period_purchases.customer_id
            order by periods.period_number
        ), 2147483647) as next_period_number
    from period_purchases
    inner join {{ periods }} as periods
        on period_purchases.period_start = periods.period_start
)

select * from final
{%- endmacro %}
