{#- Access to the customer-value vars (CLV and BTYD) that int_run_context
    publishes as columns, the one way they reach the Python models. The values
    are checked in one place, check_vars (macros/check_vars.sql): each accessor
    runs it first (without a connection), since dbt renders models before the
    on-run-start hook, so a bad value stops with the one message. -#}

{%- macro _value_var(name, default=none) -%}
    {%- do check_vars(use_connection=false) -%}
    {%- set value = var(name, default) -%}
    {%- if value is none or value | string | lower in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro -%}


{#- var purchase_model: which purchase model customer_clv uses. -#}
{% macro purchase_model_var() %}
    {{ return(_value_var('purchase_model', 'auto') | string) }}
{% endmacro %}


{#- var btyd_backtest_days: internal backtest window; null = the CLV horizon. -#}
{% macro btyd_backtest_days_var() %}
    {{ return(_value_var('btyd_backtest_days')) }}
{% endmacro %}


{% macro btyd_min_customers_var() %}
    {{ return(_value_var('btyd_min_customers')) }}
{% endmacro %}


{% macro clv_horizon_periods_var() %}
    {{ return(_value_var('clv_horizon_periods')) }}
{% endmacro %}


{% macro annual_discount_rate_var() %}
    {{ return(_value_var('annual_discount_rate')) }}
{% endmacro %}


{#- var btyd_backtest_origins: origins of the internal purchase-model backtest. -#}
{% macro btyd_backtest_origins_var() %}
    {{ return(_value_var('btyd_backtest_origins')) }}
{% endmacro %}


{#- var btyd_backtest_min_days: a shorter holdout is not evaluable. -#}
{% macro btyd_backtest_min_days_var() %}
    {{ return(_value_var('btyd_backtest_min_days')) }}
{% endmacro %}


{#- var btyd_backtest_min_calibration_days: the calibration floor (a seasonal
    year) of the internal backtest, where the data allows. -#}
{% macro btyd_backtest_min_calibration_days_var() %}
    {{ return(_value_var('btyd_backtest_min_calibration_days')) }}
{% endmacro %}
