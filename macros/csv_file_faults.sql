{#-
    File-level faults of a CSV input file that DuckDB's strict reader cannot name
    itself, found before it reads the file (called by `_land_csv`):
    - gzip-compressed bytes in a `.csv` file (DuckDB reads them as text and calls
      the header "not valid UTF-8");
    - row ends of two kinds (CRLF and LF, or a lone CR): the strict reader stops
      with "state machine reached an invalid state", and the non-strict one would
      silently drop the extra fields of a too-long line, so such a file is
      stopped, naming the first line whose end differs from the first row end;
    - bytes that are not UTF-8: named by line from a line-by-line read (the
      strict reader would stop on the line ends first when both are wrong).
    Line breaks inside quoted values are data, of any kind, and are not row ends.
    One pass over the file in memory (read_blob, no copy: about the file's size),
    regular expressions run by RE2's DFA; line numbers count every line break,
    as a text editor does. Files over DuckDB's 4 GB string limit are not
    checked here: the strict reader's own checks still apply to them.
-#}
{% macro _csv_file_fault(path, rejects) %}
    {%- set size = run_query(
        "select size from read_blob(" ~ sql_text(path) ~ ")").columns[0].values()[0] -%}
    {%- if size >= 4294967295 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set blob = "read_blob(" ~ sql_text(path) ~ ")" -%}
    {%- set found = run_query(
        "with file as (select content[1:2] = '\\x1F\\x8B'::blob as is_gzip,"
        ~ " try(decode(content)) as body from " ~ blob ~ "),"
        ~ " ends as (select *, regexp_extract(body, '" ~ _csv_first_row_end_pattern()
        ~ "', 1) as row_end from file)"
        ~ " select is_gzip, body is not null as is_utf8, row_end, case row_end"
        ~ _csv_mixed_row_end_cases() ~ " else false end as has_other_row_end"
        ~ " from ends").rows[0] -%}
    {%- set is_gzip, is_utf8, row_end, has_other_row_end = found -%}
    {%- if is_gzip -%}
        {{ return("Input file " ~ path ~ " is compressed with gzip (it starts with"
            ~ " the bytes 1F 8B), not a plain CSV file: decompress it (for example"
            ~ " `gzip -dc " ~ path.split('/')[-1] ~ " > plain.csv`) and put the"
            ~ " plain file in its place.") }}
    {%- elif not is_utf8 -%}
        {{ return(_csv_encoding_fault(path, rejects)) }}
    {%- elif has_other_row_end -%}
        {{ return(_csv_row_end_fault(blob, path, row_end)) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- RE2 patterns, as SQL text. A token outside quotes is a character that is not
    a quote or a line break, or a whole quoted value ("" inside is two quoted
    values back to back): what follows a run of tokens is outside quotes. -#}
{% macro _csv_tokens() %}
    {{ return('[^"\\r\\n]|"[^"]*"') }}
{% endmacro %}


{% macro _csv_first_row_end_pattern() %}
    {{ return('^(?:' ~ _csv_tokens() ~ ')*(\\r\\n|\\r|\\n)') }}
{% endmacro %}


{#- The longest start of the file whose row ends are all `row_end`. -#}
{% macro _csv_same_row_ends_pattern(row_end) %}
    {%- set escaped = row_end | replace('\r', '\\r') | replace('\n', '\\n') -%}
    {{ return('^(?:' ~ escaped ~ '|' ~ _csv_tokens() ~ ')*') }}
{% endmacro %}


{#- `when <row end> then <a row end of another kind follows that start>`. -#}
{% macro _csv_mixed_row_end_cases() %}
    {%- set other = {'\r\n': '(?:\\n|\\r(?:[^\\n]|$))', '\n': '\\r', '\r': '\\n'} -%}
    {%- set cases = [] -%}
    {%- for row_end in ['\r\n', '\n', '\r'] -%}
        {%- do cases.append(' when ' ~ _csv_chr(row_end) ~ " then regexp_matches(body, '"
            ~ _csv_same_row_ends_pattern(row_end) ~ other[row_end] ~ "')") -%}
    {%- endfor -%}
    {{ return(cases | join('')) }}
{% endmacro %}


{% macro _csv_chr(text) %}
    {%- set codes = [] -%}
    {%- for character in text -%}
        {%- do codes.append('chr(' ~ ('13' if character == '\r' else '10') ~ ')') -%}
    {%- endfor -%}
    {{ return(codes | join(' || ')) }}
{% endmacro %}


{#- Physical line breaks in a SQL text expression: LF, CR, a CRLF counted once. -#}
{% macro _csv_line_breaks(text) %}
    {%- set counts = [] -%}
    {%- for piece in ['chr(10)', 'chr(13)', 'chr(13) || chr(10)'] -%}
        {%- do counts.append('(length(' ~ text ~ ') - length(replace(' ~ text ~ ', '
            ~ piece ~ ", '')))") -%}
    {%- endfor -%}
    {{ return(counts[0] ~ ' + ' ~ counts[1] ~ ' - ' ~ counts[2] ~ ' // 2') }}
{% endmacro %}


{% macro _csv_row_end_fault(blob, path, row_end) %}
    {%- set name = "case when starts_with({0}, chr(13) || chr(10)) then 'CRLF'"
        ~ " when starts_with({0}, chr(13)) then 'CR' else 'LF' end" -%}
    {%- set found = run_query(
        "with file as (select decode(content) as body from " ~ blob ~ "),"
        ~ " cut as (select body, regexp_extract(body, '"
        ~ _csv_same_row_ends_pattern(row_end) ~ "') as same, regexp_extract(body, '"
        ~ _csv_first_row_end_pattern() ~ "') as first from file)"
        ~ " select " ~ _csv_line_breaks('first') ~ ", "
        ~ _csv_line_breaks('same') ~ " + 1, "
        ~ (name | replace('{0}', 'substr(body, length(same) + 1, 2)'))
        ~ " from cut").rows[0] -%}
    {%- set first_line, line, ending = found -%}
    {%- set first_name = {'\r\n': 'CRLF', '\n': 'LF', '\r': 'CR'}[row_end] -%}
    {{ return("Input file " ~ path ~ ", line " ~ line ~ " ends with " ~ ending
        ~ " where line " ~ first_line ~ " ends with " ~ first_name
        ~ ": save the file with one kind of line end (all CRLF or all LF)") }}
{% endmacro %}


{#- Not UTF-8: the first such line, from a line-by-line read that never stops on
    line ends (the strict reader might stop on them first). -#}
{% macro _csv_encoding_fault(path, rejects) %}
    {%- do run_query('drop table if exists ' ~ rejects ~ '; drop table if exists '
        ~ rejects ~ '_scan') -%}
    {%- do run_query('select count(*) from ' ~ _csv_line_reader(path, rejects)) -%}
    {%- set lines = run_query(
        "select min(line) from " ~ rejects ~ " where error_type in"
        ~ " ('INVALID ENCODING', 'INVALID UNICODE')").columns[0].values() -%}
    {%- if lines[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("Input file " ~ path ~ ", line " ~ lines[0]
        ~ (" (the header) " if lines[0] == 1 else " ")
        ~ _csv_fault_advice('INVALID ENCODING', 0)) }}
{% endmacro %}


{#- The file as lines of text, one column `line`, faults (not UTF-8) in `rejects`.
    Not strict: quotes are not read here, so a line break inside a quoted value
    (an LF in an Excel cell of a CRLF file) is a line end of another kind. -#}
{% macro _csv_line_reader(path, rejects) %}
    {{ return("read_csv(" ~ sql_text(path) ~ ", columns = {'line': 'VARCHAR'},"
        ~ " header = false, auto_detect = false, delim = chr(1), quote = '',"
        ~ " escape = '', comment = '', strict_mode = false, ignore_errors = true,"
        ~ " store_rejects = true, rejects_table = '" ~ rejects ~ "', rejects_scan = '"
        ~ rejects ~ "_scan', max_line_size = 100000000)") }}
{% endmacro %}
