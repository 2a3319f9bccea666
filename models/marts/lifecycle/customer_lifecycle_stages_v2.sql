{#- Publishes the stage spells (int_customer_lifecycle_spells; doc block
    lifecycle_stage_spells): one row per customer and run of periods in one
    stage. -#}
with spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
),

final as (
    select
        customer_id,
        spell_number,
        lifecycle_stage,
        valid_from,
        valid_to,
        last_period_start,
        last_period_end,
        is_last_period_complete,
        periods_in_spell,
        is_current_spell,
        next_lifecycle_stage
    from spells
)

select * from final
order by customer_id, spell_number
