{#-
    on-run-end: publish the build file over the file analysts open, atomically,
    only after a `dbt build` in which every node of the project ran and passed
    (doc: README, "Publishing"; code: customer_lifecycle/publish.py). Anything
    else (a failure, a gate, a selection flag, a default selector, `dbt run`,
    another command) leaves the published file as it was and says so in one line
    (unpublished_reason). Then the build lock is released. On Spark, publishing
    is the build command's (spark__publish_warehouse).
-#}
{% macro publish_warehouse() %}
    {{ return(adapter.dispatch('publish_warehouse')()) }}
{% endmacro %}


{% macro default__publish_warehouse() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set published = env_var('LIFECYCLE_DUCKDB_PATH', 'lifecycle.duckdb') -%}
    {%- set reason = unpublished_reason() -%}
    {%- if reason -%}
        {%- if flags.WHICH in ['build', 'run', 'test', 'seed', 'retry'] -%}
            {%- do log('NOT PUBLISHED: ' ~ reason ~ '; ' ~ published ~ ' is unchanged',
                info=true) -%}
        {%- endif -%}
    {%- else -%}
        {%- do run_query('checkpoint') -%}
        {%- set failure = run_query('select publish_warehouse(' ~ sql_text(target.path)
            ~ ', ' ~ sql_text(published) ~ ')').columns[0].values()[0] -%}
        {%- if failure -%}
            {%- do run_query('select release_build_lock(' ~ sql_text(target.path) ~ ')') -%}
            {{ exceptions.raise_compiler_error('NOT PUBLISHED: ' ~ failure) }}
        {%- endif -%}
        {%- do log('PUBLISHED ' ~ published ~ ' (built in ' ~ target.path ~ ')',
            info=true) -%}
    {%- endif -%}
    {%- do run_query('select release_build_lock(' ~ sql_text(target.path) ~ ')') -%}
    {{ return('') }}
{% endmacro %}


{#- On Spark (and Databricks), `python -m customer_lifecycle.build --target spark`
    runs the build in waves (the Python models run in its driver) and, after every
    node passed, points the public views at the build
    (customer_lifecycle/spark/publish.py). Its waves (LIFECYCLE_BUILD_WAVE set)
    publish nothing here; a plain dbt command says that it wrote the build schemas
    only. -#}
{% macro spark__publish_warehouse() %}
    {%- if execute and env_var('LIFECYCLE_BUILD_WAVE', '') == ''
        and flags.WHICH in ['build', 'run', 'test', 'seed', 'retry'] -%}
        {%- do log('NOT PUBLISHED: on Spark, `python -m customer_lifecycle.build'
            ~ ' --target spark` builds the Python models and publishes; `dbt '
            ~ flags.WHICH ~ '` wrote ' ~ spark_build_prefix() ~ '_* only; '
            ~ target.schema ~ ' is unchanged', info=true) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- Why this invocation must not publish, or '' when it may: a `dbt build` with
    no flag that narrows what runs, started from an empty build file, in which
    every model (but ephemeral ones), seed, snapshot and test of the project has
    a result and passed. The flags are checked as well as the results because
    the graph does not list unit tests. -#}
{% macro unpublished_reason() %}
    {%- if flags.WHICH != 'build' -%}
        {{ return('`dbt ' ~ flags.WHICH ~ '` does not build and test everything') }}
    {%- endif -%}
    {%- set narrowing = [] -%}
    {%- for name, flag in [('select', '--select'), ('exclude', '--exclude'),
        ('selector', '--selector'), ('resource_types', '--resource-type'),
        ('exclude_resource_types', '--exclude-resource-type'), ('empty', '--empty'),
        ('sample', '--sample')] if invocation_args_dict.get(name) -%}
        {%- do narrowing.append(flag) -%}
    {%- endfor -%}
    {%- if narrowing -%}
        {{ return('a build narrowed by ' ~ (narrowing | join(', '))
            ~ ' writes ' ~ target.path ~ ' only') }}
    {%- endif -%}
    {%- set passed = {} -%}
    {%- set failed = [] -%}
    {%- for result in results -%}
        {%- if result.status in ['success', 'pass', 'warn', 'no-op'] -%}
            {%- do passed.update({result.node.unique_id: true}) -%}
        {%- elif result.status in ['error', 'fail', 'runtime error'] -%}
            {%- do failed.append(result.node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set not_run = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'seed', 'snapshot', 'test']
        and node.config.materialized != 'ephemeral'
        and node.unique_id not in passed -%}
        {%- do not_run.append(node.name) -%}
    {%- endfor -%}
    {%- if failed or not_run -%}
        {{ return(((failed | join(', ')) ~ ' failed' if failed else 'a selection')
            ~ ', ' ~ (not_run | length) ~ ' node(s) of the project did not pass') }}
    {%- endif -%}
    {%- if not run_query('select build_started_empty(' ~ sql_text(target.path) ~ ')'
        ).columns[0].values()[0] -%}
        {{ return('the build reused ' ~ target.path ~ ' from an earlier command') }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
