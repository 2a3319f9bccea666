"""The var checks (macros/check_vars.sql) and a build with non-default time units.

check_vars reports every bad var at once, one line each, so one dbt invocation
tests many vars: the checks run in a project of the real dbt_project.yml and
macros only (no models), where `dbt run-operation check_vars` takes seconds.
Expected lines are written out by hand from the rules in the README's Vars table.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jinja2
import pytest
import yaml
from conftest import FIXTURES, PROJECT_ROOT, dbt_build

from customer_lifecycle import btyd

HEADER = "Bad vars (set them in dbt_project.yml or with --vars):"

# One bad value for every var (the time zone is checked alone, below), with the
# line check_vars must print for it, in the order of dbt_project.yml.
OUT_OF_RANGE = [
    ("input_dir", "", "var input_dir must be a non-empty text, got ''"),
    (
        "as_of_date",
        "2024-02-30",
        (
            "var as_of_date must be null or a real date written YYYY-MM-DD,"
            " got '2024-02-30'"
        ),
    ),
    (
        "time_unit",
        "fortnight",
        "var time_unit must be one of day, week, month, quarter, year, got 'fortnight'",
    ),
    (
        "max_rejected_share",
        1.5,
        "var max_rejected_share must be a number in [0, 1], got 1.5",
    ),
    (
        "as_of_max_gap_days",
        -1,
        "var as_of_max_gap_days must be a whole number >= 0, got -1",
    ),
    ("max_id_length", 0, "var max_id_length must be a whole number >= 1, got 0"),
    (
        "max_input_amount",
        0,
        "var max_input_amount must be a number in (0, 1000000000000000], got 0",
    ),
    (
        "min_input_date",
        "1970-02-30",
        "var min_input_date must be a real date written YYYY-MM-DD, got '1970-02-30'",
    ),
    (
        "max_days_after_as_of",
        -1,
        "var max_days_after_as_of must be a whole number >= 0, got -1",
    ),
    ("gross_margin", -0.1, "var gross_margin must be a number in [0, 1], got -0.1"),
    (
        "annual_discount_rate",
        -0.01,
        "var annual_discount_rate must be a number >= 0, got -0.01",
    ),
    (
        "clv_period",
        "decade",
        "var clv_period must be one of day, week, month, quarter, year, got 'decade'",
    ),
    (
        "clv_horizon_periods",
        0,
        "var clv_horizon_periods must be a whole number >= 1, got 0",
    ),
    (
        "btyd_min_customers",
        0,
        "var btyd_min_customers must be a whole number >= 1, got 0",
    ),
    (
        "purchase_model",
        "pareto",
        "var purchase_model must be one of auto, bg_nbd, pareto_nbd, got 'pareto'",
    ),
    (
        "btyd_backtest_days",
        0,
        "var btyd_backtest_days must be null or a whole number >= 1, got 0",
    ),
    (
        "btyd_backtest_origins",
        0,
        "var btyd_backtest_origins must be a whole number >= 1, got 0",
    ),
    (
        "btyd_backtest_min_days",
        0,
        "var btyd_backtest_min_days must be a whole number >= 1, got 0",
    ),
    (
        "btyd_backtest_min_calibration_days",
        -1,
        "var btyd_backtest_min_calibration_days must be a whole number >= 0, got -1",
    ),
    (
        "ltv_window_periods",
        0,
        "var ltv_window_periods must be a whole number >= 1, got 0",
    ),
    (
        "lifecycle_period",
        "day",
        "var lifecycle_period must be one of week, month, quarter, got 'day'",
    ),
    (
        "lifecycle_churn_days",
        0,
        "var lifecycle_churn_days must be a whole number >= 1, got 0",
    ),
    (
        "lifecycle_default_rhythm_days",
        0,
        "var lifecycle_default_rhythm_days must be a number > 0, got 0",
    ),
    (
        "lifecycle_min_rhythm_days",
        -1,
        "var lifecycle_min_rhythm_days must be a number >= 0, got -1",
    ),
    (
        "lifecycle_at_risk_multiplier",
        0,
        "var lifecycle_at_risk_multiplier must be a number > 0, got 0",
    ),
    (
        "lifecycle_growth_periods",
        0,
        "var lifecycle_growth_periods must be a whole number >= 1, got 0",
    ),
    (
        "lifecycle_growth_factor",
        -1,
        "var lifecycle_growth_factor must be a number > 0, got -1",
    ),
    (
        "lifecycle_matrix_periods",
        0,
        "var lifecycle_matrix_periods must be a whole number >= 1, got 0",
    ),
    (
        "lifecycle_forecast_periods",
        0,
        "var lifecycle_forecast_periods must be a whole number >= 1, got 0",
    ),
    (
        "churn_window_days",
        0,
        "var churn_window_days must be a whole number >= 1, got 0",
    ),
    (
        "churn_holdout_share",
        0,
        "var churn_holdout_share must be a number strictly between 0 and 1, got 0",
    ),
    (
        "segment_k",
        1,
        "var segment_k must be null or a whole number >= 2, got 1",
    ),
    ("segment_k_min", 1, "var segment_k_min must be a whole number >= 2, got 1"),
    ("segment_k_max", 1, "var segment_k_max must be a whole number >= 2, got 1"),
    (
        "segment_silhouette_sample",
        99,
        "var segment_silhouette_sample must be a whole number >= 100, got 99",
    ),
    ("random_seed", -1, "var random_seed must be a whole number >= 0, got -1"),
    (
        "churn_sample_customers",
        99,
        "var churn_sample_customers must be a whole number >= 100, got 99",
    ),
    (
        "churn_backtest_origins",
        0,
        "var churn_backtest_origins must be a whole number >= 1, got 0",
    ),
    (
        "churn_numeric_features",
        [],
        "var churn_numeric_features must be a non-empty list of column names, got []",
    ),
    (
        "segment_fit_sample",
        50,
        "var segment_fit_sample must be a whole number >= 100, got 50",
    ),
    ("currency", "usd", None),
    (
        "report_min_survey_answers",
        0,
        "var report_min_survey_answers must be a whole number >= 1, got 0",
    ),
]

# Wrong types and the edges of the ranges: text for numbers (even digits), a
# fraction or a boolean for a whole number, an upper case unit, null where null
# is not allowed, an open bound reached, segment_k_max below segment_k_min.
# Numbers show as numbers in the message, texts in quotes.
WRONG_TYPES = [
    (
        "as_of_date",
        "2024-6-30",
        (
            "var as_of_date must be null or a real date written YYYY-MM-DD,"
            " got '2024-6-30'"
        ),
    ),
    (
        "time_unit",
        "Week",
        "var time_unit must be one of day, week, month, quarter, year, got 'Week'",
    ),
    (
        "max_rejected_share",
        "lots",
        "var max_rejected_share must be a number in [0, 1], got 'lots'",
    ),
    (
        "as_of_max_gap_days",
        2.5,
        "var as_of_max_gap_days must be a whole number >= 0, got 2.5",
    ),
    ("gross_margin", None, "var gross_margin must be a number in [0, 1], got null"),
    (
        "clv_horizon_periods",
        True,
        "var clv_horizon_periods must be a whole number >= 1, got true",
    ),
    (
        "ltv_window_periods",
        "12",
        "var ltv_window_periods must be a whole number >= 1, got '12'",
    ),
    (
        "churn_holdout_share",
        1,
        "var churn_holdout_share must be a number strictly between 0 and 1, got 1",
    ),
    (
        "segment_k",
        "three",
        "var segment_k must be null or a whole number >= 2, got 'three'",
    ),
    ("segment_k_min", 5, None),  # valid alone; with segment_k_max 4 it is not
    (
        "segment_k_max",
        4,
        (
            "var segment_k_max must be a whole number >= 2 and >= segment_k_min (5),"
            " got 4"
        ),
    ),
]

TIME_ZONE = [
    (
        "input_time_zone",
        "Mars/Olympus_Mons",
        (
            "var input_time_zone must be an IANA time zone name such as UTC or"
            " Europe/Paris, got 'Mars/Olympus_Mons'"
        ),
    ),
]

BATCHES = {"out_of_range": OUT_OF_RANGE, "wrong_types": WRONG_TYPES, "tz": TIME_ZONE}


@pytest.fixture(scope="module")
def macros_project(tmp_path_factory) -> Path:
    """The real dbt_project.yml, profiles.yml and macros, without any model."""
    root = tmp_path_factory.mktemp("vars_project")
    for name in ("dbt_project.yml", "profiles.yml", "macros"):
        (root / name).symlink_to(PROJECT_ROOT / name)
    return root


@pytest.fixture(scope="module")
def check_messages(
    macros_project: Path, monkeypatch_module, started_builds
) -> dict[str, str]:
    """`dbt run-operation check_vars` once per batch: the error text of each.

    (started_builds: the dbt runs of the last tests go on meanwhile.)
    """
    from dbt.cli.main import dbtRunner

    monkeypatch_module.setenv(
        "LIFECYCLE_DUCKDB_PATH", str(macros_project / "warehouse.duckdb")
    )
    monkeypatch_module.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    errors: list[str] = []

    def collect(event) -> None:
        if event.info.level == "error":
            errors.append(event.info.msg)

    runner = dbtRunner(callbacks=[collect])
    messages = {}
    for name, batch in BATCHES.items():
        errors.clear()
        variables = {var_name: value for var_name, value, _ in batch}
        result = runner.invoke(
            [
                "run-operation",
                "check_vars",
                "--project-dir",
                str(macros_project),
                "--profiles-dir",
                str(macros_project),
                "--target-path",
                str(macros_project / "target"),
                "--log-path",
                str(macros_project / "logs"),
                "--vars",
                yaml.safe_dump(variables, default_flow_style=True),
                "--quiet",
            ]
        )
        assert not result.success, f"batch {name} passed the checks"
        messages[name] = "\n".join(errors)
    return messages


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _reported_lines(message: str) -> list[str]:
    """The var lines of a check_vars error: the lines after the header."""
    lines = [line.strip() for line in message.splitlines()]
    assert HEADER in lines, message
    start = lines.index(HEADER) + 1
    return [line for line in lines[start:] if line.startswith("var ")]


@pytest.mark.parametrize(
    ("batch", "var_name", "expected"),
    [
        pytest.param(batch, var_name, expected, id=f"{batch}-{var_name}")
        for batch, cases in BATCHES.items()
        for var_name, _, expected in cases
        if expected is not None
    ],
)
def test_each_bad_var_has_its_message(check_messages, batch, var_name, expected):
    assert expected in _reported_lines(check_messages[batch])


@pytest.mark.parametrize("batch", list(BATCHES))
def test_every_bad_var_is_reported_once_in_order(check_messages, batch):
    expected = [line for _, _, line in BATCHES[batch] if line is not None]
    # A var without a spelled-out message (None: valid alone, or a message too
    # long to write here, such as currency's list of codes) is not compared.
    unspelled = tuple(f"var {name} " for name, _, line in BATCHES[batch] if not line)
    reported = _reported_lines(check_messages[batch])
    assert [line for line in reported if not line.startswith(unspelled)] == expected


def test_a_lower_case_currency_code_is_refused(check_messages):
    reported = _reported_lines(check_messages["out_of_range"])
    currency = [line for line in reported if line.startswith("var currency ")]
    assert len(currency) == 1
    assert "'EUR'" in currency[0] or " EUR," in currency[0]
    assert currency[0].endswith("got 'usd'")


def test_every_var_of_the_project_is_checked():
    """Each var of dbt_project.yml has a bad value tested here."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    tested = {name for name, _, _ in OUT_OF_RANGE + TIME_ZONE}
    assert set(project["vars"]) - tested == set()


