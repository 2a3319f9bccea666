{#-
    Post-hook for versioned public marts: after building `customer_rfm_v2`, create
    the view `customer_rfm` pointing at the latest version, so analysts query the
    plain name and a new version can ship beside the old one (dbt Labs' pattern).
    The view carries the same comments as the table (persist_docs only comments
    the versioned table), so a BI tool shows the docs on the name analysts use
    (macros/portable/commented_view.sql).
-#}
{% macro create_latest_version_view() %}
    {%- if model.get('version') and model.get('version') == model.get('latest_version') -%}
        {%- set latest = this.incorporate(path={"identifier": model['name']}) -%}
        {%- set existing = load_relation(latest) -%}
        {%- if existing and not existing.is_view -%}
            {% do adapter.drop_relation(existing) %}
        {%- endif -%}
        {#- The view names its table without the database, so it still works when
            the file is attached under another name (ATTACH ... AS x). -#}
        {{ commented_view(latest, this.include(database=false)) }}
    {%- else -%}
        select 1 as no_latest_version_view
    {%- endif -%}
{% endmacro %}
