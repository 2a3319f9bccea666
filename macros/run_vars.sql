{#- Access to the project vars that SQL needs in a checked form: each lookup runs
    check_vars (macros/check_vars.sql), the one place of the rules of every var. -#}

{% macro as_of_date_var() %}
    {%- do check_vars(use_connection=false) -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value | string | lower in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}


{#- The time units and their length in days (months, quarters and years are
    average Gregorian lengths: 365.25 / 12, 365.25 / 4, 365.25). The Python
    package has the same table, customer_lifecycle.btyd.TIME_UNIT_DAYS:
    tests/python/test_vars.py renders this one and compares. -#}
{% macro time_units() %}
    {{ return({
        'day': 1.0, 'week': 7.0, 'month': 30.4375, 'quarter': 91.3125, 'year': 365.25
    }) }}
{% endmacro %}


{#- Length in days of a time unit: day, week, month, quarter or year. Checks every
    var first (check_vars, macros/check_vars.sql, the one place of var rules), so
    a bad var stops the build with its message. -#}
{% macro unit_days(unit, var_name) %}
    {%- do check_vars(use_connection=false) -%}
    {%- set units = time_units() -%}
    {%- if unit not in units -%}
        {{ exceptions.raise_compiler_error(
            "unit_days: '" ~ unit ~ "' (" ~ var_name ~ ") is not one of "
            ~ (units.keys() | join(', '))) }}
    {%- endif -%}
    {{ return(units[unit]) }}
{% endmacro %}


{#- Length of the BTYD time unit (var time_unit) in days. -#}
{% macro time_unit_days() %}
    {{ return(unit_days(var('time_unit'), 'time_unit')) }}
{% endmacro %}


{#- Length of the CLV period (var clv_period) in days. -#}
{% macro clv_period_days() %}
    {{ return(unit_days(var('clv_period'), 'clv_period')) }}
{% endmacro %}


{#- A text as a SQL string literal: in quotes, each quote doubled, so that a
    path or a name with an apostrophe (or a double quote, a space) is data, never
    SQL: the only escape a standard SQL string (DuckDB's) needs; Spark's
    literals escape with a backslash. -#}
{% macro sql_text(value) %}
    {{ return(adapter.dispatch('sql_text')(value)) }}
{% endmacro %}


{% macro duckdb__sql_text(value) %}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{% endmacro %}


{#- Spark: a backslash escapes (and two quotes side by side are two literals
    joined), so backslash and quote are escaped with a backslash. -#}
{% macro default__sql_text(value) %}
    {{ return("'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'"))
        ~ "'") }}
{% endmacro %}
