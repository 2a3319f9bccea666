{#- commented_view(view, table): the view `view` selecting every column of
    `table`, carrying the current model's description and its columns' ones.
    DuckDB takes COMMENT ON statements after the view; Spark has no COMMENT ON
    for views or columns but takes the comments in CREATE VIEW, in one
    statement (its session runs one statement per call). -#}
{% macro commented_view(view, table) -%}
    {{ return(adapter.dispatch('commented_view')(view, table)) }}
{%- endmacro %}

{% macro default__commented_view(view, table) -%}
    create or replace view {{ view }} as
    select * from {{ table }};
    {%- if model.description %}
        comment on view {{ view }} is '{{ model.description | replace("'", "''") }}';
    {%- endif %}
    {%- for column in model.columns.values() if column.description %}
        comment on column {{ view }}.{{ adapter.quote(column.name) }}
            is '{{ column.description | replace("'", "''") }}';
    {%- endfor %}
{%- endmacro %}

{#- Spark reads a backslash in a string literal as an escape: both the backslash
    and the quote are escaped. The column list is the model's (contracted marts
    list every column, in order). -#}
{% macro spark__commented_view(view, table) -%}
    create or replace view {{ view }}
    {%- if model.columns %} (
        {%- for column in model.columns.values() %}
        {{ adapter.quote(column.name) }}
        {%- if column.description %} comment '{{ spark_text(column.description) }}'{% endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    )
    {%- endif %}
    {%- if model.description %}
    comment '{{ spark_text(model.description) }}'
    {%- endif %}
    as select * from {{ table }}
{%- endmacro %}

{% macro spark_text(text) -%}
    {{ text | replace('\\', '\\\\') | replace("'", "\\'") }}
{%- endmacro %}
