with validated as (
    select * from {{ ref('base_input__survey_responses') }}
),

final as (
    select
        response_id,
        customer_id,
        responded_at,
        cast(responded_at as date) as responded_date,
        survey_type,
        score
    from validated
    where is_accepted
)

select * from final
