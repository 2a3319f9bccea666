with source as (
    select * from {{ source('input', 'touchpoints') }}
),

typed as (
    select
        source._source_file as source_file,
        source._row_number as source_row_number,
        {{ input_id('source.customer_id') }} as customer_id,
        {{ input_timestamp(clean_text('source.occurred_at')) }} as occurred_at,
        {{ input_id('source.channel') }} as channel,
        {{ clean_text('source.occurred_at') }} as raw_occurred_at
    from source
),

row_checked as (
    select
        *,
        md5(concat_ws('|', customer_id, cast(occurred_at as varchar), channel))
            as touchpoint_id,
        {{ first_failing_rule(
            [('customer_id is null', 'customer_id', 'missing customer_id')]
            + id_rules('customer_id')
            + [
            ('raw_occurred_at is null', 'occurred_at', 'missing occurred_at'),
            ('occurred_at is null', 'occurred_at', 'unparseable occurred_at'),
            ('channel is null', 'channel', 'missing channel'),
            ]
            + id_rules('channel')
        ) }}
    from typed
),

keyed as (
    {{ apply_key_rules('row_checked', ['touchpoint_id'], []) }}
),

rejected_raw_values as (
    {{ raw_values_of_rejected(source('input', 'touchpoints'), 'keyed') }}
),

final as (
    select
        keyed.touchpoint_id,
        keyed.customer_id,
        keyed.occurred_at,
        keyed.channel,
        keyed.source_file,
        keyed.source_row_number,
        keyed.touchpoint_id as record_key,
        rejected_raw_values.raw_values,
        keyed.rejected_column,
        keyed.rejection_reason,
        keyed.is_accepted
    from keyed
    left join rejected_raw_values
        on keyed.source_row_number = rejected_raw_values.source_row_number
)

select * from final
