"""Stages are pure: each returns new values and leaves what it was given as it was. Building a batch
twice from the same file results gives the same batch, and the results, the registry, its settings
and the earlier result are unchanged afterwards; so are a batch after aggregating it and the settings
a roll-up is given."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace

import pandas as pd
import pytest

from cxzy_xl.aggregate import aggregate
from cxzy_xl.batch import build_batch, inbox_tasks, process_file
from cxzy_xl.demo import make_demo
from cxzy_xl.read import read_registry
from cxzy_xl.resultbook import read_previous
from cxzy_xl.rollup import rollup
from cxzy_xl.schema import Settings


@pytest.fixture(scope="module")
def quarter_two(tmp_path_factory):
    demo = make_demo(tmp_path_factory.mktemp("purity"), n_branches=16, seed=5)
    q = demo.next
    tasks, skipped = inbox_tasks(q.inbox)
    results = [process_file(*t) for t in tasks]
    return demo, q, results, skipped


def _frozen(*values):
    return pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)


def _same_batch(a, b):
    assert a.findings == b.findings
    assert a.settings == b.settings
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.files, b.files)


def test_building_a_batch_twice_gives_the_same_and_changes_nothing_given(quarter_two):
    demo, q, results, skipped = quarter_two
    registry = read_registry(q.registry)
    previous = read_previous(demo.result)
    given = copy.deepcopy((results, registry))
    before = _frozen(results, registry, registry.settings)
    before_details = {k: None if v is None else v.copy() for k, v in previous.details.items()}

    first = build_batch(results, registry, skipped, previous=[previous])
    second = build_batch(results, registry, skipped, previous=[previous])

    assert _frozen(results, registry, registry.settings) == before
    assert (results, registry) == given
    for k, v in before_details.items():
        if v is None:
            assert previous.details[k] is None
        else:
            pd.testing.assert_frame_equal(previous.details[k], v)
    _same_batch(first, second)
    # the figures too: what once came out 0 the second time (the values had been cleared)
    one, two = aggregate(first), aggregate(second)
    pd.testing.assert_frame_equal(one.by_branch, two.by_branch)
    assert one.total.iloc[0]["已兑现承诺数"] > 0
    assert any(f.code.name in ("COMMITMENT_VANISHED", "CONCERN_VANISHED", "MEMBER_GONE") for f in first.findings)


def test_a_registry_without_a_period_keeps_it_empty(quarter_two):
    _, q, results, skipped = quarter_two
    registry = read_registry(q.registry)
    blank = replace(registry, settings=replace(registry.settings, period="", committee=""))
    batch = build_batch(results, blank, skipped)
    assert batch.period and batch.settings.committee  # taken from the files
    assert blank.settings.period == "" and blank.settings.committee == ""


def test_aggregating_leaves_the_batch_as_it_was(quarter_two):
    _, q, results, skipped = quarter_two
    batch = build_batch(results, read_registry(q.registry), skipped)
    findings, tables = list(batch.findings), {k: v.copy() for k, v in batch.tables.items()}
    kept = _frozen(batch.results, batch.settings)
    aggregate(batch)
    aggregate(batch)
    assert batch.findings == findings and _frozen(batch.results, batch.settings) == kept
    for k, v in tables.items():
        pd.testing.assert_frame_equal(batch.tables[k], v)


def test_a_rollup_leaves_its_settings_as_given(quarter_two):
    demo, q, _, _ = quarter_two
    given = Settings()
    up = rollup([q.result], unit="县", settings=given, isolate=False)
    assert up.unit == "县" and up.period
    assert given == Settings()
