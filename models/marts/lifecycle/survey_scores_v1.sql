{#- NPS and CSAT per lifecycle period (var lifecycle_period), one row per period
    with at least one answer on or before as_of_date. Thresholds: seed
    survey_scales, applied in int_survey_responses_classified. -#}
with responses as (
    select * from {{ ref('int_survey_responses_classified') }}
),

counted as (
    select
        period_start,
        count(*) filter (where survey_type = 'nps') as nps_responses,
        count(*) filter (where response_category = 'promoter') as promoters,
        count(*) filter (where response_category = 'passive') as passives,
        count(*) filter (where response_category = 'detractor') as detractors,
        count(*) filter (where survey_type = 'csat') as csat_responses,
        count(*) filter (where response_category = 'satisfied') as satisfied,
        count(*) filter (where response_category = 'neutral') as neutral,
        count(*) filter (where response_category = 'dissatisfied') as dissatisfied
    from responses
    group by period_start
),

final as (
    select
        period_start,
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
