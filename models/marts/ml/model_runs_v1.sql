{#- The run log: one row per fitted model of this build (churn, KMeans, BG/NBD,
    Gamma-Gamma) with its parameters, inputs, package versions, status and fit
    duration. The only public table that differs between two builds on the same
    input (fit_seconds). -#}
{%- set run_columns = [
    'model_run_id', 'model_name', 'model_version', 'as_of_date', 'status', 'message',
    'training_rows', 'parameters', 'features', 'package_versions', 'fit_seconds',
] -%}
{#- btyd_fit (owned by the btyd area) is read by name, column by column: a run-log
    column it does not emit (yet) is null, extra columns are ignored. The run id
    is btyd_fit's own model_run_id (customer_lifecycle.runs.model_run_id:
    <model>-<as_of_date>-<md5(parameters)[:8]>); while btyd_fit does not emit
    one, the same formula is applied here as a fallback (TODO(merge)). -#}
{%- set btyd_columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(ref('btyd_fit')) -%}
        {%- do btyd_columns.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif -%}

with churn_run as (
    select * from {{ ref('int_churn_model_fitted') }}
),

segments_run as (
    select * from {{ ref('int_customer_segments_fitted') }}
),

btyd_runs as (
    select * from {{ ref('btyd_fit') }}
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
    select
    {%- for column in run_columns %}
        {% if column in btyd_columns or not execute -%}
            {{ column }}
        {%- elif column == 'model_run_id' -%}
            {#- TODO(merge): fallback while btyd_fit emits no model_run_id -#}
            concat_ws(
                '-',
                model_name,
                cast(as_of_date as varchar),
                left(md5(coalesce(parameters, message, '')), 8)
            ) as model_run_id
        {%- else -%}
            cast(null as varchar) as {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    from btyd_runs
),

unioned as (
    select * from python_runs
    union all
    select * from btyd_runs_identified
),

final as (
    select
        cast(model_run_id as varchar) as model_run_id,
        cast(model_name as varchar) as model_name,
        cast(model_version as varchar) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast(status as varchar) as status,
        cast(message as varchar) as message,
        cast(training_rows as integer) as training_rows,
        cast(parameters as varchar) as parameters,
        cast(features as varchar) as features,
        cast(package_versions as varchar) as package_versions,
        cast(fit_seconds as double) as fit_seconds
    from unioned
)

select * from final
order by model_name
