{#- The run log: one row per fitted model of this build (churn, KMeans, BG/NBD,
    Gamma-Gamma) with its parameters, inputs, package versions, status and fit
    duration. The only public table that differs between two builds on the same
    input (fit_seconds). -#}
{%- set run_columns = [
    'model_run_id', 'model_name', 'model_version', 'as_of_date', 'status', 'message',
    'training_rows', 'parameters', 'features', 'package_versions', 'fit_seconds',
] -%}
with churn_run as (
    select * from {{ ref('int_churn_model_fitted') }}
),

segments_run as (
    select * from {{ ref('int_customer_segments_fitted') }}
),

btyd_runs as (
    select * from {{ ref('int_btyd_fitted') }}
),

python_runs as (
    select
        {{ run_columns | join(',\n        ') }}
    from churn_run
    where record_type = 'run'
    union all
    select
        {{ run_columns | join(',\n        ') }}
    from segments_run
    where record_type = 'run'
),

btyd_runs_identified as (
    {#- int_btyd_fitted has the run-log shape (customer_lifecycle.runs.RUN_SCHEMA),
        model_run_id included, plus BTYD columns that the log does not keep. -#}
    select
        {{ run_columns | join(',\n        ') }}
    from btyd_runs
),

unioned as (
    select * from python_runs
    union all
    select * from btyd_runs_identified
),

final as (
    select
        cast(model_run_id as string) as model_run_id,
        cast(model_name as string) as model_name,
        cast(model_version as string) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast(status as string) as status,
        cast(message as string) as message,
        cast(training_rows as integer) as training_rows,
        cast(parameters as string) as parameters,
        cast(features as string) as features,
        cast(package_versions as string) as package_versions,
        cast(fit_seconds as double) as fit_seconds
    from unioned
)

select * from final
order by model_name
