{#- Deprecated (see deprecation_date; use v2, the plain name): customer_actions
    as published before the one vocabulary. The same rows as v2, with the contact
    channel of the action named `channel`. -#}
with actions as (
    select * from {{ ref('customer_actions', v=2) }}
),

final as (
    select
        action_rank,
        customer_id,
        as_of_date,
        lifecycle_stage,
        rfm_segment,
        strategy,
        action,
        contact_channel as channel,
        value_basis,
        value_at_stake,
        response_rate,
        action_cost,
        expected_net_value,
        is_worth_acting
    from actions
)

select * from final
order by action_rank
