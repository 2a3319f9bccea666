{#-
    Use the configured schema name as it is (`marts`, not `main_marts`), so that
    analysts find public tables in `marts` and data-quality tables in `audit`.
    On Spark every build writes its own schemas, `<build prefix>_<layer>` (the
    prefix is set per build by customer_lifecycle.build), and analysts read the
    public views it points at the build once all passed (docs/spark.md).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ adapter.dispatch('lifecycle_schema_name')(custom_schema_name, node) }}
{%- endmacro %}


{% macro default__lifecycle_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}


{#- `<prefix>_<layer>`: LIFECYCLE_SPARK_BUILD_SCHEMA (set by the build command),
    else `<target schema>_build` for a plain `dbt build --target spark`. -#}
{% macro spark__lifecycle_schema_name(custom_schema_name, node) -%}
    {{ spark_build_prefix() }}_{{ (custom_schema_name or 'main') | trim }}
{%- endmacro %}


{% macro spark_build_prefix() -%}
    {{ env_var('LIFECYCLE_SPARK_BUILD_SCHEMA', target.schema ~ '_build') }}
{%- endmacro %}
