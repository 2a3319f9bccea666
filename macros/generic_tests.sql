{#- Generic data tests (dbt_utils is not reachable here, so we keep our own).
    Each one fails on NULL where NULL would hide a violation: a test that cannot
    fail is no test. -#}

{#- Every non-null value lies in [min_value, max_value]; at least one bound. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error(
        "value_between on " ~ model ~ "." ~ column_name
        ~ ": give min_value, max_value or both (without bounds it cannot fail)") }}
{%- endif %}
select *
from {{ model }}
where {{ column_name }} is not null
    and (
        false
        {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
        {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
    )
{% endtest %}


{#- Every row satisfies a SQL boolean expression; a NULL result is a failure
    (write `x is null or ...` where NULL is allowed). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}


{#- The combination of columns is unique. -#}
{% test unique_combination(model, combination) %}
select {{ combination | join(', ') }}, count(*) as rows_with_this_key
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}


{#- Per group, a column sums to the expected total (within tolerance); a group
    whose values are all NULL fails. -#}
{% test sums_to(model, column_name, group_by, total=1.0, tolerance=0.000001) %}
select {{ group_by | join(', ') }}, sum({{ column_name }}) as column_sum
from {{ model }}
group by {{ group_by | join(', ') }}
having sum({{ column_name }}) is null
    or abs(sum({{ column_name }}) - {{ total }}) > {{ tolerance }}
{% endtest %}


{#- The model has `factor` times as many rows as `compare_model` (a join that
    must keep every row of its driving table, `factor` rows each). -#}
{% test row_count_matches(model, compare_model, factor=1) %}
with counts as (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_model }}) * {{ factor }} as expected_rows
)

select *
from counts
where model_rows <> expected_rows
{% endtest %}

{#- None of the listed columns holds NULL: one scan of the model for all of
    them (a not_null test per column is one dbt node and one scan each: 228 of
    them were a fifth of a build's nodes). A failing row names the column and
    how many of its rows are NULL. Columns of contracted marts with a not_null
    constraint are not listed: DuckDB enforces the constraint on write. -#}
{% test not_null_columns(model, columns) %}
{%- if not columns -%}
    {{ exceptions.raise_compiler_error(
        "not_null_columns on " ~ model ~ ": give at least one column") }}
{%- endif %}
with null_counts as (
    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as null_rows_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select '{{ column }}' as column_name, null_rows_{{ loop.index }} as null_rows
from null_counts
where null_rows_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif %}
{%- endfor %}
{% endtest %}
