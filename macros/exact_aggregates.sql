{#- Exact aggregates of doubles: results independent of the order in which
    threads add rows up, so the same input gives the same bytes. -#}

{#- Sum of a double expression, exact and so independent of the order in which
    threads add rows up: each value is rounded to 12 decimals, summed as a
    decimal, and returned as a double. Same input, same bytes. -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 12))) as double)
{%- endmacro %}


{#- Mean of a double expression, exact (see exact_sum; decimal_avg keeps the
    mean a double on Spark too, macros/portable/decimal_average.sql). -#}
{% macro exact_avg(expression) -%}
    cast({{ decimal_avg('cast(' ~ expression ~ ' as decimal(38, 12))') }} as double)
{%- endmacro %}
