{#- The typed row, the row rules and the key rules of the marketing spend
    (validate_input_rows, macros/validation.sql): one spend per channel and
    month; `2024-01` and `2024-01-15` both name January 2024. -#}
{%- set columns = [
    (input_id('source.channel'), 'channel'),
    ("cast(date_trunc('month', coalesce(try_cast("
        ~ clean_text('source.month') ~ " as date), try_cast("
        ~ clean_text('source.month') ~ " || '-01' as date))) as date)",
     'month_start'),
    (input_decimal(clean_text('source.spend')), 'spend'),
    (clean_text('source.month'), 'raw_month'),
    (clean_text('source.spend'), 'raw_spend'),
] -%}

{%- set rules = (
    [('channel is null', 'channel', 'missing channel')]
    + id_rules('channel')
    + [
        ('raw_month is null', 'month', 'missing month'),
        ('month_start is null', 'month', 'unparseable month'),
        ('raw_spend is null', 'spend', 'missing spend'),
    ]
    + decimal_rules('raw_spend', 'spend')
    + [('spend < 0', 'spend', 'negative spend')]
) -%}

with {{ validate_input_rows(
    source('input', 'marketing_spend'),
    columns,
    rules,
    ['channel', 'month_start'],
    ['spend'],
) }},

final as (
    select
        channel,
        month_start,
        spend,
        source_file,
        source_row_number,
        coalesce(channel, '') || '|' || coalesce(raw_month, '') as record_key,
        raw_values,
        rejected_column,
        rejection_reason,
        is_accepted
    from validated
)

select * from final
