{#- inline_cte(): the hint that an import CTE read more than once is inlined at
    each reference, not materialised. DuckDB (1.4) materialises every CTE that is
    referenced twice or more: for `stages as (select * from <spine>)` that is a
    full copy of every column of the 35M-row customer x period spine before any
    projection or filter, where two scans of the table read only the columns
    they need (issue 9: int_customer_360 19 s -> 7 s, the stage transitions
    24 s -> 4 s at 3M customers). Use it only on import CTEs (`select * from
    ref(...)`): a computed CTE read twice may be cheaper materialised.
    Engines that never materialise on their own (Spark) get nothing. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
