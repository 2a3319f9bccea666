{#- Accepted survey responses dated on or before as_of_date: the survey input of
    the ML feature builders (later answers are never read). -#}
with survey_responses as (
    select * from {{ ref('stg_input__survey_responses') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

final as (
    select
        survey_responses.response_id,
        survey_responses.customer_id,
        survey_responses.responded_at,
        survey_responses.survey_type,
        survey_responses.score
    from survey_responses
    inner join run_context
        on survey_responses.responded_date <= run_context.as_of_date
)

select * from final
