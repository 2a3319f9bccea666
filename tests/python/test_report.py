"""The visual report (customer_lifecycle.report).

- In a real browser (Debian's headless Chromium): every chart that has data
  renders, with no script error; a chart without data says why.
- Readings computed from a tiny warehouse built here by hand.
- The dbt exposure customer_lifecycle_report declares every table the report
  queries (and no other), read from the queries the report really runs.
- What the report says, checked against the marts read here independently: the
  first action shown is rank 1 of customer_actions, the churn model named is
  the one behind churn_scores; small survey samples are marked; every axis and
  colour bar has a title; amounts carry the currency; without a build the
  command prints one line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from customer_lifecycle import report
from customer_lifecycle.report import cli

# EUR and 20, not the dbt_project.yml defaults (USD, 30): a report that ignored
# its settings would show.
SETTINGS = report.Settings(currency="EUR", min_survey_answers=20)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _dump_dom(page: Path, profile: Path) -> str:
    assert CHROMIUM, "chromium is not installed (apt-get install -y chromium)"
    completed = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}",
            "--virtual-time-budget=20000", "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def _status(dom: str) -> dict[str, str]:
    match = re.search(r"<p id=\"render-status\"([^>]*)>", dom)
    assert match, "the page script did not run"
    return dict(re.findall(r'data-(\w+)="([^"]*)"', match.group(1)))


class _RecordingConnection:
    """A read-only DuckDB connection that records the SQL the report runs."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.queries: list[str] = []

    def sql(self, query: str):
        self.queries.append(query)
        return self.connection.sql(query)


def _table_name(node: dict) -> str:
    """The name the report reads a manifest node by."""
    version = node.get("version")
    if version is None or str(version) == str(node.get("latest_version")):
        return node["name"]
    return f"{node['name']}_v{version}"


def test_exposure_declares_every_table_the_report_queries(demo_build) -> None:
    with demo_build.connect() as connection:
        recording = _RecordingConnection(connection)
        report.render(recording, SETTINGS)
    queried = {
        # "marts.customer_clv AS clv" -> "customer_clv"
        name.split(" ")[0].split(".")[-1]
        for query in recording.queries
        for name in duckdb.get_table_names(query, qualified=True)
    }
    assert {"customer_360", "rejected_rows"} <= queried, queried
    manifest = json.loads(
        (demo_build.database.parent / "target" / "manifest.json").read_text()
    )
    exposure = manifest["exposures"][
        "exposure.customer_lifecycle.customer_lifecycle_report"
    ]
    # A ref to the latest version is read by the plain name (marts.x), one to
    # an older version by its table (marts.x_v1).
    declared = {
        _table_name(manifest["nodes"][node]) for node in exposure["depends_on"]["nodes"]
    }
    assert queried - declared == set(), "queried by the report, not in the exposure"
    assert declared - queried == set(), "in the exposure, never queried by the report"


def test_report_renders_every_chart_in_a_browser(demo_build, tmp_path: Path) -> None:
    page = report.write_report(demo_build.database, tmp_path / "report", SETTINGS)
    html = page.read_text()
    # Offline: no script, style or image is loaded from elsewhere.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", html)
    dom = _dump_dom(page, tmp_path / "profile")
    status = _status(dom)
    assert json.loads(status["errors"].replace("&quot;", '"')) == []
    charts = int(status["charts"])
    assert charts >= len(report.CHARTS) - 2, status  # at most two without data
    assert status["rendered"] == status["charts"], status
    # Each chart without a figure says why, and each section has a reading.
    sections = re.findall(
        r"<section class=\"chart\"[^>]*data-has-figure=\"(\w+)\"", dom
    )
    assert len(sections) == len(report.CHARTS)
    assert dom.count('class="empty"') == sections.count("false")


