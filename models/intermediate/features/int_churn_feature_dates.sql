{#- One row per feature date of the churn model: feature_date_index j = 0..K+1
    (K = var churn_backtest_origins), feature_date = as_of_date - j x
    churn_window_days. j = 0 is the scoring date (as_of_date), j = 1 the training
    date (churn_cutoff_date), j >= 2 the earlier dates of the rolling-origin
    backtest. Rows at j >= 1 are labelled by the window (feature_date,
    label_window_end_date], which ends on the feature date of j - 1. Doc block
    churn_timeline. -#}
{%- set window_days = var('churn_window_days') | int -%}
{%- set origins = var('churn_backtest_origins') | int -%}

with ml_run_context as (
    select * from {{ ref('int_ml_run_context') }}
),

feature_dates as (
    {%- for j in range(origins + 2) %}
        select
            {{ j }} as feature_date_index,
            cast({{ dbt.dateadd('day', -(j * window_days), 'as_of_date') }} as date)
                as feature_date,
            {% if j == 0 -%}
                cast(null as date)
            {%- else -%}
                cast(
                    {{ dbt.dateadd(
                        'day',
                        -((j - 1) * window_days),
                        'as_of_date'
                    ) }} as date
                )
            {%- endif %} as label_window_end_date
        from ml_run_context
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast(feature_date_index as integer) as feature_date_index,
        feature_date,
        label_window_end_date,
        case
            when feature_date_index = 0 then 'scoring'
            when feature_date_index = 1 then 'training'
            else 'backtest'
        end as feature_role
    from feature_dates
)

select * from final
