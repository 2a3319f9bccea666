{#- NPS and CSAT over every answer on or before as_of_date, by group: the
    respondent's lifecycle stage in the period of the answer, current RFM segment
    and acquisition channel. 'unknown' when the respondent has no value. -#}
with responses as (
    select * from {{ ref('int_survey_responses_classified') }}
),

stages as (
    select * from {{ ref('int_customer_lifecycle_stages') }}
),

rfm as (
    select * from {{ ref('int_customer_rfm') }}
),

customers as (
    select * from {{ ref('stg_input__customers') }}
),

responses_grouped as (
    select
        'lifecycle_stage' as group_type,
        coalesce(stages.stage, 'unknown') as group_value,
        responses.survey_type,
        responses.response_category
    from responses
    left join stages
        on responses.customer_id = stages.customer_id
        and responses.period_start = stages.period_start

    union all

    select
        'rfm_segment' as group_type,
        coalesce(rfm.rfm_segment, 'unknown') as group_value,
        responses.survey_type,
        responses.response_category
    from responses
    left join rfm
        on responses.customer_id = rfm.customer_id

    union all

    select
        'acquisition_channel' as group_type,
        coalesce(customers.acquisition_channel, 'unknown') as group_value,
        responses.survey_type,
        responses.response_category
    from responses
    left join customers
        on responses.customer_id = customers.customer_id
),

counted as (
    select
        group_type,
        group_value,
        count(*) filter (where survey_type = 'nps') as nps_responses,
        count(*) filter (where response_category = 'promoter') as promoters,
        count(*) filter (where response_category = 'passive') as passives,
        count(*) filter (where response_category = 'detractor') as detractors,
        count(*) filter (where survey_type = 'csat') as csat_responses,
        count(*) filter (where response_category = 'satisfied') as satisfied,
        count(*) filter (where response_category = 'neutral') as neutral,
        count(*) filter (where response_category = 'dissatisfied') as dissatisfied
    from responses_grouped
    group by group_type, group_value
),

final as (
    select
        group_type,
        group_value,
        cast(nps_responses as integer) as nps_responses,
        cast(promoters as integer) as promoters,
        cast(passives as integer) as passives,
        cast(detractors as integer) as detractors,
        cast(case
            when nps_responses > 0
                then 100.0 * (promoters - detractors) / nps_responses
        end as double) as nps,
        cast(csat_responses as integer) as csat_responses,
        cast(satisfied as integer) as satisfied,
        cast(neutral as integer) as neutral,
        cast(dissatisfied as integer) as dissatisfied,
        cast(case
            when csat_responses > 0 then 100.0 * satisfied / csat_responses
        end as double) as csat,
        cast(case
            when satisfied + dissatisfied > 0
                then 1.0 * satisfied / (satisfied + dissatisfied)
        end as double) as csat_satisfied_ratio
    from counted
)

select * from final
