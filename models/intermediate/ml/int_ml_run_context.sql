{#- One row: the dates and settings of the segmentation and churn models, from the
    vars, checked here so that a bad value stops the build with a clear message.
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
{%- set integer_pattern = '^\d+$' -%}
{%- for name, value in [
        ('churn_window_days', window_days), ('segment_k_min', k_min),
        ('segment_k_max', k_max), ('segment_silhouette_sample', silhouette_sample),
        ('random_seed', seed), ('churn_sample_customers', sample_customers),
        ('churn_backtest_origins', backtest_origins),
        ('segment_fit_sample', segment_fit_sample)] -%}
    {%- if not modules.re.match(integer_pattern, value | string) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a whole number >= 0, got '" ~ value ~ "'") }}
    {%- endif -%}
{%- endfor -%}
{%- if segment_k is none or segment_k | string | lower in ('', 'none', 'null') -%}
    {%- set segment_k = none -%}
{%- elif not modules.re.match(integer_pattern, segment_k | string)
        or segment_k | int < 2 -%}
    {{ exceptions.raise_compiler_error(
        "var segment_k must be null (choose by silhouette) or a whole number >= 2,"
        ~ " got '" ~ segment_k ~ "'") }}
{%- endif -%}
{%- if window_days | int < 1 -%}
    {{ exceptions.raise_compiler_error("var churn_window_days must be >= 1") }}
{%- endif -%}
{%- if not (holdout_share | float > 0 and holdout_share | float < 1) -%}
    {{ exceptions.raise_compiler_error(
        "var churn_holdout_share must be strictly between 0 and 1, got '"
        ~ holdout_share ~ "'") }}
{%- endif -%}
{%- if k_min | int < 2 or k_max | int < k_min | int -%}
    {{ exceptions.raise_compiler_error(
        "vars segment_k_min and segment_k_max must satisfy 2 <= segment_k_min"
        ~ " <= segment_k_max") }}
{%- endif -%}
{%- if sample_customers | int < 100 or segment_fit_sample | int < 100 -%}
    {{ exceptions.raise_compiler_error(
        "vars churn_sample_customers and segment_fit_sample must be >= 100") }}
{%- endif -%}
{%- if silhouette_sample | int < 100 -%}
    {{ exceptions.raise_compiler_error(
        "var segment_silhouette_sample must be >= 100") }}
{%- endif -%}

with run_context as (
    select * from {{ ref('int_run_context') }}
),

final as (
    select
        run_context.as_of_date,
        cast(                        {{ dbt.dateadd('day', -(window_days | int), 'run_context.as_of_date') }}
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
