{#-
    on-run-end: publish the build file over the file analysts open, atomically,
    only after a full `dbt build` in which every node passed (doc: README,
    "Publishing"; code: customer_lifecycle/publish.py). Anything else (a failure,
    a gate, a partial selection, another command) leaves the published file as
    it was and says so in one line.
-#}
{% macro publish_warehouse() %}
    {%- if not execute or flags.WHICH != 'build' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set published = env_var('LIFECYCLE_DUCKDB_PATH', 'lifecycle.duckdb') -%}
    {%- set selection = ((invocation_args_dict.get('select') or []) | list)
        + ((invocation_args_dict.get('exclude') or []) | list) -%}
    {%- set failed = results | rejectattr('status', 'in', ['success', 'pass', 'warn', 'no-op'])
        | list -%}
    {%- set errors = failed | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
        | map(attribute='node.name') | list -%}
    {%- if failed | length > 0 -%}
        {%- do log('NOT PUBLISHED: ' ~ (errors | join(', ') or 'a node') ~ ' failed, '
            ~ (failed | length - errors | length) ~ ' node(s) skipped; '
            ~ published ~ ' is unchanged', info=true) -%}
    {%- elif selection | length > 0 -%}
        {%- do log('NOT PUBLISHED: a partial selection (--select/--exclude) builds '
            ~ target.path ~ ' only; ' ~ published ~ ' is unchanged', info=true) -%}
    {%- else -%}
        {%- do run_query('checkpoint') -%}
        {%- do run_query("select publish_warehouse('" ~ target.path ~ "', '"
            ~ published ~ "')") -%}
        {%- do log('PUBLISHED ' ~ published ~ ' (built in ' ~ target.path ~ ')',
            info=true) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