def test_check_vars_runs_first_on_run_start():
    """Before land_input_files, so a bad var stops a build before any work (the
    landing runs in the first wave only of a Spark build in waves)."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    assert project["on-run-start"][:2] == [
        "{{ check_vars() }}",
        "{{ land_input_files() if env_var('LIFECYCLE_BUILD_WAVE', '1') == '1'"
        " else '' }}",
    ]


class _Return(Exception):
    """dbt's return(): a macro hands its value back by raising."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def _raise_return(value):
    raise _Return(value)


def test_sql_time_units_match_python():
    """macros/run_vars.sql time_units() rendered by Jinja = btyd.TIME_UNIT_DAYS."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["return"] = _raise_return
    source = (PROJECT_ROOT / "macros" / "run_vars.sql").read_text()
    with pytest.raises(_Return) as returned:
        environment.from_string(source).module.time_units()
    assert returned.value.value == btyd.TIME_UNIT_DAYS
    assert btyd.TIME_UNIT_DAYS["month"] == 30.4375 == 365.25 / 12


@pytest.fixture(scope="module")
def started_builds(tmp_path_factory):
    """Two dbt runs on the real project, in threads, so that their start-up and
    parse overlap the checks above:

    - run: tiny as of 2024-03-31, BTYD in months and CLV in weeks (the defaults
      swapped), the models of the purchase summary and of the CLV discounting;
    - parse: `dbt parse` with churn_window_days 0.
    """
    workdir = tmp_path_factory.mktemp("month_week")
    variables = {
        "input_dir": str(FIXTURES / "tiny"),
        "as_of_date": "2024-03-31",
        "max_rejected_share": 0.5,
        "time_unit": "month",
        "clv_period": "week",
    }
    select = (
        "+customer_purchase_summary +int_customer_historical_value"
        " +int_cohort_clv_parameters"
    )
    bad_var = {"churn_window_days": 0}
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {
            "run": pool.submit(dbt_build, workdir, variables, "run", select),
            "parse": pool.submit(dbt_build, workdir / "parse", bad_var, "parse"),
        }


@pytest.fixture(scope="module")
def month_week_build(started_builds):
    result = started_builds["run"].result()
    assert result.returncode == 0, result.output[-4000:]
    return result


def test_dbt_parse_stops_on_a_bad_var(started_builds):
    """The var lookups run check_vars when dbt renders the models, so its message
    comes before any model's own handling of the var (int_ml_run_context)."""
    result = started_builds["parse"].result()
    assert result.returncode != 0
    assert _reported_lines(result.output) == [
        "var churn_window_days must be a whole number >= 1, got 0"
    ]


