{#- NPS and CSAT per lifecycle period (var lifecycle_period), one row per period
    with at least one answer on or before as_of_date. Thresholds: seed
    survey_scales, applied in int_survey_responses_classified. -#}
with responses as (
    select * from {{ ref('int_survey_responses_classified') }}
),

final as (
    {{ survey_scores('responses', ['period_start']) }}
)

select * from final
