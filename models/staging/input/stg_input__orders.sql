with validated as (
    select * from {{ ref('base_input__orders') }}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        cast(ordered_at as date) as order_date,
        amount,
        cost,
        is_refund
    from validated
    where is_accepted
)

select * from final
