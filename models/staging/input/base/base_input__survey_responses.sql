{#- The typed row, the row rules and the key rules of the survey answers
    (validate_input_rows, macros/validation.sql). The scale of each survey type
    comes from the seed survey_scales. -#}
{%- set columns = [
    (input_id('source.response_id'), 'response_id'),
    (input_id('source.customer_id'), 'customer_id'),
    (input_timestamp(clean_text('source.responded_at')), 'responded_at'),
    ('lower(' ~ clean_text('source.survey_type') ~ ')', 'survey_type'),
    (input_integer(clean_text('source.score')), 'score'),
    (clean_text('source.responded_at'), 'raw_responded_at'),
    (clean_text('source.score'), 'raw_score'),
] -%}

{%- set rules = (
    [('typed.response_id is null', 'response_id', 'missing response_id')]
    + id_rules('response_id', 'typed.response_id')
    + [('typed.customer_id is null', 'customer_id', 'missing customer_id')]
    + id_rules('customer_id', 'typed.customer_id')
    + [
        ('typed.raw_responded_at is null', 'responded_at', 'missing responded_at'),
        ('typed.responded_at is null', 'responded_at', 'unparseable responded_at'),
    ]
    + date_range_rules('typed.responded_at', 'responded_at')
    + [
        ('scales.survey_type is null', 'survey_type',
         'unknown survey_type (not in seed survey_scales)'),
        ('typed.raw_score is null', 'score', 'missing score'),
        ('typed.score is null', 'score', 'non-integer score'),
        ('typed.score not between scales.min_score and scales.max_score',
         'score', 'score outside the survey scale'),
    ]
) -%}

with {{ validate_input_rows(
    source('input', 'survey_responses'),
    columns,
    rules,
    ['response_id'],
    ['customer_id', 'responded_at', 'survey_type', 'score'],
    check_joins='left join ' ~ ref('survey_scales') ~ ' as scales'
        ~ ' on typed.survey_type = scales.survey_type',
) }},

final as (
    select
        response_id,
        customer_id,
        responded_at,
        survey_type,
        score,
        source_file,
        source_row_number,
        coalesce(response_id, '') as record_key,
        raw_values,
        rejected_column,
        rejection_reason,
        is_accepted
    from validated
)

select * from final
