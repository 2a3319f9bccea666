{#- json_number(json_text, key): the number under a top-level key of a JSON object
    held as text, as a double (null when the key is absent). DuckDB has
    json_extract, Spark get_json_object; the key is a SQL expression. -#}
{% macro json_number(json_text, key) -%}
    {{ return(adapter.dispatch('json_number')(json_text, key)) }}
{%- endmacro %}

{% macro default__json_number(json_text, key) -%}
    cast(json_extract({{ json_text }}, '$.' || {{ key }}) as double)
{%- endmacro %}

{% macro spark__json_number(json_text, key) -%}
    cast(get_json_object({{ json_text }}, '$.' || {{ key }}) as double)
{%- endmacro %}


{#- is_json(text): true when the text parses as JSON (null when null). -#}
{% macro is_json(text) -%}
    {{ return(adapter.dispatch('is_json')(text)) }}
{%- endmacro %}

{% macro default__is_json(text) -%}
    json_valid({{ text }})
{%- endmacro %}

{% macro spark__is_json(text) -%}
    case when {{ text }} is not null then try_parse_json({{ text }}) is not null end
{%- endmacro %}
