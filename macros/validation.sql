{#-
    Validation helpers shared by the base staging models.

    `first_failing_rule(rules)`: `rules` is a list of (condition, column, reason);
    the first rule whose condition is true names the rejected column and the
    reason. Gives `row_rejected_column` and `row_rejection_reason` (null = row ok).

    `apply_key_rules(relation, key_columns, content_columns)`: among the rows that
    pass the row rules, rejects every row of a key that appears with different
    content ("<key> repeated with different content"), and keeps only the first
    (lowest source row number) of exact repeats ("duplicate row"). Gives
    `rejected_column`, `rejection_reason` and `is_accepted`.
-#}
{% macro first_failing_rule(rules) %}
    case
        {%- for condition, column, reason in rules %}
        when {{ condition }} then '{{ column }}'
        {%- endfor %}
    end as row_rejected_column,
    case
        {%- for condition, column, reason in rules %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end as row_rejection_reason
{% endmacro %}


{% macro apply_key_rules(relation, key_columns, content_columns) %}
    {%- set keys = key_columns | join(', ') -%}
    {%- set content_hash -%}
        case when row_rejection_reason is null then md5(concat_ws('|',
            {%- for column in content_columns %}
            coalesce(cast({{ column }} as varchar), '<null>')
            {%- if not loop.last %},{% endif -%}
            {% endfor %}
        )) end
    {%- endset -%}
    with hashed as (
        select
            *,
            {{ content_hash }} as content_hash
        from {{ relation }}
    ),

    counted as (
        select
            *,
            min(content_hash) over (partition by {{ keys }})
                <> max(content_hash) over (partition by {{ keys }})
                as has_conflicting_content,
            row_number() over (
                partition by {{ keys }}, content_hash
                order by source_row_number
            ) as copy_number
        from hashed
    )

    select
        * exclude (
            row_rejected_column, row_rejection_reason, content_hash,
            has_conflicting_content, copy_number
        ),
        case
            when row_rejection_reason is not null then row_rejected_column
            when has_conflicting_content or copy_number > 1 then '{{ keys }}'
        end as rejected_column,
        case
            when row_rejection_reason is not null then row_rejection_reason
            when has_conflicting_content
                then '{{ keys }} repeated with different content'
            when copy_number > 1 then 'duplicate row'
        end as rejection_reason,
        row_rejection_reason is null
            and not has_conflicting_content
            and copy_number = 1 as is_accepted
    from counted
{% endmacro %}


{#- Text column from the raw landing: trimmed, empty string as null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
