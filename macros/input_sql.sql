{#-
    The engine-specific SQL of the input rules (staging, audit), behind
    adapter.dispatch: `default__` is the Spark SQL dialect (Apache Spark,
    Databricks), `duckdb__` the embedded default. Each pair gives the same value
    for the same input; the traps they avoid:
    - Spark unescapes backslashes in string literals, so regular expressions are
      raw literals (r'...') there; RE2 (DuckDB) and Java (Spark) read the
      classes used here (`\x{a0}`, `[^"\r\n]`) alike;
    - Spark's `trim(x, chars)` takes its arguments the other way round, so
      `trim(both chars from x)` there;
    - Spark has no `isfinite`, `hash`, `printf`, `unicode`, `nfc_normalize`, and
      its `to_json` leaves out null fields unless told not to.
-#}

{#- `value` holds a match of the regular expression `pattern` (a search). -#}
{% macro regex_contains(value, pattern) -%}
    {{ return(adapter.dispatch('regex_contains')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_contains(value, pattern) -%}
    {{ return('(' ~ value ~ " rlike r'" ~ pattern ~ "')") }}
{%- endmacro %}

{% macro duckdb__regex_contains(value, pattern) -%}
    {{ return('regexp_matches(' ~ value ~ ", '" ~ pattern ~ "')") }}
{%- endmacro %}


{#- `value` matches `pattern` whole. -#}
{% macro regex_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(value, pattern) -%}
    {{ return('(' ~ value ~ " rlike r'^(?:" ~ pattern ~ ")$')") }}
{%- endmacro %}

{% macro duckdb__regex_full_match(value, pattern) -%}
    {{ return('regexp_full_match(' ~ value ~ ", '" ~ pattern ~ "')") }}
{%- endmacro %}


{#- The first match of `pattern` in `value` ('' when none). -#}
{% macro regex_first_match(value, pattern) -%}
    {{ return(adapter.dispatch('regex_first_match')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_first_match(value, pattern) -%}
    {{ return('regexp_extract(' ~ value ~ ", r'" ~ pattern ~ "', 0)") }}
{%- endmacro %}

{% macro duckdb__regex_first_match(value, pattern) -%}
    {{ return('regexp_extract(' ~ value ~ ", '" ~ pattern ~ "')") }}
{%- endmacro %}


{#- `value` without the characters of the SQL text `characters` at both ends. -#}
{% macro trim_characters(value, characters) -%}
    {{ return(adapter.dispatch('trim_characters')(value, characters)) }}
{%- endmacro %}

{% macro default__trim_characters(value, characters) -%}
    {{ return('trim(both ' ~ characters ~ ' from ' ~ value ~ ')') }}
{%- endmacro %}

{% macro duckdb__trim_characters(value, characters) -%}
    {{ return('trim(' ~ value ~ ', ' ~ characters ~ ')') }}
{%- endmacro %}


{#- The code point of the one-character text `character`, as U+XXXX. -#}
{% macro code_point_label(character) -%}
    {{ return(adapter.dispatch('code_point_label')(character)) }}
{%- endmacro %}

{% macro default__code_point_label(character) -%}
    {{ return("format_string('U+%04X', ascii(" ~ character ~ "))") }}
{%- endmacro %}

{% macro duckdb__code_point_label(character) -%}
    {{ return("printf('U+%04X', unicode(" ~ character ~ "))") }}
{%- endmacro %}


{#- A 64-bit hash of the SQL expressions `expressions` (comma-separated). -#}
{% macro key_hash(expressions) -%}
    {{ return(adapter.dispatch('key_hash')(expressions)) }}
{%- endmacro %}

{% macro default__key_hash(expressions) -%}
    {{ return('xxhash64(' ~ expressions ~ ')') }}
{%- endmacro %}

{% macro duckdb__key_hash(expressions) -%}
    {{ return('hash(' ~ expressions ~ ')') }}
{%- endmacro %}


{#- The whole row of the relation aliased `alias`, as one struct value. -#}
{% macro row_struct(alias) -%}
    {{ return(adapter.dispatch('row_struct')(alias)) }}
{%- endmacro %}

{% macro default__row_struct(alias) -%}
    {{ return('struct(' ~ alias ~ '.*)') }}
{%- endmacro %}

{% macro duckdb__row_struct(alias) -%}
    {{ return(alias) }}
{%- endmacro %}


{#- A struct value as JSON text, null fields written as null. -#}
{% macro struct_json(value) -%}
    {{ return(adapter.dispatch('struct_json')(value)) }}
{%- endmacro %}

{% macro default__struct_json(value) -%}
    {{ return('to_json(' ~ value ~ ", map('ignoreNullFields', 'false'))") }}
{%- endmacro %}

{% macro duckdb__struct_json(value) -%}
    {{ return('cast(to_json(' ~ value ~ ') as varchar)') }}
{%- endmacro %}


{#- JSON text of an object built from `pairs`, a list of "'key', value" SQL
    texts (the values are texts). -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    {{ return('to_json(named_struct(' ~ (pairs | join(', '))
        ~ "), map('ignoreNullFields', 'false'))") }}
{%- endmacro %}

{% macro duckdb__json_object_text(pairs) -%}
    {{ return('cast(json_object(' ~ (pairs | join(', ')) ~ ') as varchar)') }}
{%- endmacro %}


{#- The plain timestamp, in IANA zone `zone`, of the instant named by the text
    `raw` (a timestamp with an offset); null when `raw` is not one. Spark reads
    the offset when it casts to its (session-zone, UTC) timestamp. -#}
{% macro instant_in_zone(raw, zone) -%}
    {{ return(adapter.dispatch('instant_in_zone')(raw, zone)) }}
{%- endmacro %}

{% macro default__instant_in_zone(raw, zone) -%}
    {{ return("from_utc_timestamp(try_cast(" ~ raw ~ " as timestamp), '" ~ zone
        ~ "')") }}
{%- endmacro %}

{% macro duckdb__instant_in_zone(raw, zone) -%}
    {{ return("timezone('" ~ zone ~ "', try_cast(" ~ raw ~ ' as timestamptz))') }}
{%- endmacro %}


{#- `value` in Unicode normal form NFC (Spark: ICU4J, which Spark 4 ships). -#}
{% macro nfc_text(value) -%}
    {{ return(adapter.dispatch('nfc_text')(value)) }}
{%- endmacro %}

{% macro default__nfc_text(value) -%}
    {{ return("reflect('com.ibm.icu.text.Normalizer', 'compose', " ~ value
        ~ ', false)') }}
{%- endmacro %}

{% macro duckdb__nfc_text(value) -%}
    {{ return('nfc_normalize(' ~ value ~ ')') }}
{%- endmacro %}
