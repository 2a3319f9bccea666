{#- One row per person the warehouse knows (buyers and prospects) as of
    as_of_date, with every measure: the building block of customer_360 and of the
    action playbook. Doc blocks customer_360 and value_at_risk. -#}
with spells as (
    select * from {{ ref('int_customer_lifecycle_spells') }}
),

contacts as (
    select * from {{ ref('int_contacts_aggregated_to_customers') }}
),

customers as (
    select * from {{ ref('stg_input__customers') }}
),

rfm as (
    select * from {{ ref('int_customer_rfm') }}
),

clv as (
    select * from {{ ref('int_customer_clv') }}
),

churn as (
    select * from {{ ref('int_churn_scores') }}
),

segments as (
    select * from {{ ref('int_customer_segments') }}
),

satisfaction as (
    select * from {{ ref('int_customer_satisfaction') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

current_stage as (
    {#- The current spell (the one holding as_of_date): its stage, and the
        start of its first period as the date the stage has held since. -#}
    select
        spells.customer_id,
        spells.lifecycle_stage,
        spells.valid_from as lifecycle_stage_since,
        contacts.first_contact_date
    from spells
    inner join contacts
        on spells.customer_id = contacts.customer_id
    where spells.is_current_spell
),

final as (
    select
        current_stage.customer_id,
        run_context.as_of_date,
        customers.signed_up_date,
        customers.acquisition_channel,
        cast(customers.acquisition_cost as decimal(18, 2)) as acquisition_cost,
        customers.attributes,
        current_stage.first_contact_date,
        rfm.customer_id is not null as is_buyer,
        rfm.first_purchase_date,
        rfm.last_purchase_date,
        cast(coalesce(rfm.orders, 0) as integer) as orders,
        cast(coalesce(rfm.revenue, 0) as decimal(18, 2)) as revenue,
        current_stage.lifecycle_stage,
        current_stage.lifecycle_stage_since,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_segment,
        segments.segment_id as behavioural_segment_id,
        segments.segment_label as behavioural_segment,
        cast(clv.historical_clv as double) as historical_clv,
        cast(clv.predicted_clv as double) as predicted_clv,
        cast(clv.p_alive as double) as p_alive,
        clv.purchase_model,
        clv.purchase_model_status,
        cast(clv.probability_of_purchase_in_horizon as double)
            as probability_of_purchase_in_horizon,
        cast(churn.churn_probability as double) as churn_probability,
        churn.risk_decile as churn_risk_decile,
        satisfaction.latest_nps_category,
        satisfaction.latest_csat_score,
        {#- value_at_risk (doc block value_at_risk): churn probability x
            predicted CLV; 0 for prospects, null when either is missing. -#}
        case
            when rfm.customer_id is null then 0.0
            else churn.churn_probability * clv.predicted_clv
        end as value_at_risk
    from current_stage
    cross join run_context
    left join customers
        on current_stage.customer_id = customers.customer_id
    left join rfm
        on current_stage.customer_id = rfm.customer_id
    left join clv
        on current_stage.customer_id = clv.customer_id
    left join churn
        on current_stage.customer_id = churn.customer_id
    left join segments
        on current_stage.customer_id = segments.customer_id
    left join satisfaction
        on current_stage.customer_id = satisfaction.customer_id
)

select * from final
