{#-
    Validation helpers shared by the base staging models.

    `first_failing_rule(rules)`: `rules` is a list of (condition, column, reason);
    the first rule whose condition is true names the rejected column and the
    reason. Gives `row_rejection`, 'column|reason' (null = row ok).

    `apply_key_rules(relation, key_columns, content_columns)`: among the rows that
    pass the row rules, rejects every row of a key that appears with different
    content ("<key> repeated with different content"), and keeps only the first
    (lowest source row number) of exact repeats ("duplicate row"). Gives
    `rejected_column`, `rejection_reason` and `is_accepted`. With no content
    columns the key is the whole content, so only exact repeats are looked for.
-#}
{% macro first_failing_rule(rules) %}
    {#- One CASE, evaluated once per row: the column and the reason travel
        together as 'column|reason' (a column name never holds '|'), split in
        apply_key_rules. Two CASEs would evaluate every condition twice. -#}
    case
        {%- for condition, column, reason in rules %}
        when {{ condition }} then '{{ column }}|{{ reason }}'
        {%- endfor %}
    end as row_rejection
{% endmacro %}


{% macro apply_key_rules(relation, key_columns, content_columns) %}
    {%- set keys = key_columns | join(', ') -%}
    {%- set content_hash -%}
        case when row_rejection is null then md5(concat_ws('|',
            {%- for column in content_columns %}
            coalesce(cast({{ column }} as varchar), '<null>')
            {%- if not loop.last %},{% endif -%}
            {% endfor %}
        )) end
    {%- endset -%}
    with hashed as (
        select
            *,
            {% if content_columns -%}
            {{ content_hash }}
            {%- else -%}
            case when row_rejection is null then '' end
            {%- endif %} as content_hash
        from {{ relation }}
    ),

    {#- One group-by and one join, not window functions: several times faster
        at tens of millions of rows. A key whose accepted rows carry two
        contents rejects them all, so the first copy only matters for a key
        with one content: its lowest source row number. -#}
    per_key as (
        select
            {{ keys }},
            min(content_hash) <> max(content_hash) as has_conflicting_content,
            min(source_row_number) as first_source_row_number
        from hashed
        where content_hash is not null
        group by {{ keys }}
    ),

    counted as (
        select
            hashed.*,
            coalesce(per_key.has_conflicting_content, false)
                as has_conflicting_content,
            case
                when hashed.content_hash is null then null
                when hashed.source_row_number
                    = per_key.first_source_row_number then 1
                else 2
            end as copy_number
        from hashed
        left join per_key
            on {% for key in key_columns -%}
            hashed.{{ key }} = per_key.{{ key }}
            {%- if not loop.last %} and {% endif %}
            {%- endfor %}
    )

    select
        * exclude (
            row_rejection, content_hash,
            has_conflicting_content, copy_number
        ),
        case
            when row_rejection is not null then split_part(row_rejection, '|', 1)
            when has_conflicting_content or copy_number > 1 then '{{ keys }}'
        end as rejected_column,
        case
            when row_rejection is not null
                then substr(row_rejection, strpos(row_rejection, '|') + 1)
            when has_conflicting_content
                then '{{ keys }} repeated with different content'
            when copy_number > 1 then 'duplicate row'
        end as rejection_reason,
        row_rejection is null
            and not has_conflicting_content
            and copy_number = 1 as is_accepted
    from counted
{% endmacro %}


{#- Text column from the raw landing: trimmed, empty string as null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{#-
    The id rule (doc block `id_rule`), the same for every key and label column of
    every input table (order_id, customer_id, response_id, channels):
    `input_id` trims ASCII whitespace (space, tab, CR, LF, VT, FF) at both ends and
    gives null for an empty value (then the "missing" rule applies); `id_rules`
    rejects what is left when it holds a control character (U+0000-U+001F,
    U+007F-U+009F: a tab or a NUL inside an id) or is longer than var
    `max_id_length` characters. Case and inner spaces are kept: `C1` and `c1` are
    two customers.
-#}
{% macro input_id(column) -%}
    nullif(trim(
        {{ column }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)
    ), '')
{%- endmacro %}


{% macro id_rules(column, expression=none) %}
    {%- set max_length = var('max_id_length') | int -%}
    {%- set value = expression or column -%}
    {{ return([
        ("regexp_matches(" ~ value ~ ", '[\\x00-\\x1f\\x7f-\\x{9f}]')", column,
         column ~ ' holds a control character (tab, line break, NUL...)'),
        ('length(' ~ value ~ ') > ' ~ max_length, column,
         column ~ ' longer than ' ~ max_length ~ ' characters (var max_id_length)'),
    ]) }}
{% endmacro %}


{#-
    The time-zone rule (doc block `time_zone_rule`): a timestamp with an offset
    (`Z`, `+02`, `-05:00`, `+0530` after the time) is the instant it names,
    converted to var `input_time_zone` (UTC by default); a timestamp or date
    without one is taken as already in that zone. The result is a plain
    timestamp in `input_time_zone`; nothing depends on the machine's `TZ`.
-#}
{% macro input_timestamp(raw) -%}
    case
        when regexp_matches(
            {{ raw }},
            '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
        )
            then timezone(
                '{{ var("input_time_zone") }}', try_cast({{ raw }} as timestamptz)
            )
        else try_cast({{ raw }} as timestamp)
    end
{%- endmacro %}


{#- An amount kept exactly as decimal(18,2); `decimal_rules` rejects what it
    cannot hold exactly (doc block `amount_rule`). -#}
{% macro input_decimal(raw) -%}
    try_cast({{ raw }} as decimal(18, 2))
{%- endmacro %}


{#- Plain digits with at most 2 decimals (nearly every row) pass the
    decimals rule on a cheap pattern; only the rest pay for the exact wide
    decimal cast (5 s per million-row column otherwise). -#}
{% macro decimal_rules(raw, column) %}
    {%- set max_amount = var('max_input_amount') -%}
    {{ return([
        (raw ~ ' is not null and not coalesce(isfinite(try_cast(' ~ raw
         ~ ' as double)), false)', column, 'non-numeric ' ~ column),
        (raw ~ ' is not null and not abs(try_cast(' ~ raw ~ ' as double)) < '
         ~ max_amount, column,
         column ~ ' out of range (at most ' ~ max_amount
         ~ ' in absolute value, var max_input_amount)'),
        (raw ~ ' is not null and not regexp_full_match(' ~ raw
         ~ ", '[+-]?[0-9]{1,15}([.][0-9]{0,2})?') and try_cast(" ~ raw
         ~ ' as decimal(38, 20)) <> try_cast(' ~ raw ~ ' as decimal(18, 2))', column,
         column ~ ' has more than 2 decimals (it would be rounded)'),
    ]) }}
{% endmacro %}


{#- An integer score written as digits (`7` or `7.0`); `6.5` is no score. -#}
{% macro input_integer(raw) -%}
    case
        when regexp_full_match({{ raw }}, '[+-]?[0-9]{1,9}(\.0*)?')
            then cast(cast({{ raw }} as double) as integer)
    end
{%- endmacro %}


{#-
    The raw row as a JSON object of text values, for rejected rows only: turning
    every row into JSON would cost more than the rest of the validation.
    Gives (source_row_number, raw_values); left join it on source_row_number.
    Pass the source relation itself, not the model's `source` CTE: a CTE read
    twice is materialised whole, a second scan reads only what the join needs.
-#}
{% macro raw_values_of_rejected(source_relation, verdicts_relation) %}
    select
        {{ verdicts_relation }}.source_row_number,
        cast(to_json(landed) as varchar) as raw_values
    from {{ source_relation }} as landed
    inner join {{ verdicts_relation }}
        on landed._row_number = {{ verdicts_relation }}.source_row_number
    where not {{ verdicts_relation }}.is_accepted
{% endmacro %}


{#- The input tables and their validation models, for the audit models. -#}
{% macro validated_sources() %}
    {{ return([
        ('orders', 'base_input__orders'),
        ('customers', 'base_input__customers'),
        ('touchpoints', 'base_input__touchpoints'),
        ('survey_responses', 'base_input__survey_responses'),
        ('marketing_spend', 'base_input__marketing_spend'),
    ]) }}
{% endmacro %}