def test_a_broken_chart_is_caught_by_the_browser_check(tmp_path: Path) -> None:
    """The browser check can fail: a figure whose div never renders is counted."""
    page = tmp_path / "broken.html"
    good = go.Figure(go.Bar(x=[1], y=[1])).to_html(
        full_html=False, include_plotlyjs=False
    )
    broken = "<div class='not-a-plot'></div><script>undefined_function();</script>"
    page.write_text(
        "<html><head>"
        f"<script>{report.PAGE_SCRIPT}</script><script>{get_plotlyjs()}</script>"
        "</head><body>"
        f"<section class='chart' data-has-figure='true'>{good}</section>"
        f"<section class='chart' data-has-figure='true'>{broken}</section>"
        "<p id='render-status'></p></body></html>"
    )
    status = _status(_dump_dom(page, tmp_path / "profile"))
    assert status["charts"] == "2" and status["rendered"] == "1"
    assert "undefined_function" in status["errors"]


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "tiny.duckdb"))
    connection.sql("create schema marts; create schema audit")
    connection.sql(
        """
        create table marts.customer_rfm as
        select * from (values
            ('a', 'champions', 600.0), ('b', 'champions', 200.0),
            ('c', 'dormant', 100.0), ('d', 'dormant', 50.0), ('e', 'dormant', 50.0)
        ) as t(customer_id, rfm_segment, revenue)
        """
    )
    connection.sql(
        """
        create table audit.rejected_rows as
        select * from (values ('orders', 'missing customer_id'),
            ('orders', 'missing customer_id'), ('surveys', 'duplicate row'))
            as t(source_name, reason);
        create table audit.source_row_counts as
        select * from (values ('orders', 97, 2), ('surveys', 3, 1))
            as t(source_name, input_rows, rejected_rows)
        """
    )
    return connection


def test_readings_are_computed_from_the_data(tiny_warehouse) -> None:
    # champions: 2 of 5 buyers = 40%; revenue 800 of 1000 = 80%.
    rfm = report.rfm_grid(tiny_warehouse, SETTINGS)
    assert rfm.reading == "'champions' are 40% of buyers and bring 80% of revenue."
    # 3 of 100 input rows rejected = 3.00%; most common: orders' missing customer_id.
    quality = report.data_quality(tiny_warehouse, SETTINGS)
    assert quality.reading == (
        "3 of 100 input rows (3.00%) were set aside; the most common reason: "
        "orders: missing customer_id."
    )


# --- the purchase-forecast backtest reading ------------------------------------

SELECTION_COLUMNS = (
    "purchase_model, status, is_selected, purchase_model_var, backtest_kind,"
    " backtest_origins, pooled_absolute_relative_error, relative_total_error,"
    " shortest_backtest_days, longest_backtest_days, horizon_days,"
    " backtest_horizon_status"
)
ORIGIN_COLUMNS = (
    "origin_index, purchase_model, calibration_end_date, backtest_days,"
    " is_evaluable, evaluation_status, predicted_purchases, actual_purchases,"
    " relative_total_error"
)


def _backtest_marts(connection, selection: str, origins: str) -> None:
    """marts.btyd_model_selection, btyd_backtest_by_origin and an empty
    btyd_backtest (no chart) from rows written by hand."""
    connection.sql(
        f"""
        create or replace table marts.btyd_model_selection as
        select * from (values {selection}) as t({SELECTION_COLUMNS});
        create or replace table marts.btyd_backtest_by_origin as
        select * from (values {origins}) as t({ORIGIN_COLUMNS});
        create or replace table marts.btyd_backtest (grain varchar,
            group_value varchar, group_order integer, mean_predicted_purchases
            double, mean_actual_purchases double, calibration_end_date date,
            backtest_kind varchar)
        """
    )


