{#- The typed row, the row rules, the key rules and the refund rule of the
    orders (validate_input_rows, macros/validation.sql). -#}
{%- set columns = [
    (input_id('source.order_id'), 'order_id'),
    (input_id('source.customer_id'), 'customer_id'),
    (input_timestamp(clean_text('source.ordered_at')), 'ordered_at'),
    (input_decimal(clean_text('source.amount')), 'amount'),
    (input_decimal(clean_text('source.cost')), 'cost'),
    ('coalesce(try_cast(' ~ clean_text('source.is_refund') ~ ' as boolean), false)',
     'is_refund'),
    (clean_text('source.ordered_at'), 'raw_ordered_at'),
    (clean_text('source.amount'), 'raw_amount'),
    (clean_text('source.cost'), 'raw_cost'),
    (clean_text('source.is_refund'), 'raw_is_refund'),
] -%}

{%- set rules = (
    [('order_id is null', 'order_id', 'missing order_id')]
    + id_rules('order_id')
    + [('customer_id is null', 'customer_id', 'missing customer_id')]
    + id_rules('customer_id')
    + [
        ('raw_ordered_at is null', 'ordered_at', 'missing ordered_at'),
        ('ordered_at is null', 'ordered_at', 'unparseable ordered_at'),
    ]
    + date_range_rules('ordered_at', 'ordered_at')
    + [
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
    ]
) -%}

with {{ validate_input_rows(
    source('input', 'orders'),
    columns,
    rules,
    ['order_id'],
    ['customer_id', 'ordered_at', 'amount', 'cost', 'is_refund'],
    set_rejections=refund_rejections(
        source('input', 'orders'), columns, rules, ['order_id']),
) }},

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        amount,
        cost,
        is_refund,
        source_file,
        source_row_number,
        coalesce(order_id, '') as record_key,
        raw_values,
        rejected_column,
        rejection_reason,
        is_accepted
    from validated
)

select * from final
