{#-
    Landing on Apache Spark (the `default__` versions of the steps that
    macros/land_input_files.sql dispatches): the same contract, the same
    messages. `input_dir` is any path Spark's Hadoop file systems read: a local
    directory, `s3a://bucket/dir`, `abfss://...`, `hdfs://...`.
    - the files are found with the `binaryFile` source (name and size only);
    - a Parquet file lands as a view over the file, its row number from
      `_metadata.row_index`;
    - a CSV file is first read as lines of raw bytes (the `text` source, split
      on LF only, so a CR stays visible), to find the file faults DuckDB's
      checks find (gzip, not UTF-8, row ends of two kinds, an unclosed quote),
      then read with the `csv` source in the fixed dialect (every column a
      string, multiLine so that a quoted value may hold a line break,
      PERMISSIVE with a corrupt-record column: a line with more or fewer fields
      than the header stops the run, named by its line), and copied into a
      table with its row number. An empty value, quoted or not, lands as null,
      as in DuckDB.
    Not checked on Spark: a line over 2 MB, and text right after a closing
    quote (`"ab"c`, read as `ab"c`).
-#}

{% macro default__input_files_found(input_dir, table) %}
    {%- set view = 'input_files_' ~ table -%}
    {%- do run_query('create or replace temporary view ' ~ view ~ ' using binaryFile'
        ~ ' options (path ' ~ sql_text(input_dir) ~ ', pathGlobFilter '
        ~ sql_text(table ~ '.{csv,parquet}') ~ ')') -%}
    {%- set found = run_query('select path, length from ' ~ view ~ ' order by path') -%}
    {{ return(found.rows | map('list') | list) }}
{% endmacro %}


{#- Spark has one DROP for tables and another for views: ask the adapter. -#}
{% macro default__drop_landed_relation(target) %}
    {%- set schema, name = target.split('.') -%}
    {%- set found = adapter.get_relation(database=none, schema=schema, identifier=name) -%}
    {%- if found is not none -%}
        {%- do adapter.drop_relation(found) -%}
    {%- endif -%}
{% endmacro %}


{% macro default__land_parquet_file(path, file_name, source, contract, target) %}
    {%- set reader = 'parquet.`' ~ path ~ '`' -%}
    {%- set described = run_query('describe query select * from ' ~ reader) -%}
    {%- set present = {} -%}
    {%- set expressions = {} -%}
    {%- for name, type in zip(described.columns[0].values(),
        described.columns[1].values()) -%}
        {%- do present.update({name | lower: name}) -%}
        {%- if type == 'timestamp' -%}
            {#- An instant (Parquet isAdjustedToUTC): written in UTC with its
                offset, as DuckDB lands it; the session time zone is UTC. -#}
            {%- do expressions.update({name:
                "cast(to_utc_timestamp(" ~ adapter.quote(name)
                ~ ", current_timezone()) as string) || '+00'"}) -%}
        {%- else -%}
            {%- do expressions.update({name: 'cast(' ~ adapter.quote(name)
                ~ ' as string)'}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set columns_sql, ignored = _landed_columns(
        path, source, contract, present, expressions) -%}
    {%- set landed = _create_landed_table(
        target, '_metadata.row_index + 1', file_name, columns_sql, reader, 'view') -%}
    {%- do _log_landed(source.name, landed, file_name, ignored) -%}
    {{ return(landed) }}
{% endmacro %}


{% macro default__land_csv_file(path, file_name, source, contract, target, input_dir) %}
    {%- set table = source.name -%}
    {%- set shown = input_dir ~ '/' ~ file_name -%}
    {%- set lines = 'input_lines_' ~ table -%}
    {%- do run_query('create or replace temporary view ' ~ lines ~ ' using text'
        ~ " options (path " ~ sql_text(path) ~ ", lineSep '\\n')") -%}
    {%- set scan = _spark_csv_scan(lines) -%}
    {%- if scan.line_count == 0 -%}
        {%- do _land_empty_table(target, contract,
            'Input ' ~ table ~ ': ' ~ file_name ~ ' holds no line, landed as an empty table') -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set fault = _spark_csv_file_fault(shown, scan) -%}
    {%- if fault -%}
        {{ exceptions.raise_compiler_error(fault) }}
    {%- endif -%}
    {%- set header_line = scan.header | replace('\ufeff', '', 1) -%}
    {%- set names, present, expressions = _csv_header_columns(shown, header_line) -%}
    {%- set schema = [] -%}
    {%- for name in names -%}
        {%- do schema.append(adapter.quote(name) ~ ' string') -%}
        {%- do expressions.update({name: 'nullif(' ~ adapter.quote(name) ~ ", '')"}) -%}
    {%- endfor -%}
    {%- set reader = 'input_csv_' ~ table -%}
    {%- do run_query('create or replace temporary view ' ~ reader ~ ' ('
        ~ (schema | join(', ')) ~ ', _corrupt_record string) using csv options (path '
        ~ sql_text(path) ~ ", header 'true', multiLine 'true', mode 'PERMISSIVE',"
        ~ " columnNameOfCorruptRecord '_corrupt_record', sep ',', quote '\"',"
        ~ " escape '\"', encoding 'UTF-8', enforceSchema 'true')") -%}
    {%- set field_fault = _spark_csv_field_fault(shown, reader, lines, names, scan) -%}
    {%- if field_fault -%}
        {{ exceptions.raise_compiler_error(field_fault) }}
    {%- endif -%}
    {%- set columns_sql, ignored = _landed_columns(
        shown, source, contract, present, expressions) -%}
    {%- set numbered = '(select *, monotonically_increasing_id() as _line_id from '
        ~ reader ~ ') as numbered' -%}
    {%- set landed = _create_landed_table(
        target, 'row_number() over (order by _line_id)', file_name, columns_sql,
        numbered) -%}
    {%- do _log_landed(table, landed, file_name, ignored) -%}
    {{ return(landed) }}
{% endmacro %}


{#- The lines of the file (view `lines`, split on LF), numbered, with what the
    fault checks need: a line's row end is its LF (CRLF when the line ends with
    CR), unless the quotes opened before it are not closed (a line break inside
    a quoted value is data); a CR inside a line, outside quotes, is a row end
    of its own (CR). -#}
{% macro _spark_csv_lines_sql(lines) %}
    {{ return("with raw_lines as (select value, monotonically_increasing_id() as line_id"
        ~ " from " ~ lines ~ "), numbered as (select row_number() over"
        ~ " (order by line_id) as line, value, length(value) - length(replace(value,"
        ~ " '\"', '')) as quotes from raw_lines), counted as (select *,"
        ~ " sum(quotes) over (order by line rows between unbounded preceding and"
        ~ " current row) as quotes_to_end, count(*) over () as line_count from"
        ~ " numbered), ends as (select line, value, line_count,"
        ~ " (quotes_to_end - quotes) % 2 = 1 as starts_in_quotes,"
        ~ " quotes_to_end % 2 = 1 as ends_in_quotes,"
        ~ " (case when (quotes_to_end - quotes) % 2 = 1 then '\"' else '' end"
        ~ " || regexp_replace(value, r'\\r$', '')) rlike r'^(?:[^\"\\r]|\"[^\"]*\")*\\r'"
        ~ " as has_inner_cr, endswith(value, chr(13)) as has_crlf from counted)"
        ~ " select * from ends") }}
{% endmacro %}


{#- One pass of aggregates over the lines, then, when the file has row ends,
    one more for the first row end of another kind than the first. -#}
{% macro _spark_csv_scan(lines) %}
    {%- set kinds = "with ends as (" ~ _spark_csv_lines_sql(lines) ~ "), kinds as ("
        ~ "select *, case when ends_in_quotes or line = line_count then null"
        ~ " when has_crlf then 'CRLF' else 'LF' end as end_kind from ends) " -%}
    {%- set row = run_query(kinds
        ~ "select count(*), min(line) filter (where not is_valid_utf8(value)),"
        ~ " coalesce(max(substring(cast(value as binary), 1, 2) = X'1F8B') filter"
        ~ " (where line = 1), false), max(value) filter (where line = 1),"
        ~ " coalesce(max(ends_in_quotes) filter (where line = line_count), false),"
        ~ " coalesce(max(line) filter (where end_kind is not null), 0) + 1,"
        ~ " min_by(case when has_inner_cr then 'CR' else end_kind end, line) filter"
        ~ " (where has_inner_cr or end_kind is not null),"
        ~ " min(line) filter (where has_inner_cr or end_kind is not null)"
        ~ " from kinds").rows[0] -%}
    {%- set scan = {'line_count': row[0], 'bad_utf8': row[1], 'is_gzip': row[2],
        'header': row[3], 'unclosed': row[4], 'last_row_start': row[5],
        'first_kind': row[6], 'first_line': row[7], 'other_kind': none,
        'other_line': none} -%}
    {%- if row[6] is not none and row[1] is none and not row[2] -%}
        {%- set other = "(has_inner_cr and '" ~ row[6] ~ "' <> 'CR') or end_kind <> '"
            ~ row[6] ~ "'" -%}
        {%- set found = run_query(kinds ~ "select min_by(case when has_inner_cr and '"
            ~ row[6] ~ "' <> 'CR' then 'CR' else end_kind end, line), min(line)"
            ~ " from kinds where " ~ other).rows[0] -%}
        {%- do scan.update({'other_kind': found[0], 'other_line': found[1]}) -%}
    {%- endif -%}
    {{ return(scan) }}
{% endmacro %}


{#- The first file fault, in DuckDB's order: gzip, not UTF-8, mixed row ends. -#}
{% macro _spark_csv_file_fault(shown, scan) %}
    {%- if scan.is_gzip -%}
        {{ return("Input file " ~ shown ~ " is compressed with gzip (it starts with"
            ~ " the bytes 1F 8B), not a plain CSV file: decompress it (for example"
            ~ " `gzip -dc " ~ shown.split('/')[-1] ~ " > plain.csv`) and put the"
            ~ " plain file in its place.") }}
    {%- elif scan.bad_utf8 is not none -%}
        {{ return("Input file " ~ shown ~ ", line " ~ scan.bad_utf8
            ~ (" (the header) " if scan.bad_utf8 == 1 else " ")
            ~ _csv_fault_advice('INVALID ENCODING', 0)) }}
    {%- elif scan.other_line is not none -%}
        {{ return("Input file " ~ shown ~ ", line " ~ scan.other_line ~ " ends with "
            ~ scan.other_kind ~ " where line " ~ scan.first_line ~ " ends with "
            ~ scan.first_kind ~ ": save the file with one kind of line end (all CRLF"
            ~ " or all LF)") }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- A record with more or fewer fields than the header (Spark's corrupt
    record), or a quote never closed: the first by line. A record's line is the
    line after the row end that closes the record before it. -#}
{% macro _spark_csv_field_fault(shown, reader, lines, names, scan) %}
    {%- set found = run_query(
        "select row_number, fields, faults, first_field from (select row_number()"
        ~ " over (order"
        ~ " by line_id) as row_number, " ~ adapter.quote(names[0]) ~ " as first_field,"
        ~ " size(split(regexp_replace(_corrupt_record,"
        ~ " r'\"[^\"]*\"', ''), ',', -1)) as fields, _corrupt_record,"
        ~ " count(_corrupt_record) over () as faults from (select "
        ~ adapter.quote(names[0]) ~ ", _corrupt_record, monotonically_increasing_id()"
        ~ " as line_id from " ~ reader ~ ") as parsed) as numbered"
        ~ " where _corrupt_record is not null order by row_number limit 1").rows -%}
    {%- set unclosed_line = scan.last_row_start if scan.unclosed else none -%}
    {%- if found -%}
        {%- set row_number, fields, faults = found[0][0], found[0][1], found[0][2] -%}
        {%- set line = run_query(
            "with ends as (" ~ _spark_csv_lines_sql(lines) ~ "), row_ends as (select"
            ~ " line, row_number() over (order by line) as row_end from ends where"
            ~ " not ends_in_quotes and not (not starts_in_quotes and value in ('',"
            ~ " chr(13)))) select line + 1 from row_ends where row_end = "
            ~ row_number).columns[0].values() -%}
        {%- set line = line[0] if line else scan.line_count -%}
        {%- if unclosed_line is none or line < unclosed_line -%}
            {{ return("Input file " ~ shown ~ ", line " ~ line ~ " "
                ~ _csv_fault_advice('TOO MANY COLUMNS' if fields > names | length
                    else 'MISSING COLUMNS', names | length)
                ~ ((' (' ~ faults ~ ' bad lines in all; this is the first)')
                    if faults > 1 else '')) }}
        {%- endif -%}
    {%- endif -%}
    {%- if unclosed_line is not none -%}
        {{ return("Input file " ~ shown ~ ", line " ~ unclosed_line ~ " "
            ~ _csv_fault_advice('UNQUOTED VALUE', names | length)) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}