def test_backtest_reading_pools_the_origins_every_usable_model_can_use(
    tiny_warehouse,
) -> None:
    # bg_nbd is usable but not evaluable at origin 3: only origins 1 and 2 are
    # pooled. pareto_nbd: (110 - 100) / 100 = +10%, (170 - 200) / 200 = -15%;
    # pooled |10| + |-30| over 300 = 13%; holdouts 120 and 200 days < 365.
    _backtest_marts(
        tiny_warehouse,
        "('pareto_nbd', 'fitted', true, 'auto', 'internal', 2, 0.1333, -0.0667,"
        " 120, 200, 365, 'shortened'),"
        " ('bg_nbd', 'degenerate', false, 'auto', 'internal', 2, 0.2, 0.1, 120, 200,"
        " 365, 'shortened')",
        "(1, 'pareto_nbd', date '2024-09-01', 120, true, 'evaluable', 110.0, 100.0,"
        " 0.10), (1, 'bg_nbd', date '2024-09-01', 120, true, 'evaluable', 120.0,"
        " 100.0, 0.2), (2, 'pareto_nbd', date '2024-06-01', 200, true, 'evaluable',"
        " 170.0, 200.0, -0.15), (2, 'bg_nbd', date '2024-06-01', 200, true,"
        " 'evaluable', 200.0, 200.0, 0.0), (3, 'pareto_nbd', date '2024-03-01', 290,"
        " true, 'evaluable', 500.0, 100.0, 4.0), (3, 'bg_nbd', date '2024-03-01',"
        " 290, false, 'fit_failed', null, 100.0, null)",
    )
    result = report.btyd_calibration_holdout(tiny_warehouse, SETTINGS)
    assert result.figure is None
    assert result.empty_reason == (
        "Backtested at 2 origins, each refitted on at least as much history as it "
        "predicts: pareto_nbd was off by 13% in total (from -15% to +10% by origin) "
        "over holdouts of 120–200 days. The history is too short to test the full "
        "365-day horizon; this is the accuracy of shorter forecasts."
    )


SHORT = "The history is too short to backtest the purchase forecasts"


@pytest.mark.parametrize(
    ("status", "model_var", "evaluation", "reading"),
    [
        ("fitted", "auto", "holdout_too_short",
         f"{SHORT}; the model was chosen by calibration fit."),
        ("fitted", "bg_nbd", "holdout_too_short",
         f"{SHORT}; bg_nbd was set by var purchase_model."),
        ("failed", "auto", "holdout_too_short",
         f"{SHORT}, and no purchase model could be fitted: no forecast."),
        ("fitted", "auto", "too_few_customers",
         "The purchase forecasts could not be backtested (too few customers); the"
         " model was chosen by calibration fit."),
    ],
)  # fmt: skip
def test_backtest_reading_without_an_evaluable_origin(
    tiny_warehouse, status, model_var, evaluation, reading
) -> None:
    _backtest_marts(
        tiny_warehouse,
        f"('bg_nbd', '{status}', true, '{model_var}', 'internal', 0, null, null,"
        " null, null, 365, 'not_evaluable')",
        f"(1, 'bg_nbd', date '2024-03-01', 40, false, '{evaluation}', null, 3.0, null)",
    )
    result = report.btyd_calibration_holdout(tiny_warehouse, SETTINGS)
    assert result.empty_reason == reading


def _expected_backtest_reading(build) -> str:
    """The backtest sentence, its figures recomputed from the origins."""
    selection = build.frame(
        f"select {SELECTION_COLUMNS} from marts.btyd_model_selection"
    )
    origins = build.frame(f"select {ORIGIN_COLUMNS}, horizon_days, backtest_kind"
                          " from marts.btyd_backtest_by_origin")  # fmt: skip
    usable = set(
        selection.loc[
            selection["status"].isin(["fitted", "degenerate"]), "purchase_model"
        ]
    )
    evaluable = (
        origins[origins["purchase_model"].isin(usable)]
        .groupby("origin_index")["is_evaluable"]
        .all()
    )
    model = selection.loc[selection["is_selected"], "purchase_model"].item()
    mine = origins[
        (origins["purchase_model"] == model)
        & origins["origin_index"].isin(evaluable[evaluable].index)
    ]
    assert len(mine) >= 1, "no evaluable origin: use the not_evaluable test"
    error = mine["predicted_purchases"] - mine["actual_purchases"]
    pooled = error.abs().sum() / mine["actual_purchases"].sum()
    by_origin = error / mine["actual_purchases"]
    days = mine["backtest_days"]
    horizon = int(origins["horizon_days"].iloc[0])
    if origins["backtest_kind"].iloc[0] == "external":
        direction = "more" if by_origin.iloc[0] > 0 else "fewer"
        sentence = (
            f"Backtested on one holdout, the {days.max()} days of orders after "
            f"as_of_date: {model} was off by {pooled:.0%} in total (it predicted "
            f"{direction} purchases than customers made)."
        )
        short = "The orders after as_of_date cover too few days"
    else:
        sentence = (
            f"Backtested at {len(mine)} origins, each refitted on at least as much "
            f"history as it predicts: {model} was off by {pooled:.0%} in total (from "
            f"{by_origin.min():+.0%} to {by_origin.max():+.0%} by origin) over "
            f"holdouts of {days.min()}–{days.max()} days."
        )
        short = "The history is too short"
    if days.min() < horizon:
        sentence += (
            f" {short} to test the full {horizon}-day horizon; this is the "
            "accuracy of shorter forecasts."
        )
    return sentence


