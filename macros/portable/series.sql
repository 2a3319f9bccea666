{#- Set-returning series, engine-specific syntax (used in the select list: one
    output row per element). The value is already typed, so a model never wraps
    the call in a cast: Spark refuses a generator nested in an expression.
    date_series(start_date, end_date, period): every period start from start_date to
    end_date inclusive, stepping by one `period` (day, week, month, quarter, year),
    as dates.
    integer_series(start, stop): start, start + 1, ..., stop, as integers. -#}
{% macro date_series(start_date, end_date, period) -%}
    {{ return(adapter.dispatch('date_series')(start_date, end_date, period)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date, period) -%}
    cast(generate_series({{ start_date }}, {{ end_date }}, interval '1 {{ period }}') as date)
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date, period) -%}
    cast(unnest(generate_series({{ start_date }}, {{ end_date }}, interval 1 {{ period }}))
        as date)
{%- endmacro %}

{#- Spark intervals have no quarter: three months. -#}
{% macro spark__date_series(start_date, end_date, period) -%}
    {%- set step = 'interval 3 month' if period == 'quarter' else 'interval 1 ' ~ period -%}
    explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), {{ step }}))
{%- endmacro %}

{% macro integer_series(start, stop) -%}
    {{ return(adapter.dispatch('integer_series')(start, stop)) }}
{%- endmacro %}

{% macro default__integer_series(start, stop) -%}
    cast(generate_series({{ start }}, {{ stop }}) as integer)
{%- endmacro %}

{% macro duckdb__integer_series(start, stop) -%}
    cast(unnest(generate_series({{ start }}, {{ stop }})) as integer)
{%- endmacro %}

{% macro spark__integer_series(start, stop) -%}
    explode(sequence(cast({{ start }} as integer), cast({{ stop }} as integer)))
{%- endmacro %}
