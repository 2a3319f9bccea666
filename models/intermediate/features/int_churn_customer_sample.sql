{#- One row per customer with a purchase on or before as_of_date: the fixed-seed
    draws of the ML models, from salted md5 hashes of customer_id (seed var
    random_seed), so that they do not depend on row order or on the engine:
    is_holdout (holdout_key < churn_holdout_share) splits the churn training rows,
    sample_rank orders customers by sample_key; the churn sample is the first
    churn_sample_customers, the KMeans fit sample the first segment_fit_sample. -#}
with customer_days as (
    select * from {{ ref('int_orders_aggregated_to_customer_days') }}
),

ml_run_context as (
    select * from {{ ref('int_ml_run_context') }}
),

buyers as (
    select distinct customer_days.customer_id
    from customer_days
),

keyed as (
    select
        buyers.customer_id,
        {{ unit_hash("cast(ml_run_context.random_seed as string) || ':holdout:'"
            ~ " || buyers.customer_id") }} as holdout_key,
        {{ unit_hash("cast(ml_run_context.random_seed as string) || ':sample:'"
            ~ " || buyers.customer_id") }} as sample_key,
        ml_run_context.churn_holdout_share,
        ml_run_context.churn_sample_customers,
        ml_run_context.segment_fit_sample
    from buyers
    cross join ml_run_context
),

ranked as (
    select
        keyed.*,
        row_number() over (order by keyed.sample_key, keyed.customer_id)
            as sample_rank
    from keyed
),

final as (
    select
        customer_id,
        holdout_key,
        sample_key,
        cast(sample_rank as integer) as sample_rank,
        holdout_key < churn_holdout_share as is_holdout,
        sample_rank <= churn_sample_customers as is_in_churn_sample,
        sample_rank <= segment_fit_sample as is_in_segment_sample
    from ranked
)

select * from final
