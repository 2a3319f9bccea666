{#- The typed row, the row rules and the key rules of the customers
    (validate_input_rows, macros/validation.sql). -#}
{%- set columns = [
    (input_id('source.customer_id'), 'customer_id'),
    (input_timestamp(clean_text('source.signed_up_at')), 'signed_up_at'),
    (input_id('source.acquisition_channel'), 'acquisition_channel'),
    (input_decimal(clean_text('source.acquisition_cost')), 'acquisition_cost'),
    ('source.attributes', 'attributes'),
    (clean_text('source.signed_up_at'), 'raw_signed_up_at'),
    (clean_text('source.acquisition_cost'), 'raw_acquisition_cost'),
] -%}

{%- set rules = (
    [('customer_id is null', 'customer_id', 'missing customer_id')]
    + id_rules('customer_id')
    + [('raw_signed_up_at is not null and signed_up_at is null',
        'signed_up_at', 'unparseable signed_up_at')]
    + date_range_rules('signed_up_at', 'signed_up_at')
    + id_rules('acquisition_channel')
    + decimal_rules('raw_acquisition_cost', 'acquisition_cost')
    + [('acquisition_cost < 0', 'acquisition_cost', 'negative acquisition_cost')]
) -%}

with {{ validate_input_rows(
    source('input', 'customers'),
    columns,
    rules,
    ['customer_id'],
    ['signed_up_at', 'acquisition_channel', 'acquisition_cost', 'attributes'],
) }},

final as (
    select
        customer_id,
        signed_up_at,
        acquisition_channel,
        acquisition_cost,
        attributes,
        source_file,
        source_row_number,
        coalesce(customer_id, '') as record_key,
        raw_values,
        rejected_column,
        rejection_reason,
        is_accepted
    from validated
)

select * from final
