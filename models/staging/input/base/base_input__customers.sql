with source as (
    select * from {{ source('input', 'customers') }}
),

typed as (
    select
        source._source_file as source_file,
        source._row_number as source_row_number,
        {{ input_id('source.customer_id') }} as customer_id,
        {{ input_timestamp(clean_text('source.signed_up_at')) }} as signed_up_at,
        {{ input_id('source.acquisition_channel') }} as acquisition_channel,
        {{ input_decimal(clean_text('source.acquisition_cost')) }}
            as acquisition_cost,
        source.attributes,
        {{ clean_text('source.signed_up_at') }} as raw_signed_up_at,
        {{ clean_text('source.acquisition_cost') }} as raw_acquisition_cost
    from source
),

row_checked as (
    select
        *,
        {{ first_failing_rule(
            [('customer_id is null', 'customer_id', 'missing customer_id')]
            + id_rules('customer_id')
            + [('raw_signed_up_at is not null and signed_up_at is null',
                'signed_up_at', 'unparseable signed_up_at')]
            + id_rules('acquisition_channel')
            + decimal_rules('raw_acquisition_cost', 'acquisition_cost')
            + [('acquisition_cost < 0', 'acquisition_cost',
                'negative acquisition_cost')]
        ) }}
    from typed
),

keyed as (
    {{ apply_key_rules(
        'row_checked',
        ['customer_id'],
        ['signed_up_at', 'acquisition_channel', 'acquisition_cost', 'attributes'],
    ) }}
),

rejected_raw_values as (
    {{ raw_values_of_rejected(source('input', 'customers'), 'keyed') }}
),

final as (
    select
        keyed.customer_id,
        keyed.signed_up_at,
        keyed.acquisition_channel,
        keyed.acquisition_cost,
        keyed.attributes,
        keyed.source_file,
        keyed.source_row_number,
        coalesce(keyed.customer_id, '') as record_key,
        rejected_raw_values.raw_values,
        keyed.rejected_column,
        keyed.rejection_reason,
        keyed.is_accepted
    from keyed
    left join rejected_raw_values
        on keyed.source_row_number = rejected_raw_values.source_row_number
)

select * from final
