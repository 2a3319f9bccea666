{#- Validated access to the customer-value vars (CLV and BTYD), so a typo fails
    loudly and early; int_run_context publishes the values as columns, the one
    way they reach the Python models. -#}

{%- macro _number_var(name, minimum, integer=false, allow_null=false) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or value | string | lower in ('', 'none', 'null') -%}
        {%- if allow_null -%}{{ return(none) }}{%- endif -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be set") }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set pattern = '^\d+$' if integer else '^-?\d+(\.\d+)?([eE][-+]?\d+)?$' -%}
    {%- if not modules.re.match(pattern, text) or text | float < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be " ~ ("an integer" if integer else "a number")
            ~ " >= " ~ minimum ~ ("" if not allow_null else " or null")
            ~ ", got '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro -%}


{#- var purchase_model: which purchase model customer_clv uses. -#}
{% macro purchase_model_var() %}
    {%- set value = var('purchase_model', 'auto') | string | lower -%}
    {%- if value not in ('auto', 'bg_nbd', 'pareto_nbd') -%}
        {{ exceptions.raise_compiler_error(
            "var purchase_model must be one of auto, bg_nbd, pareto_nbd, got '"
            ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- var btyd_backtest_days: internal backtest window; null = the CLV horizon. -#}
{% macro btyd_backtest_days_var() %}
    {{ return(_number_var('btyd_backtest_days', 1, integer=true, allow_null=true)) }}
{% endmacro %}


{% macro btyd_min_customers_var() %}
    {{ return(_number_var('btyd_min_customers', 1, integer=true)) }}
{% endmacro %}


{% macro clv_horizon_periods_var() %}
    {{ return(_number_var('clv_horizon_periods', 1, integer=true)) }}
{% endmacro %}


{% macro annual_discount_rate_var() %}
    {{ return(_number_var('annual_discount_rate', 0)) }}
{% endmacro %}
