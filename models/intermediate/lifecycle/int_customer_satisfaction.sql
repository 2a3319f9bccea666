{#- One row per customer with at least one survey answer on or before
    as_of_date: the latest NPS and the latest CSAT answer (ties on the timestamp
    broken by the highest response_id). -#}
with responses as (
    select * from {{ ref('int_survey_responses_classified') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, survey_type
            order by responded_at desc, response_id desc
        ) as recency_rank
    from responses
),

per_customer as (
    select
        customer_id,
        max(score) filter (where survey_type = 'nps' and recency_rank = 1)
            as latest_nps_score,
        max(response_category) filter (where survey_type = 'nps' and recency_rank = 1)
            as latest_nps_category,
        max(responded_at) filter (where survey_type = 'nps') as latest_nps_at,
        count(*) filter (where survey_type = 'nps') as nps_responses,
        max(score) filter (where survey_type = 'csat' and recency_rank = 1)
            as latest_csat_score,
        max(responded_at) filter (where survey_type = 'csat') as latest_csat_at,
        count(*) filter (where survey_type = 'csat') as csat_responses
    from ranked
    group by customer_id
),

final as (
    select
        per_customer.customer_id,
        run_context.as_of_date,
        cast(per_customer.latest_nps_score as integer) as latest_nps_score,
        cast(per_customer.latest_nps_category as string) as latest_nps_category,
        per_customer.latest_nps_at,
        cast(per_customer.nps_responses as integer) as nps_responses,
        cast(per_customer.latest_csat_score as integer) as latest_csat_score,
        per_customer.latest_csat_at,
        cast(per_customer.csat_responses as integer) as csat_responses
    from per_customer
    cross join run_context
)

select * from final
