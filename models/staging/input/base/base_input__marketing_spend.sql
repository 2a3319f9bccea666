with source as (
    select * from {{ source('input', 'marketing_spend') }}
),

typed as (
    select
        source._source_file as source_file,
        source._row_number as source_row_number,
        {{ input_id('source.channel') }} as channel,
        cast(date_trunc('month', coalesce(
            try_cast({{ clean_text('source.month') }} as date),
            try_cast({{ clean_text('source.month') }} || '-01' as date)
        )) as date) as month_start,
        {{ input_decimal(clean_text('source.spend')) }} as spend,
        {{ clean_text('source.month') }} as raw_month,
        {{ clean_text('source.spend') }} as raw_spend
    from source
),

row_checked as (
    select
        *,
        {{ first_failing_rule(
            [('channel is null', 'channel', 'missing channel')]
            + id_rules('channel')
            + [
            ('raw_month is null', 'month', 'missing month'),
            ('month_start is null', 'month', 'unparseable month'),
            ('raw_spend is null', 'spend', 'missing spend'),
            ]
            + decimal_rules('raw_spend', 'spend')
            + [('spend < 0', 'spend', 'negative spend')]
        ) }}
    from typed
),

keyed as (
    {{ apply_key_rules('row_checked', ['channel', 'month_start'], ['spend']) }}
),

rejected_raw_values as (
    {{ raw_values_of_rejected(source('input', 'marketing_spend'), 'keyed') }}
),

final as (
    select
        keyed.channel,
        keyed.month_start,
        keyed.spend,
        keyed.source_file,
        keyed.source_row_number,
        coalesce(keyed.channel, '') || '|' || coalesce(keyed.raw_month, '')
            as record_key,
        rejected_raw_values.raw_values,
        keyed.rejected_column,
        keyed.rejection_reason,
        keyed.is_accepted
    from keyed
    left join rejected_raw_values
        on keyed.source_row_number = rejected_raw_values.source_row_number
)

select * from final