def test_purchase_summary_in_months(month_week_build):
    # C1 buys on 2024-01-01, 01-15 and 02-12; as of 03-31: 42 days from the first
    # to the last purchase day, 90 days (2024 is a leap year) to as_of_date;
    # a month is 365.25 / 12 days.
    rows = month_week_build.query(
        "select time_unit, frequency, recency, t from marts.customer_purchase_summary"
        " where customer_id = 'C1'"
    )
    assert len(rows) == 1
    time_unit, frequency, recency, t = rows[0]
    assert (time_unit, frequency) == ("month", 2)
    assert recency == pytest.approx(42 * 12 / 365.25, rel=1e-12)
    assert t == pytest.approx(90 * 12 / 365.25, rel=1e-12)


def test_clv_discounted_per_week(month_week_build):
    # C1's margins: 4 + 2 (01-01) and 8 (01-15), 12 (02-12): weeks 0, 2 and 6 after
    # the first purchase, discounted at 10% a year: 1.1^(weeks x 7 / 365.25).
    (historical_clv,) = month_week_build.query(
        "select historical_clv from intermediate.int_customer_historical_value"
        " where customer_id = 'C1'"
    )[0]
    expected = 6 + 8 / 1.1 ** (2 * 7 / 365.25) + 12 / 1.1 ** (6 * 7 / 365.25)
    assert historical_clv == pytest.approx(expected, rel=1e-9)
    (period_rate,) = month_week_build.query(
        "select period_discount_rate from intermediate.int_cohort_clv_parameters"
    )[0]
    assert period_rate == pytest.approx(math.pow(1.1, 7 / 365.25) - 1, rel=1e-12)


