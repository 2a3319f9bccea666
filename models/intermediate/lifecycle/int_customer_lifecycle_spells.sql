{#- The lifecycle of every customer (prospects included) as spells: one row per
    run of consecutive periods in the same stage, from the period of first
    contact to the period holding as_of_date. Doc block lifecycle_stage_spells.
    The stage rules (doc block lifecycle_stage_rules; precedence: seed
    lifecycle_stage_rules; thresholds: the lifecycle_* vars) can only change the
    stage at a few candidate periods per purchase period p (until the next one):
    p itself (new, reactivated, growing, rhythm), p + 1 (those end), the period
    where the silence since p's last purchase first exceeds the at-risk
    threshold, and the one where it first exceeds lifecycle_churn_days; plus the
    period of first contact (prospect). The stage is evaluated at those periods
    only and consecutive equal stages are merged: the cost grows with the events,
    not with customers x periods. -#}
{%- set churn_days = var('lifecycle_churn_days') | int -%}
{%- set at_risk_multiplier = var('lifecycle_at_risk_multiplier') | float -%}
{%- set growth_factor = var('lifecycle_growth_factor') | float -%}
{%- set period = var('lifecycle_period') | string | lower -%}
{#- Stages of the seed lifecycle_stage_rules; each has a flag is_<stage> below. -#}
{%- set stages = [
    'prospect', 'new', 'reactivated', 'churned', 'at_risk', 'growing', 'active'
] -%}

with periods as {{ inline_cte() }} (
    select * from {{ ref('int_lifecycle_periods') }}
),

contacts as {{ inline_cte() }} (
    select * from {{ ref('int_contacts_aggregated_to_customers') }}
),

purchase_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

purchase_periods as (
    {{ lifecycle_purchase_periods('periods', 'purchase_days') }}
),

stage_rules as {{ inline_cte() }} (
    select * from {{ ref('lifecycle_stage_rules') }}
),

purchase_points as (
    select
        purchase_periods.customer_id,
        purchase_periods.period_number,
        periods.period_start,
        periods.period_end,
        contacts.first_purchase_date
    from purchase_periods
    inner join periods
        on purchase_periods.period_number = periods.period_number
    inner join contacts
        on purchase_periods.customer_id = contacts.customer_id
),

purchase_facts as (
    {{ lifecycle_stage_facts('purchase_points', 'purchase_periods') }}
),

thresholds as (
    {#- From p until the next purchase period the last purchase and the rhythm
        are fixed: at-risk from the first day whose silence exceeds
        rhythm x multiplier (integer days d > x iff d >= floor(x) + 1), churned
        from the first day past lifecycle_churn_days. -#}
    select
        customer_id,
        period_number,
        next_purchase_period_number,
        cast({{ dbt.dateadd(
            'day',
            'cast(floor(usual_rhythm_days * ' ~ at_risk_multiplier ~ ') as integer) + 1',
            'last_purchase_date') }} as date) as at_risk_from_date,
        cast({{ dbt.dateadd('day', churn_days + 1, 'last_purchase_date') }} as date)
            as churned_from_date
    from purchase_facts
),

threshold_dates as (
    select
        customer_id,
        next_purchase_period_number,
        at_risk_from_date as change_date
    from thresholds
    union all
    select
        customer_id,
        next_purchase_period_number,
        churned_from_date as change_date
    from thresholds
),

candidate_periods as (
    select
        customer_id,
        period_number
    from purchase_periods
    union all
    select
        customer_id,
        period_number + 1 as period_number
    from purchase_periods
    where period_number + 1 < next_period_number
    union all
    select
        threshold_dates.customer_id,
        periods.period_number
    from threshold_dates
    inner join periods
        on cast({{ dbt.date_trunc(period, 'threshold_dates.change_date') }} as date)
        = periods.period_start
        and threshold_dates.change_date <= periods.period_end
    where periods.period_number < threshold_dates.next_purchase_period_number
    union all
    select
        contacts.customer_id,
        periods.period_number
    from contacts
    inner join periods
        on cast({{ dbt.date_trunc(period, 'contacts.first_contact_date') }} as date)
        = periods.period_start
),

candidate_points as (
    select distinct
        candidate_periods.customer_id,
        periods.period_number,
        periods.period_start,
        periods.period_end,
        contacts.first_purchase_date
    from candidate_periods
    inner join periods
        on candidate_periods.period_number = periods.period_number
    inner join contacts
        on candidate_periods.customer_id = contacts.customer_id
),

candidate_facts as (
    {{ lifecycle_stage_facts('candidate_points', 'purchase_periods') }}
),

flagged as (
    select
        customer_id,
        period_number,
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
            {# As a difference, not `trailing > factor * previous`: Spark compares
               a decimal(38, 2) with the product's decimal(38, 4) at scale 2, so
               95.73 > 1.25 * 76.58 = 95.725 was false there (3 customers in 1M);
               the difference keeps scale 4 on both engines. #}
            and trailing_window_revenue - {{ growth_factor }} * previous_window_revenue
            > 0
            and is_previous_window_complete
        ) as is_growing,
        purchase_days_to_date > 0 as is_active
    from candidate_facts
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
        flagged.customer_id,
        flagged.period_number,
        stage_rules.stage
    from flagged
    cross join precedences
    inner join stage_rules
        on least(
            {% for stage in stages %}
                case
                    when flagged.is_{{ stage }} then precedences.{{ stage }}_precedence
                end{% if not loop.last %},{% endif %}
            {% endfor %}
        ) = stage_rules.precedence
),

spell_starts as (
    {#- A candidate starts a spell when its stage differs from the previous
        candidate's (a window over the few candidates, not over periods). -#}
    select
        customer_id,
        period_number,
        stage
    from (
        select
            *,
            lag(stage) over (
                partition by customer_id order by period_number
            ) as previous_stage
        from staged
    ) as compared
    where previous_stage is null or previous_stage <> stage
),

numbered as (
    select
        customer_id,
        stage,
        period_number as first_period_number,
        row_number() over (
            partition by customer_id order by period_number
        ) as spell_number,
        lead(period_number) over (
            partition by customer_id order by period_number
        ) as next_first_period_number,
        lead(stage) over (
            partition by customer_id order by period_number
        ) as next_stage
    from spell_starts
),

final as (
    select
        numbered.customer_id,
        cast(numbered.spell_number as integer) as spell_number,
        numbered.stage as lifecycle_stage,
        first_periods.period_start as valid_from,
        next_periods.period_start as valid_to,
        last_periods.period_start as last_period_start,
        last_periods.period_end as last_period_end,
        last_periods.is_complete as is_last_period_complete,
        cast(numbered.first_period_number as integer) as first_period_number,
        cast(last_periods.period_number as integer) as last_period_number,
        cast(last_periods.period_number - numbered.first_period_number + 1 as integer)
            as periods_in_spell,
        numbered.next_first_period_number is null as is_current_spell,
        numbered.next_stage as next_lifecycle_stage
    from numbered
    inner join periods as first_periods
        on numbered.first_period_number = first_periods.period_number
    inner join periods as last_periods
        on coalesce(
            numbered.next_first_period_number - 1,
            (select max(period_number) from periods)
        ) = last_periods.period_number
    left join periods as next_periods
        on numbered.next_first_period_number = next_periods.period_number
)

select * from final
