"""Waves of a Spark build (customer_lifecycle.spark.waves) on a hand-made graph.

    seed s -> sql a -> python p -> sql b -> python q -> sql c
                    \\-> sql d (no Python above)
    tests: t_a (a), t_ab (a, b: spans two waves), t_p (p); unit test u_b (b)

Expected by hand: wave 1 builds s, a, d, t_a and runs p; wave 2 builds b, t_ab,
t_p, u_b and runs q; wave 3 builds c.
"""

import pytest

from customer_lifecycle.spark.waves import Wave, plan_waves, selector


def _node(kind, name, parents=(), language="sql", materialized="table"):
    return {
        "resource_type": kind,
        "name": name,
        "language": language,
        "package_name": "pkg",
        "fqn": ["pkg", name],
        "config": {"materialized": materialized},
        "depends_on": {
            "nodes": [f"model.pkg.{p}" if p != "s" else "seed.pkg.s" for p in parents]
        },
    }


@pytest.fixture
def manifest():
    nodes = {
        "seed.pkg.s": {**_node("seed", "s"), "depends_on": {"macros": []}},
        "model.pkg.a": _node("model", "a", ["s"]),
        "model.pkg.e": _node("model", "e", ["a"], materialized="ephemeral"),
        "model.pkg.p": _node("model", "p", ["e"], language="python"),
        "model.pkg.b": _node("model", "b", ["p"]),
        "model.pkg.q": _node("model", "q", ["b", "p"], language="python"),
        "model.pkg.c": _node("model", "c", ["q"]),
        "model.pkg.d": _node("model", "d", ["a"]),
        "test.pkg.t_a": _node("test", "t_a", ["a"]),
        "test.pkg.t_ab": _node("test", "t_ab", ["a", "b"]),
        "test.pkg.t_p": _node("test", "t_p", ["p"]),
    }
    unit = {"unit_test.pkg.b.u_b": {**_node("unit_test", "u_b", ["b"])}}
    return {"nodes": nodes, "unit_tests": unit, "sources": {}}


def test_waves_by_hand(manifest):
    assert plan_waves(manifest) == [
        Wave(
            sql=("model.pkg.a", "model.pkg.d", "seed.pkg.s", "test.pkg.t_a"),
            python=("model.pkg.p",),
        ),
        Wave(
            sql=("model.pkg.b", "test.pkg.t_ab", "test.pkg.t_p", "unit_test.pkg.b.u_b"),
            python=("model.pkg.q",),
        ),
        Wave(sql=("model.pkg.c",), python=()),
    ]


def test_selectors_name_one_node(manifest):
    assert selector(manifest["nodes"]["test.pkg.t_ab"]) == "fqn:pkg.t_ab"
    assert selector(manifest["unit_tests"]["unit_test.pkg.b.u_b"]) == (
        "unit_test:pkg.u_b"
    )


def test_tests_sharing_a_selector_run_in_the_same_wave(manifest):
    # Two generic tests of one name (on two versions of a model), one on a,
    # one on b: a selector names both, so both wait for b's wave.
    for uid, parent in (("test.pkg.same.1", "a"), ("test.pkg.same.2", "b")):
        manifest["nodes"][uid] = _node("test", "same", [parent])
    waves = plan_waves(manifest)
    assert "test.pkg.same.1" not in waves[0].sql
    assert {"test.pkg.same.1", "test.pkg.same.2"} <= set(waves[1].sql)
