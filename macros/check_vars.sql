{#-
    The one place every var of dbt_project.yml is checked: type, range and allowed
    values. Every bad var is reported at once, one line each naming the var, the
    value (numbers bare, texts in quotes) and what is allowed:

        Bad vars (set them in dbt_project.yml or with --vars):
          var gross_margin must be a number in [0, 1], got 1.5

    Called by the first on-run-start hook (before land_input_files). dbt renders
    hooks when it parses the project, so every command (`build`, `run`, `test`,
    `seed`, but also `parse`, `compile`, `docs generate`) stops on a bad var; the
    time zone, checked against DuckDB's list, only where a connection runs: the
    hook of build, run, test and seed, and `dbt run-operation check_vars`, which
    checks a set of vars alone. The var lookups of macros/run_vars.sql
    (as_of_date_var, unit_days) call it too, without the connection: dbt renders
    models before hooks, so a model that uses a lookup before its own Jinja
    arithmetic on a bad var stops with this message, not a Jinja error. The rules
    are the table var_rules().
-#}
{% macro check_vars(use_connection=true) %}
    {%- set errors = _unknown_vars() if execute and use_connection else [] -%}
    {%- set values = {} -%}
    {%- for rule in var_rules() -%}
        {%- set value = var(rule.name, rule.get('default')) -%}
        {%- set problem = _var_problem(rule, value, values, use_connection) -%}
        {%- if problem -%}
            {%- do errors.append(
                "var " ~ rule.name ~ " must be " ~ _var_allowed(rule, values)
                ~ ", got " ~ _var_shown(value)) -%}
        {%- else -%}
            {%- do values.update({rule.name: value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error(
            "Bad vars (set them in dbt_project.yml or with --vars):\n  "
            ~ (errors | join("\n  "))) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- One line per var set by the user (--vars, or dbt_project.yml, globally or
    under this project's name) that no rule knows, with the nearest known name
    (difflib, through the SQL function nearest_name of customer_lifecycle/publish.py,
    hence only with a connection):

        Unknown var as_of_dat (did you mean as_of_date?)

    The names come from invocation_args_dict.vars (--vars) and the project's
    vars block (adapter.config.vars); a block under the name of another package
    holds that package's vars and is left to it. dbt itself sets no var. -#}
{% macro _unknown_vars() %}
    {%- set known = var_rules() | map(attribute='name') | list -%}
    {%- set packages = adapter.config.load_dependencies().keys() | list -%}
    {%- set given = (invocation_args_dict.get('vars') or {}).keys() | list -%}
    {%- for name, value in adapter.config.vars.to_dict().items() -%}
        {%- if name == project_name and value is mapping -%}
            {%- do given.extend(value.keys() | list) -%}
        {%- elif not (name in packages and value is mapping) -%}
            {%- do given.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set known_sql = [] -%}
    {%- for name in known -%}
        {%- do known_sql.append(sql_text(name)) -%}
    {%- endfor -%}
    {%- set lines = [] -%}
    {%- for name in given | map('string') | unique | sort if name not in known -%}
        {%- set nearest = adapter.dispatch('nearest_var_name')(name, known_sql) -%}
        {%- do lines.append('Unknown var ' ~ name ~ (' (did you mean ' ~ nearest ~ '?)'
            if nearest else '')) -%}
    {%- endfor -%}
    {{ return(lines) }}
{% endmacro %}


{#- The known name nearest to `name` ('' when none is near); `known_sql`: the
    known names as SQL texts. DuckDB: difflib (ratio >= 0.6) through the SQL
    function nearest_name; Spark: the smallest Levenshtein distance, at most 40%
    of the longer name (the same pick in the usual typo, not always). -#}
{% macro duckdb__nearest_var_name(name, known_sql) %}
    {{ return(run_query('select nearest_name(' ~ sql_text(name) ~ ', ['
        ~ (known_sql | join(', ')) ~ '])').columns[0].values()[0]) }}
{% endmacro %}


{% macro default__nearest_var_name(name, known_sql) %}
    {%- set found = run_query(
        'select known_name from (select explode(array(' ~ (known_sql | join(', '))
        ~ ')) as known_name) as known where 10 * levenshtein(known_name, '
        ~ sql_text(name) ~ ') <= 4 * greatest(length(known_name), length('
        ~ sql_text(name) ~ ')) order by levenshtein(known_name, ' ~ sql_text(name)
        ~ '), known_name limit 1').columns[0].values() -%}
    {{ return(found[0] if found else '') }}
{% endmacro %}


{#- Whether `name` is an IANA time zone the engine knows: DuckDB's own list;
    elsewhere (Spark, whose Java knows the same names) the tz database of
    pytz, which dbt's Jinja offers. -#}
{% macro duckdb__is_known_time_zone(name) %}
    {{ return(run_query("select count(*) from pg_timezone_names() where name = "
        ~ sql_text(name)).columns[0].values()[0] > 0) }}
{% endmacro %}


{% macro default__is_known_time_zone(name) %}
    {{ return(name in modules.pytz.all_timezones_set) }}
{% endmacro %}


{#- The rules, in the order of dbt_project.yml. kind: text, names (a non-empty
    list of column names), date (YYYY-MM-DD),
    choice (values), number or whole (min / max, inclusive unless min_open /
    max_open; min_var: at least another var), time_zone. nullable: null allowed.
    default: the value when the var is absent from dbt_project.yml. -#}
{% macro var_rules() %}
    {%- set units = time_units().keys() | list -%}
    {{ return([
        {'name': 'input_dir', 'kind': 'text'},
        {'name': 'as_of_date', 'kind': 'date', 'nullable': true},
        {'name': 'time_unit', 'kind': 'choice', 'values': units},
        {'name': 'max_rejected_share', 'kind': 'number', 'min': 0, 'max': 1},
        {'name': 'as_of_max_gap_days', 'kind': 'whole', 'min': 0},
        {'name': 'input_time_zone', 'kind': 'time_zone', 'default': 'UTC'},
        {'name': 'max_id_length', 'kind': 'whole', 'min': 1},
        {'name': 'max_input_amount', 'kind': 'number', 'min': 0, 'min_open': true,
            'max': 1000000000000000},
        {'name': 'min_input_date', 'kind': 'date', 'default': '1970-01-01'},
        {'name': 'max_days_after_as_of', 'kind': 'whole', 'min': 0, 'default': 366},
        {'name': 'gross_margin', 'kind': 'number', 'min': 0, 'max': 1},
        {'name': 'annual_discount_rate', 'kind': 'number', 'min': 0},
        {'name': 'clv_period', 'kind': 'choice', 'values': units},
        {'name': 'clv_horizon_periods', 'kind': 'whole', 'min': 1},
        {'name': 'btyd_min_customers', 'kind': 'whole', 'min': 1},
        {'name': 'purchase_model', 'kind': 'choice', 'default': 'auto',
            'values': ['auto', 'bg_nbd', 'pareto_nbd']},
        {'name': 'btyd_backtest_days', 'kind': 'whole', 'min': 1, 'nullable': true},
        {'name': 'btyd_backtest_origins', 'kind': 'whole', 'min': 1},
        {'name': 'btyd_backtest_min_days', 'kind': 'whole', 'min': 1},
        {'name': 'btyd_backtest_min_calibration_days', 'kind': 'whole', 'min': 0},
        {'name': 'ltv_window_periods', 'kind': 'whole', 'min': 1},
        {'name': 'lifecycle_period', 'kind': 'choice',
            'values': ['week', 'month', 'quarter']},
        {'name': 'lifecycle_churn_days', 'kind': 'whole', 'min': 1},
        {'name': 'lifecycle_default_rhythm_days', 'kind': 'number', 'min': 0,
            'min_open': true},
        {'name': 'lifecycle_min_rhythm_days', 'kind': 'number', 'min': 0},
        {'name': 'lifecycle_at_risk_multiplier', 'kind': 'number', 'min': 0,
            'min_open': true},
        {'name': 'lifecycle_growth_periods', 'kind': 'whole', 'min': 1},
        {'name': 'lifecycle_growth_factor', 'kind': 'number', 'min': 0,
            'min_open': true},
        {'name': 'lifecycle_matrix_periods', 'kind': 'whole', 'min': 1},
        {'name': 'lifecycle_forecast_periods', 'kind': 'whole', 'min': 1},
        {'name': 'churn_window_days', 'kind': 'whole', 'min': 1},
        {'name': 'churn_holdout_share', 'kind': 'number', 'min': 0, 'max': 1,
            'min_open': true, 'max_open': true},
        {'name': 'segment_k', 'kind': 'whole', 'min': 2, 'nullable': true},
        {'name': 'segment_k_min', 'kind': 'whole', 'min': 2},
        {'name': 'segment_k_max', 'kind': 'whole', 'min': 2,
            'min_var': 'segment_k_min'},
        {'name': 'segment_silhouette_sample', 'kind': 'whole', 'min': 100},
        {'name': 'random_seed', 'kind': 'whole', 'min': 0},
        {'name': 'churn_sample_customers', 'kind': 'whole', 'min': 100},
        {'name': 'churn_backtest_origins', 'kind': 'whole', 'min': 1},
        {'name': 'churn_numeric_features', 'kind': 'names'},
        {'name': 'segment_fit_sample', 'kind': 'whole', 'min': 100},
        {'name': 'currency', 'kind': 'choice', 'values': iso_4217_codes()},
        {'name': 'report_min_survey_answers', 'kind': 'whole', 'min': 1},
    ]) }}
{% endmacro %}


{#- True when the value breaks the rule. checked: the vars already found good;
    use_connection: check time zones against DuckDB (only when dbt executes). -#}
{% macro _var_problem(rule, value, checked, use_connection) %}
    {%- set is_null = value is none
        or (value is string and value | lower in ('', 'none', 'null')) -%}
    {%- if is_null -%}
        {{ return(not rule.get('nullable', false)) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if rule.kind == 'text' -%}
        {{ return(text | trim == '') }}
    {%- elif rule.kind == 'names' -%}
        {#- a non-empty list of lower-case column names -#}
        {%- if value is string or value is mapping or value is not iterable
            or value | length == 0 -%}
            {{ return(true) }}
        {%- endif -%}
        {%- for name in value -%}
            {%- if not (name is string and modules.re.match('^[a-z_][a-z0-9_]*$', name)) -%}
                {{ return(true) }}
            {%- endif -%}
        {%- endfor -%}
        {{ return(false) }}
    {%- elif rule.kind == 'choice' -%}
        {{ return(not (value is string and text in rule['values'])) }}
    {%- elif rule.kind == 'date' -%}
        {{ return(not _is_real_date(text)) }}
    {%- elif rule.kind == 'time_zone' -%}
        {%- set pattern = '^[A-Za-z0-9/_+-]+$' -%}
        {%- if not (value is string and modules.re.match(pattern, text)) -%}
            {{ return(true) }}
        {%- endif -%}
        {#- Checked against the engine's list, which only a connection gives. -#}
        {%- if execute and use_connection -%}
            {{ return(not adapter.dispatch('is_known_time_zone')(text)) }}
        {%- endif -%}
        {{ return(false) }}
    {%- endif -%}
    {#- number or whole: a YAML number, not a text or a boolean -#}
    {%- if value is boolean or value is not number
            or (rule.kind == 'whole' and value is not integer) -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set number = value -%}
    {%- set low = rule.get('min') -%}
    {%- set high = rule.get('max') -%}
    {%- if low is not none and (number < low
            or (rule.get('min_open', false) and number == low)) -%}
        {{ return(true) }}
    {%- elif high is not none and (number > high
            or (rule.get('max_open', false) and number == high)) -%}
        {{ return(true) }}
    {%- elif rule.get('min_var') in checked
            and number < checked[rule.min_var] -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(false) }}
{% endmacro %}


{#- What the rule allows, in words: "a whole number >= 1", "one of ...". The
    bound of min_var is shown when that var is good (in checked). -#}
{% macro _var_allowed(rule, checked) %}
    {%- if rule.kind == 'text' -%}
        {%- set allowed = 'a non-empty text' -%}
    {%- elif rule.kind == 'names' -%}
        {%- set allowed = 'a non-empty list of column names' -%}
    {%- elif rule.kind == 'choice' -%}
        {%- set allowed = 'one of ' ~ (rule['values'] | join(', ')) -%}
    {%- elif rule.kind == 'date' -%}
        {%- set allowed = 'a real date written YYYY-MM-DD' -%}
    {%- elif rule.kind == 'time_zone' -%}
        {%- set allowed = 'an IANA time zone name such as UTC or Europe/Paris' -%}
    {%- else -%}
        {%- set low = rule.get('min') -%}
        {%- set high = rule.get('max') -%}
        {%- set noun = 'a whole number' if rule.kind == 'whole' else 'a number' -%}
        {%- if low is not none and high is not none -%}
            {%- if rule.get('min_open', false) and rule.get('max_open', false) -%}
                {%- set allowed = noun ~ ' strictly between ' ~ low ~ ' and ' ~ high -%}
            {%- else -%}
                {%- set allowed = noun ~ ' in ' ~ ('(' if rule.get('min_open', false)
                    else '[') ~ low ~ ', ' ~ high ~ ']' -%}
            {%- endif -%}
        {%- else -%}
            {%- set allowed = noun ~ (' > ' if rule.get('min_open', false) else ' >= ')
                ~ low -%}
        {%- endif -%}
        {%- if rule.get('min_var') in checked -%}
            {%- set allowed = allowed ~ ' and >= ' ~ rule.min_var ~ ' ('
                ~ checked[rule.min_var] ~ ')' -%}
        {%- endif -%}
    {%- endif -%}
    {%- if rule.get('nullable', false) -%}
        {%- set allowed = 'null or ' ~ allowed -%}
    {%- endif -%}
    {{ return(allowed) }}
{% endmacro %}


{#- A value as the message shows it, in YAML: null, true, 1.5, or a text in quotes. -#}
{% macro _var_shown(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is boolean -%}
        {{ return(value | string | lower) }}
    {%- elif value is iterable and value is not string and value is not mapping -%}
        {{ return(value | string) }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- endif -%}
    {{ return("'" ~ value ~ "'") }}
{% endmacro %}


{#- True when text is YYYY-MM-DD and a day of the Gregorian calendar. -#}
{% macro _is_real_date(text) %}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set parts = text.split('-') | map('int') | list -%}
    {%- set year, month, day = parts[0], parts[1], parts[2] -%}
    {%- set leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30,
        31, 31, 30, 31, 30, 31] -%}
    {{ return(year >= 1 and 1 <= month <= 12 and 1 <= day <= month_days[month - 1]) }}
{% endmacro %}
