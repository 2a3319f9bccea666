{#- Per feature date of the churn model (int_churn_feature_dates) and customer, the
    stage of the latest COMPLETE lifecycle period whose last day is on or before
    that date. The period grid is calendar-wide, so that period is the same for
    every customer: the latest complete period_end on or before the date is found
    once per date and each customer's stage spell holding that period is read
    by a range join (no per-customer ranking over the whole history). Only complete periods, so a
    stage is read at the same point of its period when training and scoring (the
    period cut at as_of_date is provisional). A customer without a spell holding that
    period has no stage at that date ('unknown' in the features). Only the
    customers featured at that date (int_customer_activity_at_feature_dates:
    every buyer at the scoring date, the churn sample at the others). -#}
with spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

feature_dates as (
    select * from {{ ref('int_churn_feature_dates') }}
),

customer_sample as (
    select * from {{ ref('int_churn_customer_sample') }}
),

complete_period_ends as (
    select periods.period_end
    from periods
    where periods.is_complete
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

latest_periods as (
    select
        latest_complete_periods.feature_date,
        latest_complete_periods.feature_date_index,
        periods.period_number,
        periods.period_start,
        periods.period_end
    from latest_complete_periods
    inner join periods
        on latest_complete_periods.period_last_date = periods.period_end
    where periods.is_complete
),

final as (
    {#- The spell holding that period (customers contacted later have none). -#}
    select
        latest_periods.feature_date,
        spells.customer_id,
        latest_periods.period_start,
        latest_periods.period_end as period_last_date,
        spells.lifecycle_stage as stage
    from latest_periods
    inner join spells
        on latest_periods.period_number >= spells.first_period_number
        and latest_periods.period_number <= spells.last_period_number
    inner join customer_sample
        on spells.customer_id = customer_sample.customer_id
    where
        latest_periods.feature_date_index = 0
        or customer_sample.is_in_churn_sample
)

select * from final
