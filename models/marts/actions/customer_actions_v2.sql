{#- Per reachable person, the recommended action of the playbook, its expected
    net value and a rank (1 = act first). Churned customers only where win-back
    pays. Doc block customer_actions. v2: the contact channel of the action is
    `contact_channel` (v1: `channel`, a word that also meant the acquisition
    channel and the touchpoint type). -#}
with actions as (
    select * from {{ ref('int_customer_actions') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

reachable as (
    select *
    from actions
    where expected_net_value is not null
        and (lifecycle_stage <> 'churned' or is_worth_acting)
),

final as (
    select
        cast(row_number() over (
            order by reachable.expected_net_value desc, reachable.customer_id asc
        ) as integer) as action_rank,
        reachable.customer_id,
        run_context.as_of_date,
        reachable.lifecycle_stage,
        reachable.rfm_segment,
        reachable.strategy,
        reachable.action,
        reachable.contact_channel,
        reachable.value_basis,
        cast(reachable.value_at_stake as double) as value_at_stake,
        cast(reachable.response_rate as double) as response_rate,
        cast(reachable.action_cost as double) as action_cost,
        cast(reachable.expected_net_value as double) as expected_net_value,
        reachable.is_worth_acting
    from reachable
    cross join run_context
)

select * from final
order by action_rank
