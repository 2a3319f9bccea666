with source as (
    select * from {{ source('input', 'survey_responses') }}
),

scales as (
    select * from {{ ref('survey_scales') }}
),

typed as (
    select
        source._source_file as source_file,
        source._row_number as source_row_number,
        {{ input_id('source.response_id') }} as response_id,
        {{ input_id('source.customer_id') }} as customer_id,
        {{ input_timestamp(clean_text('source.responded_at')) }} as responded_at,
        lower({{ clean_text('source.survey_type') }}) as survey_type,
        {{ input_integer(clean_text('source.score')) }} as score,
        {{ clean_text('source.responded_at') }} as raw_responded_at,
        {{ clean_text('source.score') }} as raw_score
    from source
),

row_checked as (
    select
        typed.*,
        {{ first_failing_rule(
            [('typed.response_id is null', 'response_id', 'missing response_id')]
            + id_rules('response_id', 'typed.response_id')
            + [('typed.customer_id is null', 'customer_id', 'missing customer_id')]
            + id_rules('customer_id', 'typed.customer_id')
            + [
            ('typed.raw_responded_at is null', 'responded_at', 'missing responded_at'),
            ('typed.responded_at is null', 'responded_at', 'unparseable responded_at'),
            ('scales.survey_type is null', 'survey_type',
             'unknown survey_type (not in seed survey_scales)'),
            ('typed.raw_score is null', 'score', 'missing score'),
            ('typed.score is null', 'score', 'non-integer score'),
            ('typed.score not between scales.min_score and scales.max_score',
             'score', 'score outside the survey scale'),
            ]
        ) }}
    from typed
    left join scales
        on typed.survey_type = scales.survey_type
),

keyed as (
    {{ apply_key_rules(
        'row_checked',
        ['response_id'],
        ['customer_id', 'responded_at', 'survey_type', 'score'],
    ) }}
),

rejected_raw_values as (
    {{ raw_values_of_rejected(source('input', 'survey_responses'), 'keyed') }}
),

final as (
    select
        keyed.response_id,
        keyed.customer_id,
        keyed.responded_at,
        keyed.survey_type,
        keyed.score,
        keyed.source_file,
        keyed.source_row_number,
        coalesce(keyed.response_id, '') as record_key,
        rejected_raw_values.raw_values,
        keyed.rejected_column,
        keyed.rejection_reason,
        keyed.is_accepted
    from keyed
    left join rejected_raw_values
        on keyed.source_row_number = rejected_raw_values.source_row_number
)

select * from final
