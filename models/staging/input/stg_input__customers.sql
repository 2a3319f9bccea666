with validated as (
    select * from {{ ref('base_input__customers') }}
),

final as (
    select
        customer_id,
        signed_up_at,
        cast(signed_up_at as date) as signed_up_date,
        acquisition_channel,
        acquisition_cost,
        attributes
    from validated
    where is_accepted
)

select * from final