def test_backtest_reading_matches_the_origins_of_the_demo(demo_build) -> None:
    expected = _expected_backtest_reading(demo_build)
    (latest,) = demo_build.query(
        "select max(calibration_end_date) from marts.btyd_backtest_by_origin"
    )[0]
    with demo_build.connect() as connection:
        result = report.btyd_calibration_holdout(connection, SETTINGS)
    assert result.figure is not None
    # The demo's two years of history cannot cover the 365-day horizon.
    assert "too short to test the full 365-day horizon" in expected
    assert result.reading == (
        f"{expected} The chart: the latest origin, refitted on orders up to {latest}."
    )


def test_an_external_backtest_is_one_holdout(cdnow_build) -> None:
    expected = _expected_backtest_reading(cdnow_build)
    assert expected.startswith("Backtested on one holdout, the 273 days")
    with cdnow_build.connect() as connection:
        assert report.btyd_calibration_holdout(connection, SETTINGS).reading == expected


def test_too_short_a_history_gives_no_accuracy_figure(tiny_build) -> None:
    # The tiny fixture: 90 days of history, 10 days of orders after as_of_date
    # (< var btyd_backtest_min_days), and too few customers for any fit.
    origins = tiny_build.frame(
        "select evaluation_status, is_evaluable from marts.btyd_backtest_by_origin"
    )
    assert set(origins["evaluation_status"]) == {"holdout_too_short"}
    assert not origins["is_evaluable"].any()
    (statuses,) = tiny_build.query(
        "select list(distinct status) from marts.btyd_model_selection"
    )
    assert statuses[0] == ["failed"]
    with tiny_build.connect() as connection:
        result = report.btyd_calibration_holdout(connection, SETTINGS)
    assert result.figure is None
    assert result.empty_reason == (
        "The history is too short to backtest the purchase forecasts, and no "
        "purchase model could be fitted: no forecast."
    )
    assert "%" not in result.empty_reason


# --- what the report says, against the marts ---------------------------------


