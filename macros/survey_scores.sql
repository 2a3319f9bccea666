{#- NPS and CSAT of classified survey answers (int_survey_responses_classified),
    per group: the one place the formulas are written (docs blocks
    nps_definition and csat_definition). `relation`: a CTE with survey_type and
    response_category; `group_columns`: the columns to group by, output first. -#}
{% macro survey_scores(relation, group_columns) -%}
    {%- set groups = group_columns | join(', ') -%}
    select
        {{ groups }},
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
    from (
        select
            {{ groups }},
            count(*) filter (where survey_type = 'nps') as nps_responses,
            count(*) filter (where response_category = 'promoter') as promoters,
            count(*) filter (where response_category = 'passive') as passives,
            count(*) filter (where response_category = 'detractor') as detractors,
            count(*) filter (where survey_type = 'csat') as csat_responses,
            count(*) filter (where response_category = 'satisfied') as satisfied,
            count(*) filter (where response_category = 'neutral') as neutral,
            count(*) filter (
                where response_category = 'dissatisfied'
            ) as dissatisfied
        from {{ relation }}
        group by {{ groups }}
    ) as counted
{%- endmacro %}
