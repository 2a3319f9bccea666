{#-
    Validation helpers shared by the base staging models.

    `first_failing_rule(rules)`: `rules` is a list of (condition, column, reason);
    the first rule whose condition is true names the rejected column and the
    reason. Gives `row_rejection`, 'column|reason' (null = row ok).

    `validate_input_rows(...)`: the whole validation of one input table (the
    row rules, then the key rules), as CTEs ending in `validated`; see below.
-#}
{% macro first_failing_rule(rules) %}
    {#- One CASE, evaluated once per row: the column and the reason travel
        together as 'column|reason' (a column name never holds '|'), split in
        validate_input_rows. Two CASEs would evaluate every condition twice. -#}
    case
        {%- for condition, column, reason in rules %}
        when {{ condition }} then '{{ column }}|{{ reason }}'
        {%- endfor %}
    end as row_rejection
{% endmacro %}


{#-
    `validate_input_rows(source_relation, columns, rules, key_columns,
    content_columns, derived, check_joins)`: the whole validation of one input
    table, as CTEs ending in `validated`: every typed column, `source_file`,
    `source_row_number`, `rejected_column`, `rejection_reason`, `is_accepted`
    and `raw_values` (the landed row as JSON, for rejected rows only).

    - `columns`: (expression over `source`, name) pairs, the typed row
      (`source_file` and `source_row_number` are added);
    - `derived`: (expression over the typed names, name) pairs, e.g. a key
      computed from typed columns;
    - `rules`: (condition, column, reason), see `first_failing_rule`;
      `check_joins` is SQL joined to `typed` for the rules (a seed);
    - the key rules: among the rows that pass the row rules, every row of a key
      seen with different content is rejected ("<key> repeated with different
      content"), and of exact repeats only the first (lowest source row number)
      is kept ("duplicate row"). With no content columns the key is the
      content, so only exact repeats are looked for.

    One streaming pass over the input, never a copy of it. At 10M customers the
    orders are ~40M rows: a CTE read twice is materialised whole, and a
    group-by over every key joined back to every row held the input twice. So
    the key rules look only at the keys that occur more than once, found from
    a hash of the key alone (`repeated_key_hashes`: one 8-byte value a row,
    the only all-rows aggregate), and their few rows are typed and checked
    again; a hash collision only adds a candidate, decided exactly by the key
    itself. `hash()` is DuckDB's (Spark has `xxhash64`): the one engine-
    specific call here.
-#}
{% macro validate_input_rows(
    source_relation, columns, rules, key_columns, content_columns,
    derived=[], check_joins=''
) %}
    {%- set keys = key_columns | join(', ') -%}
    {%- set key_hash = 'hash(' ~ keys ~ ')' -%}
    row_checked as (
        {{ _input_rows(source_relation, columns, derived, rules, check_joins) }}
    ),

    repeated_key_hashes as (
        select {{ key_hash }} as key_hash
        from (
            {{ _input_rows(source_relation, columns, derived) }}
        ) as input_rows
        group by 1
        having count(*) > 1
    ),

    repeated_key_row_numbers as (
        select input_rows.source_row_number
        from (
            {{ _input_rows(source_relation, columns, derived) }}
        ) as input_rows
        where {{ key_hash }} in (select key_hash from repeated_key_hashes)
    ),

    repeated_key_rows as (
        {%- set repeated_source -%}
            (
                select landed.*
                from {{ source_relation }} as landed
                where landed._row_number in (
                    select source_row_number from repeated_key_row_numbers
                )
            )
        {%- endset %}
        {{ _input_rows(repeated_source, columns, derived, rules, check_joins) }}
    ),

    {#- A key whose accepted rows carry two contents rejects them all, so the
        first copy only matters for a key with one content. -#}
    repeated_keys as (
        select
            {{ keys }},
            min(content_hash) <> max(content_hash) as has_conflicting_content,
            min(source_row_number) as first_source_row_number
        from (
            select
                {{ keys }},
                source_row_number,
                {% if content_columns -%}
                md5(concat_ws('|',
                    {%- for column in content_columns %}
                    coalesce(cast({{ column }} as varchar), '<null>')
                    {%- if not loop.last %},{% endif -%}
                    {% endfor %}
                ))
                {%- else -%}
                ''
                {%- endif %} as content_hash
            from repeated_key_rows
            where row_rejection is null
        ) as accepted_rows
        group by {{ keys }}
    ),

    keyed as (
        select
            row_checked.*,
            coalesce(repeated_keys.has_conflicting_content, false)
                as has_conflicting_content,
            coalesce(
                row_checked.source_row_number
                = repeated_keys.first_source_row_number,
                true
            ) as is_first_copy
        from row_checked
        left join repeated_keys
            on {% for key in key_columns -%}
            row_checked.{{ key }} = repeated_keys.{{ key }}
            {%- if not loop.last %} and {% endif %}
            {%- endfor %}
    ),

    verdicts as (
        select
            * exclude (has_conflicting_content, is_first_copy),
            case
                when row_rejection is not null then split_part(row_rejection, '|', 1)
                when has_conflicting_content or not is_first_copy then '{{ keys }}'
            end as rejected_column,
            case
                when row_rejection is not null
                    then substr(row_rejection, strpos(row_rejection, '|') + 1)
                when has_conflicting_content
                    then '{{ keys }} repeated with different content'
                when not is_first_copy then 'duplicate row'
            end as rejection_reason,
            row_rejection is null
                and not has_conflicting_content
                and is_first_copy as is_accepted
        from keyed
    ),

    {#- JSON only where a row is rejected: CASE evaluates it on those rows. -#}
    validated as (
        select
            * exclude (row_rejection, landed_row),
            case
                when not is_accepted then cast(to_json(landed_row) as varchar)
            end as raw_values
        from verdicts
    )
{% endmacro %}


{#- The typed (and, given rules, checked) rows of `source_relation`: a select
    over it aliased `source`, with `source_file`, `source_row_number` and the
    landed row as the struct `landed_row`.
    Columns a reader does not use are pruned by DuckDB, so the key-only reads
    compute only the key. -#}
{% macro _input_rows(
    source_relation, columns, derived, rules=none, check_joins=''
) %}
    select
        typed.*
        {%- for expression, name in derived %},
        {{ expression }} as {{ name }}
        {%- endfor %}
        {%- if rules is not none %},
        {{ first_failing_rule(rules) }}
        {%- endif %}
    from (
        select
            source._source_file as source_file,
            source._row_number as source_row_number,
            {%- for expression, name in columns %}
            {{ expression }} as {{ name }},
            {%- endfor %}
            source as landed_row
        from {{ source_relation }} as source
    ) as typed
    {% if rules is not none %}{{ check_joins }}{% endif %}
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
