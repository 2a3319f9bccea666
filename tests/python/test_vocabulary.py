"""One vocabulary: no public name means two things.

- The groups analysts filter on (lifecycle stages, RFM segments, KMeans segment
  labels) share no name, and no RFM segment or KMeans label uses a stage word.
- The business words that used to mean several things keep one meaning in every
  public table (a glossary written here, independent of the models' yml); no
  latest public table has a column named `channel` alone, nor a latest survey
  answer without `_score` or `_category`.
- The plain-name views analysts query carry the same comments as the tables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import dbt_build

STAGES = {"prospect", "new", "active", "growing", "at_risk", "churned", "reactivated"}
# A stage word in any spelling: "at_risk", "at risk", "at-risk".
STAGE_WORDS = re.compile(
    r"\b(prospects?|new|active|growing|at[ _-]risk|churned|reactivated)\b"
)

# Column name -> a phrase its description must contain in every public table, and
# retired names that must not appear in the latest versions.
GLOSSARY = {
    "frequency": "repeat purchase",
    "orders": "purchases (non-refund orders)",
    "revenue": "net revenue",
    "monetary_value": "repeat purchase days",
    "acquisition_channel": "acquisition channel",
    "contact_channel": "contact channel",
}
# `channel` alone meant three things (the acquisition channel, the contact
# channel of an action, the touchpoint type): a column says which.
RETIRED = {"monetary", "channel"}


def _public_latest_columns(tmp_path: Path) -> dict[str, dict[str, str]]:
    result = dbt_build(tmp_path, command="parse")
    assert result.returncode == 0, result.output[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    columns: dict[str, dict[str, str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node.get("access") != "public":
            continue
        if node.get("version") not in (None, node.get("latest_version")):
            continue
        for name, column in node["columns"].items():
            columns.setdefault(name, {})[node["name"]] = column["description"]
    return columns


def test_glossary_words_keep_one_meaning(tmp_path: Path) -> None:
    columns = _public_latest_columns(tmp_path)
    assert "customer_360" in columns["customer_id"], "public models not found"
    wrong = [
        (name, table, description[:80])
        for name, phrase in GLOSSARY.items()
        for table, description in columns.get(name, {}).items()
        if phrase not in description.lower()
    ]
    assert not wrong, f"a glossary word with another meaning: {wrong}"
    # A column whose name contains `frequency` speaks of the BTYD frequency.
    frequency_like = [
        (name, table)
        for name, tables in columns.items()
        if "frequency" in name.split("_")
        for table, description in tables.items()
        if "repeat purchase" not in description.lower()
        and "frequency" not in description.lower()
    ]
    assert not frequency_like, frequency_like
    assert not RETIRED & set(columns), f"retired names in use: {RETIRED & set(columns)}"
    assert {"acquisition_channel", "contact_channel"} <= set(columns)
    # The latest survey answer is named for what it is, as in
    # customer_satisfaction: latest_nps_score (0-10), never `latest_nps`, which
    # reads like an NPS (-100..100).
    bare_latest = [n for n in columns if re.search(r"latest_(nps|csat)$", n)]
    assert not bare_latest, bare_latest


def test_stage_segment_and_label_names_are_disjoint(demo_build) -> None:
    stages = {
        r[0]
        for r in demo_build.query(
            "select lifecycle_stage from marts.customer_lifecycle_stages group by 1"
        )
    }
    rfm = {
        r[0]
        for r in demo_build.query(
            "select rfm_segment from marts.customer_rfm group by 1"
        )
    }
    labels = {
        r[0]
        for r in demo_build.query(
            "select segment_label from marts.customer_segments group by 1"
        )
    }
    assert stages == STAGES
    assert rfm and labels
    assert not (stages & rfm or stages & labels or rfm & labels)
    with_stage_words = [n for n in rfm | labels if STAGE_WORDS.search(n.lower())]
    assert not with_stage_words, with_stage_words


def test_plain_name_views_carry_the_table_comments(demo_build) -> None:
    rows = demo_build.query(
        """
        select
            views.view_name,
            views.comment as view_comment,
            tables.comment as table_comment
        from duckdb_views() as views
        inner join duckdb_tables() as tables
            on tables.schema_name = views.schema_name
            and regexp_matches(tables.table_name, '^' || views.view_name || '_v[0-9]+$')
        where views.schema_name = 'marts'
        qualify tables.table_name = max(tables.table_name) over (
            partition by views.view_name
        )
        """
    )
    assert len(rows) >= 20, rows
    missing = [view for view, comment, table in rows if not comment or comment != table]
    assert not missing, f"views without their table's comment: {missing}"
    column_gaps = demo_build.query(
        """
        select views.table_name, views.column_name
        from duckdb_columns() as views
        inner join duckdb_views() as v
            on v.schema_name = views.schema_name and v.view_name = views.table_name
        where views.schema_name = 'marts' and coalesce(views.comment, '') = ''
        """
    )
    assert not column_gaps, column_gaps[:10]
