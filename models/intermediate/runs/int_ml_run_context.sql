{#- One row: the dates and settings of the segmentation and churn models, from the
    vars: the one way they reach the ML Python models.
    Timeline: features at churn_cutoff_date = as_of_date - churn_window_days,
    labels from the window (churn_cutoff_date, as_of_date], scores as of
    as_of_date. Doc block churn_timeline. -#}
{%- set window_days = var('churn_window_days') -%}
{%- set holdout_share = var('churn_holdout_share') -%}
{%- set segment_k = var('segment_k', none) -%}
{%- set k_min = var('segment_k_min') -%}
{%- set k_max = var('segment_k_max') -%}
{%- set silhouette_sample = var('segment_silhouette_sample') -%}
{%- set seed = var('random_seed') -%}
{%- set sample_customers = var('churn_sample_customers') -%}
{%- set backtest_origins = var('churn_backtest_origins') -%}
{%- set segment_fit_sample = var('segment_fit_sample') -%}
{#- Every var is checked in one place (check_vars); dbt renders models before the
    on-run-start hook, so the check runs here first, without a connection. -#}
{%- do check_vars(use_connection=false) -%}
{%- if segment_k is none or segment_k | string | lower in ('', 'none', 'null') -%}
    {%- set segment_k = none -%}
{%- endif -%}

with run_context as (
    select * from {{ ref('int_run_context') }}
),

final as (
    select
        run_context.as_of_date,
        cast(
            {{ dbt.dateadd('day', -(window_days | int), 'run_context.as_of_date') }}
            as date
        ) as churn_cutoff_date,
        cast({{ window_days | int }} as integer) as churn_window_days,
        cast({{ holdout_share | float }} as double) as churn_holdout_share,
        cast({{ segment_k if segment_k is not none else 'null' }} as integer)
            as segment_k,
        cast({{ k_min | int }} as integer) as segment_k_min,
        cast({{ k_max | int }} as integer) as segment_k_max,
        cast({{ silhouette_sample | int }} as integer) as segment_silhouette_sample,
        cast({{ seed | int }} as integer) as random_seed,
        cast({{ sample_customers | int }} as integer) as churn_sample_customers,
        cast({{ backtest_origins | int }} as integer) as churn_backtest_origins,
        cast({{ segment_fit_sample | int }} as integer) as segment_fit_sample,
        '{{ var("churn_numeric_features") | join(",") }}' as churn_numeric_features,
        run_context.time_unit,
        run_context.time_unit_days
    from run_context
)

select * from final
