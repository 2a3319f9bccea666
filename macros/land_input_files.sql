{#-
    Land the user's input files in schema `raw`, one text table per input table.

    Runs at the start of every dbt command that builds (on-run-start). For each
    table of the source `input` (models/staging/input/_input__sources.yml):
    - find `<input_dir>/<table>.parquet` or `<input_dir>/<table>.csv`; two files
      for one table stop the run with an error naming both (we never guess which
      is right, nor union them);
    - a missing required file, or a missing required column, stops the run with an
      error naming the file and the column; a missing or 0-byte optional file
      lands as an empty table, a missing optional column as nulls;
    - a CSV file is read whole with one fixed dialect, never sniffed from a sample:
      UTF-8 (a byte-order mark is allowed), comma-separated, `"` quotes doubled
      inside quoted values, CRLF or LF row ends (one kind per file), a header
      line; a file-level fault (gzip-compressed, row ends of two kinds (see
      macros/csv_file_faults.sql), not UTF-8, a line
      with more or fewer fields than the header, an unclosed quote, a line over
      2 MB, a duplicated header name, a required file with a header and no rows)
      stops the run with one line naming the file, the line and what to do;
    - every value lands as text, with `_source_file` and `_row_number`, so staging
      validates it and quarantines rows with the raw value intact: a CSV file as a
      table (read once, checked for faults), a Parquet file as a view over the
      file (no copy). A Parquet
      `timestamptz` lands as UTC text with its `+00` offset, whatever the machine's
      time zone.
    The engine-specific steps are dispatched: `duckdb__` here, the Spark
    versions (`default__`) in macros/land_input_files_spark.sql.
-#}
{% macro land_input_files() %}
    {#- Only the commands that build read the input: `dbt docs generate`,
        `compile`, `show` or `parse` never re-land it. -#}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'test', 'seed', 'retry'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set input_dir = var('input_dir') | string -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- set validated = validated_sources() | map(attribute=0) | list -%}
    {%- set landed = [] -%}
    {%- for source in graph.sources.values() | sort(attribute='name')
        if source.source_name == 'input' -%}
        {%- if source.name not in validated -%}
            {{ exceptions.raise_compiler_error(
                "Input table '" ~ source.name ~ "' is in _input__sources.yml but has"
                ~ " no validation model: add it to validated_sources() in"
                ~ " macros/validation.sql") }}
        {%- endif -%}
        {%- do _land_input_table(input_dir, source) -%}
        {%- do landed.append(source.name) -%}
    {%- endfor -%}
    {%- do _size_memory_to_input(landed) -%}
    {{ return('') }}
{% endmacro %}


{#- DuckDB's memory cap sized to the landed input (customer_lifecycle/memory.py,
    input_sized_memory_limit: LIFECYCLE_DUCKDB_MEMORY_LIMIT when set, else 80
    bytes per input row, at least 3 GiB, at most 40% of the machine). A global
    setting: one SET serves every connection of the build. -#}
{% macro _size_memory_to_input(tables) %}
    {#- A project without input sources (a test's mini project) lands none. -#}
    {%- if target.type != 'duckdb' or not tables -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set counts = [] -%}
    {%- for table in tables -%}
        {%- do counts.append('(select count(*) from raw.' ~ table ~ ')') -%}
    {%- endfor -%}
    {%- set limit = run_query(
        'select input_sized_memory_limit(' ~ (counts | join(' + ')) ~ ')'
    ).columns[0].values()[0] -%}
    {%- do run_query("set memory_limit = '" ~ limit ~ "'") -%}
    {%- do log('DuckDB memory cap for this input: ' ~ limit, info=true) -%}
{% endmacro %}


{#- Drop the landed relation of an input table, a view (Parquet) or a table
    (CSV, or an empty table): `drop view` fails on a table and `drop table` on
    a view. -#}
{% macro _drop_landed(target) %}
    {{ return(adapter.dispatch('drop_landed_relation')(target)) }}
{% endmacro %}


{% macro duckdb__drop_landed_relation(target) %}
    {%- set schema, name = target.split('.') -%}
    {%- set found = run_query(
        "select table_type from information_schema.tables where table_schema = '"
        ~ schema ~ "' and table_name = '" ~ name ~ "'").columns[0].values() -%}
    {%- for table_type in found -%}
        {%- do run_query('drop ' ~ ('view' if table_type == 'VIEW' else 'table')
            ~ ' ' ~ target) -%}
    {%- endfor -%}
{% endmacro %}


{% macro _land_empty_table(target, contract, why) %}
    {%- set columns_sql = [] -%}
    {%- for column in contract -%}
        {%- do columns_sql.append('cast(null as ' ~ dbt.type_string() ~ ') as '
            ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {%- do _drop_landed(target) -%}
    {%- do run_query(
        'create table ' ~ target ~ ' as select'
        ~ ' cast(null as bigint) as _row_number,'
        ~ ' cast(null as ' ~ dbt.type_string() ~ ') as _source_file, '
        ~ (columns_sql | join(', ')) ~ ' where false') -%}
    {%- do log(why, info=true) -%}
{% endmacro %}


{% macro _land_input_table(input_dir, source) %}
    {%- set table = source.name -%}
    {%- set found_sizes = adapter.dispatch('input_files_found')(input_dir, table) -%}
    {%- set found = found_sizes | map(attribute=0) | list -%}
    {%- set contract = source.columns.values() | list -%}
    {%- set required = source.meta.get('required', false) -%}
    {%- set target = 'raw.' ~ table -%}

    {%- if found | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "Input directory '" ~ input_dir ~ "' holds both " ~ (found | join(' and '))
            ~ " for table '" ~ table ~ "': keep one.") }}
    {%- endif -%}
    {%- set size = found_sizes[0][1] if found else 0 -%}
    {%- if size == 0 -%}
        {#- Spark lists no 0-byte file: there, none found may be either. -#}
        {%- set absent = ('missing or empty (0 bytes)'
            if adapter.dispatch('input_files_found_lists_empty')() == false
            else 'missing') -%}
        {%- if required -%}
            {{ exceptions.raise_compiler_error(
                ("Required input file " ~ absent ~ ": " ~ input_dir ~ "/" ~ table
                ~ ".csv (or .parquet). Set the var input_dir to the directory that"
                ~ " holds your files.") if not found else
                ("Required input file " ~ found[0] ~ " is empty (0 bytes): write"
                ~ " its header and rows, or point input_dir at the right directory.")) }}
        {%- endif -%}
        {%- do _land_empty_table(target, contract,
            'Input ' ~ table ~ ': ' ~ (('no file' if absent == 'missing'
                else 'no file or an empty file (0 bytes)')
                if not found else 'an empty file (0 bytes)')
            ~ ' in ' ~ input_dir ~ ' (optional), landed as an empty table') -%}
        {{ return(none) }}
    {%- endif -%}

    {%- set path = found[0] -%}
    {%- set file_name = path.split('/')[-1] -%}
    {%- if path.endswith('.parquet') -%}
        {%- set landed = adapter.dispatch('land_parquet_file')(
            path, file_name, source, contract, target) -%}
    {%- else -%}
        {%- set landed = adapter.dispatch('land_csv_file')(
            path, file_name, source, contract, target, input_dir) -%}
    {%- endif -%}
    {%- if landed == 0 and required -%}
        {{ exceptions.raise_compiler_error(
            "Required input file " ~ path ~ (" has no rows" if path.endswith('.parquet')
            else " has a header but no rows") ~ ": add the rows, or point input_dir at"
            ~ " the right directory.") }}
    {%- endif -%}
{% endmacro %}


{#- The input files of `table` in `input_dir` (`<table>.parquet`,
    `<table>.csv`): [path, size in bytes] pairs, by path. -#}
{% macro duckdb__input_files_found(input_dir, table) %}
    {%- set found = run_query(
        "select file from glob(" ~ sql_text(input_dir ~ "/" ~ table ~ ".parquet") ~ ")"
        ~ " union all select file from glob(" ~ sql_text(input_dir ~ "/" ~ table ~ ".csv")
        ~ ")"
        ~ " order by file"
    ).columns[0].values() -%}
    {%- set pairs = [] -%}
    {%- for path in found -%}
        {%- do pairs.append([path, run_query("select size from read_blob("
            ~ sql_text(path) ~ ")").columns[0].values()[0]]) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{% endmacro %}


{#- Whether input_files_found lists 0-byte files (DuckDB yes, Spark no). -#}
{% macro duckdb__input_files_found_lists_empty() %}
    {{ return(true) }}
{% endmacro %}


{% macro default__input_files_found_lists_empty() %}
    {{ return(false) }}
{% endmacro %}


{#- The select list of the landed table: contract columns by name (case-insensitive),
    nulls for missing optional ones, the extras as JSON where the contract asks.
    `present` maps lower-case names to the file's names, `expressions` the file's
    names to the text expression that reads them. -#}
{% macro _landed_columns(path, source, contract, present, expressions) %}
    {%- set contract_names = contract | map(attribute='name') | list -%}
    {%- set columns_sql = [] -%}
    {%- for column in contract -%}
        {%- if column.name in present -%}
            {%- do columns_sql.append(
                expressions[present[column.name]] ~ ' as ' ~ adapter.quote(column.name)) -%}
        {%- elif column.meta.get('required', false) -%}
            {{ exceptions.raise_compiler_error(
                "Input file " ~ path ~ " is missing required column '" ~ column.name
                ~ "' (table '" ~ source.name ~ "'). Columns found: "
                ~ (present.values() | join(', '))) }}
        {%- elif column.name == source.meta.get('extra_columns_as') -%}
            {%- set pairs = [] -%}
            {%- for lower_name, name in present.items() | sort
                if lower_name not in contract_names -%}
                {%- do pairs.append("'" ~ lower_name ~ "', " ~ expressions[name]) -%}
            {%- endfor -%}
            {%- if pairs -%}
                {%- do columns_sql.append(json_object_text(pairs) ~ ' as '
                    ~ adapter.quote(column.name)) -%}
            {%- else -%}
                {%- do columns_sql.append('cast(null as ' ~ dbt.type_string() ~ ') as '
                    ~ adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- else -%}
            {%- do columns_sql.append('cast(null as ' ~ dbt.type_string() ~ ') as '
                ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set ignored = [] -%}
    {%- for lower_name, name in present.items() | sort
        if lower_name not in contract_names and not source.meta.get('extra_columns_as') -%}
        {%- do ignored.append(name) -%}
    {%- endfor -%}
    {{ return((columns_sql, ignored)) }}
{% endmacro %}


{% macro _create_landed_table(target, row_number, file_name, columns_sql, reader,
    relation_type='table') %}
    {%- do _drop_landed(target) -%}
    {%- do run_query(
        'create ' ~ relation_type ~ ' ' ~ target ~ ' as select '
        ~ row_number ~ ' as _row_number, '
        ~ "'" ~ file_name ~ "' as _source_file, "
        ~ (columns_sql | join(', ')) ~ ' from ' ~ reader) -%}
    {{ return(run_query('select count(*) from ' ~ target).columns[0].values()[0]) }}
{% endmacro %}


{% macro duckdb__land_parquet_file(path, file_name, source, contract, target) %}
    {%- set reader = "read_parquet(" ~ sql_text(path) ~ ", file_row_number = true)" -%}
    {%- set described = run_query('describe select * from ' ~ reader) -%}
    {%- set present = {} -%}
    {%- set expressions = {} -%}
    {%- for name, type in zip(described.columns[0].values(),
        described.columns[1].values()) if name != 'file_row_number' -%}
        {%- do present.update({name | lower: name}) -%}
        {%- if type == 'TIMESTAMP WITH TIME ZONE' -%}
            {#- An instant: written in UTC with its offset, never in the session's
                (the machine's) time zone. -#}
            {%- do expressions.update({name:
                "cast(timezone('UTC', \"" ~ name ~ "\") as varchar) || '+00'"}) -%}
        {%- else -%}
            {%- do expressions.update({name: 'cast("' ~ name ~ '" as varchar)'}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set columns_sql, ignored = _landed_columns(
        path, source, contract, present, expressions) -%}
    {#- A view, not a copy: Parquet is typed and columnar, so the base model reads
        the file itself (one pass instead of two, and no text copy of the input in
        the warehouse file). -#}
    {%- set landed = _create_landed_table(
        target, 'file_row_number + 1', file_name, columns_sql, reader, 'view') -%}
    {%- do _log_landed(source.name, landed, file_name, ignored) -%}
    {{ return(landed) }}
{% endmacro %}


{% macro _log_landed(table, landed, file_name, ignored) %}
    {%- do log('Input ' ~ table ~ ': landed ' ~ landed ~ ' rows from ' ~ file_name
        ~ ((' (columns not in the contract, not used: ' ~ (ignored | join(', ')) ~ ')')
           if ignored else ''), info=true) -%}
{% endmacro %}


{#- What a CSV reader fault means for the user, by DuckDB's error type. -#}
{% macro _csv_fault_advice(error_type, header_fields) %}
    {%- set advice = {
        'INVALID ENCODING': 'is not valid UTF-8: save the file as UTF-8 (not UTF-16 or Latin-1)',
        'INVALID UNICODE': 'is not valid UTF-8: save the file as UTF-8 (not UTF-16 or Latin-1)',
        'TOO MANY COLUMNS': 'has more fields than the header (' ~ header_fields
            ~ '): quote values that contain a comma, or remove the extra fields',
        'MISSING COLUMNS': 'has fewer fields than the header (' ~ header_fields
            ~ '): add the missing fields (empty is fine), or quote values that contain a line break',
        'UNQUOTED VALUE': 'has a quote that is not closed, or text right after a closing'
            ~ ' quote: write a quote inside a quoted value as two quotes ("")',
        'LINE SIZE OVER MAXIMUM': 'is longer than 2 MB: check for an unclosed quote',
    } -%}
    {{ return(advice.get(error_type, 'cannot be read as CSV (' ~ error_type ~ ')')) }}
{% endmacro %}


{% macro _first_csv_fault(path, rejects) %}
    {%- set faults = run_query(
        'select line, error_type, count(*) over () as faults from ' ~ rejects
        ~ ' order by line limit 1') -%}
    {%- if faults.rows | length > 0 -%}
        {%- set line, error_type, count = faults.rows[0] -%}
        {{ return((line, error_type, count)) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- The column names of a CSV header line (the dialect is fixed: comma,
    optional quotes), checked: an empty or repeated name stops the run.
    Gives (names, present, expressions), as _landed_columns takes them. -#}
{% macro _csv_header_columns(path, header_line) %}
    {%- set names = [] -%}
    {%- for field in (header_line | replace('\r', '')).split(',') -%}
        {%- do names.append(field | trim | trim('"') | trim) -%}
    {%- endfor -%}
    {%- set present = {} -%}
    {%- set expressions = {} -%}
    {%- for name in names -%}
        {%- if name == '' or (name | lower) in present -%}
            {{ exceptions.raise_compiler_error(
                "Input file " ~ path ~ ", line 1 (the header): "
                ~ ("an empty column name" if name == '' else
                   "column '" ~ name ~ "' appears twice")
                ~ ": give every column one distinct name") }}
        {%- endif -%}
        {%- do present.update({name | lower: name}) -%}
        {%- do expressions.update({name: adapter.quote(name)}) -%}
    {%- endfor -%}
    {{ return((names, present, expressions)) }}
{% endmacro %}


{% macro duckdb__land_csv_file(path, file_name, source, contract, target, input_dir) %}
    {%- set table = source.name -%}
    {%- set header_rejects = 'input_header_rejects_' ~ table -%}
    {%- set rejects = 'input_csv_rejects_' ~ table -%}
    {%- do run_query(
        'drop table if exists ' ~ header_rejects ~ '; drop table if exists '
        ~ header_rejects ~ '_scan; drop table if exists ' ~ rejects
        ~ '; drop table if exists ' ~ rejects ~ '_scan') -%}
    {%- set file_fault = _csv_file_fault(path, header_rejects) -%}
    {%- if file_fault -%}
        {{ exceptions.raise_compiler_error(file_fault) }}
    {%- endif -%}
    {#- The header, read as one line of text (the dialect is fixed, not sniffed). -#}
    {%- set header = run_query(
        'select line from ' ~ _csv_line_reader(path, header_rejects) ~ ' limit 1') -%}
    {%- set header_fault = run_query(
        'select count(*) from ' ~ header_rejects ~ ' where line = 1'
    ).columns[0].values()[0] -%}
    {%- if header_fault > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Input file " ~ path ~ ", line 1 (the header) "
            ~ _csv_fault_advice('INVALID ENCODING', 0)) }}
    {%- endif -%}
    {%- if header.rows | length == 0 -%}
        {%- do _land_empty_table(target, contract,
            'Input ' ~ table ~ ': ' ~ file_name ~ ' holds no line, landed as an empty table') -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set names, present, expressions = _csv_header_columns(path, header.rows[0][0]) -%}
    {%- set columns = [] -%}
    {%- for name in names -%}
        {%- do columns.append("'" ~ (name | replace("'", "''")) ~ "': 'VARCHAR'") -%}
    {%- endfor -%}
    {%- set columns_sql, ignored = _landed_columns(
        path, source, contract, present, expressions) -%}
    {%- set reader = "read_csv(" ~ sql_text(path) ~ ", columns = {" ~ (columns | join(', '))
        ~ "}, header = true, auto_detect = false, delim = ',', quote = '\"',"
        ~ " escape = '\"', comment = '', encoding = 'utf-8', strict_mode = true,"
        ~ " null_padding = false, ignore_errors = true, store_rejects = true,"
        ~ " rejects_table = '" ~ rejects ~ "', rejects_scan = '" ~ rejects ~ "_scan')" -%}
    {%- set landed = _create_landed_table(
        target, 'row_number() over ()', file_name, columns_sql, reader) -%}
    {%- set fault = _first_csv_fault(path, rejects) -%}
    {%- if fault -%}
        {%- set line, error_type, count = fault -%}
        {{ exceptions.raise_compiler_error(
            "Input file " ~ path ~ ", line " ~ line ~ " "
            ~ _csv_fault_advice(error_type, names | length)
            ~ ((' (' ~ count ~ ' bad lines in all; this is the first)') if count > 1 else '')) }}
    {%- endif -%}
    {%- do _log_landed(table, landed, file_name, ignored) -%}
    {{ return(landed) }}
{% endmacro %}
