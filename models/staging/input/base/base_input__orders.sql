with source as (
    select * from {{ source('input', 'orders') }}
),

typed as (
    select
        source._source_file as source_file,
        source._row_number as source_row_number,
        {{ input_id('source.order_id') }} as order_id,
        {{ input_id('source.customer_id') }} as customer_id,
        {{ input_timestamp(clean_text('source.ordered_at')) }} as ordered_at,
        {{ input_decimal(clean_text('source.amount')) }} as amount,
        {{ input_decimal(clean_text('source.cost')) }} as cost,
        coalesce(
            try_cast({{ clean_text('source.is_refund') }} as boolean), false
        ) as is_refund,
        {{ clean_text('source.ordered_at') }} as raw_ordered_at,
        {{ clean_text('source.amount') }} as raw_amount,
        {{ clean_text('source.cost') }} as raw_cost,
        {{ clean_text('source.is_refund') }} as raw_is_refund
    from source
),

row_checked as (
    select
        *,
        {{ first_failing_rule(
            [('order_id is null', 'order_id', 'missing order_id')]
            + id_rules('order_id')
            + [('customer_id is null', 'customer_id', 'missing customer_id')]
            + id_rules('customer_id')
            + [
            ('raw_ordered_at is null', 'ordered_at', 'missing ordered_at'),
            ('ordered_at is null', 'ordered_at', 'unparseable ordered_at'),
            ('raw_amount is null', 'amount', 'missing amount'),
            ]
            + decimal_rules('raw_amount', 'amount')
            + decimal_rules('raw_cost', 'cost')
            + [
            ('raw_is_refund is not null
                and try_cast(raw_is_refund as boolean) is null',
             'is_refund', 'unrecognised is_refund (use true/false)'),
            ('amount < 0 and not is_refund', 'amount',
             'negative amount on an order that is not a refund'),
            ('amount > 0 and is_refund', 'amount', 'positive amount on a refund'),
        ]) }}
    from typed
),

keyed as (
    {{ apply_key_rules(
        'row_checked',
        ['order_id'],
        ['customer_id', 'ordered_at', 'amount', 'cost', 'is_refund'],
    ) }}
),

rejected_raw_values as (
    {{ raw_values_of_rejected(source('input', 'orders'), 'keyed') }}
),

final as (
    select
        keyed.order_id,
        keyed.customer_id,
        keyed.ordered_at,
        keyed.amount,
        keyed.cost,
        keyed.is_refund,
        keyed.source_file,
        keyed.source_row_number,
        coalesce(keyed.order_id, '') as record_key,
        rejected_raw_values.raw_values,
        keyed.rejected_column,
        keyed.rejection_reason,
        keyed.is_accepted
    from keyed
    left join rejected_raw_values
        on keyed.source_row_number = rejected_raw_values.source_row_number
)

select * from final
