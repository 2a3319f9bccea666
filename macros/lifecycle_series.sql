{#- Set-returning series, the one place where the lifecycle SQL needs engine-specific
    syntax (used in the select list: one output row per element).
    date_series(start_date, end_date, period): every period start from start_date to
    end_date inclusive, stepping by one `period` (day, week, month, quarter, year).
    integer_series(start, stop): start, start + 1, ..., stop. -#}
{% macro date_series(start_date, end_date, period) -%}
    {{ return(adapter.dispatch('date_series')(start_date, end_date, period)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date, period) -%}
    generate_series({{ start_date }}, {{ end_date }}, interval '1 {{ period }}')
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date, period) -%}
    unnest(generate_series({{ start_date }}, {{ end_date }}, interval 1 {{ period }}))
{%- endmacro %}

{% macro spark__date_series(start_date, end_date, period) -%}
    explode(sequence({{ start_date }}, {{ end_date }}, interval 1 {{ period }}))
{%- endmacro %}

{% macro integer_series(start, stop) -%}
    {{ return(adapter.dispatch('integer_series')(start, stop)) }}
{%- endmacro %}

{% macro default__integer_series(start, stop) -%}
    generate_series({{ start }}, {{ stop }})
{%- endmacro %}

{% macro duckdb__integer_series(start, stop) -%}
    unnest(generate_series({{ start }}, {{ stop }}))
{%- endmacro %}

{% macro spark__integer_series(start, stop) -%}
    explode(sequence({{ start }}, {{ stop }}))
{%- endmacro %}
