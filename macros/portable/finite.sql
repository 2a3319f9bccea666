{#- is_finite(expression): true when a double is neither NaN nor infinite, null
    when it is null. DuckDB has isfinite; elsewhere |x| < infinity, false for
    NaN (Spark orders NaN above every number) and for both infinities. -#}
{% macro is_finite(expression) -%}
    {{ return(adapter.dispatch('is_finite')(expression)) }}
{%- endmacro %}

{% macro default__is_finite(expression) -%}
    (abs({{ expression }}) < cast('Infinity' as double))
{%- endmacro %}

{% macro duckdb__is_finite(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}
