{#-
    Land the user's input files in schema `raw`, one text table per input table.

    Runs at the start of every dbt command (on-run-start). For each table of the
    source `input` (models/staging/input/_input__sources.yml):
    - find `<input_dir>/<table>.parquet` or `<input_dir>/<table>.csv`;
    - a missing required file, two files for one table, or a missing required
      column stops the run with an error naming the file and the column;
    - a missing optional file lands as an empty table, a missing optional column
      as nulls, so dependent models are empty rather than broken;
    - every value lands as text, with `_source_file` and `_row_number`, so staging
      validates it and quarantines rows with the raw value intact.
-#}
{% macro land_input_files() %}
    {#- Only the commands that build read the input: `dbt docs generate`,
        `compile`, `show` or `parse` never re-land it. -#}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'test', 'seed', 'retry'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set input_dir = var('input_dir') | string -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- for source in graph.sources.values() | sort(attribute='name')
        if source.source_name == 'input' -%}
        {%- do _land_input_table(input_dir, source) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{% macro _land_input_table(input_dir, source) %}
    {%- set table = source.name -%}
    {%- set found = run_query(
        "select file from glob('" ~ input_dir ~ "/" ~ table ~ ".parquet')"
        ~ " union all select file from glob('" ~ input_dir ~ "/" ~ table ~ ".csv')"
        ~ " order by file"
    ).columns[0].values() -%}
    {%- set contract = source.columns.values() | list -%}
    {%- set target = 'raw.' ~ table -%}

    {%- if found | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "Input directory '" ~ input_dir ~ "' holds both " ~ (found | join(' and '))
            ~ " for table '" ~ table ~ "': keep one.") }}
    {%- elif found | length == 0 -%}
        {%- if source.meta.get('required', false) -%}
            {{ exceptions.raise_compiler_error(
                "Required input file missing: " ~ input_dir ~ "/" ~ table
                ~ ".csv (or .parquet). Set the var input_dir to the directory that"
                ~ " holds your files.") }}
        {%- endif -%}
        {%- set columns_sql = [] -%}
        {%- for column in contract -%}
            {%- do columns_sql.append('cast(null as varchar) as "' ~ column.name ~ '"') -%}
        {%- endfor -%}
        {%- do run_query(
            'create or replace table ' ~ target ~ ' as select'
            ~ ' cast(null as bigint) as _row_number,'
            ~ ' cast(null as varchar) as _source_file, '
            ~ (columns_sql | join(', ')) ~ ' where false') -%}
        {%- do log('Input ' ~ table ~ ': no file in ' ~ input_dir
            ~ ' (optional), landed as an empty table', info=true) -%}
        {{ return(none) }}
    {%- endif -%}

    {%- set path = found[0] -%}
    {%- set file_name = path.split('/')[-1] -%}
    {%- if path.endswith('.parquet') -%}
        {%- set reader = "read_parquet('" ~ path ~ "', file_row_number = true)" -%}
        {%- set row_number = 'file_row_number + 1' -%}
    {%- else -%}
        {%- set reader = "read_csv('" ~ path ~ "', header = true, all_varchar = true)" -%}
        {%- set row_number = 'row_number() over ()' -%}
    {%- endif -%}

    {%- set described = run_query('describe select * from ' ~ reader) -%}
    {%- set present = {} -%}
    {%- for name in described.columns[0].values() -%}
        {%- if name != 'file_row_number' -%}
            {%- do present.update({name | lower: name}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set columns_sql = [] -%}
    {%- set contract_names = [] -%}
    {%- for column in contract -%}
        {%- do contract_names.append(column.name) -%}
        {%- if column.name in present -%}
            {%- do columns_sql.append(
                'cast("' ~ present[column.name] ~ '" as varchar) as "' ~ column.name ~ '"') -%}
        {%- elif column.meta.get('required', false) -%}
            {{ exceptions.raise_compiler_error(
                "Input file " ~ path ~ " is missing required column '" ~ column.name
                ~ "' (table '" ~ table ~ "'). Columns found: "
                ~ (present.values() | join(', '))) }}
        {%- elif column.name == source.meta.get('extra_columns_as') -%}
            {%- set pairs = [] -%}
            {%- for lower_name, name in present.items() | sort
                if lower_name not in contract_names
                and lower_name not in (contract | map(attribute='name') | list) -%}
                {%- do pairs.append("'" ~ lower_name ~ "', \"" ~ name ~ '"') -%}
            {%- endfor -%}
            {%- if pairs -%}
                {%- do columns_sql.append(
                    'cast(json_object(' ~ (pairs | join(', ')) ~ ') as varchar) as "'
                    ~ column.name ~ '"') -%}
            {%- else -%}
                {%- do columns_sql.append('cast(null as varchar) as "' ~ column.name ~ '"') -%}
            {%- endif -%}
        {%- else -%}
            {%- do columns_sql.append('cast(null as varchar) as "' ~ column.name ~ '"') -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set ignored = [] -%}
    {%- for lower_name, name in present.items() | sort
        if lower_name not in (contract | map(attribute='name') | list)
        and not source.meta.get('extra_columns_as') -%}
        {%- do ignored.append(name) -%}
    {%- endfor -%}

    {%- do run_query(
        'create or replace table ' ~ target ~ ' as select '
        ~ row_number ~ ' as _row_number, '
        ~ "'" ~ file_name ~ "' as _source_file, "
        ~ (columns_sql | join(', ')) ~ ' from ' ~ reader) -%}
    {%- set landed = run_query('select count(*) from ' ~ target).columns[0].values()[0] -%}
    {%- do log('Input ' ~ table ~ ': landed ' ~ landed ~ ' rows from ' ~ file_name
        ~ ((' (columns not in the contract, not used: ' ~ (ignored | join(', ')) ~ ')')
           if ignored else ''), info=true) -%}
{% endmacro %}
