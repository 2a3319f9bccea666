{#-
    Use the configured schema name as it is (`marts`, not `main_marts`), so that
    analysts find public tables in `marts` and data-quality tables in `audit`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
