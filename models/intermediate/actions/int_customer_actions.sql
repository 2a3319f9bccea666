{#- The playbook applied to every person of int_customer_360: the matching
    action (stage and RFM segment, else stage and '*'), the value it works on,
    its expected net value and whether it pays. Doc block customer_actions. -#}
with customers as {{ inline_cte() }} (
    select * from {{ ref('int_customer_360') }}
),

playbook as (
    select * from {{ ref('action_playbook') }}
),

new_customer_value as (
    {#- What converting a prospect is worth: the mean predicted CLV of the
        customers who are in the stage `new` now. -#}
    select {{ exact_avg('predicted_clv') }} as value_of_a_new_customer
    from customers
    where lifecycle_stage = 'new'
),

matched as (
    select
        customers.customer_id,
        customers.lifecycle_stage,
        coalesce(customers.rfm_segment, 'no purchase yet') as rfm_segment,
        customers.predicted_clv,
        customers.value_at_risk,
        playbook.strategy,
        playbook.action,
        playbook.channel as contact_channel,
        cast(playbook.contacts_per_customer as integer) as contacts_per_customer,
        cast(playbook.cost_per_contact as double) as cost_per_contact,
        cast(playbook.response_rate as double) as response_rate,
        playbook.value_basis,
        row_number() over (
            partition by customers.customer_id
            order by case when playbook.rfm_segment = '*' then 1 else 0 end
        ) as match_rank
    from customers
    inner join playbook
        on customers.lifecycle_stage = playbook.lifecycle_stage
        and (
            customers.rfm_segment = playbook.rfm_segment
            or playbook.rfm_segment = '*'
        )
),

valued as (
    select
        matched.*,
        case matched.value_basis
            when 'new_customer_value'
                then new_customer_value.value_of_a_new_customer
            else matched.value_at_risk
        end as value_at_stake,
        matched.contacts_per_customer * matched.cost_per_contact as action_cost
    from matched
    cross join new_customer_value
    where matched.match_rank = 1
),

final as (
    select
        customer_id,
        lifecycle_stage,
        rfm_segment,
        predicted_clv,
        value_at_risk,
        strategy,
        action,
        contact_channel,
        contacts_per_customer,
        cost_per_contact,
        response_rate,
        value_basis,
        value_at_stake,
        action_cost,
        value_at_stake * response_rate - action_cost as expected_net_value,
        coalesce(value_at_stake * response_rate - action_cost > 0, false)
            as is_worth_acting
    from valued
)

select * from final
