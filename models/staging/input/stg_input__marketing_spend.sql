with validated as (
    select * from {{ ref('base_input__marketing_spend') }}
),

final as (
    select
        channel,
        month_start,
        spend
    from validated
    where is_accepted
)

select * from final
