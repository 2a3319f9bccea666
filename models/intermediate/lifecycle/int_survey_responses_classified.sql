{#- Survey answers on or before as_of_date, each put in its category by the
    thresholds of the seed survey_scales (never hard-coded here), and placed in its
    lifecycle period (var lifecycle_period). -#}
{%- set period = var('lifecycle_period') | string | lower -%}

with run_context as (
    select * from {{ ref('int_run_context') }}
),

responses as (
    select * from {{ ref('stg_input__survey_responses') }}
),

scales as (
    select * from {{ ref('survey_scales') }}
),

responses_as_of as (
    select responses.*
    from responses
    inner join run_context
        on responses.responded_date <= run_context.as_of_date
),

classified as (
    select
        responses_as_of.response_id,
        responses_as_of.customer_id,
        responses_as_of.responded_at,
        responses_as_of.responded_date,
        cast(date_trunc('{{ period }}', responses_as_of.responded_date) as date)
            as period_start,
        responses_as_of.survey_type,
        responses_as_of.score,
        case
            when scales.promoter_min_score is not null
                then
                    case
                        when responses_as_of.score >= scales.promoter_min_score
                            then 'promoter'
                        when responses_as_of.score <= scales.detractor_max_score
                            then 'detractor'
                        else 'passive'
                    end
            when scales.satisfied_min_score is not null
                then
                    case
                        when responses_as_of.score >= scales.satisfied_min_score
                            then 'satisfied'
                        when responses_as_of.score <= scales.dissatisfied_max_score
                            then 'dissatisfied'
                        else 'neutral'
                    end
        end as response_category
    from responses_as_of
    inner join scales
        on responses_as_of.survey_type = scales.survey_type
),

final as (
    select * from classified
)

select * from final
