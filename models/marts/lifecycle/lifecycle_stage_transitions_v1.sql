{#- Publishes int_lifecycle_stage_transitions (the building block; docs on the
    model). -#}
with lifecycle_stage_transitions as (
    select * from {{ ref('int_lifecycle_stage_transitions') }}
),

final as (
    select * from lifecycle_stage_transitions
)

select * from final
