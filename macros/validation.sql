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
    {#- A rule may carry a 4th item, SQL giving the end of its reason (e.g.
        the code point of the character found). -#}
    case
        {%- for rule in rules %}
        when {{ rule[0] }} then '{{ rule[1] }}|{{ rule[2] }}'
        {%- if rule | length > 3 %} || {{ rule[3] }}{% endif %}
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
    - `set_rejections`: SQL of further CTEs (may use `repeated_keys` and the
      macro `accepted_by_key_rules`) ending in one named `set_rejections`
      (source_row_number, rejected_column, rejection_reason): rules over several
      rows (e.g. refunds against a customer's purchases), applied last;
    - the key rules: among the rows that pass the row rules, every row of a key
      seen with different content is rejected ("<key> repeated with different
      content"), and of exact repeats only the first (lowest source row number)
      is kept ("duplicate row"). With no content columns the key is the
      content, so only exact repeats are looked for;
    - `key_hash_sql`: SQL over the typed names, equal for rows of one key, that
      finds the candidate repeats (default `key_hash(<key columns>)`); a key
      derived by a costly expression (the touchpoints' md5) passes a cheaper
      one, e.g. the hash of the md5's argument.

    One streaming pass over the input, never a copy of it. At 10M customers the
    orders are ~40M rows: a CTE read twice is materialised whole, and a
    group-by over every key joined back to every row held the input twice. So
    the key rules look only at the keys that occur more than once, found from
    a hash of the key alone (`repeated_key_hashes`: one 8-byte value a row,
    the only all-rows aggregate), and their few rows are typed and checked
    again; a hash collision only adds a candidate, decided exactly by the key
    itself. The hash is `key_hash` (DuckDB's `hash`, Spark's `xxhash64`).
-#}
{% macro validate_input_rows(
    source_relation, columns, rules, key_columns, content_columns,
    derived=[], check_joins='', set_rejections='', key_hash_sql=none
) %}
    {%- set keys = key_columns | join(', ') -%}
    {%- set key_hash = key_hash_sql or key_hash(keys) -%}
    {%- set typed_names = _typed_names(columns, derived) -%}
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
                    coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>')
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
        {{ _key_verdict_join('row_checked', key_columns) }}
    ),

    {%- if set_rejections %}

    {{ set_rejections }},
    {%- endif %}

    verdicts as (
        select
            {%- for name in typed_names + ['row_rejection'] %}
            keyed.{{ name }},
            {%- endfor %}
            case
                when row_rejection is not null
                    then {{ dbt.split_part('row_rejection', "'|'", 1) }}
                when has_conflicting_content or not is_first_copy then '{{ keys }}'
                {%- if set_rejections %}
                else set_rejections.rejected_column
                {%- endif %}
            end as rejected_column,
            case
                when row_rejection is not null
                    then substr(
                        row_rejection, {{ dbt.position("'|'", 'row_rejection') }} + 1
                    )
                when has_conflicting_content
                    then '{{ keys }} repeated with different content'
                when not is_first_copy then 'duplicate row'
                {%- if set_rejections %}
                else set_rejections.rejection_reason
                {%- endif %}
            end as rejection_reason,
            row_rejection is null
                and not has_conflicting_content
                and is_first_copy
                {%- if set_rejections %}
                and set_rejections.source_row_number is null
                {%- endif %} as is_accepted
        from keyed
        {%- if set_rejections %}
        left join set_rejections
            on keyed.source_row_number = set_rejections.source_row_number
        {%- endif %}
    ),

    {#- JSON only where a row is rejected: CASE evaluates it on those rows. -#}
    validated as (
        select
            {%- for name in typed_names if name != 'landed_row' %}
            {{ name }},
            {%- endfor %}
            rejected_column,
            rejection_reason,
            is_accepted,
            case
                when not is_accepted then {{ struct_json('landed_row') }}
            end as raw_values
        from verdicts
    )
{% endmacro %}


{#- `rows` (a CTE of row-checked rows) with the key verdicts of
    `repeated_keys`: has_conflicting_content and is_first_copy. -#}
{% macro _key_verdict_join(rows, key_columns) %}
        select
            {{ rows }}.*,
            coalesce(repeated_keys.has_conflicting_content, false)
                as has_conflicting_content,
            coalesce(
                {{ rows }}.source_row_number
                = repeated_keys.first_source_row_number,
                true
            ) as is_first_copy
        from {{ rows }}
        left join repeated_keys
            on {% for key in key_columns -%}
            {{ rows }}.{{ key }} = repeated_keys.{{ key }}
            {%- if not loop.last %} and {% endif %}
            {%- endfor %}
{% endmacro %}


{#- For `set_rejections`: the rows of `rows` (row-checked, see _input_rows,
    from the typed `columns`) that pass the row rules and the key rules. -#}
{% macro accepted_by_key_rules(rows, key_columns, columns) %}
    select
        {%- for name in _typed_names(columns, []) + ['row_rejection'] %}
        {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from ({{ _key_verdict_join(rows, key_columns) }}) as key_checked
    where
        row_rejection is null
        and not has_conflicting_content
        and is_first_copy
{% endmacro %}


{#- The names of the columns of _input_rows (without row_rejection). -#}
{% macro _typed_names(columns, derived) %}
    {%- set names = ['source_file', 'source_row_number'] -%}
    {%- for expression, name in columns -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {%- do names.append('landed_row') -%}
    {%- for expression, name in derived -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(names) }}
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
            {{ row_struct('source') }} as landed_row
        from {{ source_relation }} as source
    ) as typed
    {% if rules is not none %}{{ check_joins }}{% endif %}
{% endmacro %}


{#- Text column from the raw landing: trimmed, empty string as null.
    trim() without characters also trims Unicode spaces; a value that starts
    and ends with a printable ASCII character other than space (nearly every
    value) is left as it is without calling it (`trim_unless_clean`). -#}
{% macro clean_text(column) -%}
    nullif({{ trim_unless_clean(column, 33, 126, 'trim(' ~ column ~ ')') }}, '')
{%- endmacro %}


{#- `trimmed` (SQL trimming `value`) only where the first or the last
    character of `value` is outside code points [low, high], the ones trimming
    never removes; elsewhere `value` itself. The same result as `trimmed`, at
    a fraction of the cost: trimming with a character set costs 20 times a
    read of the column, the check of two characters about 3 times. -#}
{% macro trim_unless_clean(value, low, high, trimmed) -%}
    case
        when
            ascii({{ value }}) between {{ low }} and {{ high }}
            and ascii(substr({{ value }}, length({{ value }}), 1))
            between {{ low }} and {{ high }}
            then {{ value }}
        else {{ trimmed }}
    end
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
    nullif({{ trim_unless_clean(column, 33, 1114111, trim_characters(
        column, "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
    )) }}, '')
{%- endmacro %}


{% macro id_rules(column, expression=none) %}
    {%- set max_length = var('max_id_length') | int -%}
    {%- set value = expression or column -%}
    {%- set invisible = invisible_characters() -%}
    {%- set control = '[\\x00-\\x1f\\x7f-\\x{9f}]' -%}
    {#- One rule, one regular expression a value (nearly every value holds
        neither): the reason says which, a control character first. -#}
    {{ return([
        (regex_contains(value, control ~ '|' ~ invisible), column, '',
         "case when " ~ regex_contains(value, control) ~ " then '" ~ column
         ~ " holds a control character (tab, line break, NUL...)' else '"
         ~ column ~ " holds an invisible character ' || "
         ~ code_point_label(regex_first_match(value, invisible)) ~ " end"),
        ('length(' ~ value ~ ') > ' ~ max_length, column,
         column ~ ' longer than ' ~ max_length ~ ' characters (var max_id_length)'),
    ]) }}
{% endmacro %}


{#- Characters that do not show but make two ids differ (doc block `id_rule`):
    no-break and other non-ASCII spaces (U+00A0, U+1680, U+2000-U+200A,
    U+202F, U+205F, U+3000), the soft hyphen U+00AD, zero-width characters and
    marks (U+200B-U+200F), line and paragraph separators (U+2028, U+2029), bidi
    controls (U+202A-U+202E, U+2066-U+2069), invisible operators and other
    format characters (U+2060-U+2064, U+206A-U+206F) and the byte-order mark
    U+FEFF. A regular expression character class (RE2 and Java alike). -#}
{% macro invisible_characters() -%}
    {{ return('[\\x{a0}\\x{ad}\\x{1680}\\x{2000}-\\x{200f}\\x{2028}-\\x{202f}'
        ~ '\\x{205f}-\\x{2064}\\x{2066}-\\x{206f}\\x{3000}\\x{feff}]') }}
{%- endmacro %}


{#-
    The date-range rule (doc block `date_range_rule`): a date or timestamp
    before var `min_input_date`, or, when var `as_of_date` is set, more than
    var `max_days_after_as_of` days after it, is quarantined. `value` is the
    typed timestamp or date. (With no as_of_date the snapshot is the last
    order date: the gate default_as_of_not_isolated guards that case.)
-#}
{% macro date_range_rules(value, column) %}
    {%- set min_date = var('min_input_date', '1970-01-01') | string -%}
    {%- set after = var('max_days_after_as_of', 366) | int -%}
    {%- set as_of = as_of_date_var() -%}
    {%- set rules = [(
        'cast(' ~ value ~ " as date) < cast('" ~ min_date ~ "' as date)", column,
        column ~ ' before ' ~ min_date ~ ' (var min_input_date)')] -%}
    {%- if as_of is not none -%}
        {%- do rules.append((
            'cast(' ~ value ~ ' as date) > '
            ~ dbt.dateadd('day', after, "cast('" ~ as_of ~ "' as date)"), column,
            column ~ ' more than ' ~ after ~ ' days after as_of_date ' ~ as_of
            ~ ' (var max_days_after_as_of)')) -%}
    {%- endif -%}
    {{ return(rules) }}
{% endmacro %}


{#-
    The refund rule (doc block `refund_rule`), as the `set_rejections` of
    validate_input_rows for the orders: per customer, in time order (at one
    instant purchases before refunds, then by row), a refund is quarantined
    when the refunds up to and including it exceed the purchases up to it
    (the running net amount goes below zero). Only the customers with a refund
    are read again (a streaming pass over the key columns finds them), so the
    window sorts a small part of the orders. Every valid refund counts in the
    running net, a quarantined one too: once a customer's refunds went past
    their purchases, each later refund is checked against that.
-#}
{% macro refund_rejections(source_relation, columns, rules, key_columns) %}
    refund_customers as (
        select distinct customer_id
        from ({{ _input_rows(source_relation, columns, []) }}) as input_rows
        where is_refund
    ),

    refund_customer_rows as (
        {%- set customer_source -%}
            (
                select landed.*
                from {{ source_relation }} as landed
                where {{ input_id('landed.customer_id') }} in (
                    select customer_id from refund_customers
                )
            )
        {%- endset %}
        {{ _input_rows(customer_source, columns, [], rules) }}
    ),

    refund_customer_accepted as (
        {{ accepted_by_key_rules('refund_customer_rows', key_columns, columns) }}
    ),

    running_net as (
        select
            source_row_number,
            is_refund,
            sum(amount) over (
                partition by customer_id
                order by ordered_at, is_refund, source_row_number
                rows between unbounded preceding and current row
            ) as net_amount
        from refund_customer_accepted
    ),

    set_rejections as (
        select
            source_row_number,
            'amount' as rejected_column,
            {{ sql_text("refund larger than the customer's purchases up to it") }}
                as rejection_reason
        from running_net
        where is_refund and net_amount < 0
    )
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
        when {{ regex_contains(raw,
            '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
        ) }}
            then {{ instant_in_zone(raw, var("input_time_zone")) }}
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
        (raw ~ ' is not null and not coalesce(' ~ is_finite('try_cast(' ~ raw
         ~ ' as double)') ~ ', false)', column, 'non-numeric ' ~ column),
        (raw ~ ' is not null and not abs(try_cast(' ~ raw ~ ' as double)) < '
         ~ max_amount, column,
         column ~ ' out of range (at most ' ~ max_amount
         ~ ' in absolute value, var max_input_amount)'),
        (raw ~ ' is not null and not ' ~ regex_full_match(raw,
         '[+-]?[0-9]{1,15}([.][0-9]{0,2})?') ~ ' and try_cast(' ~ raw
         ~ ' as decimal(38, 20)) <> try_cast(' ~ raw ~ ' as decimal(18, 2))', column,
         column ~ ' has more than 2 decimals (it would be rounded)'),
    ]) }}
{% endmacro %}


{#- An integer score written as digits (`7` or `7.0`); `6.5` is no score. -#}
{% macro input_integer(raw) -%}
    case
        when {{ regex_full_match(raw, '[+-]?[0-9]{1,9}([.]0*)?') }}
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
