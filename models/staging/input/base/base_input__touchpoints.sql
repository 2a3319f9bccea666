{#- The typed row, the row rules and the key rules of the touchpoints
    (validate_input_rows, macros/validation.sql). A touchpoint has no id in the
    input: its key is a hash of (customer_id, occurred_at, channel), so only
    exact repeats are rejected. -#}
{%- set columns = [
    (input_id('source.customer_id'), 'customer_id'),
    (input_timestamp(clean_text('source.occurred_at')), 'occurred_at'),
    (input_id('source.channel'), 'channel'),
    (clean_text('source.occurred_at'), 'raw_occurred_at'),
] -%}

{%- set key_text = (
    "concat_ws('|', customer_id, cast(occurred_at as " ~ dbt.type_string()
    ~ "), channel)"
) -%}
{%- set derived = [('md5(' ~ key_text ~ ')', 'touchpoint_id')] -%}

{%- set rules = (
    [('customer_id is null', 'customer_id', 'missing customer_id')]
    + id_rules('customer_id')
    + [
        ('raw_occurred_at is null', 'occurred_at', 'missing occurred_at'),
        ('occurred_at is null', 'occurred_at', 'unparseable occurred_at'),
    ]
    + date_range_rules('occurred_at', 'occurred_at')
    + [('channel is null', 'channel', 'missing channel')]
    + id_rules('channel')
) -%}

with {{ validate_input_rows(
    source('input', 'touchpoints'),
    columns,
    rules,
    ['touchpoint_id'],
    [],
    derived=derived,
    key_hash_sql=key_hash(key_text),
) }},

final as (
    select
        touchpoint_id,
        customer_id,
        occurred_at,
        channel,
        source_file,
        source_row_number,
        touchpoint_id as record_key,
        raw_values,
        rejected_column,
        rejection_reason,
        is_accepted
    from validated
)

select * from final
