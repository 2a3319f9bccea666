{#- unit_hash(expression): a deterministic number in [0, 1) from the text of the
    expression: the first 13 hex digits of md5 read as an integer, divided by
    16^13. md5 is portable; reading hex as an integer is not, so it is dispatched
    (the one engine-specific bit of the ML sampling). Used for the churn holdout
    split and the fixed-seed customer samples (salted with var random_seed). -#}
{% macro unit_hash(expression) -%}
    {{ return(adapter.dispatch('unit_hash')(expression)) }}
{%- endmacro %}

{% macro default__unit_hash(expression) -%}
    cast(cast(('0x' || left(md5(cast({{ expression }} as string)), 13)) as bigint) as double)
    / 4503599627370496.0
{%- endmacro %}

{% macro spark__unit_hash(expression) -%}
    cast(conv(left(md5(cast({{ expression }} as string)), 13), 16, 10) as double)
    / 4503599627370496.0
{%- endmacro %}


{#- signed_log1p(expression): sign(v) * ln(1 + |v|), the transform of the churn
    model's numeric inputs (customer_lifecycle.churn.signed_log1p). -#}
{% macro signed_log1p(expression) -%}
    (sign({{ expression }}) * ln(1 + abs({{ expression }})))
{%- endmacro %}
