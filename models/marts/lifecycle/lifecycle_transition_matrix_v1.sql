{#- Publishes int_lifecycle_transition_matrix (the building block; docs on the
    model). -#}
with lifecycle_transition_matrix as (
    select * from {{ ref('int_lifecycle_transition_matrix') }}
),

final as (
    select * from lifecycle_transition_matrix
)

select * from final
