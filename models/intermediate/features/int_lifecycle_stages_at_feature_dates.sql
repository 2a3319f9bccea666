{#- Per feature date of the churn model (int_churn_feature_dates) and customer, the
    stage of the latest COMPLETE lifecycle period whose last day is on or before
    that date. The period grid is calendar-wide, so that period is the same for
    every customer: the latest complete period_end on or before the date is found
    once per date and the stages of that period are read by an equi-join (no
    per-customer ranking over the whole history). Only complete periods, so a
    stage is read at the same point of its period when training and scoring (the
    period cut at as_of_date is provisional). A customer without a row in that
    period has no stage at that date ('unknown' in the features). Only the
    customers featured at that date (int_customer_activity_at_feature_dates:
    every buyer at the scoring date, the churn sample at the others). -#}
with stages as {{ inline_cte() }} (
    select * from {{ ref('int_customer_lifecycle_stages') }}
),

feature_dates as (
    select * from {{ ref('int_churn_feature_dates') }}
),

customer_sample as (
    select * from {{ ref('int_churn_customer_sample') }}
),

complete_period_ends as (
    select distinct stages.period_end
    from stages
    where stages.is_complete_period
),

latest_complete_periods as (
    select
        feature_dates.feature_date,
        feature_dates.feature_date_index,
        max(complete_period_ends.period_end) as period_last_date
    from feature_dates
    inner join complete_period_ends
        on feature_dates.feature_date >= complete_period_ends.period_end
    group by feature_dates.feature_date, feature_dates.feature_date_index
),

final as (
    select
        latest_complete_periods.feature_date,
        stages.customer_id,
        stages.period_start,
        stages.period_end as period_last_date,
        stages.stage
    from latest_complete_periods
    inner join stages
        on latest_complete_periods.period_last_date = stages.period_end
    inner join customer_sample
        on stages.customer_id = customer_sample.customer_id
    where
        stages.is_complete_period
        and (
            latest_complete_periods.feature_date_index = 0
            or customer_sample.is_in_churn_sample
        )
)

select * from final
