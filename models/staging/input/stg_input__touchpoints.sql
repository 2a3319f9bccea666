with validated as (
    select * from {{ ref('base_input__touchpoints') }}
),

final as (
    select
        touchpoint_id,
        customer_id,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        channel
    from validated
    where is_accepted
)

select * from final