@pytest.fixture(scope="module")
def demo_page(demo_build, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("demo_report")
    return report.write_report(demo_build.database, out, SETTINGS).read_text()


def _to_do_rows(page: str) -> list[tuple[int, str, str]]:
    """(rank, customer, action cell) of each row of the to-do table, in order."""
    rows = re.findall(
        r"<tr data-rank='(\d+)' data-customer='([^']*)'><td>\d+</td><td>[^<]*</td>"
        r"<td>([^<]*)</td>",
        page,
    )
    return [(int(rank), customer, action) for rank, customer, action in rows]


def test_report_starts_with_the_first_actions_of_customer_actions(
    demo_build, demo_page
) -> None:
    expected = demo_build.query(
        "select action_rank, customer_id, action, contact_channel"
        " from marts.customer_actions where is_worth_acting"
        " order by action_rank limit 10"
    )
    rank_one = demo_build.query(
        "select customer_id, action from marts.customer_actions where action_rank = 1"
    )
    shown = _to_do_rows(demo_page)
    # Before any chart: the to-do list comes first.
    assert demo_page.index("id='to-do'") < demo_page.index("class='chart'")
    assert shown[0][:2] == (1, rank_one[0][0])
    assert shown[0][2].startswith(rank_one[0][1])
    assert [(r, c, f"{a} ({ch})") for r, c, a, ch in expected] == shown


def test_the_named_churn_model_is_the_one_behind_churn_scores(demo_build) -> None:
    (version,) = demo_build.query(
        "select distinct model_version from marts.churn_scores"
    )
    # churn-<model_name>-v<n> (model_runs.model_version)
    published = re.fullmatch(r"churn-(\w+)-v\d+", version[0]).group(1)
    with demo_build.connect() as connection:
        result = report.churn_models(connection, SETTINGS)
    named = re.match(r"Churn scores come from [^(]*\((\w+)\)", result.reading)
    assert named and named.group(1) == published, result.reading
    assert "best" not in result.reading


@pytest.fixture
def churn_marts(tiny_warehouse) -> duckdb.DuckDBPyConnection:
    """The candidate looks best on the holdout, but the baseline is published."""
    tiny_warehouse.sql(
        """
        create table marts.model_evaluations as
        select * from (values
            ('r1', 'logistic_regression', false, false, 'roc_auc', 0.886, 0.86, 0.91,
             'holdout'),
            ('r1', 'bgnbd_expected_purchases', true, true, 'roc_auc', 0.881, 0.85,
             0.91, 'holdout'),
            ('r1', 'recency', true, false, 'roc_auc', 0.873, 0.84, 0.90, 'holdout')
        ) as t(model_run_id, model_name, is_baseline, is_selected, metric, value,
               ci_lower, ci_upper, evaluated_on);
        create table marts.model_calibration as
        select * from (values ('r1', 'bgnbd_expected_purchases', 1, 0.2, 0.25))
            as t(model_run_id, model_name, calibration_bin,
                 mean_predicted_probability, observed_churn_rate)
        """
    )
    return tiny_warehouse


def test_an_unpublished_candidate_is_never_called_the_best(churn_marts) -> None:
    reading = report.churn_models(churn_marts, SETTINGS).reading
    assert reading.startswith(
        "Churn scores come from the simple baseline BG/NBD expected purchases "
        "(bgnbd_expected_purchases): it ranks holdout customers with ROC AUC 0.881."
    ), reading
    assert "0.886 here but is not published" in reading
    assert "best" not in reading


@pytest.fixture
def survey_marts(tiny_warehouse) -> duckdb.DuckDBPyConnection:
    """March has 3 NPS answers (+33), February 50 (-10); min_survey_answers 20."""
    tiny_warehouse.sql(
        """
        create table marts.survey_scores as
        select * from (values
            (date '2024-02-01', -10.0, 50, 70.0, 40),
            (date '2024-03-01', 33.3, 3, 100.0, 2)
        ) as t(period_start, nps, nps_responses, csat, csat_responses);
        create table marts.survey_scores_by_group as
        select * from (values
            ('lifecycle_stage', 'active', -10.0, 347, 73.0, 248),
            ('lifecycle_stage', 'at_risk', -16.0, 69, 67.0, 52),
            ('lifecycle_stage', 'reactivated', 33.3, 6, 100.0, 1)
        ) as t(group_type, group_value, nps, nps_responses, csat, csat_responses)
        """
    )
    return tiny_warehouse


def test_small_survey_samples_are_marked_and_left_out(survey_marts) -> None:
    over_time = report.satisfaction_over_time(survey_marts, SETTINGS)
    nps = next(t for t in over_time.figure.data if t.name.startswith("NPS ("))
    # 50 answers: a full point; 3 answers (< 20): hollow, and labelled.
    assert list(nps.marker.symbol) == ["circle", "circle-open"]
    assert list(nps.customdata) == ["n = 50", "n = 3 (too few)"]
    assert over_time.reading == "Latest reliable NPS -10 (2024-02, 50 answers)."
    by_stage = report.satisfaction_by_stage(survey_marts, SETTINGS)
    bars = next(t for t in by_stage.figure.data if t.name.startswith("NPS"))
    assert list(bars.x) == ["active", "at_risk", "reactivated"]
    assert list(bars.marker.pattern.shape) == ["", "", "/"]
    assert list(bars.text) == ["n = 347", "n = 69", "n = 6 (too few)"]
    # reactivated's +33 on 6 answers is not "the highest".
    assert "highest among active customers (-10)" in by_stage.reading


CARTESIAN = {"scatter", "bar", "heatmap", "histogram", "box"}


def _untitled(figure: go.Figure) -> list[str]:
    """Axes and colour bars of a figure's JSON that have no title text."""
    spec = figure.to_plotly_json()
    layout = spec["layout"]
    missing = []
    for trace in spec["data"]:
        if trace.get("type", "scatter") in CARTESIAN:
            for letter in ("x", "y"):
                axis = trace.get(f"{letter}axis", letter).replace(
                    letter, f"{letter}axis"
                )
                if not layout.get(axis, {}).get("title", {}).get("text"):
                    missing.append(axis)
        marker = trace.get("marker", {})
        scaled = (
            trace.get("type") in {"heatmap", "contour", "histogram2d"}
            or "colorscale" in trace
            or "colorscale" in marker
        )
        colour_bar = trace.get("colorbar", marker.get("colorbar", {}))
        shown = trace.get("showscale", marker.get("showscale", True))
        if scaled and shown and not colour_bar.get("title", {}).get("text"):
            missing.append(f"{trace.get('type')} colour bar")
    return missing


def test_the_title_check_finds_a_missing_title() -> None:
    figure = go.Figure(go.Heatmap(z=[[1, 2]], yaxis="y2"))
    figure.update_layout(xaxis_title="x", yaxis2={"overlaying": "y"})
    assert _untitled(figure) == ["yaxis2", "heatmap colour bar"]


def test_every_axis_and_colour_bar_has_a_title(demo_build) -> None:
    with demo_build.connect() as connection:
        results = {
            chart.key: chart.build(connection, SETTINGS) for chart in report.CHARTS
        }
    untitled = {
        key: _untitled(result.figure)
        for key, result in results.items()
        if result.figure is not None and _untitled(result.figure)
    }
    assert untitled == {}


def test_amounts_carry_the_currency(demo_build, demo_page) -> None:
    assert report.money(1234.4, "EUR") == "EUR 1,234"
    assert report.money(81.649, "EUR") == "EUR 81.65"
    (total,) = demo_build.query(
        "select sum(expected_net_value) from marts.customer_actions"
        " where is_worth_acting"
    )[0]
    assert f"together worth EUR {total:,.0f} net" in demo_page
    assert "amounts in <b>EUR</b>" in demo_page
    assert "USD" not in demo_page.replace(get_plotlyjs(), "")


def _run_report(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "customer_lifecycle.report", *args],
        capture_output=True, text=True, cwd=cwd, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("database", ["missing.duckdb", "empty.duckdb"])
def test_before_any_build_one_line_and_no_traceback(tmp_path, database) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    project = Path(__file__).resolve().parents[2]
    completed = _run_report(
        "--out", str(tmp_path / "out"), "--database", str(tmp_path / database),
        cwd=project,
    )  # fmt: skip
    assert completed.returncode != 0
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].endswith(f"{tmp_path / database}: run dbt build first"), lines
    assert not (tmp_path / "out").exists()


def test_defaults_come_from_the_project_vars(demo_build, tmp_path) -> None:
    (tmp_path / "dbt_project.yml").write_text(
        "vars:\n  currency: GBP\n  report_min_survey_answers: 5000\n"
    )
    cli.main(
        ["--out", str(tmp_path / "out"), "--database", str(demo_build.database),
         "--project-dir", str(tmp_path)]
    )  # fmt: skip
    page = (tmp_path / "out" / "index.html").read_text()
    assert "amounts in <b>GBP</b>" in page
    # No period has 5000 answers: no NPS reading is trusted.
    assert "No period has 5000 NPS answers yet" in page
