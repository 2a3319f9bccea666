{#- Per lifecycle stage and RFM segment: customers, expected value V and its
    share G = V_group / sum V, value at risk, and the strategy's cost
    S = sum_i W_i x C_i over the customers it targets. Doc block
    lifecycle_strategy_summary. -#}
with actions as (
    select * from {{ ref('int_customer_actions') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

grouped as (
    select
        lifecycle_stage,
        rfm_segment,
        min(strategy) as strategy,
        min(action) as action,
        count(*) as customers,
        {{ exact_sum('coalesce(predicted_clv, 0)') }} as expected_value,
        {{ exact_sum('coalesce(value_at_risk, 0)') }} as value_at_risk,
        count(*) filter (where is_worth_acting) as targeted_customers,
        {#- W_i = contacts_per_customer when the action pays for customer i,
            else 0; C_i = cost_per_contact. -#}
        {#- Sums of doubles through exact_sum: byte-identical across builds. -#}
        {{ exact_sum(
            '(case when is_worth_acting then contacts_per_customer else 0 end)'
            ~ ' * cost_per_contact') }} as strategy_cost,
        {{ exact_sum('case when is_worth_acting then expected_net_value else 0 end') }}
            as expected_net_value
    from actions
    group by lifecycle_stage, rfm_segment
),

final as (
    select
        grouped.lifecycle_stage,
        grouped.rfm_segment,
        run_context.as_of_date,
        grouped.strategy,
        grouped.action,
        cast(grouped.customers as integer) as customers,
        cast(grouped.expected_value as double) as expected_value,
        cast(
            grouped.expected_value
            / nullif(
                sum(cast(grouped.expected_value as decimal(38, 12))) over (), 0
            ) as double
        ) as value_share,
        cast(grouped.value_at_risk as double) as value_at_risk,
        cast(grouped.targeted_customers as integer) as targeted_customers,
        cast(grouped.strategy_cost as double) as strategy_cost,
        cast(grouped.expected_net_value as double) as expected_net_value
    from grouped
    cross join run_context
)

select * from final
order by lifecycle_stage, rfm_segment
