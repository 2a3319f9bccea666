{#- NPS and CSAT over every answer on or before as_of_date, by group: the
    respondent's lifecycle stage in the period of the answer, current RFM segment
    and acquisition channel. 'unknown' when the respondent has no value. -#}
with responses as {{ inline_cte() }} (
    select * from {{ ref('int_survey_responses_classified') }}
),

spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
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
        coalesce(spells.lifecycle_stage, 'unknown') as group_value,
        responses.survey_type,
        responses.response_category
    from responses
    left join spells
        on responses.customer_id = spells.customer_id
        and responses.period_start >= spells.valid_from
        and responses.period_start <= spells.last_period_start

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

final as (
    {{ survey_scores('responses_grouped', ['group_type', 'group_value']) }}
)

select * from final
