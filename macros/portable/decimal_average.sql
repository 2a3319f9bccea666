{#- decimal_avg(expression): the mean of a decimal expression as a double.
    DuckDB's avg of a decimal is a double (an exact sum divided once); Spark's
    is a decimal rounded to 6 decimals (0.5068681318 becomes 0.50687), a silent
    loss, so Spark divides the exact decimal sum by the count itself. -#}
{% macro decimal_avg(expression) -%}
    {{ return(adapter.dispatch('decimal_avg')(expression)) }}
{%- endmacro %}

{% macro default__decimal_avg(expression) -%}
    cast(sum({{ expression }}) as double) / count({{ expression }})
{%- endmacro %}

{% macro duckdb__decimal_avg(expression) -%}
    avg({{ expression }})
{%- endmacro %}
