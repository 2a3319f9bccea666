{#-
    Post-hook of audit.source_row_counts: print a warning with the counts for every
    source that had rows quarantined, so a build never hides them. (The gates of
    audit.input_gates stop the build past var max_rejected_share.)
-#}
{% macro warn_on_rejected_rows(relation) %}
    {%- if execute -%}
        {%- set counts = run_query(
            'select source_name, input_rows, rejected_rows from ' ~ relation
            ~ ' where rejected_rows > 0 order by source_name') -%}
        {%- for row in counts.rows -%}
            {%- do exceptions.warn(
                'Quarantined ' ~ row[2] ~ ' of ' ~ row[1] ~ ' rows of input ' ~ row[0]
                ~ ': see audit.rejected_rows') -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as warned
{% endmacro %}



{#-
    Post-hook of audit.input_warnings: print one warning line per raised check
    (valid but extreme or unmatched input); the build goes on.
-#}
{% macro warn_on_input_warnings(relation) %}
    {%- if execute -%}
        {%- set raised = run_query(
            'select message from ' ~ relation ~ ' where is_raised'
            ~ ' order by warning_name, source_name') -%}
        {%- for row in raised.rows -%}
            {%- do exceptions.warn('INPUT WARNING: ' ~ row[0]) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as warned
{% endmacro %}
