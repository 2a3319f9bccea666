{#- Validated access to the project vars, so a typo fails loudly and early. -#}

{% macro as_of_date_var() %}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value | string | lower in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
        {{ exceptions.raise_compiler_error(
            "var as_of_date must be a date written YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{#- Length in days of a time unit: day, week, month, quarter or year. -#}
{% macro unit_days(unit, var_name) %}
    {%- set units = {
        'day': 1.0, 'week': 7.0, 'month': 30.4375, 'quarter': 91.3125, 'year': 365.25
    } -%}
    {%- set unit = unit | string | lower -%}
    {%- if unit not in units -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ " must be one of " ~ (units.keys() | join(', '))
            ~ ", got '" ~ unit ~ "'") }}
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
