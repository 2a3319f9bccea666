{#- The input column `channel` is the kind of touchpoint (email_open, web_visit,
    ...): staging names it touchpoint_type (docs/input.md). -#}
with validated as (
    select * from {{ ref('base_input__touchpoints') }}
),

final as (
    select
        touchpoint_id,
        customer_id,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        channel as touchpoint_type
    from validated
    where is_accepted
)

select * from final
