{#- One row per feature date (int_churn_feature_dates) and customer with a
    purchase on or before it: every customer at the scoring date, the churn sample
    at the other dates. Behaviour, surveys, stage and contacts as of feature_date,
    from rows dated on or before it only (point in time), and the churn label of
    the window after it. The BG/NBD columns are added by
    int_customer_features_at_feature_dates. Doc block churn_features. -#}
{%- set window_days = var('churn_window_days') | int -%}

with customer_days as {{ inline_cte() }} (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

orders as (
    select * from {{ ref('int_orders_as_of') }}
),

touchpoints as (
    select * from {{ ref('stg_input__touchpoints') }}
),

survey_responses as (
    select * from {{ ref('int_survey_responses_as_of') }}
),

stages as (
    select * from {{ ref('int_lifecycle_stages_at_feature_dates') }}
),

feature_dates as (
    select * from {{ ref('int_churn_feature_dates') }}
),

customer_sample as (
    select * from {{ ref('int_churn_customer_sample') }}
),

candidates as (
    select
        feature_dates.feature_date_index,
        feature_dates.feature_date,
        feature_dates.label_window_end_date,
        feature_dates.feature_role,
        customer_sample.customer_id,
        customer_sample.sample_rank,
        customer_sample.is_holdout,
        customer_sample.is_in_churn_sample,
        customer_sample.is_in_segment_sample
    from feature_dates
    inner join customer_sample
        on feature_dates.feature_date_index = 0
        or customer_sample.is_in_churn_sample
),

purchase_gaps as (
    select
        customer_days.customer_id,
        customer_days.purchase_date,
        customer_days.orders,
        {{ dbt.datediff(
            'lag(customer_days.purchase_date) over (partition by customer_days.customer_id'
            ~ ' order by customer_days.purchase_date)',
            'customer_days.purchase_date', 'day') }} as gap_days
    from customer_days
),

purchase_stats as (
    select
        candidates.feature_date,
        candidates.customer_id,
        count(*) as purchase_days,
        min(purchase_gaps.purchase_date) as first_purchase_date,
        max(purchase_gaps.purchase_date) as last_purchase_date,
        sum(purchase_gaps.orders) as orders,
        sum(case
            when
                purchase_gaps.purchase_date
                > {{ dbt.dateadd('day', -window_days, 'candidates.feature_date') }}
                then purchase_gaps.orders
            else 0
        end) as orders_last_window,
        sum(case
            when
                purchase_gaps.purchase_date
                <= {{ dbt.dateadd('day', -window_days, 'candidates.feature_date') }}
                and purchase_gaps.purchase_date
                > {{ dbt.dateadd('day', -2 * window_days, 'candidates.feature_date') }}
                then purchase_gaps.orders
            else 0
        end) as orders_previous_window,
        sum(purchase_gaps.gap_days) as gap_days_sum,
        sum(purchase_gaps.gap_days * purchase_gaps.gap_days) as gap_days_square_sum
    from candidates
    inner join purchase_gaps
        on candidates.customer_id = purchase_gaps.customer_id
        and candidates.feature_date >= purchase_gaps.purchase_date
    group by candidates.feature_date, candidates.customer_id
),

money as (
    select
        candidates.feature_date,
        candidates.customer_id,
        {{ exact_sum('orders.amount') }} as revenue,
        {{ exact_sum('case when not orders.is_refund then orders.amount end') }}
            as purchase_amount,
        coalesce({{ exact_sum(
            'case when orders.order_date > '
            ~ dbt.dateadd('day', -window_days, 'candidates.feature_date')
            ~ ' then orders.amount end') }}, 0) as revenue_last_window,
        sum(case when orders.is_refund then 1 else 0 end) as refunds
    from candidates
    inner join orders
        on candidates.customer_id = orders.customer_id
        and candidates.feature_date >= orders.order_date
    group by candidates.feature_date, candidates.customer_id
),

contacts as (
    select
        candidates.feature_date,
        candidates.customer_id,
        count(*) as touchpoints_last_window
    from candidates
    inner join touchpoints
        on candidates.customer_id = touchpoints.customer_id
        and candidates.feature_date >= touchpoints.occurred_date
        and touchpoints.occurred_date
        > {{ dbt.dateadd('day', -window_days, 'candidates.feature_date') }}
    group by candidates.feature_date, candidates.customer_id
),

survey_ranked as (
    select
        candidates.feature_date,
        candidates.customer_id,
        survey_responses.survey_type,
        survey_responses.score,
        row_number() over (
            partition by
                candidates.feature_date,
                candidates.customer_id,
                survey_responses.survey_type
            order by
                survey_responses.responded_at desc,
                survey_responses.response_id desc,
                survey_responses.score desc
        ) as answer_rank
    from candidates
    inner join survey_responses
        on candidates.customer_id = survey_responses.customer_id
        and cast(survey_responses.responded_at as date) <= candidates.feature_date
    where survey_responses.score is not null
),

latest_answers as (
    select
        feature_date,
        customer_id,
        max(case when survey_type = 'nps' then score end) as latest_nps,
        max(case when survey_type = 'csat' then score end) as latest_csat
    from survey_ranked
    where answer_rank = 1
    group by feature_date, customer_id
),

window_buyers as (
    select distinct
        candidates.feature_date,
        candidates.customer_id
    from candidates
    inner join customer_days
        on candidates.customer_id = customer_days.customer_id
        and candidates.feature_date < customer_days.purchase_date
        and candidates.label_window_end_date >= customer_days.purchase_date
),

final as (
    select
        candidates.feature_date_index,
        candidates.feature_date,
        candidates.feature_role,
        candidates.label_window_end_date,
        candidates.customer_id,
        candidates.sample_rank,
        candidates.is_in_churn_sample,
        candidates.is_in_segment_sample,
        case
            when candidates.feature_date_index > 0 then candidates.is_holdout
        end as is_holdout,
        cast({{ dbt.datediff('purchase_stats.last_purchase_date',
            'candidates.feature_date', 'day') }} as integer) as recency_days,
        cast(purchase_stats.purchase_days as integer) as purchase_days,
        cast(purchase_stats.orders as integer) as orders,
        money.revenue,
        cast({{ dbt.datediff('purchase_stats.first_purchase_date',
            'candidates.feature_date', 'day') }} as integer) as tenure_days,
        cast({{ dbt.datediff('purchase_stats.first_purchase_date',
            'purchase_stats.last_purchase_date', 'day') }} as integer)
            as purchase_span_days,
        money.purchase_amount / purchase_stats.orders as avg_order_value,
        case
            when purchase_stats.purchase_days > 1
                then
                    cast(purchase_stats.gap_days_sum as double)
                    / (purchase_stats.purchase_days - 1)
        end as mean_interpurchase_days,
        case
            when purchase_stats.purchase_days > 2
                then
                    sqrt(
                        greatest(
                            (
                                purchase_stats.gap_days_square_sum
                                - cast(purchase_stats.gap_days_sum as double)
                                * purchase_stats.gap_days_sum
                                / (purchase_stats.purchase_days - 1)
                            )
                            / (purchase_stats.purchase_days - 2),
                            0
                        )
                    )
        end as interpurchase_sd_days,
        case
            when purchase_stats.purchase_days > 1
                then {{ dbt.datediff(
                    'purchase_stats.last_purchase_date',
                    'candidates.feature_date',
                    'day'
                ) }}
                    * (purchase_stats.purchase_days - 1)
                    / cast(purchase_stats.gap_days_sum as double)
        end as recency_to_interpurchase_ratio,
        cast(purchase_stats.orders_last_window as integer) as orders_last_window,
        cast(purchase_stats.orders_previous_window as integer)
            as orders_previous_window,
        cast(
            purchase_stats.orders_last_window - purchase_stats.orders_previous_window
            as integer
        ) as trend_orders,
        money.revenue_last_window,
        cast(coalesce(contacts.touchpoints_last_window, 0) as integer)
            as touchpoints_last_window,
        cast(money.refunds as integer) as refunds,
        cast(latest_answers.latest_nps as double) as latest_nps,
        cast(latest_answers.latest_csat as double) as latest_csat,
        coalesce(stages.stage, 'unknown') as lifecycle_stage,
        case
            when candidates.label_window_end_date is null then null
            when window_buyers.customer_id is null then 1
            else 0
        end as churn_label
    from candidates
    inner join purchase_stats
        on candidates.feature_date = purchase_stats.feature_date
        and candidates.customer_id = purchase_stats.customer_id
    inner join money
        on candidates.feature_date = money.feature_date
        and candidates.customer_id = money.customer_id
    left join contacts
        on candidates.feature_date = contacts.feature_date
        and candidates.customer_id = contacts.customer_id
    left join latest_answers
        on candidates.feature_date = latest_answers.feature_date
        and candidates.customer_id = latest_answers.customer_id
    left join stages
        on candidates.feature_date = stages.feature_date
        and candidates.customer_id = stages.customer_id
    left join window_buyers
        on candidates.feature_date = window_buyers.feature_date
        and candidates.customer_id = window_buyers.customer_id
)

select * from final
