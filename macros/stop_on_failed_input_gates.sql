{#-
    Post-hook of audit.input_gates: stop the build with one line per failed gate
    (source, figure, limit, where to look). The published file is not replaced.
-#}
{% macro stop_on_failed_input_gates(relation) %}
    {%- if execute -%}
        {%- set failed = run_query(
            'select message from ' ~ relation ~ ' where not is_passed'
            ~ ' order by gate_name, source_name') -%}
        {%- if failed.rows | length > 0 -%}
            {#- Printed before the error is raised, for a user who runs with
                --fail-fast (off in dbt_project.yml): then, with 2 threads, dbt
                may crash on a node running beside this one ("Connection
                already closed") and never print this error's summary. -#}
            {%- for message in failed.columns[0].values() -%}
                {%- do log('INPUT GATE: ' ~ message, info=True) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                'INPUT GATE: ' ~ (failed.columns[0].values() | join('\nINPUT GATE: '))) }}
        {%- endif -%}
    {%- endif -%}
    select 1 as gates_checked
{% endmacro %}