def _check_vars_errors(project: Path, variables: dict) -> list[str]:
    """`dbt run-operation check_vars` in ``project``: the error lines, stripped."""
    from dbt.cli.main import dbtRunner

    errors: list[str] = []

    def collect(event) -> None:
        if event.info.level == "error":
            errors.append(event.info.msg)

    result = dbtRunner(callbacks=[collect]).invoke(
        ["run-operation", "check_vars", "--project-dir", str(project),
         "--profiles-dir", str(project), "--target-path", str(project / "target"),
         "--log-path", str(project / "logs"), "--quiet",
         "--vars", yaml.safe_dump(variables, default_flow_style=True)]
    )  # fmt: skip
    assert not result.success, "the checks passed"
    return [line.strip() for line in "\n".join(errors).splitlines()]


def test_an_unknown_var_on_the_command_line_is_named(
    macros_project, monkeypatch_module
):
    """A typo would leave the default in force: it stops the run instead, with
    the nearest known name (difflib); a name near none is named alone."""
    monkeypatch_module.setenv(
        "LIFECYCLE_DUCKDB_PATH", str(macros_project / "warehouse.duckdb")
    )
    lines = _check_vars_errors(
        macros_project, {"as_of_dat": "2024-01-01", "it's": 1, "segment_k": 5}
    )
    assert [line for line in lines if line.startswith("Unknown var")] == [
        "Unknown var as_of_dat (did you mean as_of_date?)",
        "Unknown var it's",
    ]


def test_an_unknown_var_in_dbt_project_yml_is_named(tmp_path, monkeypatch):
    """Global or under the project's name; a block named after another package
    (dbt itself here) is that package's business."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    project["vars"]["gross_margn"] = 0.3
    project["vars"]["customer_lifecycle"] = {"lifecycle_perod": "month"}
    project["vars"]["dbt"] = {"anything": 1}
    (tmp_path / "dbt_project.yml").write_text(yaml.safe_dump(project))
    for name in ("profiles.yml", "macros"):
        (tmp_path / name).symlink_to(PROJECT_ROOT / name)
    monkeypatch.setenv("LIFECYCLE_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    lines = _check_vars_errors(tmp_path, {})
    assert [line for line in lines if line.startswith("Unknown var")] == [
        "Unknown var gross_margn (did you mean gross_margin?)",
        "Unknown var lifecycle_perod (did you mean lifecycle_period?)",
    ]
